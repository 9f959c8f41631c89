"""Words that fit what the patient sees (issue 29): the goals prompt fits its choices, the
consent notice points to where the fields are, and a patient who reported a scan is never
told a doctor may decide if a scan is needed."""

from __future__ import annotations

import pytest

from screener.catalogue.questions import QUESTIONS
from screener.consent import PARAGRAPHS

from .conftest import COMPLETE_ANSWERS
from .test_handoff import Patient


def test_the_goals_prompt_fits_every_choice_it_offers():
    """"Get back to" does not fit "Less pain" or "Taking less medicine": the prompt asks
    what treatment should help with, which every choice answers."""
    goals = QUESTIONS["goals"]
    assert "get back to" not in goals.prompt and "get back to" not in goals.say
    assert goals.prompt == "What would you most like treatment to help with?"
    assert {"less_pain", "less_medication", "walk_further"} <= set(goals.values)


def test_the_consent_notice_points_up_to_the_fields_it_follows(handoff_app):
    page = Patient(handoff_app.test_client()).finish().form().get_data(as_text=True)
    assert page.index('id="note"') < page.index('id="notice-title"') < page.index('id="consent"')
    assert "note you typed above" in page
    assert not [p for p in PARAGRAPHS if "below" in p]


def texts_shown(app, answers, locale: str) -> str:
    result = app.extensions["screener.screening"].evaluate(answers, locale)
    return " ".join(text.in_locale(locale) for topic in result.topics
                    for _, text in topic.texts())


@pytest.mark.parametrize("diagnosis", [["not_sure"], ["other"], ["herniated_disc"]])
@pytest.mark.parametrize("scans", [["mri"], ["ct", "xray"]])
@pytest.mark.parametrize("recent", ["yes", "not_sure"])
def test_a_patient_with_a_recent_scan_is_not_told_a_doctor_may_decide_on_a_scan(
        app, diagnosis, scans, recent):
    answers = COMPLETE_ANSWERS | {"diagnosis": diagnosis, "imaging": scans,
                                  "imaging_within_12_months": recent}
    assert "need a scan" not in texts_shown(app, answers, "en")
    assert "necesita un estudio" not in texts_shown(app, answers, "es")
    if diagnosis != ["herniated_disc"]:
        assert "go over your scans with you" in texts_shown(app, answers, "en")


def test_a_patient_with_no_scan_still_hears_a_doctor_may_decide_on_one(app):
    answers = COMPLETE_ANSWERS | {"diagnosis": ["not_sure"], "imaging": ["none"]}
    answers.pop("imaging_within_12_months", None)
    assert "decide if you need a scan, such as an MRI" in texts_shown(app, answers, "en")
