"""No page longer than two phone screens (issues 12 and 29), in its tallest state, in
English and Spanish: the red flags over three pages, the reviewed wording, "Why we ask"
folded on long lists and a compact layout (static/patient.css) brought every page within.

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


@pytest.mark.parametrize(("lang", "page_id"),
                         [pytest.param(lang, each.id, id=f"{each.id}-{lang}")
                          for each in PAGES for lang in LANGUAGES])
def test_page_at_its_tallest_is_at_most_two_phone_screens(tallest, lang, page_id):
    height = tallest[(lang, page_id)]
    assert height <= LIMIT, (f"page {page_id} ({lang}) is {height} px at its tallest: "
                             f"{height / PHONE['height']:.2f} phone screens")


def test_every_page_is_measured(tallest):
    assert {page_id for _, page_id in tallest} == {p.id for p in PAGES}
