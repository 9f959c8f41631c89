"""The emergency result (third clinical review): which answers are an emergency, the reason
in words that fit what was ticked, the number, an ambulance where driving oneself is wrong,
and the patient flow, the intake page, the API, FHIR and the CLI all ending on it."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screener.app import create_app
from screener.catalogue.answers import offered_values, validate_answers
from screener.catalogue.conditions import compile_condition
from screener.catalogue.questions import (
    EMERGENCY_CONDITION,
    QUESTIONS,
    STEPS,
    is_emergency,
)
from screener.cli import main
from screener.engine.evaluate import evaluate
from screener.engine.safety_net import safety_net

from .conftest import COMPLETE_ANSWERS, EMERGENCY_ANSWERS, WizardActions, answer_sets

RED_FLAGS = QUESTIONS["red_flags"]
NERVES = ("emergency-nerves", "can become permanent", "puede ser para siempre", False)
# What each emergency answer must be told: the reason topic, words of the reason (en, es),
# and whether to call an ambulance rather than drive oneself (heart, stroke, bleeding).
REASONS: dict[tuple[str, ...], tuple[str, str, str, bool]] = {
    ("arm_weakness_worsening",): NERVES,
    ("bladder_bowel",): NERVES,
    ("both_legs_new",): NERVES,
    ("leg_weakness_worsening",): NERVES,
    ("neck_injury_nerve",): NERVES,
    ("saddle_numbness",): NERVES,
    ("chest_pain",): ("emergency-heart", "heart attack", "ataque al corazón", True),
    ("neck_artery_signs",): ("emergency-stroke", "stroke", "derrame cerebral", True),
    ("sudden_severe_pain",): ("emergency-bleeding", "bleeding", "sangrado", True),
    ("spinal_cord_signs", "fever"): (
        "emergency-spinal-infection", "infection near the spinal cord",
        "infección cerca de la médula", False),
    ("spinal_cord_signs", "infection_risk"): (
        "emergency-spinal-infection", "infection near the spinal cord",
        "infección cerca de la médula", False),
}
AMBULANCE = {"en": "for an ambulance", "es": "para pedir una ambulancia"}
NO_DRIVING = {"en": "Do not drive yourself", "es": "No maneje usted mismo"}


def test_every_emergency_answer_has_its_reason_here():
    """A new emergency value in the catalogue must be given its reason in this table."""
    assert sorted(REASONS) == sorted(tuple(a) for a in EMERGENCY_ANSWERS)
    (pair,) = EMERGENCY_CONDITION.any[1:]
    assert compile_condition(pair)({"red_flags": ["spinal_cord_signs", "fever"]})


@pytest.mark.parametrize("red_flags", EMERGENCY_ANSWERS, ids="+".join)
@pytest.mark.parametrize("locale", ["en", "es"])
def test_the_reason_fits_what_was_ticked(ruleset, red_flags, locale):
    topic_id, why_en, why_es, ambulance = REASONS[tuple(red_flags)]
    result = evaluate(ruleset, validate_answers({"red_flags": red_flags}),
                      emergency_number="112", locale=locale)
    assert result.stopped and result.emergency and result.safety_net is None
    assert [t.id for t in result.topics] == ["emergency-care", topic_id]
    care, reason = (t.body.in_locale(locale) for t in result.topics)
    assert "112" in care and NO_DRIVING[locale] in care
    assert (why_en if locale == "en" else why_es) in reason and "112" in reason
    assert (AMBULANCE[locale] in reason) is ambulance
    if ambulance:
        assert NO_DRIVING[locale] in reason
    for text in (care, reason):
        assert "nearest emergency room" not in text and "sala de emergencias" not in text


@pytest.fixture
def numbered_client():
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "test",
                      "RATELIMIT_ENABLED": False, "EMERGENCY_NUMBER": "112"})
    return app.test_client()


@pytest.mark.parametrize("red_flags", EMERGENCY_ANSWERS, ids="+".join)
def test_the_emergency_page_says_why_repeats_what_was_ticked_and_ends_the_flow(
        numbered_client, ruleset, red_flags):
    topic_id, why_en, _, ambulance = REASONS[tuple(red_flags)]
    wizard = WizardActions(numbered_client)
    assert wizard.answer_red_flags(red_flags).location == "/result"
    page = numbered_client.get("/result").get_data(as_text=True)
    assert re.findall(r'data-topic="([^"]+)"', page) == ["emergency-care", topic_id]
    assert 'href="tel:112"' in page and why_en in page
    assert ("for an ambulance" in page) is ambulance
    assert "nearest emergency room" not in page and 'id="safety-net"' not in page
    ticked = page[page.index('class="ticked"'):]
    ticked = ticked[:ticked.index("</ul>")]
    for value in red_flags:
        assert RED_FLAGS.label_of(value) in ticked
    summary = numbered_client.get("/result/summary.txt").get_data(as_text=True)
    assert ruleset.topics[topic_id].title.en in summary
    handout = numbered_client.get("/result/print").get_data(as_text=True)
    assert "Call the emergency number now" in handout and why_en in handout
    assert "next few days" not in handout
    assert numbered_client.get("/step/diagnosis").location == "/result"


@pytest.mark.parametrize("partner", ["fever", "infection_risk"])
def test_spinal_cord_signs_with_fever_or_infection_risk_are_complete_on_their_own(partner):
    answers = {"red_flags": ["spinal_cord_signs", partner]}
    assert validate_answers(answers) == answers
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    client = app.test_client()
    api = client.post("/api/v1/evaluate", json=answers)
    assert api.status_code == 200 and api.json["stopped"] and api.json["safety_net"] is None
    assert [t["id"] for t in api.json["topics"]] == ["emergency-care",
                                                      "emergency-spinal-infection"]
    fhir = client.post("/api/v1/evaluate", json=answers,
                       headers={"Accept": "application/fhir+json"})
    assert fhir.status_code == 200 and safety_net() not in fhir.json["text"]["div"]
    back = client.post("/fhir/QuestionnaireResponse", data=json.dumps(fhir.json),
                       content_type="application/fhir+json")
    assert back.status_code == 200, back.get_data(as_text=True)[:500]
    assert "emergency-spinal-infection" in back.get_data(as_text=True)
    cli = CliRunner().invoke(main, ["evaluate", "-"], input=json.dumps(answers))
    assert cli.exit_code == 0, cli.output
    assert json.loads(cli.output)["stopped"] is True
    intake = client.post("/intake", data=answers)
    assert intake.status_code == 302
    result = client.get("/intake/result").get_data(as_text=True)
    assert "Emergency: what to tell the caller now" in result
    assert "Emergency answer: screening stopped" in result
    assert "for an ambulance" in result and "spinal-cord-check" not in result


def test_spinal_cord_signs_alone_stay_urgent(ruleset):
    answers = COMPLETE_ANSWERS | {"red_flags": ["spinal_cord_signs", "night_pain"]}
    result = evaluate(ruleset, validate_answers(answers))
    assert not result.stopped and result.topics[0].id == "spinal-cord-check"
    with pytest.raises(ValueError, match="required"):
        validate_answers({"red_flags": ["spinal_cord_signs", "weight_loss"]})


def test_the_intake_script_shows_on_the_catalogue_emergency_condition(client):
    page = client.get("/intake").get_data(as_text=True)
    script = re.search(r'id="emergency-script" data-shown-when=\'([^\']+)\'', page)
    assert script and json.loads(script.group(1)) == EMERGENCY_CONDITION.model_dump(
        by_alias=True, exclude_none=True)
    hidden_after = [s for s in STEPS[1:] if s.shown_when]
    assert hidden_after and all(
        not compile_condition(s.shown_when)({"red_flags": ["spinal_cord_signs", "fever"]})
        for s in hidden_after)


@settings(max_examples=300, deadline=None)
@given(flags=st.lists(st.sampled_from([v for v in RED_FLAGS.values if v != "none"]),
                      min_size=1, unique=True))
def test_the_stop_rules_fire_on_exactly_the_catalogue_emergencies(ruleset, flags):
    answers = validate_answers(COMPLETE_ANSWERS | {"red_flags": flags}, complete=False)
    result = evaluate(ruleset, answers)
    assert result.stopped is result.emergency is is_emergency(flags)
    assert is_emergency(flags) is compile_condition(EMERGENCY_CONDITION)({"red_flags": flags})


PAIN_MEDICINE = re.compile(r"pain medicine|medicine for pain", re.IGNORECASE)


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(generated=answer_sets())
def test_pain_medicine_beside_pregnancy_comes_with_the_nsaid_warning(ruleset, generated):
    if "health_factors" in generated and "pregnant" in offered_values(
            QUESTIONS["health_factors"], generated):
        generated = generated | {"health_factors": ["pregnant"]}
    answers = validate_answers(generated)
    result = evaluate(ruleset, answers)
    bodies = [t.body.en for t in result.topics]
    if "pregnant" in answers.get("health_factors", ()) and any(map(PAIN_MEDICINE.search,
                                                                   bodies)):
        warning = ruleset.topics["risk-pregnancy"].body
        assert "risk-pregnancy" in [t.id for t in result.topics]
        assert "(NSAIDs), most of all from 20 weeks" in warning.en
        assert "pharmacist" in warning.en and "farmacéutico" in warning.in_locale("es")


@settings(max_examples=200, deadline=None)
@given(generated=answer_sets())
def test_neck_surgery_beside_spinal_cord_signs_says_the_cord_is_different(ruleset, generated):
    result = evaluate(ruleset, validate_answers(generated))
    shown = [t.id for t in result.topics]
    cord = "spinal_cord_signs" in generated["red_flags"]
    if "procedure-neck-surgery" in shown:
        assert ("neck-spinal-cord-pressure" in shown) is cord
        if cord:
            assert shown.index("neck-spinal-cord-pressure") < shown.index(
                "procedure-neck-surgery")
    text = ruleset.topics["neck-spinal-cord-pressure"].body.en
    assert "different from a pinched nerve" in text and "within days" in text


def test_the_safety_net_names_both_legs_and_sexual_feeling_in_each_language():
    assert "both legs" in safety_net() and "loss of sexual feeling" in safety_net()
    spanish = safety_net("911", "es")
    assert "las dos piernas" in spanish and "sensibilidad sexual" in spanish


def test_surgical_team_and_fracture_texts_fit_the_new_rules(ruleset):
    fusion = COMPLETE_ANSWERS | {"prior_surgery": "one", "prior_surgery_when": "6_to_12_months",
                                 "prior_surgery_type": ["fusion"],
                                 "prior_surgery_outcome": "worse"}
    shown = [t.id for t in evaluate(ruleset, validate_answers(fusion)).topics]
    assert "contact-your-surgical-team" in shown
    assert "less than a year" in ruleset.topics["contact-your-surgical-team"].body.en
    fall = COMPLETE_ANSWERS | {"red_flags": ["long_term_steroids", "trauma"]}
    assert "fracture-care" in [t.id for t in evaluate(ruleset, validate_answers(fall)).topics]
    assert "steroid tablets" in ruleset.topics["fracture-care"].body.en
