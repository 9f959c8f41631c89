"""No page longer than about two phone screens (issue 12), in its tallest state.

A phone screen here is 375 x 667 px (the smaller phones many older patients use). A page
holds one question, so its tallest state is the taller of: as it opens, and sent empty
(the error summary and the question's error showing). An optional question sent empty
just moves on, so it is measured as it opens.
"""

from __future__ import annotations

import pytest

from screener.catalogue.questions import PAGES, QUESTIONS

from ..conftest import EVERY_STEP_ANSWERS
from .conftest import Person, _context, screenshot

pytestmark = pytest.mark.slow

PHONE = {"width": 375, "height": 667}
LIMIT = 2 * PHONE["height"]
LANGUAGES = ("en", "es")

# Pages still taller than the limit, per language, with their height at the tallest (in
# Debian's Chromium) and what it would take. Each is one question with a long list of long
# answers, so no layout change is left: it waits for shorter, clinically reviewed wording.
# Strict: the limit test fails again the day one of them fits, and it leaves this list;
# until then each may not grow by more than GROWTH. Measured again with the third clinical
# review's wording (issue 27): the red flags and diagnoses got shorter; the health factors
# grew by the drug examples (warfarin, clopidogrel, oxycodone...) that the review keeps on
# purpose, since patients who do not know "opioid" or "blood thinner" under-report them.
GROWTH = 1.03
_LONG_LIST = "one question with a long list of long answers: shorter, clinically reviewed wording"
TOO_TALL: dict[tuple[str, str], tuple[int, str]] = {
    ("urgent", "en"): (2795, "18 red flags, most of two or three lines: " + _LONG_LIST),
    ("urgent", "es"): (3115, "18 red flags, most of two or three lines: " + _LONG_LIST),
    ("diagnosis", "en"): (1511, "eight diagnoses with their plain names: " + _LONG_LIST),
    ("diagnosis", "es"): (1561, "eight diagnoses with their plain names: " + _LONG_LIST),
    ("health_factors", "en"): (1542, "ten health factors: " + _LONG_LIST),
    ("health_factors", "es"): (1701, "ten health factors: " + _LONG_LIST),
    ("treatments", "es"): (1411, "seven kinds of care, longer in Spanish: " + _LONG_LIST),
}


def _height(page) -> int:
    return page.evaluate("document.documentElement.scrollHeight")


@pytest.fixture(scope="module")
def tallest(chromium, base_url) -> dict[tuple[str, str], int]:
    """Every page's height in its tallest state, per language: one walk per language."""
    heights: dict[tuple[str, str], int] = {}
    for lang in LANGUAGES:
        context = _context(chromium, viewport=PHONE)
        page = context.new_page()
        person = Person(page, base_url)
        page.goto(f"{base_url}/?lang={lang}")
        page.goto(f"{base_url}/step/urgent")
        for each in PAGES:
            assert page.url.endswith(f"/step/{each.id}"), (lang, each.id)
            opened = _height(page)
            sent_empty = 0
            if QUESTIONS[each.question].required:
                person.answer_step({}, each.questions)
                assert page.locator("#error-summary").is_visible(), (lang, each.id)
                assert page.locator(f"#{each.question}-error").is_visible(), (lang, each.id)
                sent_empty = _height(page)
                screenshot(page, f"tallest-{each.id}-{lang}")
            heights[(lang, each.id)] = max(opened, sent_empty)
            person.answer_step(EVERY_STEP_ANSWERS, each.questions)
        context.close()
    return heights


@pytest.mark.parametrize(
    ("lang", "page_id"),
    [pytest.param(lang, each.id, id=f"{each.id}-{lang}",
                  marks=[pytest.mark.xfail(strict=True, reason=TOO_TALL[(each.id, lang)][1])]
                  if (each.id, lang) in TOO_TALL else [])
     for each in PAGES for lang in LANGUAGES])
def test_page_at_its_tallest_is_at_most_two_phone_screens(tallest, lang, page_id):
    height = tallest[(lang, page_id)]
    assert height <= LIMIT, (f"page {page_id} ({lang}) is {height} px at its tallest: "
                             f"{height / PHONE['height']:.2f} phone screens")


@pytest.mark.parametrize(("page_id", "lang"), list(TOO_TALL))
def test_a_page_still_over_the_limit_grows_no_taller(tallest, lang, page_id):
    measured = TOO_TALL[(page_id, lang)][0]
    assert tallest[(lang, page_id)] <= measured * GROWTH, (page_id, lang, measured)


def test_every_page_is_measured(tallest):
    assert {page_id for _, page_id in tallest} == {p.id for p in PAGES}
