"""Configuration: safe defaults, the clinic file (``clinic.py``), ``SCREENER_*`` environment
variables, then tests'.

Flask's ``from_prefixed_env`` reads ``SCREENER_SECRET_KEY``, ``SCREENER_CLINIC_PHONE`` and so
on; values that look like JSON are parsed, so the text settings are turned back into text.
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask

from .clinic import CLINIC_DEFAULTS, check_clinic, read_clinic_file
from .disclaimer import DEFAULT_EMERGENCY_NUMBER
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
    "SESSION_COOKIE_SECURE": False,
    "SESSION_COOKIE_NAME": "screener",
    "PERMANENT_SESSION_LIFETIME": 3600,
    "WTF_CSRF_ENABLED": True,
    "WTF_CSRF_TIME_LIMIT": 3600,
    "MAX_CONTENT_LENGTH": 64 * 1024,
    "FRAME_ANCESTORS": "'self'",
    "API_RATE_LIMIT": "120 per minute",
    "RATELIMIT_STORAGE_URI": "memory://",
    "PROXY_COUNT": 0,
    **CLINIC_DEFAULTS,
}
MIN_SECRET_LENGTH = 32
WEAK_SECRETS = frozenset({"secret", "changeme", "change-me", "dev", "development", "test",
                          "password", "screener", "flask", "default", "key", "secret-key"})
_TEXT_SETTINGS = ("SECRET_KEY", "CLINIC_NAME", "CLINIC_PHONE", "BOOKING_URL", "EMERGENCY_NUMBER",
                  "RULES_DIR", "FRAME_ANCESTORS", "API_RATE_LIMIT", "RATELIMIT_STORAGE_URI",
                  "CLINIC_EMAIL", "LOGO", "BRAND_COLOUR", "OVERRIDES_DIR", "CONTENT_REVIEWED")


class ConfigError(RuntimeError):
    """A setting the app cannot run without is missing or unsafe."""


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
