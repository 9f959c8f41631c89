"""The audit trail cannot be altered unseen: every line sealed and chained, appends that
never fork the chain, ``screener audit verify`` naming the first broken line whatever was
done to the table, and on PostgreSQL an app role that can only read and add lines."""

from __future__ import annotations

import itertools
import threading
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import psycopg
import pytest
from click.testing import CliRunner
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from screener.app import create_app
from screener.cli import main
from screener.store.audit import (
    GENESIS,
    AuditKeyMissing,
    AuditLog,
    audit_keys,
    check_chain,
    derive_key,
    seal,
)
from screener.store.service import Store
from screener.store.submissions import Contact, NewSubmission

from .conftest import COMPLETE_ANSWERS, HANDOFF_CONFIG, TEST_DATA_KEYS
from .staffkit import make_person, sign_in

SECRET = HANDOFF_CONFIG["SECRET_KEY"]
_names = itertools.count()


def run_cli(database_url: str, *args: str, secret: str | None = SECRET,
            **env: str) -> tuple[int, str]:
    environment = {"SCREENER_DATABASE_URL": database_url,
                   "SCREENER_DATA_KEYS": TEST_DATA_KEYS[0],
                   "SCREENER_SECRET_KEY": secret} | {f"SCREENER_{k}": v for k, v in env.items()}
    result = CliRunner().invoke(main, list(args), env=environment)
    return result.exit_code, result.output


def write_lines(store: Store, n: int = 6) -> None:
    start = datetime.now(UTC) - timedelta(hours=n)
    for i in range(n):
        store.audit.record("view", staff_id=f"nurse{i}", submission_id=f"s{i}",
                           detail=f"line {i + 1}", moment=start + timedelta(hours=i))


def as_attacker(database_url: str, *statements: str) -> None:
    """SQL run by someone who can write to the database directly and first switches off
    its protections: on SQLite whoever has the file, on PostgreSQL the tables' owner."""
    engine = create_engine(database_url)
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            for trigger in ("audit_log_no_update", "audit_log_no_delete", "audit_log_next_line"):
                connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger}")
        else:
            connection.exec_driver_sql("ALTER TABLE audit_log DISABLE TRIGGER USER")
        for statement in statements:
            connection.exec_driver_sql(statement)
    engine.dispose()


def renumber(moves: list[tuple[int, int]]) -> list[str]:
    return [f"UPDATE audit_log SET id = {new} WHERE id = {old}" for old, new in moves]


COPY = ("INSERT INTO audit_log (id, at, staff_id, action, submission_id, detail, mac) "
        "SELECT {new}, at, staff_id, action, submission_id, {detail}, {mac} "
        "FROM audit_log WHERE id = {old}")

# (what was done, SQL on lines 1..6, the line verify must name, words in its reason)
TAMPERING = [
    ("deleted", ["DELETE FROM audit_log WHERE id = 3"], 3, "missing"),
    ("two deleted", ["DELETE FROM audit_log WHERE id IN (3, 4)"], 3, "lines 3 to 4 are missing"),
    ("deleted, the rest renumbered",
     ["DELETE FROM audit_log WHERE id = 3", *renumber([(4, 3), (5, 4), (6, 5)])], 3,
     "does not match its seal"),
    ("altered detail", ["UPDATE audit_log SET detail = 'nothing here' WHERE id = 3"], 3,
     "does not match its seal"),
    ("altered staff member", ["UPDATE audit_log SET staff_id = 'someone' WHERE id = 4"], 4,
     "does not match its seal"),
    ("altered time", ["UPDATE audit_log SET at = (SELECT at FROM audit_log WHERE id = 6) "
                      "WHERE id = 2"], 2, "does not match its seal"),
    ("inserted in the middle",
     [*renumber([(6, 7), (5, 6), (4, 5), (3, 4)]),
      COPY.format(new=3, old=2, detail="'forged'", mac="mac")], 3,
     "does not match its seal"),
    ("reordered", renumber([(3, 100), (4, 3), (100, 4)]), 3, "does not match its seal"),
    ("first line deleted", ["DELETE FROM audit_log WHERE id = 1"], 1, "line 1 is missing"),
    ("backdated line added", [COPY.format(new=7, old=1, detail="'backdated'", mac="mac")], 7,
     "backdated"),
    ("unsealed line added", [COPY.format(new=7, old=6, detail="detail", mac="NULL")], 7,
     "not sealed"),
    ("seal copied onto a forged line",
     [COPY.format(new=7, old=6, detail="'forged'",
                  mac="(SELECT mac FROM audit_log WHERE id = 6)")], 7,
     "does not match its seal"),
]


@pytest.mark.parametrize("kind, statements, line, reason", TAMPERING,
                         ids=[t[0] for t in TAMPERING])
def test_verify_names_the_first_broken_line(store, database_url, kind, statements, line,
                                            reason):
    write_lines(store)
    assert run_cli(database_url, "audit", "verify")[0] == 0
    as_attacker(database_url, *statements)
    code, output = run_cli(database_url, "audit", "verify")
    assert code == 3, output
    assert f"BROKEN at line {line}:" in output and reason in output, output
    assert f"{line - 1} line(s) before it check out" in output


def test_an_intact_log_verifies_and_prints_its_last_line(store, database_url):
    write_lines(store)
    code, output = run_cli(database_url, "audit", "verify")
    assert code == 0 and "intact: 6 sealed line(s)" in output
    verdict = store.audit.verify()
    assert verdict.intact and verdict.last_id == 6
    assert f"last line 6:{verdict.last_seal}" in output


@pytest.mark.parametrize("statements, line, reason", [
    (["DELETE FROM audit_log WHERE id IN (5, 6)"], 5, "cut off the end"),
    # Every seal wiped: the lines pass for ones from before migration 0005.
    (["UPDATE audit_log SET mac = NULL", "UPDATE audit_log SET detail = 'x'"], 6,
     "seal changed or was removed"),
    (["UPDATE audit_log SET mac = NULL WHERE id = 6"], 6, "seal changed or was removed"),
], ids=["tail deleted", "all seals wiped", "last seal wiped"])
def test_what_the_chain_alone_cannot_tell_is_caught_with_the_noted_head(
        store, database_url, statements, line, reason):
    write_lines(store)
    head = store.audit.verify()
    as_attacker(database_url, *statements)
    code, output = run_cli(database_url, "audit", "verify", "--head",
                           f"{head.last_id}:{head.last_seal}")
    assert code == 3 and f"BROKEN at line {line}:" in output and reason in output, output


def test_without_its_key_nothing_verifies(store, database_url):
    write_lines(store, 2)
    code, output = run_cli(database_url, "audit", "verify", secret="another-" + "x" * 40)
    assert code == 3 and "BROKEN at line 1:" in output


def test_a_changed_secret_key_keeps_old_lines_verifiable_while_kept_as_a_fallback(
        store, database_url):
    write_lines(store, 2)
    newer = "newer-" + "n" * 40
    config = {"SECRET_KEY": newer, "SECRET_KEY_FALLBACKS": [SECRET]}
    later = AuditLog(store.audit.sessions, audit_keys(config))
    later.record("view", detail="after the change")
    assert later.verify().intact and later.verify().sealed == 3
    assert AuditLog(store.audit.sessions, audit_keys({"SECRET_KEY": newer})).verify(
        ).broken_id == 1


def test_a_dedicated_audit_key_seals_instead_of_the_secret_key(store, database_url):
    keyed = AuditLog(store.audit.sessions,
                     audit_keys({"AUDIT_KEY": "a" * 44, "SECRET_KEY": SECRET}))
    keyed.record("view")
    assert run_cli(database_url, "audit", "verify", AUDIT_KEY="a" * 44)[0] == 0
    assert AuditLog(store.audit.sessions, audit_keys({"SECRET_KEY": SECRET})).verify(
        ).broken_id == 1


def test_commands_that_write_audit_lines_refuse_to_run_without_the_key(store, database_url):
    for command in (["purge"], ["audit", "verify"], ["staff", "add", "kim@riverside.example",
                                                     "--role", "nurse"]):
        code, output = run_cli(database_url, *command, secret=None)
        assert code == 1 and "SCREENER_SECRET_KEY" in output, (command, output)
    assert store.accounts.find("kim@riverside.example") is None
    with pytest.raises(AuditKeyMissing):
        AuditLog(store.audit.sessions, []).record("view")


def test_the_database_refuses_a_line_that_is_not_the_next_one(store, database_url):
    """INSERT OR REPLACE rewrote a SQLite line without firing the delete trigger; now
    every insert must be sealed and numbered right after the last line."""
    write_lines(store, 3)
    engine = create_engine(database_url)
    sqlite = engine.dialect.name == "sqlite"
    attempts = [
        COPY.format(new=2, old=2, detail="'rewritten'", mac="mac").replace(
            "INSERT", "INSERT OR REPLACE" if sqlite else "INSERT"),
        COPY.format(new=9, old=3, detail="'gap'", mac="mac"),
        COPY.format(new=4, old=3, detail="'unsealed'", mac="NULL"),
        "INSERT INTO audit_log (at, action, detail, mac) VALUES "
        "(CURRENT_TIMESTAMP, 'view', 'no number', 'mac')",
    ]
    if sqlite:
        attempts.append("REPLACE INTO audit_log (id, at, action, detail, mac) "
                        "SELECT id, at, action, 'replaced', mac FROM audit_log WHERE id = 1")
    for statement in attempts:
        with pytest.raises(DBAPIError, match="numbered right after the last one"):
            with engine.begin() as connection:
                connection.exec_driver_sql(statement)
    engine.dispose()
    verdict = store.audit.verify()
    assert verdict.intact and verdict.sealed == 3


def test_concurrent_writers_never_fork_the_chain(store, database_url):
    writers, each = 8, 15
    start = threading.Barrier(writers)
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            start.wait()
            for i in range(each):
                store.audit.record("view", staff_id=f"w{n}", detail=f"{n}.{i}")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    verdict = store.audit.verify()
    assert verdict.intact and verdict.sealed == writers * each
    lines, total = store.audit.page(limit=writers * each)
    assert total == writers * each
    assert sorted(line.id for line in lines) == list(range(1, writers * each + 1))
    assert sorted(line.detail for line in lines) == sorted(
        f"{n}.{i}" for n in range(writers) for i in range(each))


def test_the_staff_areas_own_lines_verify(nurse_client, sent, store, database_url):
    sid, _ = sent(1)
    assert nurse_client.get(f"/staff/submissions/{sid}").status_code == 200
    store.submissions.withdraw(sid, staff_id=None)  # sealed in the withdrawal's transaction
    nurse_client.get("/staff/")
    lines, total = store.audit.page()
    assert {"sign-in", "view", "withdraw"} <= {line.action for line in lines}
    code, output = run_cli(database_url, "audit", "verify")
    assert code == 0 and f"intact: {total} sealed line(s)" in output


def test_lines_from_before_the_seals_are_counted_and_the_chain_starts_after_them(
        empty_database_url):
    """An upgraded database keeps its older, unsealed lines; sealing begins after them."""
    from alembic import command

    from screener.store.db import alembic_config, make_engine, upgrade

    engine = make_engine(empty_database_url)
    command.upgrade(alembic_config(engine), "0002")
    with engine.begin() as connection:
        for n in range(3):
            connection.execute(text("INSERT INTO audit_log (at, action, detail) VALUES "
                                    "(:at, 'view', :detail)"),
                               {"at": datetime.now(UTC).replace(tzinfo=None),
                                "detail": f"old {n}"})
    upgrade(engine)
    engine.dispose()
    store = Store(empty_database_url, TEST_DATA_KEYS[0], SECRET)
    store.audit.record("view", detail="first sealed")
    verdict = store.audit.verify()
    assert verdict.intact and (verdict.unsealed, verdict.sealed, verdict.last_id) == (3, 1, 4)
    store.dispose()


# The same, as an invariant: any one change to a chain of any length is named where it is.


def sealed_chain(details: list[str], key: bytes) -> list[SimpleNamespace]:
    lines, previous = [], GENESIS
    start = datetime(2026, 12, 1, tzinfo=UTC)
    for number, detail in enumerate(details, 1):
        line = SimpleNamespace(id=number, at=start + timedelta(minutes=number),
                               staff_id="nurse", action="view", submission_id=None,
                               detail=detail)
        line.mac = previous = seal(key, number, line.at, line.staff_id, line.action, None,
                                   detail, previous)
        lines.append(line)
    return lines


@settings(max_examples=200, deadline=None)
@given(details=st.lists(st.text(max_size=20), min_size=2, max_size=30), data=st.data())
def test_any_one_change_is_named_at_its_line(details, data):
    key = derive_key(SECRET)
    lines = sealed_chain(details, key)
    assert check_chain(lines, [key]).intact
    k = data.draw(st.integers(0, len(lines) - 1), label="line index")
    change = data.draw(st.sampled_from(["delete", "alter", "swap", "insert", "renumber"]))
    if change == "delete":
        del lines[k]
        named = k + 1 if k < len(lines) else None  # the last line: only --head tells
    elif change == "alter":
        field = data.draw(st.sampled_from(["detail", "staff_id", "action", "at"]))
        old = getattr(lines[k], field)
        values = (st.datetimes(timezones=st.just(UTC)) if field == "at"
                  else st.text(max_size=20))
        new = data.draw(values.filter(lambda value: value != old))
        setattr(lines[k], field, new)
        named = k + 1
    elif change == "swap":
        assume(k + 1 < len(lines) and lines[k].detail != lines[k + 1].detail)
        lines[k].detail, lines[k + 1].detail = lines[k + 1].detail, lines[k].detail
        named = k + 1
    elif change == "insert":
        forged = SimpleNamespace(**vars(lines[k]))
        forged.detail += " forged"
        lines.insert(k, forged)
        for number, line in enumerate(lines, 1):
            line.id = number
        named = k + 1
    else:  # a line moved to the end, numbers kept in order
        lines.append(lines.pop(k))
        for number, line in enumerate(lines, 1):
            line.id = number
        assume(k != len(lines) - 1)
        named = k + 1
    verdict = check_chain(lines, [key])
    assert verdict.broken_id == named, (change, k, verdict)


# PostgreSQL: the tables belong to an owner role; the app's role may only add and read.

OWNER, APP = "screener_owner", "screener_app"


@pytest.fixture
def two_roles(postgres):
    """A database owned by OWNER, migrated by it with ``--app-role``; (owner URL, app URL)."""
    for role in (OWNER, APP):
        postgres.execute(f"DO $$ BEGIN CREATE ROLE {role} LOGIN; "
                         "EXCEPTION WHEN duplicate_object THEN NULL; END $$")
    name = f"roles_{next(_names)}"
    postgres.execute(f'CREATE DATABASE "{name}" OWNER {OWNER}')
    base = f"postgresql+psycopg://{{}}@127.0.0.1:{postgres.port}/{name}"
    owner_url, app_url = base.format(OWNER), base.format(APP)
    code, output = run_cli(owner_url, "db", "upgrade", "--app-role", APP)
    assert code == 0, output
    postgres.execute(f"GRANT CREATE ON SCHEMA public TO {APP}", database=name)  # usage counts
    return owner_url, app_url


def test_the_app_warns_when_its_role_could_rewrite_the_audit_log(two_roles, caplog):
    owner_url, app_url = two_roles
    for url, warned in ((owner_url, True), (app_url, False)):
        caplog.clear()
        app = create_app(HANDOFF_CONFIG | {"DATABASE_URL": url})
        app.extensions["screener.store"].dispose()
        assert ("owns the audit log" in caplog.text) is warned, url


def test_the_app_role_runs_the_staff_area_and_the_handoff(two_roles):
    _, app_url = two_roles
    app = create_app(HANDOFF_CONFIG | {"DATABASE_URL": app_url})
    store = app.extensions["screener.store"]
    nurse = make_person(app, "nurse@riverside.example")
    client = app.test_client()
    sign_in(client, nurse)
    new = NewSubmission(answers=dict(COMPLETE_ANSWERS), urgent=False,
                        contact=Contact("Ana Lopez", "555 010 1234", "morning"), note="",
                        language="en", ruleset_version="r", consent_version="c")
    sid, _, _ = store.submissions.create(new, "t" * 32, 30)
    store.submissions.create(new, "u" * 32, 30, datetime.now(UTC) - timedelta(days=40))
    assert client.get(f"/staff/submissions/{sid}").status_code == 200
    assert store.submissions.withdraw(sid)
    assert store.submissions.purge() == 1
    assert client.post("/staff/sign-out").status_code == 302
    assert app.extensions["screener.usage"].add(["started"])
    assert store.audit.verify().intact
    store.dispose()


@pytest.mark.parametrize("statement", [
    "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only",
    "ALTER TABLE audit_log DISABLE TRIGGER ALL",
    "DELETE FROM audit_log",
    "UPDATE audit_log SET detail = 'changed'",
    "TRUNCATE audit_log",
    "DROP TRIGGER audit_log_next_line ON audit_log",
    "ALTER TABLE audit_log OWNER TO screener_app",
    "DROP TABLE audit_log",
    "UPDATE alembic_version SET version_num = '0001'",
])
def test_the_app_role_cannot_change_or_remove_audit_lines(two_roles, statement):
    owner_url, app_url = two_roles
    store = Store(app_url, TEST_DATA_KEYS[0], SECRET)
    write_lines(store, 4)
    with psycopg.connect(app_url.replace("+psycopg", "")) as connection:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            connection.execute(statement)  # type: ignore[arg-type]
    verdict = store.audit.verify()
    assert verdict.intact and verdict.sealed == 4
    store.dispose()


def test_a_line_forged_by_the_app_role_is_named_by_verify(two_roles):
    owner_url, app_url = two_roles
    store = Store(app_url, TEST_DATA_KEYS[0], SECRET)
    write_lines(store, 4)
    with psycopg.connect(app_url.replace("+psycopg", "")) as connection:
        connection.execute(COPY.format(new=5, old=1, detail="'backdated'",  # type: ignore[arg-type]
                                       mac="substr(mac, 2) || 'f'"))
    store.dispose()
    code, output = run_cli(owner_url, "audit", "verify")
    assert code == 3 and "BROKEN at line 5:" in output and "backdated" in output
