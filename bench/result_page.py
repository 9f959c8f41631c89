"""The result as a patient on a phone meets it, and as it prints.

Run: .venv/bin/python bench/result_page.py

Starts gunicorn twice on loopback (a clinic with a phone number, and one with no phone or
booking page) and drives Debian's Chromium (Playwright) at 375 x 667 through held-out answer
sets (``tests/result_sets.py``: seeded draws the tests were not written against, and the
longest of them), in English and Spanish. Prints, for each: where the outcome, the next step
and the safety net end (px from the top; the aim is the first ~1,000 px), the page's height;
then the A4 pages of the PDF (WeasyPrint), of the print view and of the result page printed
with Ctrl+P (Chromium's ``page.pdf``, print media), with the words on the first page.
"""

from __future__ import annotations

import io
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.browser.conftest import ARGS, CHROMIUM  # noqa: E402
from tests.result_sets import held_out_sets, landmarks, pdf_pages, walk  # noqa: E402
from tests.servers import start_gunicorn  # noqa: E402

SCREEN = 667


def measure(page: Any, base: str, name: str, answers: dict[str, Any], lang: str,
            rows: list[str]) -> None:
    page.context.clear_cookies()
    page.goto(base + f"/?lang={lang}")
    walk(page, base, answers)
    marks = landmarks(page)
    height = page.evaluate("document.documentElement.scrollHeight")
    rows.append(f"{name:28} {lang}  outcome {marks['outcome']:5.0f}  next step "
                f"{marks['next_step']:5.0f}  safety net {marks['safety_net']:5.0f}  "
                f"page {height:5d} px ({height / SCREEN:.1f} screens)")


def printed(page: Any, base: str, name: str, lang: str, rows: list[str]) -> None:
    from pypdf import PdfReader

    weasy = page.request.get(base + "/result/summary.pdf").body()
    result_pdf = page.pdf(format="A4", print_background=True)
    page.goto(base + "/result/print")
    print_pdf = page.pdf(format="A4", print_background=True)
    for label, pdf in (("PDF download (WeasyPrint)", weasy),
                       ("print view (Chromium)", print_pdf),
                       ("result, Ctrl+P (Chromium)", result_pdf)):
        pages = PdfReader(io.BytesIO(pdf)).pages
        words = [len(p.extract_text().split()) for p in pages]
        rows.append(f"{name:28} {lang}  {label:27} {len(pages)} A4 pages, words per page "
                    f"{words}")
    assert pdf_pages(weasy) == len(PdfReader(io.BytesIO(weasy)).pages)


def main() -> None:
    from playwright.sync_api import sync_playwright

    positions: list[str] = []
    pages: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        with_phone = start_gunicorn(Path(folder), None, CLINIC_PHONE="555 0100",
                                    DATABASE_URL=f"sqlite:///{folder}/a.sqlite3")
        bare = start_gunicorn(Path(folder), None, DATABASE_URL=f"sqlite:///{folder}/b.sqlite3")
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                page = browser.new_page(viewport={"width": 375, "height": SCREEN})
                for name, answers in held_out_sets().items():
                    for lang in ("en", "es"):
                        measure(page, with_phone.base, name, answers, lang, positions)
                        measure(page, bare.base, name + " (no phone)", answers, lang,
                                positions)
                        printed(page, bare.base, name, lang, pages)
                browser.close()
        finally:
            with_phone.stop()
            bare.stop()
    print("Result at 375 x 667: where each part ends (px from the top)")
    print("\n".join(positions))
    print("\nPrinted on A4")
    print("\n".join(pages))


if __name__ == "__main__":
    main()
