"""The rule-set version: the content owners' label plus a hash of the loaded files."""

from __future__ import annotations

import re

from screener.engine.loader import load_ruleset
from screener.exports.render import result_json, result_text

from .conftest import COMPLETE_ANSWERS, RULES_DIR


def test_the_shipped_rules_carry_their_label_and_hash(ruleset):
    label = (RULES_DIR / "VERSION").read_text().strip()
    assert re.fullmatch(rf"{re.escape(label)}\+[0-9a-f]{{12}}", ruleset.version)


def test_any_edit_to_a_rule_file_changes_the_version(write_rules):
    rules = ("rules:\n  - id: r\n    description: Always.\n"
             "    when: {question: red_flags, includes_any: [none]}\n    adds: [talk]\n")
    first = load_ruleset(write_rules(rules=rules)).version
    assert first.startswith("unlabelled+")
    edited = load_ruleset(write_rules(rules=rules + "\n# reviewed\n")).version
    directory = write_rules(files={"VERSION": "clinic-7\n"})
    labelled = load_ruleset(directory).version
    assert len({first, edited}) == 2 and labelled == "clinic-7+" + edited.split("+")[1]


def test_every_export_names_the_version(ruleset):
    from screener.engine.evaluate import evaluate
    from screener.exports.fhir import questionnaire_response

    result = evaluate(ruleset, COMPLETE_ANSWERS)
    data = result_json(result)
    assert data["ruleset_version"] == ruleset.version and list(data)[-1] == "disclaimer"
    lines = result_text(result, COMPLETE_ANSWERS).splitlines()
    assert f"Rule set version: {ruleset.version}" in lines
    assert lines[-1].startswith("IMPORTANT:")
    fhir = questionnaire_response(COMPLETE_ANSWERS, result, "http://x")
    assert {"code": ruleset.version}.items() <= fhir["meta"]["tag"][0].items()
