"""Benchmark: how long the nurse's call and the record's note are, for every held-out
answer set (the rule set's scenarios, rules/tests/*.yaml).

Run: .venv/bin/python bench/nurse_words.py [--locale es] [--read-options]

For each answer set it prints the words the nurse reads aloud
(``exports.nurse.call_script``: one sentence per question that applies, the red flags in
their spoken groups, the emergency script on an emergency answer, and what to tell the
caller at the end) and the words of the note for the record (``exports.nurse.nurse_record``,
with a name, a date of birth, a clinic identifier, a nurse, the outcome "Visit booked" and a
one-line note, as a real call has), and of the same note on a staff call on a patient's send
(their phone and best time added, a second answers version). Then the longest of each,
against the targets: 450 words to read (3 minutes at 150 words a minute) and 200 words of
note. --read-options adds every option of every question that applies, as if the nurse read
them all (the worst case, and how the call was read before options became "read only when
the caller hesitates"). Figures are for reading: exit code 0.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from screener.catalogue.answers import AnswersError, validate_answers, visible_questions  # noqa: E402
from screener.engine.evaluate import evaluate  # noqa: E402
from screener.engine.loader import load_ruleset  # noqa: E402
from screener.engine.scenarios import load_scenarios  # noqa: E402
from screener.exports.nurse import CallRecord, call_script, nurse_record  # noqa: E402
from screener.i18n import t  # noqa: E402
from screener.resources import data_dir  # noqa: E402

SCRIPT_TARGET, RECORD_TARGET = 450, 200
A_CALL = CallRecord("20261204-1835-AB12", datetime(2026, 12, 4, 18, 35, tzinfo=UTC),
                    nurse="J. Ortiz", outcome="visit_booked",
                    note="consult booked 12 Dec with Dr Ruiz", name="Alex Morgan",
                    birth_date="1970-01-02", clinic_id="004512")
# A staff call on a patient's send: the contact details they gave and a later version too.
A_STAFF_CALL = replace(A_CALL, phone="+1 555 014 7229", best_time="evening", version="2")


def words(lines: list[str] | str) -> int:
    return len((" ".join(lines) if isinstance(lines, list) else lines).split())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--locale", default="en")
    parser.add_argument("--read-options", action="store_true")
    args = parser.parse_args()
    rules_dir = data_dir("rules")
    rules = load_ruleset(rules_dir)
    rows: list[tuple[int, int, int, str]] = []
    for _, scenario in load_scenarios(rules_dir / "tests"):
        try:
            answers = validate_answers(scenario.complete_answers, complete=False)
        except AnswersError:
            continue  # a scenario that checks a refusal has no call to read
        result = evaluate(rules, answers, locale=args.locale)
        script = call_script(answers, result, args.locale)
        if args.read_options:
            script += [t(c.spoken, args.locale) for q in visible_questions(answers)
                       for c in q.choices]
        rows.append((words(script), words(nurse_record(result, answers, A_CALL)),
                     words(nurse_record(result, answers, A_STAFF_CALL)), scenario.name))
    print(f"{'script':>6} {'record':>6} {'staff':>6}  answer set ({args.locale})")
    for script_words, record_words, staff_words, name in rows:
        print(f"{script_words:>6} {record_words:>6} {staff_words:>6}  {name}")
    longest_script = max(rows)
    longest_record = max(rows, key=lambda row: row[1])
    longest_staff = max(rows, key=lambda row: row[2])
    print(f"\n{len(rows)} answer sets")
    print(f"script: max {longest_script[0]} words (target {SCRIPT_TARGET}, "
          f"{longest_script[0] / 150:.1f} min at 150 words a minute): {longest_script[3]}")
    print(f"record: max {longest_record[1]} words (target {RECORD_TARGET}): "
          f"{longest_record[3]}")
    print(f"staff record with phone and best time: max {longest_staff[2]} words "
          f"(target {RECORD_TARGET}): {longest_staff[3]}")


if __name__ == "__main__":
    main()
