"""What a person on a phone meets: page heights at 375 px, steps, words and printed pages.

Run: .venv/bin/python bench/phone.py

Starts gunicorn on a free loopback port and drives Debian's Chromium (Playwright) at
375 x 667, a small phone. Prints, for each page, its height in pixels and in phone screens
(667 px): each question page as it opens and at its tallest (sent empty, so its errors show;
tests/browser/test_steps_on_a_phone.py holds it to two screens), in English and Spanish;
then the number of pages, the words on the question pages with the landing page's time
estimate, and the pages of the PDF handout for two typical results.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.load import free_port, start_gunicorn  # noqa: E402
from screener.catalogue.answers import visible_pages  # noqa: E402
from screener.catalogue.questions import PAGES, QUESTIONS  # noqa: E402
from screener.catalogue.reading import reading_minutes, words_to_read  # noqa: E402
from screener.catalogue.split import page_answers  # noqa: E402
from tests.conftest import COMPLETE_ANSWERS  # noqa: E402

SCREEN = 667
# The tests' complete answer set: a new question is answered here once it is answered there.
HERNIATED = COMPLETE_ANSWERS
FAILED_FUSION = HERNIATED | {
    "diagnosis": ["degenerative_disc_disease", "spondylolisthesis"], "main_symptom":
    "back_and_leg", "prior_surgery": "one", "prior_surgery_when": "1_to_5_years",
    "prior_surgery_type": ["fusion"], "prior_surgery_outcome": "improved_then_returned",
    "health_factors": ["smoking", "diabetes", "opioids"], "age_band": "60_74",
}
# The walk that measures every page: every follow-up asked, and an age below 60, so the
# health page offers all its choices (pregnancy is not offered from 60 on).
EVERY_PAGE = FAILED_FUSION | {"age_band": "40_59"}


def choose(page: Any, answers: dict[str, Any], question_ids: tuple[str, ...]) -> None:
    for qid in question_ids:
        if qid not in answers:
            continue
        value = answers[qid]
        for v in value if isinstance(value, list) else [value]:
            page.locator(f'input[name="{qid}"][value="{v}"]').check()
    with page.expect_navigation():
        page.locator("form.step-form button.button").click()


def height(page: Any) -> int:
    return page.evaluate("document.documentElement.scrollHeight")


def tallest(page: Any, question_id: str) -> int:
    """The page sent empty (a required question shows its errors), or as it opens."""
    opened = height(page)
    if not QUESTIONS[question_id].required:
        return opened
    choose(page, {}, (question_id,))
    return max(opened, height(page))


def main() -> None:
    from playwright.sync_api import sync_playwright
    from pypdf import PdfReader

    port = free_port()
    server = start_gunicorn(port, 2)
    base = f"http://127.0.0.1:{port}"
    rows: list[tuple[str, int]] = []
    pdf_pages: dict[str, int] = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                                 args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 375, "height": SCREEN})
            page.goto(base + "/")
            rows.append(("landing", height(page)))
            for lang in ("en", "es"):
                page.context.clear_cookies()
                page.goto(base + f"/?lang={lang}")
                page.goto(base + "/step/urgent")
                for each in visible_pages(EVERY_PAGE):
                    rows.append((f"page {each.id} ({lang})", height(page)))
                    rows.append((f"page {each.id}, tallest ({lang})",
                                 tallest(page, each.question)))
                    choose(page, page_answers(each, EVERY_PAGE), each.questions)
            rows.append(("review (es)", height(page)))
            for name, answers in (("herniated disc, failed PT", HERNIATED),
                                  ("failed fusion", FAILED_FUSION)):
                page.context.clear_cookies()
                page.goto(base + "/step/urgent")
                for each in visible_pages(answers):
                    choose(page, page_answers(each, answers), each.questions)
                page.goto(base + "/result")
                rows.append((f"result: {name}", height(page)))
                box = page.locator(".do-now").bounding_box()
                rows.append((f"  'What to do now' box ends at (px), {name}",
                             int(box["y"] + box["height"])))
                pdf = page.request.get(base + "/result/summary.pdf").body()
                pdf_pages[name] = len(PdfReader(io.BytesIO(pdf)).pages)
            page.context.clear_cookies()
            page.goto(base + "/step/urgent")
            for each in visible_pages({"red_flags": ["fever"]})[:3]:
                choose(page, page_answers(each, {"red_flags": ["fever"]}), ("red_flags",))
            rows.append(("urgent card (fever)", height(page)))
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"{'page at 375 px':48} {'px':>6} {'screens':>8}")
    for name, px in rows:
        print(f"{name:48} {px:6d} {px / SCREEN:8.1f}")
    print(f"\npages: {len(PAGES)} in all; asked after a failed fusion: "
          f"{len(visible_pages(FAILED_FUSION))}, after a herniated disc: "
          f"{len(visible_pages(HERNIATED))}")
    for locale in ("en", "es"):
        low, high = reading_minutes(locale)
        print(f"words on the question pages ({locale}): {words_to_read(locale)}; "
              f"estimate shown: {low} to {high} minutes")
    for name, count in pdf_pages.items():
        print(f"PDF handout, {name}: {count} A4 pages")


if __name__ == "__main__":
    main()
