"""The pages people expect: privacy notice from the configuration, accessibility
statement and "about", each linked from every page's footer, in English and Spanish."""

from __future__ import annotations

import pytest
from markupsafe import escape

from screener.app import create_app

INFO_PAGES = ["/privacy", "/accessibility", "/about"]


def page_text(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/", "/step/urgent", "/intake", "/no-such-page", *INFO_PAGES])
def test_every_page_links_the_three_pages_in_its_footer(client, url):
    page = client.get(url).get_data(as_text=True)
    footer = page[page.index('<footer class="site-footer'):]
    for link in INFO_PAGES:
        assert f'href="{link}"' in footer


@pytest.mark.parametrize("url", ["/", *INFO_PAGES])
def test_every_page_has_a_description_and_an_icon(client, url):
    page = page_text(client, url)
    assert '<meta name="description" content="' in page
    assert '<link rel="icon" href="/static/brand/favicon.svg" type="image/svg+xml">' in page


def test_the_favicon_address_browsers_guess_is_not_a_404(client):
    response = client.get("/favicon.ico", follow_redirects=True)
    assert (response.status_code, response.mimetype) == (200, "image/svg+xml")


def test_the_anonymous_privacy_notice_says_nothing_is_stored(client):
    page = page_text(client, "/privacy")
    assert "not saved on our server" in page
    assert "If you send your answers" not in page
    assert "first part of your internet address" in page  # the access log, as it is


@pytest.mark.parametrize(("idle", "total", "said"), [
    (None, None, "cleared after 20 minutes without activity or 120 minutes in all"),
    (5, 45, "cleared after 5 minutes without activity or 45 minutes in all"),
    (7.5, 90.0, "cleared after 7.5 minutes without activity or 90 minutes in all")])
@pytest.mark.parametrize("url", ["/", "/privacy", "/timed-out"])
def test_the_pages_state_the_configured_time_limits(idle, total, said, url):
    settings = {"TESTING": True, "SECRET_KEY": "test"}
    if idle is not None:
        settings |= {"SESSION_IDLE_MINUTES": idle, "SESSION_MAX_MINUTES": total}
    page = " ".join(page_text(create_app(settings).test_client(), url).split())
    if url == "/timed-out":  # the same limits, in the time-out page's sentence
        said = said.replace("cleared", "clear your answers").replace(" or ", ", and after ")
    assert said in page
    assert "up to an hour" not in page and "answers are kept" not in page


def test_the_privacy_notice_names_the_button_that_clears_the_answers(client):
    assert '"Start over"' in " ".join(page_text(client, "/privacy").split())
    assert ">Start over</a>" in page_text(client, "/step/urgent")


@pytest.mark.parametrize(("mode", "said"), [
    ("none", "It never holds your answers or your internet address."),
    ("hash", "a scrambled code made from your internet address"),
    ("full", "and your internet address. It never"),
    ("truncate", "the first part of your internet address")])
def test_the_notice_describes_the_access_log_as_configured(monkeypatch, mode, said):
    monkeypatch.setenv("SCREENER_ACCESS_LOG_IP", mode)
    client = create_app({"TESTING": True, "SECRET_KEY": "test"}).test_client()
    assert said in " ".join(page_text(client, "/privacy").split())


def test_with_the_handoff_on_the_notice_says_what_is_kept_how_long_and_who_sees_it(
        make_handoff_app):
    app = make_handoff_app(RETENTION_DAYS=14, CLINIC_NAME="Riverside Spine Centre",
                           CLINIC_PHONE="555 0142")
    page = page_text(app.test_client(), "/privacy")
    for said in ("If you send your answers to Riverside Spine Centre", "your name and phone number",
                 "the best time to call you, and your note", "your answers, and the information",
                 "encrypted, and deleted after 14 days", "intake staff", "sign in",
                 "reference code", 'href="tel:5550142"'):
        assert said in page, said


def test_about_shows_the_version_review_date_and_sources(ruleset):
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "CONTENT_REVIEWED": "2026-11-20"})
    page = page_text(app.test_client(), "/about")
    assert '<time datetime="2026-11-20">2026-11-20</time>' in page
    assert f"<td>{len(ruleset.topics)}</td>" in page
    for source in {s for topic in ruleset.topics.values() for s in topic.sources}:
        assert f"<li>{escape(source)}</li>" in page
    assert f"<code>{ruleset.version}</code>" in page


def test_about_says_when_no_review_date_is_recorded(client):
    assert "Not recorded yet" in page_text(client, "/about")


@pytest.mark.parametrize("url", INFO_PAGES)
def test_the_pages_are_in_spanish(client, url):
    english = page_text(client, url)
    spanish = page_text(client, url + "?lang=es")
    assert '<html lang="es">' in spanish
    heading = lambda page: page[page.index("<h1>"):page.index("</h1>")]  # noqa: E731
    assert heading(spanish) != heading(english)
