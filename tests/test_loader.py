"""Rule files are checked at load: every problem at once, each with file, line and a fix."""

from __future__ import annotations

import pytest

from screener.app import create_app
from screener.engine.loader import RuleSetError, load_ruleset


def problems_of(directory) -> list[str]:
    with pytest.raises(RuleSetError) as caught:
        load_ruleset(directory)
    return [str(p) for p in caught.value.problems]


def rule(when: str, adds: str = "[talk]", extra: str = "") -> str:
    return f"""
    rules:
      - id: r1
        description: A test rule.
        when: {when}
        adds: {adds}{extra}
    """


def test_shipped_rules_load_clean(ruleset):
    assert len(ruleset.rules) >= 30
    assert len(ruleset.topics) >= 32


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("{question: daily_impact, equals: sever}",
         "rules.yaml:4: rule 'r1': 'daily_impact' has no value 'sever' (did you mean 'severe'?)"),
        ("{question: diagnoss, includes_any: [herniated_disc]}",
         "rules.yaml:4: rule 'r1': unknown question 'diagnoss' (did you mean 'diagnosis'?)"),
        ("{question: pain_score, gte: '7'}",
         "rules.yaml:4: rule 'r1': 'gte': Input should be a valid integer"),
        ("{question: pain_score, equals: seven}",
         "rules.yaml:4: rule 'r1': 'pain_score' is a number, but 'equals' compares it with text"),
        ("{question: daily_impact, equals: 3}",
         "rules.yaml:4: rule 'r1': 'daily_impact' takes text values, but 'equals' compares it"),
        ("{question: pain_score, gt: 11}",
         "rules.yaml:4: rule 'r1': 11 is outside the range of 'pain_score' (0 to 10)"),
        ("{question: diagnosis, equals: herniated_disc}",
         "rules.yaml:4: rule 'r1': 'equals' does not work on multiple question 'diagnosis'"),
        ("{question: pain_score, greater: 3}",
         "rules.yaml:4: rule 'r1': unknown key 'greater'"),
        ("{question: pain_score}",
         "rules.yaml:4: rule 'r1': 'when': a condition on 'pain_score' needs exactly one operator"),
    ],
)
def test_condition_problem_names_file_line_rule_and_fix(write_rules, when, expected):
    found = problems_of(write_rules(rules=rule(when)))
    assert any(expected in p for p in found), found


def test_nested_condition_problem_points_at_its_own_line(write_rules):
    directory = write_rules(rules="""
    rules:
      - id: r1
        description: A test rule.
        when:
          all:
            - {question: pain_score, gte: 5}
            - {question: imaging, includes_any: [mir]}
        adds: [talk]
    """)
    assert problems_of(directory) == [
        f"{directory}/rules.yaml:7: rule 'r1': 'imaging' has no value 'mir' (did you mean 'mri'?)"
    ]


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"rules.yaml": "rules:\n  - id: r1\n    description: [unclosed\n"},
         "rules.yaml:4: YAML syntax error"),
        ({"rules.yaml": "rulez: []\n"},
         "rules.yaml:1: unknown key 'rulez' (did you mean 'rules'?)"),
        ({"rules.yaml": "rules:\n  - id: r1\n    when: {question: pain_score, gte: 1}\n"
                        "    adds: [talk]\n"},
         "rules.yaml:2: rule 'r1': missing required field 'description'"),
        ({"rules.yaml": "rules:\n  - id: r1\n    description: x\n    when: {question: "
                        "pain_score, gte: 1}\n    adds: [talk]\n    stpo: true\n"},
         "rules.yaml:6: rule 'r1': unknown key 'stpo' (did you mean 'stop'?)"),
        ({"rules.yaml": "rules:\n  - id: r1\n    description: x\n    when: {question: "
                        "pain_score, gte: 1}\n    adds: [tlak]\n"},
         "rules.yaml:2: rule 'r1': adds undefined topic 'tlak' (did you mean 'talk'?)"),
        ({"rules.yaml": "rules:\n  - id: r1\n    description: x\n    when: {question: "
                        "pain_score, gte: 1}\n    adds: [talk]\n  - id: r1\n    description: y\n"
                        "    when: {question: pain_score, gte: 2}\n    adds: [talk]\n"},
         "rules.yaml:6: rule 'r1': duplicate rule id (first defined at"),
        ({"rules.yaml": "rules:\n  - id: r1\n    description: x\n    description: y\n"
                        "    when: {question: pain_score, gte: 1}\n    adds: [talk]\n"},
         "rules.yaml:4: duplicate key 'description' (first at line 3)"),
        ({"extra.yaml": "topics:\n  - id: lonely\n    category: learn\n    title: {en: T}\n"
                        "    body: {en: B.}\n    sources: [S]\n",
          "rules.yaml": "rules:\n  - id: r1\n    description: x\n    when: {question: "
                        "pain_score, gte: 1}\n    adds: [talk]\n"},
         "extra.yaml:2: topic 'lonely': no rule adds this topic"),
        ({"extra.yaml": "topics:\n  - id: t2\n    category: lern\n    title: {en: T}\n"
                        "    body: {en: B.}\n    sources: [S]\n",
          "rules.yaml": "rules:\n  - id: r1\n    description: x\n    when: {question: "
                        "pain_score, gte: 1}\n    adds: [talk, t2]\n"},
         "extra.yaml:3: topic 't2': 'lern' is not allowed for 'category' (did you mean 'learn'?)"),
        ({"extra.yaml": "topics:\n  - id: t2\n    category: learn\n    title: {es: T}\n"
                        "    body: {en: B.}\n    sources: [S]\n",
          "rules.yaml": "rules:\n  - id: r1\n    description: x\n    when: {question: "
                        "pain_score, gte: 1}\n    adds: [talk, t2]\n"},
         "extra.yaml:4: topic 't2': missing required field 'en'"),
    ],
)
def test_file_problem_names_file_and_line(write_rules, files, expected):
    files.setdefault("topics.yaml",
                     "topics:\n  - id: talk\n    category: discuss\n    title: {en: Talk}\n"
                     "    body: {en: A specialist can tell you more.}\n    sources: [S]\n")
    found = problems_of(write_rules(files))
    assert any(expected in p for p in found), found


def test_yaml_syntax_error_also_names_where_the_broken_part_started(write_rules):
    directory = write_rules({"rules.yaml": "rules:\n  - id: r1\n    description: [unclosed\n"})
    assert "(while parsing a flow sequence at line 3)" in problems_of(directory)[0]


@pytest.mark.parametrize(
    "phrase",
    ["You are a candidate for this surgery.", "Good news: you qualify.",
     "You need surgery soon.", "You're not a good candidate for MISS."],
)
def test_decision_language_in_a_topic_is_an_error(write_rules, phrase):
    topics = ("topics:\n  - id: talk\n    category: discuss\n    title: {en: Talk}\n"
              f"    body:\n      en: \"{phrase}\"\n    sources: [S]\n")
    directory = write_rules({"topics.yaml": topics}, rules=rule("{question: pain_score, gte: 1}"))
    found = problems_of(directory)
    assert any("topics.yaml:6: topic 'talk': decision language in body (en)" in p
               for p in found), found


def test_decision_language_in_a_topics_record_line_is_an_error(write_rules):
    """The nurse record's line is checked like every other text (safety rule 2)."""
    topics = ("topics:\n  - id: talk\n    category: discuss\n    title: {en: Talk}\n"
              "    record:\n      en: Patient is a candidate for MISS\n"
              "    body: {en: A specialist can tell you more.}\n    sources: [S]\n")
    directory = write_rules({"topics.yaml": topics}, rules=rule("{question: pain_score, gte: 1}"))
    found = problems_of(directory)
    assert any("topics.yaml:6: topic 'talk': decision language in record (en)" in p
               for p in found), found


def test_all_problems_are_reported_at_once(write_rules):
    directory = write_rules(rules="""
    rules:
      - id: r1
        description: first
        when: {question: daily_impact, equals: sever}
        adds: [talk]
      - id: r2
        description: second
        when: {question: imaging, includes_any: [mir]}
        adds: [nothing]
    """)
    found = problems_of(directory)
    assert len(found) == 3
    assert [p.split(": ", 1)[1][:9] for p in found] == ["rule 'r1'", "rule 'r2'", "rule 'r2'"]


def test_empty_directory_is_a_problem(tmp_path):
    assert "no rule files" in problems_of(tmp_path)[0]


def test_app_refuses_to_start_with_broken_rules(write_rules):
    directory = write_rules(rules=rule("{question: daily_impact, equals: sever}"))
    with pytest.raises(RuleSetError) as caught:
        create_app({"TESTING": True, "RULES_DIR": str(directory)})
    assert "did you mean 'severe'?" in caught.value.report()


@pytest.mark.slow
def test_server_entry_point_prints_the_report_and_exits(write_rules):
    import os
    import subprocess
    import sys

    directory = write_rules(rules=rule("{question: daily_impact, equals: sever}"))
    env = os.environ | {"SCREENER_RULES_DIR": str(directory),
                        "SCREENER_SECRET_KEY": "k" * 40}
    started = subprocess.run([sys.executable, "-c", "import screener.wsgi"], env=env,
                             capture_output=True, text=True, timeout=60)
    assert started.returncode == 3
    assert "The screener cannot start." in started.stderr
    assert "rules.yaml:4: rule 'r1': 'daily_impact' has no value 'sever'" in started.stderr


def one_topic(body: str, topic_id: str = "talk", sources: str = "[S]") -> str:
    return (f"topics:\n  - id: {topic_id}\n    category: learn\n    title: {{en: Talk}}\n"
            f"    body:\n      en: \"{body}\"\n    sources: {sources}\n")


@pytest.mark.parametrize("word", ["revolutionary", "game-changer", "painless", "guaranteed"])
def test_promotional_word_in_a_topic_is_an_error(write_rules, word):
    directory = write_rules({"topics.yaml": one_topic(f"A {word} way to ease pain.")},
                            rules=rule("{question: pain_score, gte: 1}"))
    assert any(f"topics.yaml:6: topic 'talk': promotional word in body (en): '{word}'" in p
               for p in problems_of(directory))


def test_a_procedure_topic_without_risk_or_alternative_is_an_error(write_rules):
    directory = write_rules(
        {"topics.yaml": one_topic("Small cuts and a quick return home.", "procedure-x")},
        rules=rule("{question: pain_score, gte: 1}", adds="[procedure-x]"))
    found = problems_of(directory)
    for gap in ("a risk or limit", "the non-surgical alternative"):
        assert any(f"topics.yaml:6: topic 'procedure-x': a procedure topic must name {gap}"
                   in p for p in found), found


def test_a_balanced_procedure_topic_loads(write_rules):
    body = "Risks include infection. Many people get better without surgery."
    directory = write_rules({"topics.yaml": one_topic(body, "procedure-x")},
                            rules=rule("{question: pain_score, gte: 1}", adds="[procedure-x]"))
    assert "procedure-x" in load_ruleset(directory).topics


REFERENCES = ("references:\n  - id: nice-ng59\n    title: NICE guideline NG59. Low back pain\n"
              "  - id: peul-2007\n    title: Peul WC et al. N Engl J Med 2007\n")


def test_sources_must_come_from_the_reference_list(write_rules):
    directory = write_rules({"topics.yaml": one_topic("Ask.", sources="[nice-ng95, peul-2007]"),
                             "references.yaml": REFERENCES},
                            rules=rule("{question: pain_score, gte: 1}"))
    assert any("topics.yaml:2: topic 'talk': source 'nice-ng95' is not in the reference list "
               "(did you mean 'nice-ng59'?)" in p for p in problems_of(directory))


def test_cited_references_show_their_exact_titles(write_rules):
    directory = write_rules({"topics.yaml": one_topic("Ask.", sources="[peul-2007]"),
                             "references.yaml": REFERENCES},
                            rules=rule("{question: pain_score, gte: 1}"))
    topic = load_ruleset(directory).topics["talk"]
    assert topic.citations == ["Peul WC et al. N Engl J Med 2007"]
    assert topic.as_json()["sources"] == topic.citations


def test_duplicate_reference_is_an_error(write_rules):
    doubled = REFERENCES + "  - id: peul-2007\n    title: Again\n"
    directory = write_rules({"topics.yaml": one_topic("Ask.", sources="[peul-2007]"),
                             "references.yaml": doubled},
                            rules=rule("{question: pain_score, gte: 1}"))
    assert any("references.yaml:6: reference 'peul-2007': duplicate reference id" in p
               for p in problems_of(directory))


def test_only_the_emergency_number_placeholder_is_allowed(write_rules):
    body = "Call {clinic_phone} or {emergency_number}."
    directory = write_rules({"topics.yaml": one_topic(body)},
                            rules=rule("{question: pain_score, gte: 1}"))
    found = problems_of(directory)
    assert any("unknown placeholder in body (en): '{clinic_phone}'" in p for p in found), found
    assert not any("'{emergency_number}'" in p.split("the only one")[0] for p in found)


def test_only_categories_names_real_categories(write_rules):
    directory = write_rules(rules=rule("{question: pain_score, gte: 1}",
                                       extra="\n        only_categories: [urgnet]"))
    found = problems_of(directory)
    assert any("'urgnet' is not allowed" in p and "did you mean 'urgent'" in p
               for p in found), found


def test_the_rule_set_version_changes_with_any_text(write_rules):
    directory = write_rules(rules=rule("{question: pain_score, gte: 1}"))
    before = load_ruleset(directory).version
    assert before == load_ruleset(directory).version and before.startswith("unlabelled+")
    topics = directory / "topics.yaml"
    topics.write_text(topics.read_text().replace("tell you more", "say more"))
    assert load_ruleset(directory).version != before
