"""Security headers on every response, rate limits on the API, and the health check.

The screener may be embedded in a clinic's own page, so ``frame-ancestors`` comes from
the ``FRAME_ANCESTORS`` setting; everything else is locked to the app's own origin.

Rate limits use the ``limits`` library (the engine under Flask-Limiter) directly: the
extension's per-request machinery measured about 100 µs on every request, API or not,
against about 2 µs for a direct hit on the same storage. ``RATELIMIT_STORAGE_URI``
chooses the storage (``memory://`` by default, ``redis://...`` when scaled out); a Redis
that fails gives way to per-worker memory (``ratelimit_storage.FallbackStorage``).
"""

from __future__ import annotations

import logging
import math
import time
from functools import lru_cache
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, request
from limits import parse
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

from .clientkey import client_key
from .ratelimit_storage import limit_storage
from .state import is_staff_path

ops = Blueprint("ops", __name__)
log = logging.getLogger("screener")

# ``same-origin``: no address leaves for other sites, yet the app's own form posts carry a
# Referer, which Flask-WTF's strict HTTPS check (WTF_CSRF_SSL_STRICT) requires.
REFERRER_POLICY = "same-origin"
PERMISSIONS_POLICY = ("accelerometer=(), camera=(), geolocation=(), gyroscope=(), "
                      "magnetometer=(), microphone=(), payment=(), usb=(), "
                      "browsing-topics=()")


def content_security_policy(frame_ancestors: str) -> str:
    return ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
            "connect-src 'self'; form-action 'self'; base-uri 'none'; "
            f"frame-ancestors {frame_ancestors}")


@ops.get("/healthz")
def healthz() -> Response:
    """For load balancers: the rule set is loaded (the app cannot start without it)."""
    rules = current_app.extensions["screener.rules"]
    return jsonify({"status": "ok", "rules": len(rules.rules), "topics": len(rules.topics),
                    "ruleset_version": rules.version})


def limit_client(name: str, limit_text: str, key: str | None = None) -> None:
    """Count this request against ``limit_text`` for its client address (or ``key``)
    under ``name``; past it, 429 with Retry-After. For the few posts with their own limit."""
    window = current_app.extensions["screener.ratelimit"]
    limit = parse(limit_text)
    client = key or client_key(request.remote_addr)
    if not window.hit(limit, name, client):
        reset = window.get_window_stats(limit, name, client).reset_time
        raise TooManyRequests(retry_after=max(1, math.ceil(reset - time.time())))


def _rate_limit(app: Flask, blueprints: tuple[Blueprint, ...]) -> None:
    """Limit each client address to ``API_RATE_LIMIT`` over all API and FHIR endpoints."""
    window = FixedWindowRateLimiter(limit_storage(app.config["RATELIMIT_STORAGE_URI"],
                                                  app.config))
    limit = parse(app.config["API_RATE_LIMIT"])
    app.extensions["screener.ratelimit"] = window

    names = {blueprint.name for blueprint in blueprints}
    storage, expiry, amount = window.storage, limit.get_expiry(), limit.amount
    # Each client address's storage key, built once (``key_for`` costs as much as the
    # count itself); the last 4,096 addresses are kept.
    @lru_cache(maxsize=4096)
    def key_of(address: str | None) -> str:
        return limit.key_for("api", client_key(address))

    @app.before_request
    def check() -> None:
        here = request._get_current_object()  # type: ignore[attr-defined]  # one lookup
        if here.blueprint not in names or not app.config["RATELIMIT_ENABLED"]:
            return
        client = here.remote_addr
        # FixedWindowRateLimiter.hit, with the key and expiry worked out once.
        if storage.incr(key_of(client), expiry) > amount:
            reset = window.get_window_stats(limit, "api", client_key(client)).reset_time
            raise TooManyRequests(retry_after=max(1, math.ceil(reset - time.time())))


class SecurityHeaders:
    """WSGI middleware adding the fixed security headers to every response.

    Done at the WSGI layer, on the raw header list: the same headers through Flask's
    ``after_request`` and werkzeug's header validation cost several times more per request.
    Pages get ``Cache-Control: no-store`` unless the view set its own (static files do).
    HTTPS responses (after ``ProxyFix``, so a TLS proxy counts) get ``hsts`` when set.
    A secure-only cookie sent over plain HTTP never comes back: that is logged once.
    """

    def __init__(self, app: Any, headers: list[tuple[str, str]], hsts: str | None,
                 secure_cookie: bool) -> None:
        self.app = app
        sts = [("Strict-Transport-Security", hsts)] if hsts else []
        # The staff area is never framed, whatever the clinic embeds, and never indexed.
        staff = [(n, content_security_policy("'none'") if n == "Content-Security-Policy"
                  else v) for n, v in headers] + [("X-Robots-Tag", "noindex, nofollow")]
        self.choices = {(False, False): headers, (True, False): headers + sts,
                        (False, True): staff, (True, True): staff + sts}
        self.warn_plain_http = secure_cookie

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            secure = environ.get("wsgi.url_scheme") == "https"
            headers.extend(self.choices[secure, is_staff_path(environ.get("PATH_INFO", ""))])
            if not secure and self.warn_plain_http:
                self.warn_plain_http = False
                log.warning(PLAIN_HTTP_WARNING)
            if not any(name.lower() == "cache-control" for name, _ in headers):
                headers.append(("Cache-Control", "no-store"))
            return start_response(status, headers, exc_info)

        return self.app(environ, start)


PLAIN_HTTP_WARNING = (
    "The screener is being served over plain HTTP while SESSION_COOKIE_SECURE is on: "
    "browsers will not send the session cookie back, so patients' answers cannot be kept "
    "from one step to the next. Serve it over HTTPS; behind a TLS proxy set "
    "SCREENER_PROXY_COUNT; for a local trial only, set SCREENER_SESSION_COOKIE_SECURE=false.")


def hsts_value(max_age: int, include_subdomains: bool) -> str | None:
    if max_age <= 0:
        return None
    return f"max-age={max_age}" + ("; includeSubDomains" if include_subdomains else "")


def init_security(app: Flask, *api_blueprints: Blueprint) -> None:
    """Headers for every response; rate limits for the API only."""
    _rate_limit(app, api_blueprints)
    config = app.config
    app.wsgi_app = SecurityHeaders(app.wsgi_app, [  # type: ignore[method-assign]
        ("Content-Security-Policy", content_security_policy(config["FRAME_ANCESTORS"])),
        ("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", REFERRER_POLICY),
        ("Permissions-Policy", PERMISSIONS_POLICY)],
        hsts=hsts_value(config["HSTS_MAX_AGE"], config["HSTS_INCLUDE_SUBDOMAINS"]),
        secure_cookie=config["SESSION_COOKIE_SECURE"])
