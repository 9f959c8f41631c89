"""One typed settings object: every setting has one default, is converted and checked once
at start-up (a bad value names its variable or file line), and is documented once."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from screener.app import create_app
from screener.config import ConfigError
from screener.settings import DEFAULTS, Settings, environment_setting, load_settings
from screener.store.db import default_url

from .test_layers import loaded_after

DOCS = Path(__file__).resolve().parent.parent / "docs" / "configuration.md"
BASE = {"TESTING": True, "SECRET_KEY": "test", "WTF_CSRF_ENABLED": False}


def documented() -> list[str]:
    """The names in the first column of the environment variables table, in order."""
    text = DOCS.read_text(encoding="utf-8")
    section = text.split("## Environment variables", 1)[1].split("\n## ", 1)[0]
    names = []
    for line in section.splitlines():
        if line.startswith("| `"):
            names += re.findall(r"`([A-Z0-9_]+)`", line.split(" | ", 1)[0])
    return names


def test_every_setting_is_documented_once_and_only_settings_are():
    names = documented()
    assert sorted(names) == sorted(Settings.model_fields), (
        f"undocumented: {set(Settings.model_fields) - set(names)}; "
        f"not settings: {set(names) - set(Settings.model_fields)}")
    assert len(names) == len(set(names)), "a setting is documented twice"


def test_every_default_is_already_of_its_type():
    """One default per setting, valid as it stands: converting it changes nothing."""
    assert Settings(**DEFAULTS).model_dump() == Settings().model_dump() == DEFAULTS


def test_the_app_config_holds_every_setting_with_its_default():
    config = create_app(BASE | {"USAGE_COUNTS": False}).config
    skipped = {"SECRET_KEY", "USAGE_COUNTS", "SESSION_COOKIE_SECURE", "DATABASE_URL",
               "WTF_CSRF_ENABLED"}  # set by BASE, derived, or resolved below
    assert {k: config[k] for k in DEFAULTS if k not in skipped} == {
        k: v for k, v in DEFAULTS.items() if k not in skipped}


def test_the_database_has_one_default_for_the_handoff_and_the_usage_counts(monkeypatch):
    monkeypatch.delenv("SCREENER_DATABASE_URL")  # conftest's usage_database
    app = create_app(BASE)
    assert app.config["DATABASE_URL"] == default_url(app.instance_path)
    assert str(app.extensions["screener.usage"].engine.url) == app.config["DATABASE_URL"]


@pytest.mark.parametrize(("name", "text", "value"), [
    ("PROXY_COUNT", "2", 2),
    ("HANDOFF_RATE_LIMIT", "3 per hour", "3 per hour"),
    ("HSTS_INCLUDE_SUBDOMAINS", "true", True),
    ("USAGE_COUNTS", "false", False),
    ("SESSION_IDLE_MINUTES", "0.5", 0.5),
    ("SESSION_IDLE_MINUTES", "20", 20),
    ("CLINIC_PHONE", "5550142", "5550142"),
    ("NOTIFY_RETRY_DELAYS", "1, 2.5", (1.0, 2.5)),
    ("NOTIFY_RETRY_DELAYS", "[1, 2]", (1.0, 2.0)),
    ("SESSION_KEYS", "first second", ["first", "second"]),
    ("SECRET_KEY_FALLBACKS", '["old one"]', ["old one"]),
    ("LANGUAGES", "es,en", ["es", "en"]),
    ("DATA_KEYS", "new, old", ["new", "old"]),
    ("DATA_KEYS", '["new", "old"]', ["new", "old"]),
])
def test_an_environment_variable_is_converted_once_to_its_type(monkeypatch, name, text,
                                                                 value):
    monkeypatch.setenv(f"SCREENER_{name}", text)
    assert getattr(load_settings(), name) == value


@pytest.mark.parametrize(("name", "text"), [
    ("PROXY_COUNT", "two"), ("PROXY_COUNT", "-1"), ("HANDOFF", "maybe"),
    ("RETENTION_DAYS", "0"), ("RETENTION_DAYS", "400"), ("API_RATE_LIMIT", "lots"),
    ("STAFF_SIGN_IN_FAILURES", "5 a day"), ("SESSION_IDLE_MINUTES", "0"),
    ("STAFF_SIGN_IN_MAX_FAILURES", "many"), ("NOTIFY_RETRY_DELAYS", "5, soon"),
    ("HSTS_MAX_AGE", "a year"), ("PDF_CACHE_SIZE", "-1"),
])
def test_a_bad_environment_variable_stops_start_up_naming_it(monkeypatch, name, text):
    monkeypatch.setenv(f"SCREENER_{name}", text)
    with pytest.raises(ConfigError, match=fr"SCREENER_{name}: .* \(given '{re.escape(text)}'\)"):
        create_app(BASE)


def test_every_bad_value_is_reported_at_once(monkeypatch):
    monkeypatch.setenv("SCREENER_PROXY_COUNT", "two")
    monkeypatch.setenv("SCREENER_HANDOFF", "maybe")
    with pytest.raises(ConfigError) as caught:
        create_app(BASE)
    report = str(caught.value)
    assert "(2 problem(s))" in report
    assert "SCREENER_PROXY_COUNT" in report and "SCREENER_HANDOFF" in report


def test_a_bad_value_from_the_environment_names_the_variable_not_the_file(tmp_path,
                                                                          monkeypatch):
    clinic = tmp_path / "clinic.yaml"
    clinic.write_text("name: Riverside\nretention_days: 10\n", encoding="utf-8")
    monkeypatch.setenv("SCREENER_CLINIC_CONFIG", str(clinic))
    monkeypatch.setenv("SCREENER_RETENTION_DAYS", "ten")
    with pytest.raises(ConfigError, match=r"SCREENER_RETENTION_DAYS: .* \(given 'ten'\)"):
        create_app(BASE)


def test_values_given_to_the_factory_are_checked_too():
    with pytest.raises(ConfigError, match="SCREENER_PDF_CONCURRENCY"):
        create_app(BASE | {"PDF_CONCURRENCY": 0})


@settings(deadline=None)  # a loaded machine is slow, never wrong
@given(st.integers(min_value=-10**6, max_value=10**6))
def test_a_whole_number_setting_takes_exactly_the_numbers_it_allows(number):
    """PDF_CACHE_SIZE (at least 0): every allowed number comes through as that int, every
    other is refused naming the variable."""
    if number >= 0:
        assert Settings(PDF_CACHE_SIZE=str(number)).PDF_CACHE_SIZE == number
    else:
        with pytest.raises(ConfigError, match="SCREENER_PDF_CACHE_SIZE"):
            load_settings({"PDF_CACHE_SIZE": str(number)})


def test_a_command_reads_one_setting_without_the_others(monkeypatch):
    """The rule tools need no secret key: a broken unrelated setting does not stop them."""
    monkeypatch.setenv("SCREENER_PROXY_COUNT", "two")
    monkeypatch.setenv("SCREENER_EMERGENCY_NUMBER", "112")
    assert environment_setting("EMERGENCY_NUMBER") == "112"
    assert environment_setting("RULES_DIR") == DEFAULTS["RULES_DIR"]


def test_the_settings_load_no_flask():
    assert "flask" not in loaded_after("import screener.settings")
