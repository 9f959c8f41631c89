"""The result as a patient reads it: what to do now first, explainers folded, a printed
handout with the clinic, date and a name line, and a PDF made by the app."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from screener.app import create_app
from screener.engine.disclaimer import disclaimer
from screener.engine.do_now import DO_NOW

from .conftest import COMPLETE_ANSWERS, WizardActions


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def clinic_client():
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "test",
                      "CLINIC_NAME": "Riverside Spine", "CLINIC_PHONE": "555 0100",
                      "BOOKING_URL": "https://clinic.example/book"})
    return app.test_client()


def _main(page: str) -> str:
    return page[page.index("<main"): page.index("</main>")]


@pytest.mark.parametrize(("change", "lead", "sentence"), [
    ({}, "Talk with a spine specialist", DO_NOW["discuss"]),
    ({"red_flags": ["fever"]}, "Get these symptoms checked by a doctor soon", DO_NOW["urgent"]),
    ({"diagnosis": ["not_sure"], "daily_impact": "mild"}, "", DO_NOW["other"]),
])
def test_result_opens_with_what_to_do_now(clinic_client, change, lead, sentence):
    WizardActions(clinic_client).complete(COMPLETE_ANSWERS | change)
    main = _main(text(clinic_client.get("/result")))
    box = main[main.index('class="do-now"'): main.index("</section>")]
    assert main.index('class="do-now"') < main.index("data-topic=")
    assert lead in box and sentence in box
    # Booking goes through the app, which counts the click (never who) and redirects.
    assert 'href="tel:5550100"' in box and 'href="/go/booking"' in box


def test_explainers_are_folded_and_open_without_script(wizard, answers):
    wizard.complete(answers)
    page = text(wizard.client.get("/result"))
    for topic in ("what-is-miss", "recovery-expectations", "procedure-microdiscectomy"):
        assert f'<details class="topic topic-learn topic-folded" data-topic="{topic}">' in page
    assert '<article class="topic topic-discuss" data-topic="discuss-miss-with-specialist">' \
        in page
    assert disclaimer() in page[page.rindex('id="disclaimer"'):]


def test_handout_has_clinic_date_name_line_and_one_page_summary_first(clinic_client):
    WizardActions(clinic_client).complete(COMPLETE_ANSWERS)
    main = _main(text(clinic_client.get("/result/print")))
    header = main[: main.index("<h1")]
    assert "Riverside Spine" in header and "555 0100" in header
    assert "Date:" in header and "Patient name:" in header
    assert main.index("At a glance") < main.index("Your answers") < main.index("data-topic=")
    assert main.rindex(disclaimer()) > main.rindex("data-topic=")


def test_pdf_download_is_made_by_the_app(clinic_client):
    WizardActions(clinic_client).complete(COMPLETE_ANSWERS)
    response = clinic_client.get("/result/summary.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"].endswith('.pdf"')
    pages = [" ".join(page.extract_text().split())
             for page in PdfReader(io.BytesIO(response.data)).pages]
    first = pages[0]
    assert "Riverside Spine" in first and "555 0100" in first and "Patient name:" in first
    assert "At a glance" in first and "What to do now:" in first
    assert "Your answers" not in first, "the one-page summary stands alone on page 1"
    assert " ".join(disclaimer().split()) in " ".join(pages[-2:])
    assert len(pages) <= 3


def test_pdf_needs_a_finished_screening(client):
    assert client.get("/result/summary.pdf").location == "/"
