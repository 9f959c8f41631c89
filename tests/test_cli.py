"""The `screener` command, as rule authors and scripts use it."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from screener.cli import main
from screener.engine.disclaimer import disclaimer


@pytest.fixture
def run():
    def invoke(*args: str, stdin: str | None = None):
        return CliRunner().invoke(main, list(args), input=stdin)

    return invoke


def test_rules_check_passes_on_shipped_rules_and_lists_grades(run, ruleset):
    result = run("rules", "check")
    assert result.exit_code == 0, result.output
    assert f"topics, version {ruleset.version}: OK" in result.output
    assert "emergency-care" in result.output and "Mean grade" in result.output


def test_rules_check_fails_with_file_and_line(run, write_rules):
    directory = write_rules(rules="rules:\n  - id: r1\n    description: x\n    when: "
                                  "{question: daily_impact, equals: sever}\n    adds: [talk]\n")
    result = run("rules", "check", str(directory))
    assert result.exit_code == 1
    assert "rules.yaml:4: rule 'r1': 'daily_impact' has no value 'sever'" in result.output


def test_rules_check_fails_on_hard_text(run, write_rules):
    hard = ("Notwithstanding considerable interindividual heterogeneity, "
            "radiculopathic manifestations necessitate comprehensive multidisciplinary "
            "neurosurgical evaluation incorporating electrophysiological investigations.")
    topics = ("topics:\n  - id: talk\n    category: discuss\n    title: {en: Talk}\n"
              f"    body:\n      en: {hard}\n    sources: [S]\n")
    directory = write_rules({"topics.yaml": topics}, rules="rules:\n  - id: r1\n    "
                            "description: x\n    when: {question: pain_score, gte: 1}\n"
                            "    adds: [talk]\n")
    result = run("rules", "check", str(directory))
    assert result.exit_code == 1
    assert "TOO HARD" in result.output


@pytest.mark.parametrize("third", ["fr", "de"])
def test_rules_check_fails_closed_on_a_language_without_its_word_lists(run, write_rules,
                                                                       third):
    """A third language's text is not waved through: its decision, promotional and balance
    checks cannot run, so the check fails and says which lists are missing."""
    topics = ("topics:\n  - id: procedure-x\n    category: learn\n    title: {en: Talk}\n"
              "    body:\n      en: Risks include infection. Many get better without surgery.\n"
              f"      {third}: Vous êtes un bon candidat, sans douleur, garanti.\n"
              "    sources: [S]\n")
    directory = write_rules({"topics.yaml": topics}, rules="rules:\n  - id: r1\n    "
                            "description: x\n    when: {question: pain_score, gte: 1}\n"
                            "    adds: [procedure-x]\n")
    result = run("rules", "check", str(directory))
    assert result.exit_code == 1, result.output
    assert (f"topics.yaml:6: topic 'procedure-x': '{third}' text in body cannot be checked: "
            "no decision, promotional, balance (risk or limit), balance (alternative) word "
            f"lists for '{third}'") in result.output


def test_rules_check_fails_on_an_offered_language_without_its_word_lists(run, monkeypatch):
    """A language offered through its .po file alone: the shipped rules fall back to
    English, but its own texts could not be checked, so the check refuses it."""
    import screener.cli

    monkeypatch.setattr(screener.cli, "SUPPORTED", ("en", "es", "fr"))
    result = run("rules", "check")
    assert result.exit_code == 1
    assert ("language 'fr' is offered but its texts cannot be checked: no decision, "
            "promotional, balance (risk or limit), balance (alternative) word lists for "
            "'fr'") in result.output
    assert "'es'" not in result.output


def test_rules_test_runs_every_scenario_with_full_coverage(run, ruleset):
    result = run("rules", "test")
    assert result.exit_code == 0, result.output
    rules, topics = len(ruleset.rules), len(ruleset.topics)
    assert f"coverage: rules {rules}/{rules}, topics {topics}/{topics}" in result.output
    assert ", 0 failed" in result.output


def test_rules_test_reports_a_failing_scenario(run, write_rules, answers):
    directory = write_rules(rules="rules:\n  - id: r1\n    description: x\n    when: "
                                  "{question: pain_score, gte: 5}\n    adds: [talk]\n")
    (directory / "tests").mkdir()
    (directory / "tests" / "s.yaml").write_text(
        "scenarios:\n  - name: low pain\n    answers: "
        + json.dumps(answers | {"pain_score": 2}) + "\n    present: [talk]\n")
    result = run("rules", "test", str(directory))
    assert result.exit_code == 1
    assert "FAIL" in result.output and "expected 'talk', which is missing" in result.output


def test_a_scenario_states_only_what_differs_from_the_examples(run, write_rules):
    """Every required question a scenario leaves out takes the catalogue's example answer
    (pain 6, no red flags...), so one answer is a complete scenario."""
    directory = write_rules(rules="rules:\n  - id: r1\n    description: x\n    when: "
                                  "{question: pain_score, gte: 5}\n    adds: [talk]\n")
    (directory / "tests").mkdir()
    (directory / "tests" / "s.yaml").write_text(
        "scenarios:\n"
        "  - name: the example's pain\n    answers: {}\n    exactly: [talk]\n"
        "  - name: low pain\n    answers: {pain_score: 2}\n    exactly: []\n"
        "  - name: an emergency\n    answers: {red_flags: [chest_pain], pain_score: 9}\n"
        "    exactly: []\n")
    result = run("rules", "test", str(directory))
    assert result.exit_code == 0, result.output
    assert "3 passed, 0 failed" in result.output


def test_evaluate_json_from_stdin(run, answers):
    result = run("evaluate", "-", stdin=json.dumps(answers))
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) >= {"topics", "disclaimer", "trace"}
    assert data["disclaimer"] == disclaimer()
    assert {"id", "category", "title", "body"} <= set(data["topics"][0])


def test_evaluate_text_ends_with_disclaimer(run, answers, tmp_path):
    path = tmp_path / "a.json"
    path.write_text(json.dumps(answers))
    result = run("evaluate", str(path), "--format", "text")
    assert result.exit_code == 0
    assert result.output.rstrip().endswith(disclaimer())
    assert "7 out of 10" not in result.output and "6 out of 10" in result.output


@pytest.mark.parametrize(
    ("stdin", "expected"),
    [
        ("{not json", "not valid JSON"),
        ('{"daily_impact": "sever"}', "did you mean 'severe'?"),
        ('{"pain_score": "7", "red_flags": ["none"]}', "takes a whole number"),
    ],
)
def test_evaluate_bad_answers_exit_2(run, stdin, expected):
    result = run("evaluate", "-", stdin=stdin)
    assert result.exit_code == 2
    assert expected in result.output


def test_questions_json_is_the_catalogue(run):
    data = json.loads(run("questions", "--format", "json").output)
    ids = [q["id"] for q in data["questions"]]
    assert ids[0] == "red_flags" and "surgery_preference" in ids
    assert [s["id"] for s in data["steps"]][0] == "urgent"


def test_questions_text_lists_values(run):
    assert "daily_impact (single): mild, moderate, severe" in run("questions").output
