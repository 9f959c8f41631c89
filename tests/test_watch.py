"""Watching the screener: usage counts per day (never per person), Prometheus metrics and
the usage chart behind a token, and readiness that follows the database."""

from __future__ import annotations

import base64
import csv
import datetime
import io
import tempfile
from unittest import mock

import pytest
from hypothesis import given, settings

from screener.app import create_app
from screener.usage import EVENTS

from .conftest import COMPLETE_ANSWERS, WizardActions, answer_sets

TOKEN = "metrics-" + "t" * 30
# The counting day, pinned: a test that runs across midnight UTC still sees one day. The
# first of a month, so the days before it cross a month's end.
DAY = datetime.date(2026, 3, 1)
GUARDED = ["/metrics", "/usage", "/usage.csv"]


def make_app(**extra):
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "test",
                       "RATELIMIT_ENABLED": False, **extra})


@pytest.fixture
def counting_day(monkeypatch) -> datetime.date:
    monkeypatch.setattr("screener.usage.today", lambda: DAY)
    return DAY


def totals(app) -> dict[str, int]:
    return app.extensions["screener.usage"].totals()


def test_a_screening_counts_started_finished_and_each_topic_once(app, client, wizard):
    client.get("/step/urgent")
    client.get("/step/urgent")
    wizard.complete(COMPLETE_ANSWERS)
    shown = [a.split('"')[1] for a in client.get("/result").get_data(as_text=True)
             .split("data-topic=")[1:]]
    client.get("/result")  # a reload counts nothing more
    counted = totals(app)
    assert counted.pop("started") == 1 and counted.pop("finished") == 1
    assert counted == {f"topic:{topic}": 1 for topic in shown}


def test_an_emergency_and_urgent_symptoms_are_counted(app):
    for red_flags, expected in ((["saddle_numbness"], "emergency"), (["fever"], "urgent")):
        client = app.test_client()
        WizardActions(client).complete(COMPLETE_ANSWERS | {"red_flags": red_flags})
        client.get("/result")
        assert totals(app)[expected] == 1


def test_starting_again_counts_a_new_screening(app, client):
    client.get("/step/urgent")
    client.post("/restart")
    client.get("/step/urgent")
    assert totals(app)["started"] == 2


@settings(max_examples=25, deadline=None)
@given(answers=answer_sets())
def test_counts_are_only_day_event_and_number_for_any_answers(answers):
    with (tempfile.TemporaryDirectory() as folder,
          mock.patch("screener.usage.today", return_value=DAY)):
        app = make_app(DATABASE_URL=f"sqlite:///{folder}/usage.sqlite3")
        client = app.test_client()
        WizardActions(client).complete(answers)
        client.get("/result")
        with app.extensions["screener.usage"].engine.connect() as db:
            found = db.exec_driver_sql("SELECT * FROM usage_counts")
            columns, rows = list(found.keys()), found.all()
        topics = app.extensions["screener.rules"].topics
    assert columns == ["day", "event", "count"]
    allowed = set(EVENTS) | {f"topic:{topic}" for topic in topics}
    assert {event for _, event, _ in rows} <= allowed
    assert {day for day, _, _ in rows} == {DAY.isoformat()}


def test_the_booking_button_is_counted_and_goes_to_the_clinic():
    app = make_app(BOOKING_URL="https://clinic.example/book")
    response = app.test_client().get("/go/booking")
    assert (response.status_code, response.location) == (303, "https://clinic.example/book")
    assert totals(app)["booking_click"] == 1
    assert make_app().test_client().get("/go/booking").status_code == 404


def test_a_database_that_is_down_never_breaks_a_page_and_readyz_says_so(tmp_path):
    app = make_app(DATABASE_URL=f"sqlite:///{tmp_path}/missing-folder/usage.sqlite3")
    client = app.test_client()
    assert client.get("/step/urgent").status_code == 200
    ready = client.get("/readyz")
    assert (ready.status_code, ready.get_json()) == (
        503, {"status": "unavailable",
              "checks": {"rules": "ok", "database": "unreachable",
                         "database write": "failed"}})
    assert client.get("/healthz").status_code == 200


def test_readyz_is_ready_with_a_working_database(client):
    ready = client.get("/readyz")
    assert (ready.status_code, ready.get_json()["checks"]) == (
        200, {"rules": "ok", "database": "ok", "database write": "ok"})


@pytest.mark.parametrize("url", GUARDED)
def test_without_a_token_only_a_direct_local_request_is_answered(client, url):
    assert client.get(url).status_code == 200
    assert client.get(url, environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 404
    assert client.get(url, headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 404


@pytest.mark.parametrize("url", GUARDED)
def test_with_a_token_it_is_needed_as_bearer_or_basic_password(url):
    client = make_app(METRICS_TOKEN=TOKEN).test_client()
    refused = client.get(url)
    assert refused.status_code == 401 and "Basic" in refused.headers["WWW-Authenticate"]
    assert client.get(url, headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get(url, headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    basic = base64.b64encode(f"admin:{TOKEN}".encode()).decode()
    assert client.get(url, headers={"Authorization": f"Basic {basic}"}).status_code == 200


def test_metrics_has_requests_latencies_and_usage_counts(client, wizard):
    wizard.complete(COMPLETE_ANSWERS)
    client.get("/result")
    body = client.get("/metrics").get_data(as_text=True)
    assert ('screener_http_requests_total{endpoint="patient.step",method="POST",'
            'status="302"}') in body
    assert 'screener_http_request_duration_seconds_bucket{endpoint="patient.result"' in body
    assert 'screener_usage_events_total{event="finished"} 1.0' in body
    assert 'screener_topic_shown_total{topic="bring-your-imaging"} 1.0' in body
    assert "screener_usage_database_up 1.0" in body
    for value in ("herniated_disc", "leg_pain", "smoking", "40_59"):
        assert f'"{value}"' not in body


def test_the_usage_page_draws_a_chart_and_a_table(client, wizard, counting_day):
    client.get("/step/urgent")
    wizard.complete(COMPLETE_ANSWERS)
    client.get("/result")
    page = client.get("/usage").get_data(as_text=True)
    today = counting_day.isoformat()
    assert '<svg class="chart" role="img"' in page and "<script" not in page.split("<main")[1]
    assert f"<title>{today}: 1 finished</title>" in page
    assert f'<tr><th scope="row">{today}</th><td>1</td><td>1</td>' in page


def test_the_csv_has_one_row_a_day_and_a_column_an_event(app, client, wizard, counting_day):
    counts = app.extensions["screener.usage"]
    today = counting_day
    counts.add(["started", "started", "finished", "topic:see-a-specialist"],
               day=today - datetime.timedelta(days=2))
    # Another server already past midnight: the table still ends on the day it was drawn.
    counts.add(["started"], day=today + datetime.timedelta(days=1))
    rows = list(csv.DictReader(io.StringIO(client.get("/usage.csv").get_data(as_text=True))))
    assert [r["day"] for r in rows] == [(today - datetime.timedelta(days=n)).isoformat()
                                        for n in (2, 1, 0)]
    assert (rows[0]["started"], rows[0]["finished"], rows[0]["topic:see-a-specialist"]) == (
        "2", "1", "1")
    assert rows[1]["started"] == "0"



def test_requests_refused_by_the_rate_limit_are_counted_too():
    client = make_app(API_RATE_LIMIT="1 per minute", RATELIMIT_ENABLED=True).test_client()
    assert [client.get("/api/v1/questions").status_code for _ in range(2)] == [200, 429]
    body = client.get("/metrics").get_data(as_text=True)
    assert ('screener_http_requests_total{endpoint="api.questions",method="GET",'
            'status="429"} 1.0') in body


def test_an_invented_method_is_counted_as_other(client):
    """Any method name a client makes up must not become a series of its own."""
    for invented in ("FOOBAR", "BREW", "X" * 20):
        assert client.open("/", method=invented).status_code == 405
    body = client.get("/metrics").get_data(as_text=True)
    assert 'method="other",status="405"} 3.0' in body
    assert "FOOBAR" not in body and "BREW" not in body
