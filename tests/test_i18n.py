"""English and Spanish: every page, every rule text, every export; a language added as data."""

from __future__ import annotations

import json
import re
import statistics
from html.parser import HTMLParser

import pytest
from click.testing import CliRunner

from screener.app import create_app
from screener.catalogue.answers import visible_pages
from screener.catalogue.questions import PAGE_BY_ID, PAGES, QUESTIONS, RED_FLAG_PAGES
from screener.cli import main
from screener.engine.disclaimer import disclaimer
from screener.engine.language import MIN_EASE, TARGET_MEAN_EASE, reading_ease
from screener.engine.loader import RuleSetError, load_ruleset
from screener.engine.safety_net import safety_net
from screener.i18n import SUPPORTED, context_of, t
from screener.translating import extract, report

from .conftest import COMPLETE_ANSWERS, EVERY_STEP_ANSWERS, WizardActions, form_encode

SPANISH_DISCLAIMER = disclaimer("911", "es")


class VisibleText(HTMLParser):
    """Text a person sees, leaving out parts marked as English on purpose (lang="en")."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[bool] = []
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("meta", "link", "input", "br", "img"):
            return
        english = dict(attrs).get("lang") == "en" or tag in ("script", "style")
        self.stack.append(english or (bool(self.stack) and self.stack[-1]))

    def handle_endtag(self, tag):
        if tag not in ("meta", "link", "input", "br", "img") and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not (self.stack and self.stack[-1]):
            self.parts.append(data)

    @classmethod
    def of(cls, html: str) -> str:
        parser = cls()
        parser.feed(html)
        return " ".join(" ".join(parser.parts).split())


def english_phrases(ruleset) -> set[str]:
    """Every English text of three words or more the app could show."""
    texts = {str(m.id) for m in extract() if m.id}
    for topic in ruleset.topics.values():
        texts |= {topic.title.en, topic.body.en, *(a.en for a in topic.ask)}
    texts.add(disclaimer())
    cleaned = {re.sub(r"%\(\w+\)s|\{\w+\}", "", text).strip(" :.") for text in texts}
    return {text for text in cleaned if len(text.split()) >= 3}


@pytest.fixture
def spanish():
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
                      "CLINIC_NAME": "Clínica Columna"})
    client = app.test_client()
    client.get("/?lang=es")
    return client


def spanish_pages(client) -> dict[str, str]:
    wizard = WizardActions(client)
    pages = {"landing": client.get("/").get_data(as_text=True)}
    for page in PAGES:
        if QUESTIONS[page.question].required:  # an optional one, sent empty, just moves on
            pages[f"errors-{page.id}"] = client.post(f"/step/{page.id}", data={},
                                                         follow_redirects=True).get_data(True)
        wizard.answer(page.id, EVERY_STEP_ANSWERS | {"red_flags": ["fever"]})
        pages[f"step-{page.id}"] = client.get(f"/step/{page.id}").get_data(as_text=True)
    for path in ("/review", "/result", "/result/print", "/no-such-page"):
        pages[path] = client.get(path).get_data(as_text=True)
    pages["summary.txt"] = client.get("/result/summary.txt").get_data(as_text=True)
    wizard.answer("urgent", {"red_flags": ["chest_pain"]})
    pages["emergency"] = client.get("/result").get_data(as_text=True)
    pages["intake"] = client.get("/intake").get_data(as_text=True)
    pages["intake-errors"] = client.post("/intake", data={},
                                        follow_redirects=True).get_data(as_text=True)
    client.post("/intake", data=form_encode(COMPLETE_ANSWERS))
    pages["intake-result"] = client.get("/intake/result").get_data(as_text=True)
    client.post("/restart")
    pages["restart-note"] = client.get("/").get_data(as_text=True)
    return pages


def test_spanish_pages_have_no_english_left(spanish, ruleset):
    phrases = english_phrases(ruleset)
    for name, html in spanish_pages(spanish).items():
        text = html if name.endswith(".txt") else VisibleText.of(html)
        left = sorted(p for p in phrases if p in text)
        assert left == [], f"{name}: {left[:5]}"
        if not name.endswith(".txt"):
            assert '<html lang="es">' in html, name


def test_spanish_result_has_spanish_topics_and_disclaimer(spanish):
    WizardActions(spanish).complete(COMPLETE_ANSWERS)
    page = spanish.get("/result").get_data(as_text=True)
    assert "Hable con un especialista de columna" in page
    assert SPANISH_DISCLAIMER in page
    assert safety_net("911", "es") in page and "Llame ahora al 911" in page
    assert page.rindex('id="disclaimer"') > page.rindex("data-topic=")


def test_switching_language_mid_flow_keeps_the_answers(client, answers):
    wizard = WizardActions(client)
    pages = visible_pages(answers)
    surgery = pages.index(PAGE_BY_ID["surgery"])
    for page in pages[:surgery]:
        wizard.answer(page.id, answers)
    before = wizard.session_answers()
    page = client.get("/step/surgery?lang=es").get_data(as_text=True)
    assert '<html lang="es">' in page and "Parte 5 de 6:" in page
    assert wizard.session_answers() == before
    for page in pages[surgery:]:
        wizard.answer(page.id, answers)
    review = client.get("/review").get_data(as_text=True)
    assert "Hernia de disco o disco abultado" in review
    client.post("/restart")
    assert '<html lang="es">' in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize(("header", "lang"), [("es-MX,es;q=0.9,en;q=0.5", "es"),
                                              ("en-US,en;q=0.9,es;q=0.8", "en"),
                                              ("fr-FR,fr;q=0.9", "en"), ("", "en")])
def test_accept_language_chooses_the_first_language(client, header, lang):
    html = client.get("/", headers={"Accept-Language": header}).get_data(as_text=True)
    assert f'<html lang="{lang}">' in html


def test_language_switch_is_on_every_page(client):
    html = client.get("/step/urgent").get_data(as_text=True)
    assert '<a href="/step/urgent?lang=es" lang="es" hreflang="es">Español</a>' in html


def test_each_page_switches_to_itself(client):
    """The switch link is kept once built (web/links.py): each page still gets its own."""
    for path, link in [("/step/urgent", "/step/urgent?lang=es"), ("/privacy", "/privacy?lang=es"),
                       ("/step/urgent?return=review", "/step/urgent?return=review&amp;lang=es"),
                       ("/step/urgent", "/step/urgent?lang=es")]:
        html = client.get(path).get_data(as_text=True)
        assert f'<a href="{link}" lang="es"' in html, path


def test_api_answers_in_the_requested_language(client, answers):
    response = client.post("/api/v1/evaluate", json=answers,
                           headers={"Accept-Language": "es"})
    data = response.json
    assert data["lang"] == "es" and data["disclaimer"] == SPANISH_DISCLAIMER
    assert data["topics"][0]["title"].startswith("Hable con un especialista")
    questions = client.get("/api/v1/questions", headers={"Accept-Language": "es"}).json
    assert questions["questions"][0]["prompt"] == "¿Tiene alguno de estos síntomas ahora?"


def test_fhir_exports_in_the_requested_language(client, answers):
    headers = {"Accept-Language": "es"}
    questionnaire = client.get("/fhir/Questionnaire", headers=headers).json
    assert questionnaire["language"] == "es"
    assert questionnaire["description"] == SPANISH_DISCLAIMER
    assert questionnaire["item"][-1]["text"] == SPANISH_DISCLAIMER
    response = client.post("/api/v1/evaluate", json=answers,
                           headers=headers | {"Accept": "application/fhir+json"}).json
    assert SPANISH_DISCLAIMER in response["text"]["div"]
    assert response["item"][0]["item"][0]["answer"][0]["valueCoding"]["display"] == (
        "Ninguno de estos")
    bundle = client.post("/fhir/QuestionnaireResponse", json=response, headers=headers).json
    assert SPANISH_DISCLAIMER in bundle["entry"][0]["resource"]["section"][-1]["text"]["div"]


def test_downloads_in_spanish(spanish):
    WizardActions(spanish).complete(COMPLETE_ANSWERS)
    text = spanish.get("/result/summary.txt").get_data(as_text=True)
    assert text.startswith("Resumen de la autoevaluación") and text.rstrip().endswith(
        SPANISH_DISCLAIMER)
    pdf = spanish.get("/result/summary.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")


def test_cli_evaluates_in_spanish(answers):
    result = CliRunner().invoke(main, ["evaluate", "-", "--lang", "es", "--format", "text"],
                                input=json.dumps(answers))
    assert result.exit_code == 0
    assert "RESPUESTAS" in result.output and result.output.rstrip().endswith(
        SPANISH_DISCLAIMER)


def test_missing_translation_falls_back_to_english_and_is_listed(write_rules):
    topics = ("topics:\n  - id: talk\n    category: discuss\n    title: {en: Talk to us}\n"
              "    body: {en: A specialist can tell you more about it.}\n    sources: [S]\n")
    directory = write_rules({"topics.yaml": topics}, rules=(
        "rules:\n  - id: r1\n    description: x\n    when: {question: pain_score, gte: 0}\n"
        "    adds: [talk]\n"))
    ruleset = load_ruleset(directory)
    assert report("es", ruleset).missing_topics == ("talk",)
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "RULES_DIR": str(directory)})
    response = app.test_client().post("/api/v1/evaluate", json=COMPLETE_ANSWERS,
                                      headers={"Accept-Language": "es"})
    assert response.json["topics"][0]["title"] == "Talk to us"
    check = CliRunner().invoke(main, ["rules", "check", str(directory)])
    assert "[es] missing, shown in English: 0 interface text(s), 1 topic(s)" in check.output
    assert "  topic: talk" in check.output


def test_a_record_line_without_a_translation_is_listed_as_missing(write_rules):
    topics = ("topics:\n  - id: talk\n    category: discuss\n    title: {en: Talk, es: Hable}\n"
              "    record: {en: Discuss with specialist}\n"
              "    body: {en: A specialist can tell you more., es: Un especialista le dirá más.}\n"
              "    sources: [S]\n")
    directory = write_rules({"topics.yaml": topics}, rules=(
        "rules:\n  - id: r1\n    description: x\n    when: {question: pain_score, gte: 0}\n"
        "    adds: [talk]\n"))
    assert report("es", load_ruleset(directory)).missing_topics == ("talk",)


def test_a_record_line_names_the_configured_emergency_number(write_rules):
    topics = ("topics:\n  - id: now\n    category: urgent\n    title: {en: Get care now}\n"
              "    record: {en: \"Told to call {emergency_number}\"}\n"
              "    body: {en: \"Call {emergency_number} now.\"}\n    sources: [S]\n")
    directory = write_rules({"topics.yaml": topics}, rules=(
        "rules:\n  - id: r1\n    description: x\n    when: {question: pain_score, gte: 0}\n"
        "    adds: [now]\n"))
    topic = load_ruleset(directory).topics["now"]
    assert topic.for_number("999").record_title("en") == "Told to call 999"
    assert topic.for_number("112").body.en == "Call 112 now."


def test_shipped_spanish_is_complete_and_marked_as_draft(ruleset):
    status = report("es", ruleset)
    assert status.missing_interface == () and status.missing_topics == ()
    assert len(status.draft_topics) == len(ruleset.topics)


@pytest.mark.parametrize("phrase", ["Usted es candidato para esta cirugía.",
                                    "Buenas noticias: usted califica.",
                                    "Usted necesita cirugía pronto."])
def test_spanish_decision_language_is_an_error(write_rules, phrase):
    topics = ("topics:\n  - id: talk\n    category: discuss\n    title: {en: Talk, es: Hable}\n"
              f"    body:\n      en: A specialist can tell you more.\n      es: \"{phrase}\"\n"
              "    sources: [S]\n")
    directory = write_rules({"topics.yaml": topics}, rules=(
        "rules:\n  - id: r1\n    description: x\n    when: {question: pain_score, gte: 0}\n"
        "    adds: [talk]\n"))
    with pytest.raises(RuleSetError, match=r"decision language in body \(es\)"):
        load_ruleset(directory)


def test_spanish_texts_are_as_plain_as_the_english(ruleset):
    ease = [reading_ease(t.body.in_locale("es"), "es") for t in ruleset.topics.values()]
    assert min(ease) >= MIN_EASE
    assert statistics.mean(ease) >= TARGET_MEAN_EASE


def test_spanish_is_a_supported_language():
    assert SUPPORTED == ("en", "es")


def test_language_switch_on_a_page_with_errors_returns_to_the_same_step(client):
    html = client.post("/step/urgent", data={}, follow_redirects=True).get_data(as_text=True)
    assert 'href="/step/urgent?lang=es"' in html


@pytest.mark.parametrize("page", RED_FLAG_PAGES, ids=lambda page: page.id)
def test_each_urgent_pages_spanish_question_agrees_with_its_none_of_these(page):
    """Every urgent page ends its list with "Ninguno de estos": its question asks about
    "alguno de estos" too, never "alguna de estas cosas" above a masculine "ninguno"."""
    assert t(QUESTIONS["red_flags"].label_of("none"), "es") == "Ninguno de estos"
    assert "alguno de estos" in t(page.prompt, "es").lower()


@pytest.mark.parametrize(("qid", "words", "other"), [
    ("red_flags", "Ninguno de estos", "fever"),  # los síntomas
    ("health_factors", "Ninguna de estas", "smoking"),  # estas cosas
])
def test_none_of_these_agrees_with_its_own_list_in_spanish(spanish, qid, words, other):
    """One English "None of these", two gettext contexts: each list's Spanish agrees with
    what it lists, on the page, in the message for a missing answer and in the one for
    "None of these" ticked with another answer."""
    label = QUESTIONS[qid].label_of("none")
    assert context_of(label) == qid
    assert (label, qid) in {(m.id, m.context) for m in extract()}
    assert t(label, "es") == words and t(label, "en") == "None of these"
    assert f"«{words}»" in t(QUESTIONS[qid].missing, "es")
    wizard = WizardActions(spanish)
    page = next(p for p in visible_pages(COMPLETE_ANSWERS) if p.question == qid)
    for earlier in visible_pages(COMPLETE_ANSWERS)[:visible_pages(COMPLETE_ANSWERS).index(page)]:
        wizard.answer(earlier.id, COMPLETE_ANSWERS)
    shown = spanish.get(f"/step/{page.id}").get_data(as_text=True)
    assert re.search(rf"value=none[^>]*> {words}</label>", shown)
    refused = spanish.post(f"/step/{page.id}", data={qid: ["none", other]},
                           follow_redirects=True).get_data(as_text=True)
    assert f"“{words}”" in refused or f"«{words}»" in refused
