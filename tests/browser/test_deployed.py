"""As clinics deploy it, in Chromium: over HTTPS through nginx, and embedded in a clinic's
own page on another site."""

from __future__ import annotations

import pytest

from screener.catalogue.answers import visible_pages
from screener.engine.disclaimer import disclaimer

from ..conftest import COMPLETE_ANSWERS
from ..servers import StaticHttps, start_gunicorn
from .conftest import Person, screenshot

pytestmark = pytest.mark.slow

BOOKING_URL = "https://booking.clinic.example/spine"


def test_screening_through_nginx(page, behind_nginx):
    base, _ = behind_nginx
    person = Person(page, base)
    person.walk(COMPLETE_ANSWERS)
    assert page.url == base + "/result"
    assert page.locator('[data-topic="discuss-miss-with-specialist"]').count() == 1
    assert disclaimer() in page.locator("#disclaimer").inner_text()
    cookie = next(c for c in page.context.cookies() if c["name"] == "screener")
    assert cookie["secure"] and cookie["httpOnly"]


HOST_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Clinic</title></head>
<body><h1>Our clinic</h1><p style="height:300px">About the clinic.</p>
<iframe data-screener src="{base}/" title="Spine surgery information screener"
        style="width:100%;border:0"></iframe>
<p id="after">Footer of the clinic's page.</p>
<script src="{base}/static/embed.js"></script>
</body></html>
"""


@pytest.fixture(scope="module")
def clinic_site(tmp_path_factory, tls):
    """A clinic's page on https://localhost embedding the screener from https://127.0.0.1."""
    folder = tmp_path_factory.mktemp("clinic-site")
    site = StaticHttps(folder, tls)
    app = start_gunicorn(folder, tls, EMBED_ORIGINS=site.origin, BOOKING_URL=BOOKING_URL,
                         CLINIC_PHONE="555 0100")
    (folder / "index.html").write_text(HOST_PAGE.format(base=app.base), encoding="utf-8")
    yield site.origin + "/index.html", app.base
    app.stop()
    site.stop()


def frame_height(page) -> float:
    return page.locator("iframe[data-screener]").evaluate(
        "frame => frame.getBoundingClientRect().height")


def test_embedded_screening_keeps_its_session_and_fits_its_frame(page, clinic_site):
    host, base = clinic_site
    page.goto(host)
    frame = page.frame_locator("iframe[data-screener]")
    frame.locator("main a.button").click()
    inner = page.frames[1]
    person = Person(inner, base)
    for each in visible_pages(COMPLETE_ANSWERS):
        person.answer_step(COMPLETE_ANSWERS, each.questions)
    frame.locator("main a.button[href='/result']").click()
    result = frame.locator('[data-topic="discuss-miss-with-specialist"]')
    result.wait_for()
    assert inner.url == base + "/result"
    assert frame.locator(".site-header .brand").count() == 0  # compact inside a frame

    inner.wait_for_load_state("load")  # styles and scripts in: the height is final
    content = inner.evaluate("document.documentElement.scrollHeight")
    page.wait_for_function(
        f"Math.abs(document.querySelector('iframe').getBoundingClientRect().height - "
        f"{content}) < 2")
    assert frame_height(page) > 1000
    screenshot(page, "embedded-result")

    booking = frame.get_by_role("link", name="Book a visit")
    assert booking.get_attribute("target") == "_top"
    page.route(BOOKING_URL, lambda route: route.fulfill(
        body="<title>Booking</title>", content_type="text/html"))
    booking.click()
    page.wait_for_url(BOOKING_URL)


def test_host_page_ignores_height_messages_from_other_origins(page, clinic_site):
    host, _ = clinic_site
    page.goto(host)
    page.frame_locator("iframe[data-screener]").locator("main").wait_for()
    page.wait_for_function("document.querySelector('iframe').style.height !== ''")
    before = frame_height(page)
    page.evaluate("window.postMessage({type: 'screener:height', height: 5000, page: '/'}, '*')")
    page.wait_for_timeout(200)
    assert frame_height(page) == before


def test_unembedded_page_keeps_its_header(page, clinic_site):
    _, base = clinic_site
    page.goto(base + "/")
    assert page.locator(".site-header .brand").count() == 1
