"""The handoff store on SQLite and a real PostgreSQL: what is written, what can be read back,
and what a database dump alone reveals (nothing about the patient)."""

from __future__ import annotations

import math
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from sqlalchemy import create_engine, text

from screener.app import create_app
from screener.catalogue.answers import validate_answers
from screener.cli import main
from screener.store.crypto import Cipher, DataKeyError, SealError, new_key
from screener.store.db import SchemaBehind, head_revision, make_engine, upgrade
from screener.store.models import Status, Submission
from screener.store.reference import ALPHABET, LENGTH, grouped, normalise
from screener.store.submissions import Contact, NewSubmission

from .conftest import COMPLETE_ANSWERS, HANDOFF_CONFIG, TEST_DATA_KEYS, answer_sets

NAME, PHONE, NOTE = "Rosalind Quimbleworth", "555 0147 2299", "Please call after my shift"


def new(answers=None, urgent=False) -> NewSubmission:
    return NewSubmission(answers=answers or dict(COMPLETE_ANSWERS), urgent=urgent,
                         contact=Contact(NAME, PHONE, "morning"), note=NOTE, language="en",
                         ruleset_version="2026.12+abc", consent_version="2026-12-1")


def token(n: int = 0) -> str:
    return f"{n:032d}"


# Encryption


def test_sealed_values_open_only_in_their_own_row_and_field():
    cipher = Cipher(new_key())
    sealed = cipher.seal("row-1", "contact", {"name": NAME})
    assert NAME not in sealed
    assert cipher.open("row-1", "contact", sealed) == {"name": NAME}
    with pytest.raises(SealError):
        cipher.open("row-2", "contact", sealed)
    with pytest.raises(SealError):
        cipher.open("row-1", "answers", sealed)
    with pytest.raises(SealError):
        Cipher(new_key()).open("row-1", "contact", sealed)


@pytest.mark.parametrize("keys", [None, "", "not-a-key", ["short"]])
def test_missing_or_malformed_keys_are_refused_with_the_fix(keys):
    with pytest.raises(DataKeyError, match="screener keys generate"):
        Cipher(keys)


def test_the_first_key_encrypts_and_every_key_decrypts():
    old, current = new_key(), new_key()
    sealed_old = Cipher(old).seal("r", "f", 1)
    both = Cipher(f"{current},{old}")
    assert both.open("r", "f", sealed_old) == 1
    assert both.needs_rotation(sealed_old)
    assert not both.needs_rotation(both.seal("r", "f", 1))
    assert Cipher(current).open("r", "f", both.rotate(sealed_old)) == 1


# Reference codes


def test_reference_codes_have_60_bits_and_read_aloud_in_groups(submissions):
    code = submissions.reference_for(token(1))
    assert len(code) == LENGTH and set(code) <= set(ALPHABET)
    assert LENGTH * math.log2(len(ALPHABET)) >= 50
    assert not set("ILOU") & set(ALPHABET)
    assert grouped(code).count("-") == 2 and len(grouped(code)) == 14
    assert submissions.reference_for(token(1)) == code != submissions.reference_for(token(2))


@pytest.mark.parametrize(("typed", "expected"), [
    ("abcd-efgh-jkmn", "ABCDEFGHJKMN"), (" ABCD EFGH JKMN ", "ABCDEFGHJKMN"),
    ("0oIl-0000-0000", "0011" + "0" * 8), ("ABCD-EFGH", None), ("ABCD-EFGH-JKMU", None),
    ("", None), ("ÄBCD-EFGH-JKMN", None)])
def test_typed_codes_are_read_forgivingly(typed, expected):
    assert normalise(typed) == expected


# Storing and reading


def test_a_submission_is_stored_with_its_versions_and_expiry(submissions, handoff_app):
    moment = datetime(2026, 12, 1, 9, tzinfo=UTC)
    sid, code, created = submissions.create(new(urgent=True), token(), 30, moment)
    opened = submissions.open(sid, moment)
    assert created and len(sid) >= 22
    assert opened.status is Status.NEW and opened.urgent
    assert opened.contact == Contact(NAME, PHONE, "morning") and opened.note == NOTE
    assert opened.answers == COMPLETE_ANSWERS
    assert (opened.ruleset_version, opened.consent_version) == ("2026.12+abc", "2026-12-1")
    assert opened.created_at == moment and opened.expires_at == moment + timedelta(days=30)


def test_the_same_send_token_stores_once(submissions):
    first = submissions.create(new(), token(7), 30)
    second = submissions.create(new(), token(7), 30)
    assert second[:2] == first[:2] and (first[2], second[2]) == (True, False)
    assert submissions.count() == 1


def test_concurrent_sends_of_one_form_store_once(submissions):
    results, barrier = [], threading.Barrier(8)

    def send() -> None:
        barrier.wait()
        results.append(submissions.create(new(), token(9), 30))

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({sid for sid, _, _ in results}) == 1
    assert sum(created for _, _, created in results) == 1
    assert submissions.count() == 1


def raw_dump(handoff_app, database_url: str) -> str:
    """Everything the database holds, as text: the file bytes, or every row of every table."""
    if database_url.startswith("sqlite"):
        path = Path(database_url.removeprefix("sqlite:///"))
        return "".join(p.read_bytes().decode("latin-1") for p in path.parent.glob("*"))
    engine = create_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT * FROM submissions")).all()
    engine.dispose()
    return repr(rows)


def test_a_database_dump_shows_no_name_phone_note_or_answer(submissions, handoff_app,
                                                            database_url):
    answers = dict(COMPLETE_ANSWERS)
    submissions.create(new(answers), token(), 30)
    handoff_app.extensions["screener.store"].dispose()  # SQLite: checkpoint the WAL to the file
    dump = raw_dump(handoff_app, database_url)
    assert "2026.12+abc" in dump  # the dump really holds the row
    secrets = [NAME, "Quimbleworth", PHONE, "01472299", NOTE, "red_flags", "diagnosis"]
    secrets += [v for value in answers.values() for v in
                (value if isinstance(value, list) else [value]) if len(str(v)) >= 6]
    for secret in secrets:
        assert str(secret) not in dump, secret


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(drawn=answer_sets())
def test_any_valid_answer_set_round_trips_unchanged(submissions, drawn):
    answers = validate_answers(drawn)
    sid, _, _ = submissions.create(new(answers), token(hash(repr(answers)) % 10**20), 30)
    assert submissions.open(sid).answers == answers


# Expiry and withdrawal


def test_expired_submissions_are_never_shown_and_purge_deletes_them(submissions):
    moment = datetime(2026, 12, 1, tzinfo=UTC)
    old, _, _ = submissions.create(new(), token(1), 30, moment - timedelta(days=31))
    fresh, _, _ = submissions.create(new(), token(2), 30, moment)
    assert submissions.open(old, moment) is None
    assert [s.id for s in submissions.live(moment)] == [fresh]
    assert submissions.purge(moment) == 1
    assert submissions.count() == 1 and submissions.open(fresh, moment) is not None


def test_withdrawing_erases_the_patients_data(submissions):
    sid, _, _ = submissions.create(new(), token(), 30)
    assert submissions.withdraw(sid)
    opened = submissions.open(sid)
    assert opened.status is Status.WITHDRAWN
    assert (opened.contact, opened.answers, opened.note) == (None, None, None)


@pytest.mark.parametrize(("code_of", "phone", "withdrawn"), [
    (lambda c: grouped(c), PHONE, True),
    (lambda c: c.lower(), "+ (555) 0147-2299".replace("+ ", ""), True),
    (lambda c: c, "555 0147 2290", False),
    (lambda c: "0" * 12, PHONE, False),
    (lambda c: c, "", False),
])
def test_withdrawing_by_code_needs_the_code_and_the_phone(submissions, code_of, phone,
                                                          withdrawn):
    sid, code, _ = submissions.create(new(), token(), 30)
    assert submissions.withdraw_by_code(code_of(code), phone) is withdrawn
    assert (submissions.open(sid).status is Status.WITHDRAWN) is withdrawn


# Migrations and start-up


def test_the_app_refuses_a_schema_that_is_behind_and_names_the_command(empty_database_url):
    with pytest.raises(SchemaBehind, match="screener db upgrade"):
        create_app(HANDOFF_CONFIG | {"DATABASE_URL": empty_database_url})
    engine = make_engine(empty_database_url)
    upgrade(engine)
    engine.dispose()
    app = create_app(HANDOFF_CONFIG | {"DATABASE_URL": empty_database_url})
    app.extensions["screener.store"].dispose()


def test_migrations_match_the_models(empty_database_url):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(empty_database_url)
    upgrade(engine)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Submission.metadata)
    engine.dispose()
    assert diff == []


def test_handoff_off_touches_no_database(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL":
                      f"sqlite:///{tmp_path / 'never.db'}"})
    assert "screener.store" not in app.extensions and not list(tmp_path.iterdir())


@pytest.fixture
def cli_env(database_url, monkeypatch):
    monkeypatch.setenv("SCREENER_DATABASE_URL", database_url)
    monkeypatch.setenv("SCREENER_DATA_KEYS", TEST_DATA_KEYS[0])
    monkeypatch.setenv("SCREENER_SECRET_KEY", HANDOFF_CONFIG["SECRET_KEY"])
    return CliRunner()


def test_db_upgrade_command_migrates_an_empty_database(empty_database_url, monkeypatch):
    monkeypatch.setenv("SCREENER_DATABASE_URL", empty_database_url)
    runner = CliRunner()
    assert runner.invoke(main, ["db", "current"]).exit_code == 1
    result = runner.invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0 and f"none -> {head_revision()}" in result.output
    assert runner.invoke(main, ["db", "current"]).exit_code == 0


def test_storage_commands_explain_an_old_schema(empty_database_url, monkeypatch):
    monkeypatch.setenv("SCREENER_DATABASE_URL", empty_database_url)
    monkeypatch.setenv("SCREENER_DATA_KEYS", TEST_DATA_KEYS[0])
    for command in (["purge"], ["keys", "rotate"]):
        result = CliRunner().invoke(main, command)
        assert result.exit_code == 1 and "Run: screener db upgrade" in result.output


def test_purge_command_deletes_what_expired(cli_env, submissions):
    submissions.create(new(), token(1), 30, datetime.now(UTC) - timedelta(days=40))
    submissions.create(new(), token(2), 30)
    result = cli_env.invoke(main, ["purge"])
    assert result.exit_code == 0 and "deleted 1 expired" in result.output
    assert submissions.count() == 1


def test_keys_rotate_reencrypts_with_the_first_key(cli_env, submissions, database_url,
                                                   monkeypatch):
    sid, _, _ = submissions.create(new(), token(), 30)
    monkeypatch.setenv("SCREENER_DATA_KEYS", f"{TEST_DATA_KEYS[1]}, {TEST_DATA_KEYS[0]}")
    result = cli_env.invoke(main, ["keys", "rotate"])
    assert result.exit_code == 0 and "re-encrypted 1 submission" in result.output
    only_new = create_app(HANDOFF_CONFIG | {"DATABASE_URL": database_url,
                                            "DATA_KEYS": TEST_DATA_KEYS[1]})
    opened = only_new.extensions["screener.store"].submissions.open(sid)
    only_new.extensions["screener.store"].dispose()
    assert opened.contact.name == NAME and opened.answers == COMPLETE_ANSWERS
    assert "re-encrypted 0 submission" in cli_env.invoke(main, ["keys", "rotate"]).output
