"""Nurse intake: one page, the same validation, the reasons shown, a summary to paste."""

from __future__ import annotations

import re

import pytest

from screener.catalogue.questions import QUESTIONS, RED_FLAG_GROUPS, STEPS
from screener.engine.disclaimer import disclaimer, record_disclaimer
from screener.engine.safety_net import safety_net

from .conftest import form_encode


def text(response) -> str:
    return response.get_data(as_text=True)


def test_every_question_on_one_page_in_contract_order(client):
    page = text(client.get("/intake"))
    order = [m for m in re.findall(r'id="question-([a-z0-9_]+)"', page)]
    assert order == [q for s in STEPS for q in s.questions]
    block = page.split('id="question-treatment_duration"')[1][:200]
    assert "data-shown-when=" in block and '"treatments_tried"' in block


def test_each_question_is_worded_to_read_aloud(client):
    page = text(client.get("/intake"))
    legends = re.findall(r"<legend>(.*?)</legend>", page)
    assert len(legends) == len(QUESTIONS)
    assert [re.sub(r" <span.*", "", legend) for legend in legends] == [
        q.spoken for q in QUESTIONS.values()]
    read = page[page.index('<ol class="read-aloud">'):page.index("</ol>")]
    assert re.findall(r"<li>(.*?)</li>", read) == [group.say for group in RED_FLAG_GROUPS]
    assert "stop me if any of these" in legends[0]


@pytest.mark.parametrize("qid", list(QUESTIONS))
def test_each_spoken_question_is_one_sentence(qid):
    spoken = QUESTIONS[qid].spoken
    assert re.search(r"[.?!]\s+\S", spoken) is None, spoken


def test_pain_score_is_typed_as_a_number_on_the_intake(client):
    page = text(client.get("/intake"))
    assert '<input class="number" type="number" inputmode="numeric" id="pain_score-0"' in page


def test_complete_intake_shows_topics_with_reasons(client, answers):
    response = client.post("/intake", data=form_encode(answers))
    assert response.status_code == 302 and response.location == "/intake/result"
    page = text(client.get("/intake/result"))
    assert 'data-topic="discuss-miss-with-specialist"' in page
    assert "miss-after-non-surgical-care" in page
    assert "How did this care work for you? <strong>It did not help</strong>" in page
    assert page.rindex(disclaimer()) > page.rindex("data-topic=")


def test_summary_box_holds_answers_titles_and_disclaimer(client, answers):
    client.post("/intake", data=form_encode(answers))
    page = text(client.get("/intake/result"))
    summary = page[page.index('<textarea id="summary"'): page.index("</textarea>")]
    assert "Age: 40-59" in summary
    assert "Discuss options incl. MISS with specialist" in summary  # the topic's record line
    assert summary.rstrip().endswith(record_disclaimer())
    assert summary.index("Safety net given: 911") < summary.index(record_disclaimer())
    # The record is the nurse's: none of the patient's paragraphs or questions to bring.
    assert "QUESTIONS THE PATIENT MAY BRING" not in summary
    assert safety_net() not in summary and disclaimer() not in summary
    assert "How many of these operations do you do each year?" not in summary
    assert page.rindex(disclaimer()) > page.rindex(safety_net()) > page.rindex("data-topic=")
    assert 'data-copy="summary"' in page


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"daily_impact": None}, "daily_impact", "Not answered yet."),
        ({"health_factors": ["none", "smoking"]}, "health_factors", "cannot be chosen together"),
        ({"pain_score": "eleven"}, "pain_score", "Choose a number from 0 to 10."),
        ({"pain_score": None}, "pain_score", "Not answered yet."),
    ],
)
def test_invalid_intake_uses_the_patient_flow_messages(client, answers, change, field, message):
    posted = form_encode({k: v for k, v in (answers | change).items() if v is not None})
    if change.get("pain_score") is not None:
        posted["pain_score"] = change["pain_score"]
    response = client.post("/intake", data=posted)
    assert response.status_code == 303 and response.location == "/intake"
    shown = client.get("/intake")
    assert shown.status_code == 422
    page = text(shown)
    assert f'id="{field}-error"' in page and message in page.replace("&#39;", "'")
    assert f'href="#{field}-0"' in page
    again = client.get("/intake")  # the messages were shown once; reload is a plain page
    assert again.status_code == 200 and f'id="{field}-error"' not in text(again)


def test_a_refused_intake_comes_back_by_get_with_what_was_sent(client, answers):
    posted = form_encode(answers | {"health_factors": ["none", "smoking"]})
    posted["caller_name"] = "Ada Lovelace"
    assert client.post("/intake", data=posted).status_code == 303
    page = text(client.get("/intake"))
    chosen = re.findall(r"name=(\w+) value=(\w+) checked", page)
    assert ("health_factors", "smoking") in chosen and ("health_factors", "none") in chosen
    assert all((qid, str(v)) in chosen for qid, v in answers.items()
               if isinstance(v, str) and qid != "health_factors")
    assert "Ada Lovelace" in page
    with client.session_transaction() as session:
        assert "intake" not in session and "intake_refused" not in session


def test_a_call_ended_early_is_refused_only_for_what_is_wrong(client):
    posted = {"red_flags": "none", "pain_score": "eleven", "incomplete": "1"}
    assert client.post("/intake", data=posted).status_code == 303
    page = text(client.get("/intake"))
    assert 'id="pain_score-error"' in page and "Not answered yet." not in page


def test_inapplicable_answers_are_ignored_without_javascript(client, answers):
    posted = answers | {"treatments_tried": ["none"], "prior_surgery": "none",
                        "prior_surgery_when": "gt_5_years", "imaging": ["none"]}
    assert client.post("/intake", data=form_encode(posted)).status_code == 302
    with client.session_transaction() as session:
        stored = session["intake"]
    for hidden in ("treatment_duration", "treatment_result", "prior_surgery_when",
                   "imaging_within_12_months"):
        assert hidden not in stored


def test_emergency_in_intake_needs_no_other_answers(client):
    response = client.post("/intake", data={"red_flags": ["both_legs_new"]})
    assert response.status_code == 302
    page = text(client.get("/intake/result"))
    assert re.findall(r'data-topic="([^"]+)"', page) == ["emergency-care", "emergency-nerves"]


def test_new_call_clears_everything(client, answers):
    client.post("/intake", data=form_encode(answers))
    assert client.post("/intake/new").location == "/intake"
    assert 'name="caller_name" class="text" value=""' in text(client.get("/intake"))
    assert client.get("/intake/result").location == "/intake"
    assert re.search(r"<input [^>]* checked", text(client.get("/intake"))) is None


@pytest.mark.parametrize("fmt", ["txt", "json"])
def test_intake_downloads_end_with_the_disclaimer(client, answers, fmt):
    client.post("/intake", data=form_encode(answers))
    response = client.get(f"/intake/summary.{fmt}")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    body = text(response)
    if fmt == "json":
        assert list(response.json)[-1] == "disclaimer"
        assert response.json["disclaimer"] == disclaimer()
    else:
        assert body.rstrip().endswith(record_disclaimer())


def test_options_are_drawn_as_the_form_fields_would_draw_them(app, answers):
    """The pages draw answers from ``option_rows`` (built once) instead of iterating each
    field's options: the same ids, values, checked state and words, in the same order."""
    from flask import render_template_string

    from screener.exports.nurse import nurse_label
    from screener.forms import form_class, form_data
    from screener.i18n import template_gettext

    block = ('{% from "_macros.html" import question_block with context %}'
             "{{ question_block(field, question, intake=true) }}")
    with app.test_request_context("/intake"):
        form = form_class(tuple(QUESTIONS))(data=form_data(answers))
        for qid, question in QUESTIONS.items():
            if question.kind == "integer":
                continue  # a number box on the intake page
            field = form[qid]
            html = render_template_string(block, field=field, question=question)
            drawn = re.findall(r"<input type=\w+(?: id=(\S+))? name=\S+ value=(\S+?)( checked)?"
                               r"(?: data-exclusive)?> (.*?)</label>", html)
            said = template_gettext("en")
            expected = [(option.id if i == 0 else "", option.data,
                         " checked" if option.checked else "",
                         str(said(nurse_label(qid, option.data))))
                        for i, option in enumerate(field)]
            assert drawn == expected, qid
