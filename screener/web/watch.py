"""Watching the screener: Prometheus metrics, readiness, and the clinic's usage counts.

``/metrics`` (Prometheus text), ``/usage`` (a small server-drawn chart and table) and
``/usage.csv`` answer only with ``METRICS_TOKEN`` (``Authorization: Bearer <token>``, or
HTTP Basic with the token as password, which a browser asks for), or, when no token is
set, only to a request made directly on the loopback address (no proxy in between).
Admins signed in to the staff area see the same page at ``/staff/admin/usage``.

``/readyz`` fails (503) while a configured database is unreachable or refuses a write
(tried in a transaction that is rolled back), when the rule set is missing, or when the
data keys cannot open what is stored (``keycheck.canary``); a shared rate-limit storage
(Redis) that fails shows as "degraded" but stays 200, since the limits then count in each
worker's memory and every page still works. ``/healthz`` stays the liveness check.

Counting happens where pages are drawn (Flask's ``template_rendered`` signal), so the
patient flow itself carries no counting code. A flag in the person's own session stops a
reload from counting twice; nothing about the person reaches the server's counts.
"""

from __future__ import annotations

import base64
import csv
import datetime
import hmac
import io
import ipaddress
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    template_rendered,
    url_for,
)
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .. import usage as counting
from ..catalogue.questions import PAGES
from ..store.crypto import DataKeyError
from ..usage import EVENTS, TOPIC, UsageCounts

bp = Blueprint("watch", __name__)
CHART_DAYS = 30
# Counted once per session: a reload or a second visit to the result counts nothing.
_ONCE = ("started", "finished")
_STARTED = "screener.started"  # the WSGI environ key of the request's start time


def usage(app: Flask | None = None) -> UsageCounts | None:
    return (app or current_app).extensions.get("screener.usage")


def count_event(*events: str) -> None:
    """Add one to each event today (for other blueprints: the handoff's "handoff_sent")."""
    counts = usage()
    if counts is not None:
        counts.add(events)


def init_watch(app: Flask) -> None:
    """Usage counts, request metrics and the readiness checks for ``app``."""
    checks: dict[str, Callable[[], None]] = app.extensions.setdefault("screener.ready_checks", {})
    checks["rules"] = lambda: _rules_loaded(app)
    if app.config["USAGE_COUNTS"]:
        counts = app.extensions["screener.usage"] = UsageCounts(app.config["DATABASE_URL"])
        checks["database"] = counts.ping
        checks["database write"] = _writes(counts.write_check)
        template_rendered.connect(_count_page, app)
    store = app.extensions.get("screener.store")  # the handoff's, when it is on
    if store is not None:
        from ..store.probe import check_handoff_writable

        checks["handoff database"] = lambda: _ping(store.engine)
        checks["handoff database write"] = _writes(lambda: check_handoff_writable(store.engine))
        checks["data keys"] = lambda: _keys_open(store)
    limits = app.extensions.get("screener.ratelimit")
    shared = getattr(getattr(limits, "storage", None), "ping", None)
    if shared is not None:  # a shared rate-limit storage: its outage only degrades
        name = "redis" if limits.storage.label.startswith("Redis") else "rate limit storage"
        checks[name] = shared
        app.extensions.setdefault("screener.degraded_checks", set()).add(name)
    registry = CollectorRegistry(auto_describe=True)
    app.extensions["screener.metrics"] = registry
    requests = Counter("screener_http_requests", "HTTP requests by endpoint, method and status.",
                       ["endpoint", "method", "status"], registry=registry)
    latency = Histogram("screener_http_request_duration_seconds",
                        "Time to answer a request, by endpoint.", ["endpoint"], registry=registry,
                        buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5))

    # The clock starts when the request reaches the app (a WSGI wrapper: no hook to run,
    # no ``g`` to write), so requests refused by a hook (rate limit, CSRF) count too.
    inner = app.wsgi_app

    def start_clock(environ: dict[str, Any], start_response: Any) -> Any:
        environ[_STARTED] = time.perf_counter()
        return inner(environ, start_response)

    app.wsgi_app = start_clock  # type: ignore[method-assign]

    # The labelled series of each (endpoint, method, status), looked up once: ``labels``
    # checks and joins its values on every call. prometheus_client keeps each series
    # anyway, so this holds no more than it does.
    series: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    @app.after_request
    def measure(response: Response) -> Response:
        here = request._get_current_object()  # type: ignore[attr-defined]  # one lookup
        started = here.environ.get(_STARTED)
        if started is not None:
            method = here.method if here.method in KNOWN_METHODS else "other"
            key = (here.endpoint or "none", method, response.status_code)
            found = series.get(key)
            if found is None:
                found = series[key] = (latency.labels(key[0]),
                                       requests.labels(key[0], key[1], str(key[2])))
            found[0].observe(time.perf_counter() - started)
            found[1].inc()
        return response


# A client may send any method name (``FOOBAR /``): counted as "other", so no one can
# grow the number of series, and the memory and files that hold them, without end.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def _ping(engine: Any) -> None:
    with engine.connect() as db:
        db.execute(text("SELECT 1"))


class Failed(Exception):
    """A check that ran and found something wrong (rather than an unreachable service)."""


class NotWritable(Failed):
    """A database that answered but refused the rolled-back write."""


def _writes(check: Callable[[], None]) -> Callable[[], None]:
    def write() -> None:
        try:
            check()
        except SQLAlchemyError as exc:
            raise NotWritable(type(exc).__name__) from exc

    return write


def _rules_loaded(app: Flask) -> None:
    """A rule set with rules and topics (start-up refuses a broken one; this says if the
    running app lost it)."""
    rules = app.extensions.get("screener.rules")
    if rules is None or not rules.rules or not rules.topics:
        raise Failed("no rule set loaded")


def _keys_open(store: Any) -> None:
    """SCREENER_DATA_KEYS holds every key stored data needs and opens the newest stored
    reference code (the canary): else every staff page would fail."""
    from ..store.keycheck import canary

    try:
        canary(store.engine, store.cipher)
    except DataKeyError as exc:
        raise Failed(type(exc).__name__) from exc


def _count_page(app: Flask, template: Any, context: dict[str, Any], **_: Any) -> None:
    """Turn a drawn page into the day's counts (never with anything about the person)."""
    name = template.name
    events: list[str] = []
    if name == "step.html" and context.get("page") is PAGES[0]:
        events.append("started")
    elif name in ("result.html", "emergency.html"):
        result = context["result"]
        events.append("finished")
        if result.stopped:
            events.append("emergency")
        elif any(topic.category == "urgent" for topic in result.topics):
            events.append("urgent")
        events += [TOPIC + topic.id for topic in result.topics]
    elif name == "intake_result.html":
        events.append("intake_finished")
    if not events:
        return
    if events[0] in _ONCE:
        counted = session.get("counted", [])
        if events[0] in counted:
            return
        session["counted"] = [*counted, events[0]]
    counts = usage(app)
    if counts is not None:
        counts.add(events)


def _allowed() -> bool:
    """The token, when one is set; else only a direct request on loopback."""
    token = current_app.config["METRICS_TOKEN"]
    if not token:
        address = request.remote_addr or ""
        try:
            local = ipaddress.ip_address(address).is_loopback
        except ValueError:
            local = False
        return local and "X-Forwarded-For" not in request.headers
    given = ""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer":
        given = value.strip()
    elif scheme.lower() == "basic":
        try:
            given = base64.b64decode(value, validate=True).decode().partition(":")[2]
        except (ValueError, UnicodeDecodeError):
            given = ""
    return bool(given) and hmac.compare_digest(given.encode(), token.encode())


def _guard() -> None:
    if _allowed():
        return
    if not current_app.config["METRICS_TOKEN"]:
        abort(404)
    response = Response("A token is needed.\n", 401, mimetype="text/plain",
                        headers={"WWW-Authenticate": 'Basic realm="screener usage"'})
    abort(response)


class UsageCollector(Collector):
    """The usage counts as Prometheus counters, read from the shared database."""

    def __init__(self, counts: UsageCounts | None) -> None:
        self.counts = counts

    def collect(self) -> Iterator[Any]:
        up = GaugeMetricFamily("screener_usage_database_up",
                               "1 when the usage counts could be read.")
        if self.counts is None:
            return
        try:
            totals = self.counts.totals()
        except SQLAlchemyError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        family = CounterMetricFamily("screener_usage_events", "Screener events since the "
                                     "counts began (daily aggregates summed).", labels=["event"])
        topics = CounterMetricFamily("screener_topic_shown", "How often each topic was shown "
                                     "on a result.", labels=["topic"])
        for name in EVENTS:
            family.add_metric([name], totals.get(name, 0))
        for name, total in sorted(totals.items()):
            if name.startswith(TOPIC):
                topics.add_metric([name.removeprefix(TOPIC)], total)
        yield family
        yield topics


@bp.get("/metrics")
def metrics() -> Response:
    _guard()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = current_app.extensions["screener.metrics"]
    body = generate_latest(registry) + generate_latest(_usage_registry())
    return Response(body, mimetype=CONTENT_TYPE_LATEST.split(";")[0],
                    headers={"Cache-Control": "no-store"})


def _usage_registry() -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(UsageCollector(usage()))
    return registry


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    """Ready when the rule set is loaded, every configured database answers and takes a
    write, and the data keys open what is stored; each check named with its state ("ok",
    "unreachable", "failed"), never why (that goes to the log)."""
    results: dict[str, str] = {}
    for name, check in current_app.extensions.get("screener.ready_checks", {}).items():
        try:
            check()
            results[name] = "ok"
        except Exception as exc:  # any failure means not ready; the reason stays in the log
            current_app.logger.warning("readiness check %s failed: %s", name,
                                       type(exc).__name__)
            results[name] = "failed" if isinstance(exc, Failed) else "unreachable"
    degraded_only = current_app.extensions.get("screener.degraded_checks", set())
    failed = {name for name, state in results.items() if state != "ok"}
    status = ("unavailable" if failed - degraded_only else "degraded" if failed else "ready")
    return jsonify({"status": status, "checks": results}), 503 if status == "unavailable" else 200


def _table(days: int | None = CHART_DAYS) -> tuple[list[datetime.date],
                                                  dict[datetime.date, dict[str, int]]]:
    """The last ``days`` days, or (None) every day since the first count."""
    counts = usage()
    if counts is None:
        abort(404)
    today = counting.today()
    since = (today - datetime.timedelta(days - 1) if days else
             min(counts.first_day() or today, today))
    daily = counts.daily(since, today)
    return sorted(daily), daily


def chart(days: list[datetime.date], daily: dict[datetime.date, dict[str, int]],
          width: int = 600, height: int = 160) -> dict[str, Any]:
    """Bar geometry for started (behind) and finished (in front) per day, drawn in SVG."""
    top = max([daily[d].get("started", 0) for d in days] +
              [daily[d].get("finished", 0) for d in days] + [1])
    step = width / max(len(days), 1)
    bars = []
    for i, day in enumerate(days):
        for name, inset in (("started", 0.1), ("finished", 0.3)):
            value = daily[day].get(name, 0)
            h = round(value / top * (height - 20), 1)
            bars.append({"kind": name, "x": round(i * step + step * inset, 1),
                         "width": round(step * (1 - 2 * inset), 1), "y": round(height - h, 1),
                         "height": h, "day": day.isoformat(), "value": value})
    return {"width": width, "height": height, "top": top, "bars": bars}


def usage_values() -> dict[str, Any]:
    """The usage page's figures (for /usage and the staff area's admin page)."""
    days, daily = _table()
    topics: dict[str, int] = {}
    for day in days:
        for name, n in daily[day].items():
            if name.startswith(TOPIC):
                topics[name.removeprefix(TOPIC)] = topics.get(name.removeprefix(TOPIC), 0) + n
    return {"days": days, "daily": daily, "chart": chart(days, daily),
            "topics": sorted(topics.items(), key=lambda kv: (-kv[1], kv[0]))}


@bp.get("/usage")
def usage_page() -> str:
    _guard()
    return render_template("usage.html", events=EVENTS, csv_url=url_for("watch.usage_csv"),
                           **usage_values())


@bp.get("/usage.csv")
def usage_csv() -> Response:
    _guard()
    return usage_csv_response()


def usage_csv_response() -> Response:
    """Every day's counts as CSV (``?days=N`` for the last N only)."""
    wanted = request.args.get("days", "")
    days, daily = _table(min(max(int(wanted), 1), 3660) if wanted.isdigit() else None)
    topic_names = sorted({n for d in days for n in daily[d] if n.startswith(TOPIC)})
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["day", *EVENTS, *topic_names])
    for day in days:
        writer.writerow([day.isoformat(), *(daily[day].get(n, 0) for n in (*EVENTS, *topic_names))])
    return Response(out.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": "attachment; filename=screener-usage.csv"})


@bp.get("/go/booking")
def booking() -> Response:
    """The result page's booking button: counted, then on to the clinic's booking page."""
    target = current_app.config["BOOKING_URL"]
    if not target:
        abort(404)
    count_event("booking_click")
    return redirect(target, 303)  # type: ignore[return-value]
