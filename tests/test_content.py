"""The shipped content keeps the contract: every id and value of the spec, every topic
reachable, plain words, balance, reviewed sources, and never a decision or a
promotional word in any text a person can read."""

from __future__ import annotations

import re
import statistics

import pytest
from babel.messages.pofile import read_po

from screener.catalogue.questions import QUESTIONS, STEPS
from screener.engine.disclaimer import disclaimer
from screener.engine.language import (
    MAX_GRADE,
    TARGET_MEAN_GRADE,
    balance_gaps,
    decision_phrases,
    missing_lists,
    promotional_words,
    reading_grade,
)
from screener.engine.loader import PROCEDURE_PREFIX
from screener.engine.safety_net import SAFETY_NET_TITLE, safety_net
from screener.resources import data_dir
from screener.translating import extract, po_path

from .conftest import SPEC


def spec_section(heading: str) -> str:
    text = SPEC.read_text(encoding="utf-8")
    start = text.index(heading)
    end = text.find("\n## ", start + 1)
    return text[start: end if end != -1 else None]


def spec_questions() -> dict[str, set[str]]:
    """Question id -> the values the contract lists, from every step's table."""
    found: dict[str, set[str]] = {}
    for line in SPEC.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.split("|")[1:-1]]
        if len(cells) == 3 and re.fullmatch(r"`[a-z0-9_]+`", cells[0]):
            found[cells[0].strip("`")] = set(re.findall(r"`([a-z0-9_]+)`", cells[2]))
    return found


def spec_topics() -> set[str]:
    return set(re.findall(r"`([a-z]+(?:-[a-z]+)+)`", spec_section("## Guidance topics")))


def test_contract_is_kept_in_the_project():
    assert SPEC.is_file(), f"the contract should be at {SPEC}"


@pytest.mark.parametrize("question_id", sorted(spec_questions()))
def test_catalogue_has_every_contract_question_and_value(question_id):
    expected = spec_questions()[question_id]
    assert question_id in QUESTIONS
    question = QUESTIONS[question_id]
    assert expected <= set(question.values) or question.kind == "integer"


def test_catalogue_steps_follow_the_contract_order():
    """The contract's questions come in its order; the catalogue may add questions between
    them (the contract allows additions, never a rename or a drop)."""
    order = [qid for step in STEPS for qid in step.questions]
    assert [qid for qid in order if qid in spec_questions()] == list(spec_questions())


def test_rule_set_produces_every_contract_topic(ruleset):
    assert spec_topics() - set(ruleset.topics) == set()
    assert len(spec_topics()) >= 37


def test_reading_grade_is_plain(ruleset):
    grades = {t.id: reading_grade(t.body.en) for t in ruleset.topics.values()}
    assert max(grades.values()) <= MAX_GRADE, grades
    assert statistics.mean(grades.values()) <= TARGET_MEAN_GRADE


def all_catalogue_texts() -> list[str]:
    texts = [disclaimer(), safety_net(), SAFETY_NET_TITLE]
    for q in QUESTIONS.values():
        texts += [q.prompt, q.help, q.say] + [t for c in q.choices for t in (c.label, c.say)]
    return texts + [s.title for s in STEPS]


def test_no_decision_language_in_catalogue_or_disclaimer():
    assert [t for t in all_catalogue_texts() if decision_phrases(t)] == []


@pytest.mark.parametrize("decision", [
    "Patient is a candidate for MISS.", "pt is a candidate", "Pt is a surgical candidate",
    "Surgical candidate", "Candidate for MISS", "Patient is considered a candidate",
    "Patient would be a good candidate", "They're a candidate", "Patient is fit for surgery",
    "Caller is appropriate for surgery", "Patient is not eligible for surgery",
    "Caller qualified", "Patient needs minimally invasive surgery", "Patient will need surgery",
    "Patient should have surgery", "El paciente es candidato.", "Es candidato a cirugía",
    "Paciente apto para cirugía", "El paciente requiere cirugía", "El paciente es elegible",
    "La paciente necesita ser operada", "La paciente califica para la cirugía",
])
def test_a_decision_about_a_patient_is_refused_too(decision):
    """The nurse record speaks of the patient: in the third person, or in a bare clinical
    phrase (and Spanish drops the subject)."""
    assert decision_phrases(decision) != []


@pytest.mark.parametrize("neutral", [
    "Patient asked about red flags and denied them.", "Patient: Alex Morgan, born 1970",
    "Discuss options incl. MISS with spine specialist",
    "A specialist decides whether surgery helps.",
    "They are cleared when the browser is closed.", "La paciente califica su dolor con 7/10",
    "El paciente no es apto para conducir", "Shots: they are suitable for some people",
    "Most people find they need an operation only rarely", "a candidacy self-screening",
])
def test_a_neutral_line_is_not_taken_for_a_decision(neutral):
    assert decision_phrases(neutral) == []


def test_no_decision_language_in_any_interface_text_in_any_language():
    """Every gettext string of the code and templates, and every translation of one."""
    texts = [str(m.id) for m in extract() if m.id]
    with po_path("es").open("rb") as source:
        texts += [str(m.string) for m in read_po(source, locale="es") if m.string]
    assert len(texts) > 500
    assert {text: decision_phrases(text) for text in texts if decision_phrases(text)} == {}


def test_no_decision_language_in_any_rule_or_template_file():
    files = [p for name in ("rules", "templates") for p in data_dir(name).rglob("*")
             if p.suffix in (".yaml", ".yml", ".html", ".txt", ".j2")]
    offending = {str(p): decision_phrases(p.read_text(encoding="utf-8")) for p in files}
    assert {p: found for p, found in offending.items() if found} == {}
    assert any(p.suffix == ".yaml" for p in files)


def test_no_promotional_words_in_catalogue_or_code_texts():
    assert [t for t in all_catalogue_texts() if promotional_words(t)] == []


def content_files() -> list:
    return [p for name in ("rules", "templates") for p in data_dir(name).rglob("*")
            if p.suffix in (".yaml", ".yml", ".html", ".txt", ".j2")] + [po_path("es")]


def test_no_promotional_words_in_any_rule_template_or_translation_file():
    found = [f"{path.name}:{number}: {word}" for path in content_files()
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             for word in promotional_words(line)]
    assert found == []


@pytest.mark.parametrize("text", ["A revolutionary, game-changer of a treatment",
                                  "Cutting-edge and painless, with no downtime",
                                  "Un tratamiento revolucionario y sin dolor garantizado"])
def test_promotional_words_are_caught(text):
    assert promotional_words(text)


def test_procedure_topics_name_a_risk_and_the_alternative_within_a_phone_screen(ruleset):
    procedures = [t for t in ruleset.topics.values() if t.id.startswith(PROCEDURE_PREFIX)]
    assert len(procedures) >= 6
    for topic in procedures:
        for locale, text in topic.body.all_texts().items():
            assert balance_gaps(text, locale) == [], (topic.id, locale)
        assert len(topic.body.en.split()) <= 120, topic.id


def test_every_source_is_a_reviewed_reference_with_its_title(ruleset):
    assert ruleset.references, "the shipped rule set keeps its reference list"
    for topic in ruleset.topics.values():
        assert set(topic.sources) <= set(ruleset.references), topic.id
        assert topic.citations == [ruleset.references[s].title for s in topic.sources]
    cited = {s for t in ruleset.topics.values() for s in t.sources}
    assert set(ruleset.references) - cited == set(), "every reviewed reference is used"


@pytest.mark.parametrize("wrong", ["NICE IPG141", "IPG141"])
def test_a_citation_the_review_removed_is_not_in_the_list(ruleset, wrong):
    titles = " ".join(r.title for r in ruleset.references.values())
    assert wrong not in titles


def test_microdiscectomy_and_endoscopic_texts_cite_the_right_guidance(ruleset):
    micro = ruleset.topics["procedure-microdiscectomy"].citations
    endo = ruleset.topics["procedure-endoscopic-discectomy"].citations
    assert not any("IPG" in c for c in micro)
    assert any("interlaminar" in c for c in endo) and any("transforaminal" in c for c in endo)


def test_texts_follow_the_clinical_review(ruleset):
    body = {tid: t.body.en for tid, t in ruleset.topics.items()}
    assert "today" not in body["emergency-care"]
    assert "same day" in body["prompt-medical-review"]
    assert "cancer team" in body["prompt-medical-review"]
    assert "not advised for back pain alone" in body["conservative-care-first"]
    assert "NICE, the UK's national health guidance body, advises against fusion" in (
        body["procedure-fusion"])
    assert "fake procedure" in body["procedure-kyphoplasty"]
    assert "rest" not in body["fracture-care"].replace("bed rest does harm", "")
    assert "Full recovery" not in body["recovery-expectations"]
    assert "mixed" in body["risk-weight"]
    assert "linked to less improvement" in body["risk-opioids"]
    assert "Arm pain" in body["procedure-neck-surgery"]
    assert " leg" not in body["procedure-neck-surgery"]


def test_every_offered_language_has_its_safety_word_lists():
    from screener.i18n import SUPPORTED

    assert {locale: missing_lists(locale) for locale in SUPPORTED} == {
        locale: [] for locale in SUPPORTED}


def test_a_language_without_word_lists_is_named_not_passed():
    assert missing_lists("fr") == ["decision", "promotional", "balance (risk or limit)",
                                   "balance (alternative)"]
    with pytest.raises(KeyError, match="'fr'"):
        balance_gaps("Un texte sans risques ni alternative.", "fr")
