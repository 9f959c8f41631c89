"""Issue 29 in Chromium at 375 x 667: the result's first ~1,000 px hold the outcome, the next
step and the safety net, for held-out answer sets in English and Spanish, with and without a
clinic phone; the rest follows. Printing the result (Ctrl+P) prints the folded sections'
text, with or without script; the print view runs to at most 3 A4 pages."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from ..result_sets import held_out_sets, landmarks, walk
from ..servers import start_gunicorn
from .conftest import _context, screenshot

FIRST_SCREENS = 1000  # px: a phone's first screen and a half (667 px)
SETS = list(held_out_sets())


@pytest.fixture(scope="module")
def no_phone_url(tmp_path_factory, tls):
    """The app with no clinic phone and no booking page, as shipped before set-up."""
    folder = tmp_path_factory.mktemp("no-phone")
    served = start_gunicorn(folder, tls, DATABASE_URL=f"sqlite:///{folder / 'u.sqlite3'}")
    yield served.base
    served.stop()


def result_for(page, base: str, name: str, lang: str) -> dict[str, float | None]:
    page.goto(base + f"/?lang={lang}")
    walk(page, base, held_out_sets()[name])
    assert page.url.endswith("/result"), page.url
    return landmarks(page)


def assert_first_screens(marks: dict[str, float | None]) -> None:
    assert marks["outcome"] <= marks["next_step"] <= marks["safety_net"] <= FIRST_SCREENS, marks
    after = [marks[k] for k in ("learn", "keep", "restart", "disclaimer") if marks[k]]
    assert min(after) >= marks["safety_net"], marks
    assert marks["disclaimer"] == max(after), "the disclaimer comes last"


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("name", SETS)
def test_the_first_screens_hold_outcome_next_step_and_safety_net(phone, base_url, name, lang):
    marks = result_for(phone, base_url, name, lang)
    assert_first_screens(marks)
    call = phone.locator(".do-now a[href^='tel:']")
    assert call.is_visible() and call.bounding_box()["y"] < marks["next_step"]
    screenshot(phone, f"result-375-{name.replace(' ', '-')}-{lang}")


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("name", ["longest", "leads with discuss"])
def test_with_no_clinic_phone_the_next_step_is_printing_the_summary(phone, no_phone_url, name,
                                                                    lang):
    marks = result_for(phone, no_phone_url, name, lang)
    assert_first_screens(marks)
    box = phone.locator(".do-now")
    assert box.locator("a[href='/result/print']").is_visible()
    assert box.locator("a[href='/result/summary.pdf']").is_visible()
    assert box.locator("a[href^='tel:'], a[href='/go/booking']").count() == 0
    screenshot(phone, f"result-375-no-phone-{name.replace(' ', '-')}-{lang}")


def pdf_text(pdf: bytes) -> tuple[int, str]:
    pages = PdfReader(io.BytesIO(pdf)).pages
    return len(pages), " ".join(" ".join(p.extract_text() for p in pages).split())


@pytest.mark.parametrize("script", [True, False], ids=["script", "no-script"])
def test_printing_the_result_prints_the_folded_sections_text(chromium, base_url, script):
    context = _context(chromium, viewport={"width": 375, "height": 667},
                       java_script_enabled=script)
    page = context.new_page()
    result_for(page, base_url, "longest", "en")
    folded = page.locator("details.topic-folded")
    assert folded.count() >= 1
    bodies = [" ".join(b.split()) for b in folded.locator("p").all_text_contents()]
    assert folded.locator("p").first.is_hidden(), "folded on screen"
    _, printed = pdf_text(page.pdf(format="A4"))
    for body in bodies:
        assert " ".join(body.split()[:12]) in printed
    page.goto(base_url + "/result/print")
    count, printed = pdf_text(page.pdf(format="A4"))
    assert count <= 3, f"the print view runs to {count} A4 pages"
    context.close()
