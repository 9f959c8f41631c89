"""The clinic's own configuration file: read with file/line reports, overridden by the
environment, and a brand colour that fails WCAG AA refused with its measured ratio."""

from __future__ import annotations

import datetime
import textwrap
from pathlib import Path

import pytest

from screener.app import create_app
from screener.clinic import ClinicConfigError, contrast_ratio, mix, read_clinic_file
from screener.clinictime import clinic_time

BASE = {"TESTING": True, "SECRET_KEY": "test", "WTF_CSRF_ENABLED": False}
# A 1x1 PNG: the smallest real image a clinic could give as its logo.
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360f8cf000002040101e7a0a5a80000000049454e44ae426082")


@pytest.fixture
def clinic_file(tmp_path: Path):
    def write(text: str) -> Path:
        path = tmp_path / "clinic.yaml"
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
        return path
    return write


def make_app(path: Path | None = None, **extra):
    return create_app(BASE | ({"CLINIC_CONFIG": str(path)} if path else {}) | extra)


def problems_of(path: Path, **extra) -> str:
    with pytest.raises(ClinicConfigError) as caught:
        make_app(path, **extra)
    return caught.value.report()


def test_a_full_clinic_file_sets_every_setting(clinic_file, tmp_path):
    (tmp_path / "logo.png").write_bytes(PNG)
    (tmp_path / "site").mkdir()
    path = clinic_file("""
        name: Riverside Spine Centre
        phone: 555 0142
        email: intake@riverside.example
        booking_url: https://riverside.example/book
        emergency_number: 112
        logo: logo.png
        brand_colour: "#5a2d82"
        languages: [es, en]
        handoff: true
        retention_days: 14
        overrides: site
        content_reviewed: 2026-11-20
        timezone: America/Chicago
    """)
    source = read_clinic_file(path)
    assert (source.settings["HANDOFF"], source.settings["RETENTION_DAYS"]) == (True, 14)
    assert source.lines["RETENTION_DAYS"] == 10
    # The handoff itself needs its keys and database (tests/test_handoff.py): off here.
    config = make_app(path, HANDOFF=False).config
    assert (config["CLINIC_NAME"], config["CLINIC_PHONE"], config["EMERGENCY_NUMBER"]) == (
        "Riverside Spine Centre", "555 0142", "112")
    assert config["BOOKING_URL"] == "https://riverside.example/book"
    assert config["LOGO"] == str(tmp_path / "logo.png")
    assert config["OVERRIDES_DIR"] == str(tmp_path / "site")
    assert (config["BRAND_COLOUR"], config["LANGUAGES"]) == ("#5a2d82", ["es", "en"])
    assert config["RETENTION_DAYS"] == 14
    assert config["CONTENT_REVIEWED"] == "2026-11-20"
    assert config["TIMEZONE"] == "America/Chicago"


def test_environment_variables_override_the_file(clinic_file, monkeypatch):
    monkeypatch.setenv("SCREENER_CLINIC_CONFIG", str(clinic_file("name: From the file\n"
                                                                 "retention_days: 10\n")))
    monkeypatch.setenv("SCREENER_CLINIC_NAME", "From the environment")
    app = create_app(BASE)
    assert app.config["CLINIC_NAME"] == "From the environment"
    assert app.config["RETENTION_DAYS"] == 10


@pytest.mark.parametrize(("text", "expected"), [
    ("name: A\nbrand_color: '#000000'\n", "clinic.yaml:2: unknown setting 'brand_color' "
                                          "(did you mean 'brand_colour'?)"),
    ("name: A\n\nbrand_colour: blue\n", "clinic.yaml:3: 'brand_colour': String should match"),
    ("retention_days: 0\n", "clinic.yaml:1: 'retention_days': Input should be greater than"),
    ("handoff: maybe\n", "clinic.yaml:1: 'handoff': Input should be a valid boolean"),
    ("booking_url: riverside.example\n", "clinic.yaml:1: 'booking_url'"),
    ("name: A\nname: B\n", "clinic.yaml:2: duplicate key 'name' (first at line 1)"),
    ("name: [unclosed\n", "clinic.yaml:2: YAML syntax error"),
    ("- name\n", "clinic.yaml:1: the clinic file must be a mapping"),
    ("logo: missing.png\n", "clinic.yaml:1: the logo file"),
    ("logo: logo.gif\n", "clinic.yaml:1: the logo must be one of"),
    ("languages: [en, fr]\n", "clinic.yaml:1: language 'fr' has no translation"),
    ("overrides: nowhere\n", "clinic.yaml:1: the override folder"),
    ("name: A\ntimezone: Mars/Olympus\n", "clinic.yaml:2: time zone 'Mars/Olympus' is not"),
])
def test_problems_name_the_file_and_line(clinic_file, text, expected):
    assert expected in problems_of(clinic_file(text))


def test_every_problem_is_reported_at_once(clinic_file):
    report = problems_of(clinic_file("colour: red\nhandof: true\n"))
    assert "(2 problem(s))" in report
    assert "did you mean 'handoff'?" in report


def test_a_missing_file_is_refused():
    assert "does not exist" in problems_of(Path("/nonexistent/clinic.yaml"))


@pytest.mark.parametrize(("colour", "ratio"), [("#7fb2e5", "2.23"), ("#ffbf47", "1.64"),
                                                ("#3d7ab8", "4.49")])
def test_a_brand_colour_too_light_for_text_is_refused_with_its_ratio(clinic_file, colour,
                                                                      ratio):
    report = problems_of(clinic_file(f"brand_colour: '{colour}'\n"))
    assert f"clinic.yaml:1: brand colour {colour} has a contrast ratio of {ratio}:1" in report
    assert "WCAG AA needs at least 4.5:1" in report


def test_a_brand_colour_from_the_environment_is_checked_too(monkeypatch):
    monkeypatch.setenv("SCREENER_BRAND_COLOUR", "#cccccc")
    with pytest.raises(ClinicConfigError, match="SCREENER_BRAND_COLOUR: brand colour #cccccc"):
        create_app(BASE)


@pytest.mark.parametrize(("first", "second", "expected"), [
    ("#000000", "#ffffff", 21.0), ("#ffffff", "#ffffff", 1.0), ("#0b4f8a", "#ffffff", 8.4),
    ("#767676", "#ffffff", 4.54)])
def test_contrast_ratio_follows_wcag(first, second, expected):
    assert contrast_ratio(first, second) == pytest.approx(expected, abs=0.01)


def test_the_look_follows_the_brand_colour(clinic_file):
    client = make_app(clinic_file("brand_colour: '#5a2d82'\n")).test_client()
    css = client.get("/static/screener.css").get_data(as_text=True)
    assert f":root{{--brand:#5a2d82;--brand-dark:{mix('#5a2d82', '#000000', 0.25)};" in css
    assert 'fill="#5a2d82"' in client.get("/static/brand/favicon.svg").get_data(as_text=True)
    # the hover shade keeps at least the brand colour's contrast
    assert contrast_ratio(mix("#5a2d82", "#000000", 0.25), "#ffffff") > contrast_ratio(
        "#5a2d82", "#ffffff")


def test_the_logo_is_served_and_shown_in_the_header(clinic_file, tmp_path):
    (tmp_path / "logo.png").write_bytes(PNG)
    client = make_app(clinic_file("name: Riverside\nlogo: logo.png\n")).test_client()
    response = client.get("/static/brand/logo.png")
    assert (response.status_code, response.mimetype, response.data) == (200, "image/png", PNG)
    page = client.get("/").get_data(as_text=True)
    assert '<img class="logo" src="/static/brand/logo.png" alt="" height="40">Riverside' in page


def test_a_large_logo_is_refused(clinic_file, tmp_path):
    (tmp_path / "logo.png").write_bytes(PNG + b"\0" * 31_000)
    assert "the logo is 30 KB; keep it under 20 KB" in problems_of(clinic_file("logo: logo.png\n"))


def test_the_override_folder_replaces_templates_and_static_files(clinic_file, tmp_path):
    site = tmp_path / "site"
    (site / "templates").mkdir(parents=True)
    (site / "static").mkdir()
    (site / "templates" / "accessibility.html").write_text(
        '{% extends "base.html" %}{% block title %}Our statement{% endblock %}'
        "{% block content %}<h1>Our own statement</h1>{% endblock %}")
    (site / "static" / "clinic-extra.css").write_text(".x { color: red; }")
    client = make_app(clinic_file("overrides: site\n")).test_client()
    page = client.get("/accessibility").get_data(as_text=True)
    assert "<h1>Our own statement</h1>" in page and "Privacy notice" in page
    assert client.get("/static/clinic-extra.css").data == b".x{color:red}"
    assert client.get("/static/screener.js").status_code == 200


def test_only_the_languages_offered_are_used(clinic_file):
    client = make_app(clinic_file("languages: [es]\n")).test_client()
    page = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="es">' in page
    assert "?lang=en" not in page
    client.get("/?lang=en")
    assert '<html lang="es">' in client.get("/").get_data(as_text=True)
    api = client.get("/api/v1/questions", headers={"Accept-Language": "en"})
    assert api.status_code == 200


def test_languages_from_the_environment_may_be_a_list_or_comma_separated(monkeypatch):
    monkeypatch.setenv("SCREENER_LANGUAGES", "es, en")
    assert create_app(BASE).config["LANGUAGES"] == ["es", "en"]
    monkeypatch.setenv("SCREENER_LANGUAGES", '["en"]')
    assert create_app(BASE).config["LANGUAGES"] == ["en"]


def test_the_clinic_clock_is_utc_unless_the_file_names_a_zone(clinic_file):
    assert make_app().config["TIMEZONE"] == "UTC"
    assert make_app(clinic_file("timezone: Europe/Madrid\n")).config["TIMEZONE"] == "Europe/Madrid"


@pytest.mark.parametrize(("zone", "shown"), [
    ("UTC", "2026-12-04 18:35 UTC"),
    ("America/Chicago", "2026-12-04 12:35 CST"),
    ("Europe/Madrid", "2026-12-04 19:35 CET"),
])
def test_a_stored_time_is_shown_on_the_clinic_clock_with_its_zone(zone, shown):
    assert clinic_time(datetime.datetime(2026, 12, 4, 18, 35), zone) == shown
