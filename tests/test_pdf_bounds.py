"""The patient's PDF is bounded: a few downloads a minute per client (429), a cap on how
many render at once per worker (503, never a wait), each with a page that says when to
try again and keeps the answers; a small in-memory cache serves the same PDF again."""

from __future__ import annotations

import os
import threading
import time

import pytest

from screener.app import create_app
from screener.config import ConfigError
from screener.web.pdf import Busy, PdfMaker

from .conftest import COMPLETE_ANSWERS, WizardActions


def pdf_app(**settings):
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "test"}
                      | settings)


def finished(app, lang: str = "en"):
    """A client whose patient has finished the screener, in ``lang``."""
    client = app.test_client()
    client.get(f"/?lang={lang}")
    WizardActions(client).complete(COMPLETE_ANSWERS)
    return client


def kept(client) -> None:
    """The patient's answers are all still there: the result and a text download work."""
    assert WizardActions(client).session_answers() == COMPLETE_ANSWERS
    assert client.get("/result").status_code == 200
    assert client.get("/result/summary.txt").status_code == 200


def fake_pdf(html: str) -> bytes:
    return b"%PDF-1.7 test " + str(len(html)).encode()


@pytest.mark.parametrize(("lang", "title", "advice"), [
    ("en", "Your PDF is not ready yet", "Please wait a minute and try again."),
    ("es", "Su PDF todavía no está listo", "Espere un minuto e inténtelo de nuevo."),
])
def test_past_the_limit_a_client_is_asked_to_wait_and_keeps_the_answers(lang, title, advice):
    app = pdf_app(PDF_RATE_LIMIT="3 per minute")
    app.extensions["screener.pdf"].render = fake_pdf
    client = finished(app, lang)
    answers_before = WizardActions(client).session_answers()
    responses = [client.get("/result/summary.pdf") for _ in range(4)]
    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    assert all(r.mimetype == "application/pdf" for r in responses[:3])
    refused = responses[3]
    page = refused.get_data(as_text=True)
    assert refused.mimetype == "text/html" and title in page and advice in page
    assert f'<html lang="{lang}">' in page and 'href="/result/print"' in page
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert WizardActions(client).session_answers() == answers_before
    kept(client)


def test_the_limit_is_per_client_address():
    app = pdf_app(PDF_RATE_LIMIT="1 per minute")
    app.extensions["screener.pdf"].render = fake_pdf
    here, there = finished(app), finished(app)
    assert here.get("/result/summary.pdf").status_code == 200
    assert here.get("/result/summary.pdf").status_code == 429
    other = there.get("/result/summary.pdf", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 200


class HeldRenders:
    """A renderer that holds every render until released, counting those in progress."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.in_progress = 0
        self.lock = threading.Lock()

    def __call__(self, html: str) -> bytes:
        with self.lock:
            self.in_progress += 1
        assert self.release.wait(timeout=30)
        return fake_pdf(html)

    def wait_for(self, count: int, seconds: float = 10) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with self.lock:
                if self.in_progress == count:
                    return True
            time.sleep(0.01)
        return False


@pytest.mark.parametrize("concurrency", [1, 2])
def test_renders_past_the_cap_are_refused_at_once_with_retry_after(concurrency):
    app = pdf_app(RATELIMIT_ENABLED=False, PDF_CONCURRENCY=concurrency, PDF_CACHE_SIZE=0)
    renders = HeldRenders()
    app.extensions["screener.pdf"].render = renders
    holders = [finished(app) for _ in range(concurrency)]
    late = finished(app)
    statuses: list[int] = []
    threads = [threading.Thread(target=lambda c=c: statuses.append(
        c.get("/result/summary.pdf").status_code)) for c in holders]
    try:
        for thread in threads:
            thread.start()
        assert renders.wait_for(concurrency)
        refused = late.get("/result/summary.pdf")
    finally:
        renders.release.set()
        for thread in threads:
            thread.join(timeout=30)
    assert statuses == [200] * concurrency
    assert refused.status_code == 503 and refused.headers["Retry-After"].isdigit()
    page = refused.get_data(as_text=True)
    assert "Many PDFs are being made right now. Please try again in a moment." in page
    kept(late)
    assert late.get("/result/summary.pdf").status_code == 200  # a slot is free again


def test_a_refusal_for_want_of_a_slot_does_not_use_up_the_allowance():
    app = pdf_app(PDF_RATE_LIMIT="1 per minute", PDF_CACHE_SIZE=0)
    renders = HeldRenders()
    app.extensions["screener.pdf"].render = renders
    holder, late = finished(app), finished(app)
    elsewhere = {"REMOTE_ADDR": "192.0.2.7"}
    thread = threading.Thread(target=holder.get, args=("/result/summary.pdf",))
    thread.start()
    try:
        assert renders.wait_for(1)
        refused = [late.get("/result/summary.pdf", environ_base=elsewhere).status_code
                   for _ in range(3)]
    finally:
        renders.release.set()
        thread.join(timeout=30)
    assert refused == [503, 503, 503]
    assert late.get("/result/summary.pdf", environ_base=elsewhere).status_code == 200
    assert late.get("/result/summary.pdf", environ_base=elsewhere).status_code == 429


def test_a_failing_render_frees_its_slot():
    app = pdf_app(RATELIMIT_ENABLED=False, PDF_CACHE_SIZE=0)

    def broken(html: str) -> bytes:
        raise RuntimeError("renderer broke")

    maker = app.extensions["screener.pdf"]
    maker.render = broken
    client = finished(app)
    assert client.get("/result/summary.pdf").status_code == 500
    maker.render = fake_pdf
    assert client.get("/result/summary.pdf").status_code == 200


def test_the_same_page_is_rendered_once_and_another_language_again():
    app = pdf_app(RATELIMIT_ENABLED=False)
    rendered: list[str] = []
    app.extensions["screener.pdf"].render = lambda html: rendered.append(html) or fake_pdf(html)
    english, spanish = finished(app), finished(app, "es")
    first = english.get("/result/summary.pdf").data
    assert english.get("/result/summary.pdf").data == first and len(rendered) == 1
    assert finished(app).get("/result/summary.pdf").data == first and len(rendered) == 1
    spanish.get("/result/summary.pdf")
    assert len(rendered) == 2 and '<html lang="es">' in rendered[1]


def test_the_cache_keeps_only_the_newest_and_can_be_off():
    rendered: list[str] = []
    maker = PdfMaker(lambda html: rendered.append(html) or fake_pdf(html), 1, 2)
    for html in ("a", "b", "a", "c", "b", "a"):
        maker.make(html, lambda html=html: html)
    assert rendered == ["a", "b", "c", "b", "a"]  # "a" was used last, so "b" went first
    off = PdfMaker(lambda html: rendered.append(html) or fake_pdf(html), 1, 0)
    off.make("z", lambda: "z"), off.make("z", lambda: "z")
    assert rendered[-2:] == ["z", "z"]


def test_a_cached_pdf_needs_no_slot():
    renders = HeldRenders()
    maker = PdfMaker(renders, 1, 4)
    renders.release.set()
    maker.make("cached", lambda: "cached")
    renders.release.clear()
    holder = threading.Thread(target=maker.make, args=("new", lambda: "new"))
    holder.start()
    try:
        assert renders.wait_for(2)
        with pytest.raises(Busy):
            maker.make("other", lambda: "other")
        assert maker.make("cached", lambda: "cached") == fake_pdf("cached")
    finally:
        renders.release.set()
        holder.join(timeout=30)


@pytest.mark.parametrize(("name", "value"), [("PDF_RATE_LIMIT", "lots"),
                                             ("PDF_CONCURRENCY", 0),
                                             ("PDF_CONCURRENCY", "many"),
                                             ("PDF_CACHE_SIZE", -1)])
def test_a_bad_pdf_setting_stops_start_up_naming_it(name, value):
    with pytest.raises(ConfigError, match=f"SCREENER_{name}"):
        pdf_app(**{name: value})


def _hold_a_slot(maker: PdfMaker, held, never) -> None:
    with maker.slots.taken():
        held.set()
        never.wait(60)


def test_the_slots_are_shared_by_forked_workers_and_freed_when_one_is_killed():
    """As gunicorn forks its workers from the loaded app: a render in one worker takes the
    slot for all; a worker killed mid-render (gunicorn's timeout) does not keep it."""
    import multiprocessing
    import signal

    maker = PdfMaker(fake_pdf, 1, 0)
    fork = multiprocessing.get_context("fork")
    held, never = fork.Event(), fork.Event()
    worker = fork.Process(target=_hold_a_slot, args=(maker, held, never))
    worker.start()
    try:
        assert held.wait(30)
        with pytest.raises(Busy):
            maker.make("another", lambda: "<p>another patient</p>")
    finally:
        os.kill(worker.pid, signal.SIGKILL)
        worker.join(30)
    assert worker.exitcode == -signal.SIGKILL
    assert maker.make("another", lambda: "<p>another patient</p>") == fake_pdf(
        "<p>another patient</p>")
