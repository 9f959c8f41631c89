"""The app's configuration: the settings (``settings.py``: defaults, the clinic file, the
``SCREENER_*`` environment, then tests') copied into ``app.config``, and what follows from
them (secure cookies, embedding, the database's default place, the secret key's checks).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask

from .problems import ConfigError
from .settings import DEFAULTS, load_settings
from .store.db import default_url

MIN_SECRET_LENGTH = 32
WEAK_SECRETS = frozenset({"secret", "changeme", "change-me", "dev", "development", "test",
                          "password", "screener", "flask", "default", "key", "secret-key"})


def configure(app: Flask, test_config: dict[str, Any] | None) -> None:
    """Fill ``app.config`` once from the checked settings (settings.py), then the keys
    derived from them; ``test_config`` keys that are not settings (TESTING, ...) go in
    as given."""
    settings = load_settings(test_config)
    app.config.from_mapping({key: value for key, value in (test_config or {}).items()
                             if key not in DEFAULTS})
    app.config.from_mapping(settings.model_dump())
    if not app.config["DATABASE_URL"]:
        app.config["DATABASE_URL"] = default_url(app.instance_path)
    _secure_defaults(app)
    _embedding(app)
    _public_addresses(app)
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
    base = config["BASE_URL"].rstrip("/")
    return base + path if base else ""


def staff_url(config: Any) -> str:
    """The staff area's address for emails: SCREENER_STAFF_URL, else SCREENER_BASE_URL's
    ``/staff/``; empty when neither is set."""
    return config["STAFF_URL"] or public_url(config, "/staff/")


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
