"""Issue 29, the last screen: the next step fits the clinic (a call or a booking where it has
them, the printed summary where it has neither), the emergency result repeats what was
ticked in the patient's language, and the handout (print view and PDF) is a one-page
summary and then the rest, at most three A4 pages for the held-out answer sets."""

from __future__ import annotations

import io
import re

import pytest
from hypothesis import HealthCheck, given, settings
from pypdf import PdfReader

from screener.app import create_app
from screener.catalogue.questions import QUESTIONS, is_emergency
from screener.engine.disclaimer import disclaimer
from screener.engine.do_now import DO_NOW, DO_NOW_NO_CLINIC
from screener.engine.safety_net import safety_net
from screener.i18n import t

from .conftest import COMPLETE_ANSWERS, EMERGENCY_ANSWERS, WizardActions, answer_sets
from .result_sets import held_out_sets

PAGES_AT_MOST = 3


def client_for(lang: str = "en", **clinic: str):
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "test",
                      "RATELIMIT_ENABLED": False, "CLINIC_NAME": "Riverside Spine", **clinic})
    client = app.test_client()
    client.get(f"/?lang={lang}")
    return client


def main_of(client, url: str) -> str:
    page = client.get(url).get_data(as_text=True)
    return page[page.index("<main"): page.index("</main>")]


def words(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize(("change", "lead"), [
    ({}, "discuss"), ({"red_flags": ["fever"]}, "urgent"),
    ({"diagnosis": ["not_sure"], "daily_impact": "mild"}, "other")])
def test_with_no_phone_or_booking_page_the_next_step_is_the_printed_summary(lang, change, lead):
    client = client_for(lang)
    WizardActions(client).complete(COMPLETE_ANSWERS | change)
    main = main_of(client, "/result")
    box = main[main.index('class="do-now"'):]
    box = box[: box.index("</section>")]
    assert t(DO_NOW_NO_CLINIC[lead], lang) in box
    assert 'href="/result/print"' in box and 'href="/result/summary.pdf"' in box
    assert t("Book a visit", lang) not in box and "tel:" not in box
    assert "this clinic" not in DO_NOW_NO_CLINIC[lead] and "Book a visit" not in \
        DO_NOW_NO_CLINIC[lead]
    handout = main_of(client, "/result/print")
    assert t(DO_NOW_NO_CLINIC[lead], lang) in handout


@pytest.mark.parametrize("clinic", [{"CLINIC_PHONE": "555 0100"},
                                    {"BOOKING_URL": "https://clinic.example/book"}])
def test_with_a_phone_or_booking_page_the_next_step_is_to_use_it(clinic):
    client = client_for(**clinic)
    WizardActions(client).complete(COMPLETE_ANSWERS)
    main = main_of(client, "/result")
    box = main[main.index('class="do-now"'):]
    box = box[: box.index("</section>")]
    assert DO_NOW["discuss"] in box and 'href="/result/print"' not in box
    assert ('href="tel:5550100"' in box) is ("CLINIC_PHONE" in clinic)
    assert ('href="/go/booking"' in box) is ("BOOKING_URL" in clinic)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_result_opens_with_outcome_next_step_and_safety_net_and_ends_with_the_disclaimer(
        lang):
    client = client_for(lang, CLINIC_PHONE="555 0100")
    WizardActions(client).complete(COMPLETE_ANSWERS)
    main = main_of(client, "/result")
    order = [main.index('class="do-now"'), main.index('id="safety-net"'),
             main.index("data-topic="), main.index('class="keep'),
             main.index('class="restart'), main.rindex('id="disclaimer"')]
    assert order == sorted(order)
    assert safety_net("911", lang) in main[order[1]:order[2]]
    assert disclaimer("911", lang) in main[order[-1]:]


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(generated=answer_sets())
def test_any_result_puts_the_safety_net_with_what_to_do_and_never_an_empty_booking(app,
                                                                                   generated):
    client = app.test_client()  # no clinic phone, no booking page
    WizardActions(client).complete(generated)
    main = main_of(client, "/result")
    if is_emergency(generated["red_flags"]):
        assert 'id="safety-net"' not in main and 'class="do-now"' not in main
        return
    box = main[main.index('class="do-now"'): main.index('id="safety-net"')]
    assert 'href="/result/print"' in box and "Book a visit" not in box
    topics = main.find("data-topic=")
    assert topics == -1 or main.index('id="safety-net"') < topics
    assert main.rindex('id="disclaimer"') > main.index('id="safety-net"')


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("red_flags", [EMERGENCY_ANSWERS[0], EMERGENCY_ANSWERS[-1]],
                         ids="+".join)
def test_the_emergency_result_repeats_what_was_ticked_in_the_patients_language(lang,
                                                                              red_flags):
    client = client_for(lang)
    WizardActions(client).answer_red_flags(red_flags)
    main = main_of(client, "/result")
    ticked = main[main.index('class="ticked"'):]
    ticked = ticked[: ticked.index("</ul>")]
    items = re.findall(r"<li>(.*?)</li>", ticked)
    labels = [t(QUESTIONS["red_flags"].label_of(v), lang) for v in red_flags]
    assert [words(i) for i in items] == [words(label) for label in labels]
    if lang == "es":
        assert all(QUESTIONS["red_flags"].label_of(v) not in ticked for v in red_flags)
    assert t("You told us about:", lang) in main
    assert main.index('class="ticked"') < main.rindex('id="disclaimer"')


def pdf_pages(client) -> list[str]:
    pdf = client.get("/result/summary.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    return [words(page.extract_text()) for page in PdfReader(io.BytesIO(pdf.data)).pages]


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("name", list(held_out_sets()))
def test_the_handout_is_a_one_page_summary_then_the_rest_in_three_a4_pages(name, lang):
    client = client_for(lang, CLINIC_PHONE="555 0100")
    answers = held_out_sets()[name]
    WizardActions(client).complete(answers)
    pages = pdf_pages(client)
    assert len(pages) <= PAGES_AT_MOST, (name, lang, [len(p.split()) for p in pages])
    first = pages[0]
    assert t("At a glance", lang) in first and t("What to do now:", lang) in first
    assert words(safety_net("911", lang)) in first, "the safety net is on the summary"
    assert t("Your answers", lang) not in first, "the summary stands alone on page 1"
    assert words(disclaimer("911", lang)) in pages[-1]
    assert pages[-1].rstrip(" •").endswith(words(disclaimer("911", lang))[-30:])  # list marks
    handout = main_of(client, "/result/print")
    for topic in re.findall(r'data-topic="([^"]+)"', main_of(client, "/result")):
        assert f'data-topic="{topic}"' in handout, f"{topic} is named in the handout"
