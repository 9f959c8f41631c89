"""The intake nurse's side: third-person wording, why-we-ask on demand, the emergency
script, and a short record summary with the call's details; early calls saved."""

from __future__ import annotations

import re

import pytest

from screener.catalogue.questions import QUESTIONS, STEPS
from screener.engine.disclaimer import disclaimer
from screener.exports.nurse import OUTCOMES, nurse_label

from .conftest import COMPLETE_ANSWERS, form_encode

FIRST_PERSON = re.compile(r"\b(I|I'm|me|my|mine)\b")


def text(response) -> str:
    return response.get_data(as_text=True)


def _summary(page: str) -> str:
    return page[page.index('<textarea id="summary"'): page.index("</textarea>")]


@pytest.mark.parametrize("qid", list(QUESTIONS))
def test_every_choice_has_nurse_wording_without_first_person(qid):
    for choice in QUESTIONS[qid].choices:
        assert not FIRST_PERSON.search(nurse_label(qid, choice.value)), (qid, choice.value)


def test_intake_page_uses_nurse_wording_and_keeps_why_we_ask(client):
    page = text(client.get("/intake"))
    assert "Smokes or uses nicotine (including vaping)" in page
    assert "I smoke" not in page
    for step in STEPS:
        assert f'href="/intake/why#why-{step.id}" target="why"' in page
    why = text(client.get("/intake/why"))
    for step in STEPS:
        assert f'id="why-{step.id}"' in why
    for question in QUESTIONS.values():
        assert question.help.replace("'", "&#39;") in why, question.id


def test_missing_intake_answers_are_listed_by_field_name(client):
    page = text(client.post("/intake", data=form_encode({"red_flags": ["none"]})))
    summary = page[page.index('id="error-summary"'): page.index("</ul>")]
    assert '<a href="#symptom_duration-0">Duration</a>' in summary
    assert page.count("Not answered yet.") == summary.count("<li>")


def test_intake_page_carries_the_emergency_script(client):
    page = text(client.get("/intake"))
    script = page[page.index('id="emergency-script"'): page.index("</div>", page.index(
        'id="emergency-script"'))]
    assert "data-shown-when" in script and " hidden>" in script
    assert "call 911 now" in script


def test_emergency_result_speaks_to_the_nurse(client):
    client.post("/intake", data=form_encode({"red_flags": ["saddle_numbness"]}))
    page = text(client.get("/intake/result"))
    assert "<h1>Emergency: the caller should call 911 now</h1>" in page
    assert "Emergency: what to tell the caller now" in page
    summary = _summary(page)
    assert "Emergency answer: screening stopped" in summary


def test_record_summary_comes_first_and_is_short_third_person_without_rule_ids(
        client, ruleset):
    client.post("/intake", data=form_encode(COMPLETE_ANSWERS | {"red_flags": ["fever"]}))
    page = text(client.get("/intake/result"))
    main = page[page.index("<main"):]
    assert main.index('id="summary-title"') < main.index("data-topic=")
    summary = _summary(page)
    # The questions the patient may bring stay in the patient's own words, on purpose.
    nurse_words = re.sub(r"QUESTIONS THE PATIENT MAY BRING\n(- .*\n)+", "",
                         summary.split("IMPORTANT")[0])
    assert not FIRST_PERSON.search(nurse_words)
    assert "Smokes or uses nicotine" in summary and "Age: 40 to 59" in summary
    assert "rules:" not in summary
    for rule_id in (rule.rule.id for rule in ruleset.rules if "-" in rule.rule.id):
        assert rule_id not in summary
    assert re.search(r"Date and time: \d{4}-\d\d-\d\d \d\d:\d\d", summary)
    assert re.search(r"Reference: \d{8}-\d{4}-[0-9A-F]{4}", summary)
    assert summary.rstrip().endswith(disclaimer())
    # Short: about a screen, with up to six questions the patient may bring.
    assert len(summary.splitlines()) < 45


def test_every_red_flag_screened_is_named_present_or_absent(client):
    client.post("/intake", data=form_encode(COMPLETE_ANSWERS | {"red_flags": ["fever"]}))
    summary = _summary(text(client.get("/intake/result")))
    present = next(line for line in summary.splitlines() if line.startswith("Red flags reported"))
    absent = next(line for line in summary.splitlines() if line.startswith("Red flags asked"))
    flags = [choice for choice in QUESTIONS["red_flags"].choices if choice.level]
    assert all(choice.record_name for choice in flags)
    for choice in flags:
        assert choice.record_name in (present if choice.value == "fever" else absent), choice


def test_nurse_adds_name_outcome_and_note_to_the_record(client):
    client.post("/intake", data=form_encode(COMPLETE_ANSWERS))
    response = client.post("/intake/record", data={"nurse": "J. Ortiz", "outcome": "visit_booked",
                                                   "note": "Prefers mornings."})
    assert response.status_code == 302
    summary = _summary(text(client.get("/intake/result")))
    assert "Taken by: J. Ortiz" in summary
    assert f"Outcome: {OUTCOMES['visit_booked']}" in summary
    assert "Note: Prefers mornings." in summary
    download = text(client.get("/intake/summary.txt"))
    assert "Taken by: J. Ortiz" in download and download.rstrip().endswith(disclaimer())


def test_unknown_outcome_is_ignored(client):
    client.post("/intake", data=form_encode(COMPLETE_ANSWERS))
    client.post("/intake/record", data={"outcome": "<script>"})
    assert "Outcome: -" in _summary(text(client.get("/intake/result")))


def test_a_call_that_ends_early_is_saved_as_incomplete(client):
    response = client.post("/intake", data=form_encode(
        {"red_flags": ["none"], "diagnosis": ["herniated_disc"]}) | {"incomplete": "1"})
    assert response.status_code == 302 and response.location == "/intake/result"
    page = text(client.get("/intake/result"))
    summary = _summary(page)
    assert "INCOMPLETE" in summary and "Diagnosis: Herniated" in summary
    assert "Not asked:" in summary and "Age" in summary.split("Not asked:")[1]
    assert f"Outcome: {OUTCOMES['ended_early']}" in summary
    assert "Incomplete call" in page


def test_an_early_call_still_rejects_bad_values(client):
    response = client.post("/intake", data={"red_flags": ["nonsense"], "incomplete": "1"})
    assert response.status_code == 422


def test_new_call_starts_a_new_reference(client):
    client.post("/intake", data=form_encode(COMPLETE_ANSWERS))
    first = re.search(r"Reference: (\S+)", _summary(text(client.get("/intake/result")))).group(1)
    client.post("/intake/new")
    client.post("/intake", data=form_encode(COMPLETE_ANSWERS))
    second = re.search(r"Reference: (\S+)", _summary(text(client.get("/intake/result")))).group(1)
    assert first != second
