"""The patient's downloads (text and PDF) in the patient's words and language: written to
"you", no rule ids, category tags or rule set version, the safety net (not after an
emergency) and the disclaimer last; every held-out answer set, in English and Spanish.
Staff and API exports keep their trace."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from screener.app import create_app
from screener.catalogue.answers import AnswersError, validate_answers
from screener.engine.evaluate import evaluate
from screener.engine.loader import load_ruleset
from screener.engine.safety_net import safety_net
from screener.engine.scenarios import load_scenarios
from screener.exports.patient import patient_text
from screener.exports.registry import Source
from screener.exports.render import result_json, staff_text

from .conftest import RULES_DIR, WizardActions

HELD_OUT = [scenario for _, scenario in load_scenarios(RULES_DIR / "tests")]
LANGUAGES = ["en", "es"]


def flat(text: str) -> str:
    return " ".join(text.split())


def trace_words(ruleset, result) -> list[str]:
    """What only machines and staff should read: the rule and topic ids (those with a
    dash, so no plain word is mistaken for one), the category tags and the version's hash."""
    ids = [r.rule.id for r in ruleset.rules if "-" in r.rule.id]
    ids += [tid for tid in ruleset.topics if "-" in tid]
    tags = [f"[{category}]" for category in ("urgent", "discuss", "prepare", "risk", "learn")]
    return [*ids, *tags, result.ruleset_version.split("+")[-1]]


def assert_in_the_patients_words(ruleset, result, said: str) -> None:
    """The invariants of every patient download, text or PDF (``said`` flattened)."""
    leaked = [word for word in trace_words(ruleset, result) if word in said]
    assert leaked == [], leaked
    assert "[" not in said and "]" not in said
    assert "Rule set" not in said and "rules:" not in said and "the patient" not in said
    assert said.endswith(flat(result.disclaimer))
    assert (flat(safety_net(locale=result.locale)) in said) is not result.stopped


@pytest.mark.parametrize("locale", LANGUAGES)
@pytest.mark.parametrize("scenario", HELD_OUT, ids=[s.name for s in HELD_OUT])
def test_the_text_download_is_in_the_patients_words(ruleset, scenario, locale):
    result = evaluate(ruleset, scenario.complete_answers, locale=locale)
    said = patient_text(Source(scenario.complete_answers, result))
    assert_in_the_patients_words(ruleset, result, flat(said))
    english = patient_text(Source(scenario.complete_answers,
                                  evaluate(ruleset, scenario.complete_answers)))
    headings = {line for line in english.splitlines() if line.isupper()} | {
        line.split(":")[0] + ":" for line in english.splitlines()
        if line.split(":")[0].isupper()}
    if locale == "es":
        assert [h for h in headings if h in said.splitlines() or h in said] == []
    else:
        assert {"YOUR ANSWERS", "INFORMATION FOR YOU"} <= headings


def test_the_questions_to_bring_are_the_patients_own(ruleset):
    """The specialist-questions topic's list is headed in the second person."""
    answers = next(s.answers for s in HELD_OUT
                   if "questions-for-your-specialist" in
                   [t.id for t in evaluate(ruleset, s.answers).topics])
    result = evaluate(ruleset, answers)
    said = patient_text(Source(answers, result))
    asks = [ask.en for t in result.topics if t.id == "questions-for-your-specialist"
            for ask in t.ask]
    assert "QUESTIONS YOU COULD ASK" in said and "QUESTIONS THE PATIENT MAY BRING" not in said
    assert all(f"- {ask}" in said for ask in asks)


@pytest.mark.parametrize("scenario", HELD_OUT[:12], ids=[s.name for s in HELD_OUT[:12]])
def test_staff_and_machine_exports_keep_their_trace(ruleset, scenario):
    """Ids are for machines: the staff's text and the JSON still name the rules that fired
    and the rule set version."""
    result = evaluate(ruleset, scenario.complete_answers)
    fired = [m.rule_id for entry in result.trace for m in entry.rules]
    data = result_json(result)
    assert [r["id"] for e in data["trace"] for r in e["rules"]] == fired
    staff = staff_text(Source(scenario.complete_answers, result))
    assert f"Rule set version: {result.ruleset_version}" in staff
    assert all(rule_id in staff for rule_id in fired)


def _through_the_pages() -> list:
    """Held-out answer sets a person can give through the pages, spread over the files,
    and the first emergency (which ends the flow at once)."""
    rules = load_ruleset(RULES_DIR)
    given = []
    for scenario in HELD_OUT:
        try:
            validate_answers(scenario.complete_answers)
        except AnswersError:
            continue
        given.append((evaluate(rules, scenario.complete_answers).stopped, scenario))
    calm = [scenario for stopped, scenario in given if not stopped]
    return calm[:: max(1, len(calm) // 3)][:3] + [
        next(scenario for stopped, scenario in given if stopped)]


PAGE_SETS = _through_the_pages()


@pytest.fixture
def app():
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False,
                       "RATELIMIT_ENABLED": False})


@pytest.mark.parametrize("locale", LANGUAGES)
@pytest.mark.parametrize("scenario", PAGE_SETS, ids=[s.name for s in PAGE_SETS])
def test_the_downloads_through_the_pages(app, ruleset, scenario, locale):
    client = app.test_client()
    client.get(f"/?lang={locale}")
    WizardActions(client).complete(scenario.complete_answers)
    result = evaluate(ruleset, scenario.complete_answers, locale=locale)
    txt = client.get("/result/summary.txt")
    assert txt.status_code == 200 and txt.mimetype == "text/plain"
    assert_in_the_patients_words(ruleset, result, flat(txt.get_data(as_text=True)))
    pdf = client.get("/result/summary.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    pages = PdfReader(io.BytesIO(pdf.data)).pages
    printed = " ".join(page.extract_text() for page in pages)
    # List bullets are drawn, not said: the extractor may place one after the last line.
    assert_in_the_patients_words(ruleset, result, flat(printed.replace("•", " ")))


def test_the_about_page_keeps_the_version(client, ruleset):
    assert ruleset.version in client.get("/about").get_data(as_text=True)

