"""Staff accounts and the audit log from the command line, as a clinic's admin runs them."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from screener.cli import main

from .conftest import HANDOFF_CONFIG, TEST_DATA_KEYS


@pytest.fixture
def cli(database_url, monkeypatch):
    monkeypatch.setenv("SCREENER_DATABASE_URL", database_url)
    monkeypatch.setenv("SCREENER_DATA_KEYS", TEST_DATA_KEYS[0])
    monkeypatch.setenv("SCREENER_SECRET_KEY", HANDOFF_CONFIG["SECRET_KEY"])
    monkeypatch.setenv("SCREENER_BASE_URL", "https://screener.riverside.example")
    runner = CliRunner()

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(main, list(args))
        assert result.exit_code == code, result.output
        return result.output

    return run


def link_in(output: str) -> str:
    found = re.search(r"https://screener\.riverside\.example/staff/setup/([\w-]+)", output)
    assert found, output
    return found.group(1)


def test_add_prints_a_one_time_setup_link_that_works(cli, staff_app):
    token = link_in(cli("staff", "add", "Kim@Riverside.example", "--role", "nurse"))
    assert staff_app.test_client().get(f"/staff/setup/{token}").status_code == 200
    assert "kim@riverside.example\tnurse\tsetup pending\tlast sign-in never" in cli(
        "staff", "list")


def test_add_refuses_a_second_account_for_one_email(cli):
    cli("staff", "add", "kim@riverside.example", "--role", "nurse")
    output = cli("staff", "add", "KIM@riverside.example", "--role", "admin", code=1)
    assert "already an account" in output


def test_reset_replaces_the_link_and_disable_stops_it(cli, staff_app):
    first = link_in(cli("staff", "add", "kim@riverside.example", "--role", "admin"))
    second = link_in(cli("staff", "reset", "kim@riverside.example"))
    client = staff_app.test_client()
    assert client.get(f"/staff/setup/{first}").status_code == 410
    assert client.get(f"/staff/setup/{second}").status_code == 200
    assert "is disabled" in cli("staff", "disable", "kim@riverside.example")
    assert client.get(f"/staff/setup/{second}").status_code == 410
    assert "disabled" in cli("staff", "list")
    assert "enabled" in cli("staff", "enable", "kim@riverside.example")


def test_an_unknown_email_is_said_plainly(cli):
    assert "no account for" in cli("staff", "disable", "ghost@riverside.example", code=1)


def test_the_link_can_be_emailed_through_the_handoffs_smtp(cli, monkeypatch, smtp_port,
                                                           inbox):
    monkeypatch.setenv("SCREENER_SMTP_URL", f"smtp://127.0.0.1:{smtp_port}")
    output = cli("staff", "add", "kim@riverside.example", "--role", "nurse", "--email-link")
    token = link_in(output)
    assert "emailed to kim@riverside.example" in output
    mail = inbox.messages[0]
    assert mail["To"] == "kim@riverside.example"
    assert token in mail.get_payload(decode=True).decode()


def test_audit_export_as_csv_and_json_lines(cli, store):
    store.audit.record("view", staff_id="someone", submission_id="abc",
                       moment=datetime.now(UTC) - timedelta(days=10))
    store.audit.record("export", staff_id="someone", submission_id="abc", detail="text")
    cli("staff", "add", "kim@riverside.example", "--role", "nurse")
    since = (datetime.now(UTC) - timedelta(days=2)).strftime("%Y-%m-%d")
    rows = list(csv.DictReader(io.StringIO(cli("audit", "export", "--since", since))))
    assert [r["action"] for r in rows] == ["export", "account-change"]
    assert rows[1]["detail"] == "add nurse kim@riverside.example (command line)"
    lines = cli("audit", "export", "--since", "2000-01-01", "--format", "jsonl").splitlines()
    actions = [json.loads(line)["action"] for line in lines]
    assert actions[:3] == ["view", "export", "account-change"]
    assert "audit-export" in actions  # the first export is itself in the log


def test_purge_from_the_command_line_is_audited(cli, store):
    cli("purge")
    lines, _ = store.audit.page()
    assert lines[0].action == "purge" and lines[0].detail == "0 expired"
