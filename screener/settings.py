"""Every setting in one typed object: one default each, converted and checked once.

Read at start-up from, highest first: the values the app factory is given (tests, the
demo), the ``SCREENER_*`` environment variables, the clinic's YAML file (``clinic.py``),
then the defaults below. ``config.configure`` copies the result into ``app.config``, where
Flask, its extensions and the views read it, so nothing downstream converts a setting
again. A value that cannot be used stops start-up naming where it came from: the clinic
file and line, or the environment variable. Adding a setting is adding one field here and
one row in docs/configuration.md (a test checks that both lists agree).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from limits import parse
from pydantic import AfterValidator, BeforeValidator, Field, ValidationError
from pydantic_settings import BaseSettings, EnvSettingsSource, NoDecode, SettingsConfigDict

from .clinic import DEFAULT_BRAND, ClinicConfigError, ClinicSource, check_clinic, read_clinic_file
from .engine.disclaimer import DEFAULT_EMERGENCY_NUMBER
from .i18n import SUPPORTED
from .problems import Problem
from .resources import data_dir

ENV_PREFIX = "SCREENER_"


def _words(value: Any) -> Any:
    """A list from the environment: JSON (``["es","en"]``) or separated by commas/spaces."""
    if not isinstance(value, str):
        return value
    if value.lstrip().startswith("["):
        return json.loads(value)
    return value.replace(",", " ").split()


def _rate_limit(value: str) -> str:
    try:
        parse(value)
    except ValueError as exc:
        raise ValueError("should be a limit such as '6 per minute'") from exc
    return value


Words = Annotated[list[str], NoDecode, BeforeValidator(_words)]
RateLimit = Annotated[str, AfterValidator(_rate_limit)]
Minutes = Annotated[int | float, Field(gt=0)]
# What the access log's client column holds (accesslog.py); the privacy notice says it.
AccessLogIp = Literal["truncate", "hash", "full", "none"]


class Settings(BaseSettings):
    """The screener's settings, named as in ``app.config`` (``SCREENER_`` + name in the
    environment). Each is documented once, in docs/configuration.md."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, case_sensitive=True,
                                      extra="forbid", coerce_numbers_to_str=True)

    # The app and its cookie
    SECRET_KEY: str | None = None
    SECRET_KEY_FALLBACKS: Words = []
    RULES_DIR: str = str(data_dir("rules"))
    SESSION_COOKIE_SECURE: bool | None = None  # None: on, except under debug and tests
    SESSION_COOKIE_HTTPONLY: bool = True
    SESSION_COOKIE_SAMESITE: str = "Lax"
    SESSION_COOKIE_NAME: str = "screener"
    # The session cookie ends with the browser; the app also drops it after this long idle,
    # or this long in all. SESSION_KEYS: Fernet keys (newest first) instead of derived ones.
    SESSION_IDLE_MINUTES: Minutes = 20
    SESSION_MAX_MINUTES: Minutes = 120
    SESSION_KEYS: Words = []
    WTF_CSRF_ENABLED: bool = True
    WTF_CSRF_TIME_LIMIT: int = 3600
    MAX_CONTENT_LENGTH: int = Field(64 * 1024, ge=1)
    # Serving: proxies, headers, embedding, public addresses
    PROXY_COUNT: int = Field(0, ge=0)
    HSTS_MAX_AGE: int = Field(31536000, ge=0)
    HSTS_INCLUDE_SUBDOMAINS: bool = False
    FRAME_ANCESTORS: str = "'self'"
    EMBED_ORIGINS: str = ""  # origins of the clinic pages that frame the screener
    ACCESS_LOG_IP: AccessLogIp = "truncate"
    # The screener's public address (with any path prefix): every link that leaves the
    # browser (emails, setup links) starts with it, never with the request's Host, which
    # the client chooses. Required once the handoff emails.
    BASE_URL: str = ""
    STAFF_URL: str = ""
    # Limits (RATELIMIT_ENABLED false switches every one off: for tests only)
    RATELIMIT_ENABLED: bool = True
    API_RATE_LIMIT: RateLimit = "120 per minute"
    # The patient's PDF: downloads per client address, renders at once on the server
    # (shared by its workers), finished PDFs kept in each worker's memory (0: none).
    PDF_RATE_LIMIT: RateLimit = "6 per minute"
    PDF_CONCURRENCY: int = Field(1, ge=1)
    PDF_CACHE_SIZE: int = Field(16, ge=0)
    RATELIMIT_STORAGE_URI: str = "memory://"
    # Redis's socket waits (seconds), and how long a worker counts in memory after Redis
    # failed before it asks Redis again.
    RATELIMIT_STORAGE_TIMEOUT: float = Field(0.25, gt=0)
    RATELIMIT_RETRY_SECONDS: float = Field(5, ge=0)
    # The clinic (also from the clinic file: clinic.KEYS)
    CLINIC_CONFIG: str = ""
    CLINIC_NAME: str = "Our spine clinic"
    CLINIC_PHONE: str = ""
    CLINIC_EMAIL: str = ""
    BOOKING_URL: str = ""
    EMERGENCY_NUMBER: str = DEFAULT_EMERGENCY_NUMBER
    LOGO: str = ""
    BRAND_COLOUR: str = DEFAULT_BRAND
    LANGUAGES: Words = list(SUPPORTED)
    OVERRIDES_DIR: str = ""
    CONTENT_REVIEWED: str = ""
    TIMEZONE: str = "UTC"
    # The clinic handoff and its storage
    HANDOFF: bool = False
    RETENTION_DAYS: int = Field(30, ge=1, le=366)
    DATABASE_URL: str = ""  # empty: SQLite in the instance folder (store.db.default_url)
    DATABASE_APP_ROLE: str = ""
    DATA_KEYS: Words = []  # the first encrypts (store/crypto.py)
    # The audit log's seals are keyed with this (else derived from SECRET_KEY); on
    # PostgreSQL, DATABASE_APP_ROLE is the app's role, given only what it needs on upgrade.
    AUDIT_KEY: str = ""
    # The clinic's country calling code: staff find "+1 555 010 1234" by "555 010 1234".
    PHONE_COUNTRY_CODE: str = Field("1", pattern=r"^[0-9]{0,4}$")
    SMTP_URL: str = ""
    NOTIFY_EMAIL: str = ""
    NOTIFY_RETRY_DELAYS: Annotated[tuple[Annotated[float, Field(ge=0)], ...], NoDecode,
                                   BeforeValidator(_words)] = (5, 30, 120, 600)
    # Handoff sends per patient (the session's send token) and withdrawals by code per
    # client address; and all sends from one address (30 patients in a waiting room fit).
    HANDOFF_RATE_LIMIT: RateLimit = "20 per hour"
    HANDOFF_ADDRESS_RATE_LIMIT: RateLimit = "300 per hour"
    # Save and come back later: answers kept encrypted under a code only the patient holds,
    # for this many days; codes tried, right or wrong (and, apart, link emails) per client address.
    SAVE_RETURN: bool = False
    SAVE_RETURN_DAYS: int = Field(7, ge=1, le=90)
    SAVE_RETURN_RATE_LIMIT: RateLimit = "60 per hour"
    # The staff area's own cookie (path /staff): signed out after this long idle or in all.
    STAFF_SESSION_IDLE_MINUTES: Minutes = 15
    STAFF_SESSION_MAX_MINUTES: Minutes = 480
    # Failed sign-ins (password or code) per email from one address before that address
    # waits (30 s, doubling up to the period); an account's failures since its last
    # success, past which only addresses it signed in from before may try (NIST: <= 100);
    # sign-in posts per client address.
    STAFF_SIGN_IN_FAILURES: RateLimit = "5 per 15 minutes"
    STAFF_SIGN_IN_MAX_FAILURES: int = Field(100, ge=1)
    STAFF_SIGN_IN_RATE_LIMIT: RateLimit = "30 per 15 minutes"
    # FHIR, usage counts and metrics
    # The Questionnaire's canonical URL: set it to the clinic's public address of the form.
    FHIR_CANONICAL: str = "urn:miss-screener:questionnaire"
    FHIR_CORS_ORIGINS: str = ""  # web origins whose pages may call /fhir (CORS)
    USAGE_COUNTS: bool = True
    METRICS_TOKEN: str = ""

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings],
                                   init_settings: Any, **_: Any) -> tuple[Any, ...]:
        """Only what ``load_settings`` gathered: it merges the sources itself, so that it
        knows where each value came from."""
        return (init_settings,)


DEFAULTS: dict[str, Any] = {name: field.default for name, field in Settings.model_fields.items()}


def from_environment() -> dict[str, Any]:
    """The ``SCREENER_*`` variables that name a setting, as given (not yet converted)."""
    source = EnvSettingsSource(Settings, case_sensitive=True, env_prefix=ENV_PREFIX)
    return {key: value for key, value in source().items() if value is not None}


def environment_setting(name: str) -> Any:
    """One setting from the environment, converted, or its default: for commands that need
    it without building the app (the rule checks need no secret key)."""
    given = from_environment()
    if name not in given:
        return DEFAULTS[name]
    return getattr(_validate({name: given[name]}, ClinicSource(), {name}), name)


def load_settings(given: Mapping[str, Any] | None = None) -> Settings:
    """The settings from ``given``, the environment, the clinic file and the defaults,
    converted and checked; ClinicConfigError lists every problem with where it came from."""
    given = {key: value for key, value in (given or {}).items() if key in Settings.model_fields}
    environment = from_environment()
    clinic = read_clinic_file(given.get("CLINIC_CONFIG") or environment.get("CLINIC_CONFIG"))
    outside = set(environment) | set(given)
    settings = _validate(clinic.settings | environment | given, clinic, outside)
    check_clinic(settings.model_dump(), clinic)
    return settings


def _validate(values: dict[str, Any], clinic: ClinicSource, outside: set[str]) -> Settings:
    """``values`` as Settings; every value that does not fit is one problem, at its source."""
    try:
        return Settings(**values)
    except ValidationError as exc:
        problems: list[Problem | str] = list(clinic.problems)
        for err in exc.errors():
            key = str(err["loc"][0]) if err["loc"] else ""
            where = (f"{clinic.file}:{clinic.lines[key]}"
                     if key not in outside and key in clinic.lines else f"{ENV_PREFIX}{key}")
            message = str(err["msg"]).removeprefix("Value error, ")
            problems.append(f"{where}: {message} (given {values.get(key)!r})")
        raise ClinicConfigError(problems) from None

