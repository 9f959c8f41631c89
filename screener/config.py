"""Configuration: safe defaults, the clinic file (``clinic.py``), ``SCREENER_*`` environment
variables, then tests'.

Flask's ``from_prefixed_env`` reads ``SCREENER_SECRET_KEY``, ``SCREENER_CLINIC_PHONE`` and so
on; values that look like JSON are parsed, so the text settings are turned back into text.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

from flask import Flask

from .clinic import CLINIC_DEFAULTS, check_clinic, read_clinic_file
from .engine.disclaimer import DEFAULT_EMERGENCY_NUMBER
from .problems import ConfigError
from .resources import data_dir

DEFAULTS: dict[str, Any] = {
    "SECRET_KEY": None,
    "CLINIC_NAME": "Our spine clinic",
    "CLINIC_PHONE": "",
    "BOOKING_URL": "",
    "EMERGENCY_NUMBER": DEFAULT_EMERGENCY_NUMBER,
    "RULES_DIR": str(data_dir("rules")),
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    # None: on, except under debug or tests (where the app is served over plain HTTP).
    "SESSION_COOKIE_SECURE": None,
    "SESSION_COOKIE_NAME": "screener",
    # The session cookie ends with the browser; the app also drops it after this long idle,
    # or this long in all. SESSION_KEYS: Fernet keys (newest first) instead of derived ones.
    "SESSION_IDLE_MINUTES": 20,
    "SESSION_MAX_MINUTES": 120,
    "SESSION_KEYS": "",
    # The staff area's own cookie (path /staff): signed out after this long idle or in all.
    "STAFF_SESSION_IDLE_MINUTES": 15,
    "STAFF_SESSION_MAX_MINUTES": 480,
    # Failed sign-ins (password or code) per email from one address before that address
    # waits (30 s, doubling up to the period); an account's failures since its last
    # success, past which only addresses it signed in from before may try (NIST: <= 100);
    # sign-in posts per client address.
    "STAFF_SIGN_IN_FAILURES": "5 per 15 minutes",
    "STAFF_SIGN_IN_MAX_FAILURES": 100,
    "STAFF_SIGN_IN_RATE_LIMIT": "30 per 15 minutes",
    # The screener's public address (https://screener.example.org, with any path prefix):
    # every link that leaves the browser (emails, setup links) starts with it, never with
    # the request's Host, which the client chooses. Required once the handoff emails.
    "BASE_URL": "",
    "WTF_CSRF_ENABLED": True,
    "WTF_CSRF_TIME_LIMIT": 3600,
    "MAX_CONTENT_LENGTH": 64 * 1024,
    "FRAME_ANCESTORS": "'self'",
    "API_RATE_LIMIT": "120 per minute",
    # The patient's PDF: downloads per client address, renders at once on the server
    # (shared by its workers), finished PDFs kept in each worker's memory (0: none).
    # See web/pdf.py.
    "PDF_RATE_LIMIT": "6 per minute",
    "PDF_CONCURRENCY": 1,
    "PDF_CACHE_SIZE": 16,
    "RATELIMIT_STORAGE_URI": "memory://",
    # Redis's socket waits (seconds), and how long a worker counts in memory after Redis
    # failed before it asks Redis again.
    "RATELIMIT_STORAGE_TIMEOUT": 0.25,
    "RATELIMIT_RETRY_SECONDS": 5,
    "PROXY_COUNT": 0,
    **CLINIC_DEFAULTS,
    # Strict-Transport-Security on HTTPS responses; 0 turns it off.
    "HSTS_MAX_AGE": 31536000,
    "HSTS_INCLUDE_SUBDOMAINS": False,
    # Origins of the clinic pages that embed the screener in an iframe (space-separated).
    "EMBED_ORIGINS": "",
    # The clinic handoff (off: nothing is stored). DATABASE_URL None means SQLite in the
    # instance folder; DATA_KEYS are Fernet keys, the first encrypts (see store/crypto.py).
    "HANDOFF": False,
    "RETENTION_DAYS": 30,
    "DATABASE_URL": None,
    "DATA_KEYS": None,
    # The clinic's country calling code: staff find "+1 555 010 1234" by "555 010 1234".
    "PHONE_COUNTRY_CODE": "1",
    # The audit log's seals are keyed with this (else derived from SECRET_KEY); on
    # PostgreSQL, DATABASE_APP_ROLE is the app's role, given only what it needs on upgrade.
    "AUDIT_KEY": "",
    "DATABASE_APP_ROLE": "",
    "SMTP_URL": "",
    "NOTIFY_EMAIL": "",
    "STAFF_URL": "",
    # Handoff sends per patient (the session's send token) and withdrawals by code per
    # client address; and all sends from one address (30 patients in a waiting room fit).
    "HANDOFF_RATE_LIMIT": "20 per hour",
    "HANDOFF_ADDRESS_RATE_LIMIT": "300 per hour",
    "NOTIFY_RETRY_DELAYS": (5, 30, 120, 600),
    # The Questionnaire's canonical URL: set it to the clinic's public address of the form.
    "FHIR_CANONICAL": "urn:miss-screener:questionnaire",
    # Web origins (space-separated) whose pages may call /fhir from the browser (CORS).
    "FHIR_CORS_ORIGINS": "",
}
MIN_SECRET_LENGTH = 32
WEAK_SECRETS = frozenset({"secret", "changeme", "change-me", "dev", "development", "test",
                          "password", "screener", "flask", "default", "key", "secret-key"})
_TEXT_SETTINGS = ("SECRET_KEY", "CLINIC_NAME", "CLINIC_PHONE", "BOOKING_URL", "EMERGENCY_NUMBER",
                  "RULES_DIR", "FRAME_ANCESTORS", "API_RATE_LIMIT", "RATELIMIT_STORAGE_URI",
                  "CLINIC_EMAIL", "LOGO", "BRAND_COLOUR", "OVERRIDES_DIR", "CONTENT_REVIEWED",

                  "EMBED_ORIGINS", "SESSION_KEYS", "DATABASE_URL", "SMTP_URL", "NOTIFY_EMAIL",
                  "STAFF_URL", "HANDOFF_RATE_LIMIT", "HANDOFF_ADDRESS_RATE_LIMIT", "BASE_URL",
                  "STAFF_SIGN_IN_FAILURES",
                  "STAFF_SIGN_IN_RATE_LIMIT", "FHIR_CANONICAL", "FHIR_CORS_ORIGINS",
                  "PDF_RATE_LIMIT", "AUDIT_KEY", "DATABASE_APP_ROLE", "PHONE_COUNTRY_CODE")


def configure(app: Flask, test_config: dict[str, Any] | None) -> None:
    app.config.from_mapping(DEFAULTS)
    clinic = read_clinic_file((test_config or {}).get("CLINIC_CONFIG")
                              or os.environ.get("SCREENER_CLINIC_CONFIG"))
    app.config.from_mapping(clinic.settings)
    app.config.from_prefixed_env("SCREENER")
    if test_config:
        app.config.from_mapping(test_config)
    for key in _TEXT_SETTINGS:
        if app.config.get(key) is not None:
            app.config[key] = str(app.config[key])
    _secure_defaults(app)
    _embedding(app)
    _public_addresses(app)
    app.config.from_mapping(check_clinic(app.config, clinic))
    if not app.config["SECRET_KEY"]:
        if not (app.debug or app.testing):
            raise ConfigError(
                "SCREENER_SECRET_KEY is not set. Set it to a long random value, for example "
                "the output of: python -c 'import secrets; print(secrets.token_hex(32))'"
            )
        import secrets

        app.config["SECRET_KEY"] = secrets.token_hex(32)
    secret = app.config["SECRET_KEY"]
    if not (app.debug or app.testing) and (
            len(secret) < MIN_SECRET_LENGTH or secret.lower() in WEAK_SECRETS):
        raise ConfigError(
            f"SCREENER_SECRET_KEY is too weak: use at least {MIN_SECRET_LENGTH} random "
            "characters, for example the output of: "
            "python -c 'import secrets; print(secrets.token_hex(32))'")


def _secure_defaults(app: Flask) -> None:
    """Secure cookies unless asked otherwise; plain HTTP is for debug and tests only."""
    if app.config["SESSION_COOKIE_SECURE"] is None:
        app.config["SESSION_COOKIE_SECURE"] = not (app.debug or app.testing)


def _public_addresses(app: Flask) -> None:
    """SCREENER_BASE_URL and SCREENER_STAFF_URL, when set, are absolute web addresses."""
    for key in ("BASE_URL", "STAFF_URL"):
        value = app.config[key]
        parsed = urlsplit(value)
        if value and (parsed.scheme not in ("http", "https") or not parsed.netloc
                      or parsed.query or parsed.fragment or not value.isprintable()
                      or " " in value):
            raise ConfigError(
                f"SCREENER_{key}: {value!r} is not a web address. Give the screener's public "
                "address, such as https://screener.clinic.example")


def public_url(config: Any, path: str) -> str:
    """``path`` (from the app's root) at SCREENER_BASE_URL; empty when that is not set.

    Links read outside the browser (emails, setup links) come from configuration only: the
    request's Host is whatever the client sent, and a forged one would put an attacker's
    address in the clinic's inbox.
    """
    base = str(config.get("BASE_URL") or "").rstrip("/")
    return base + path if base else ""


def staff_url(config: Any) -> str:
    """The staff area's address for emails: SCREENER_STAFF_URL, else SCREENER_BASE_URL's
    ``/staff/``; empty when neither is set."""
    return str(config.get("STAFF_URL") or "") or public_url(config, "/staff/")


def embed_origins(value: str) -> list[str]:
    """The configured embedding origins, each checked to be a bare ``https://`` origin."""
    origins = value.replace(",", " ").split()
    for origin in origins:
        parsed = urlsplit(origin)
        if (parsed.scheme != "https" or not parsed.netloc or parsed.path not in ("", "/")
                or parsed.query or parsed.fragment):
            raise ConfigError(
                f"SCREENER_EMBED_ORIGINS: {origin!r} is not an HTTPS origin. Give each page "
                "origin that embeds the screener, such as https://www.clinic.example")
    return [origin.rstrip("/") for origin in origins]


def _embedding(app: Flask) -> None:
    """One setting makes embedding work: the cookie a cross-site frame can keep, and CSP.

    A cookie in a third-party frame needs ``SameSite=None; Secure``; browsers that block
    third-party cookies still keep a ``Partitioned`` one (CHIPS), scoped to the clinic's site.
    """
    origins = embed_origins(app.config["EMBED_ORIGINS"])
    app.config["EMBED_ORIGIN_LIST"] = origins
    if not origins:
        return
    app.config.update(SESSION_COOKIE_SAMESITE="None", SESSION_COOKIE_SECURE=True,
                      SESSION_COOKIE_PARTITIONED=True,
                      FRAME_ANCESTORS=" ".join(["'self'", *origins]))
