"""The landing page's time estimate: every word a patient reads, the questions and then
the result, at 200 words a minute, computed from the catalogue and the rule set."""

from __future__ import annotations

import statistics

from hypothesis import given
from hypothesis import strategies as st

from screener.catalogue.reading import words_to_read
from screener.service.reading import WORDS_PER_MINUTE, minutes, result_words

from .conftest import COMPLETE_ANSWERS


@given(questions=st.integers(0, 5000), results=st.lists(st.integers(0, 5000), min_size=1))
def test_minutes_run_from_a_typical_to_the_longest_result_at_200_words_a_minute(questions,
                                                                               results):
    low, high = minutes(questions, results)
    typical = questions + statistics.median_low(results)
    longest = questions + max(results)
    assert low == max(1, round(typical / WORDS_PER_MINUTE))
    assert high >= longest / WORDS_PER_MINUTE > high - 1 or high == 1
    assert WORDS_PER_MINUTE == 200 and low <= high


def test_a_result_counts_every_topic_the_safety_net_and_the_disclaimer(app):
    result = app.extensions["screener.screening"].evaluate(COMPLETE_ANSWERS, "en")
    counted = result_words(result)
    topics = sum(len(text.in_locale("en").split()) for topic in result.topics
                 for _, text in topic.texts())
    assert counted == topics + len(result.disclaimer.split()) + len(result.safety_net.split())


def test_more_guidance_makes_a_longer_estimate(app):
    screening = app.extensions["screener.screening"]
    low, high = screening.reading_minutes("en")
    questions_only = minutes(words_to_read("en"), [0])
    assert high > questions_only[1] and low >= questions_only[0]


def test_the_landing_page_states_the_estimate_for_adults_and_the_real_limits(client):
    page = client.get("/").get_data(as_text=True)
    low, high = client.application.extensions["screener.screening"].reading_minutes("en")
    assert f"It takes about {low} to {high} minutes to read and answer." in page
    assert "It is for adults (18 and over)." in page
    assert "cleared after 20 minutes without activity or 120 minutes in all" in page
    assert "up to an hour" not in page
