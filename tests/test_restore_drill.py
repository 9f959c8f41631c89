"""The restore drill of docs/operations.md, performed: back up (SQLite's online backup,
PostgreSQL's pg_dump), destroy the database, restore it, and the worklist, a withdrawal by
reference code and ``screener audit verify`` all still work with the same keys."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from screener.app import create_app
from screener.store.localpg import server_bin
from screener.store.models import Status

from .conftest import HANDOFF_CONFIG
from .staffkit import make_person, sign_in
from .test_audit_chain import run_cli
from .test_handoff import CONTACT, Patient, text


def backup(database_url: str, to: Path) -> None:
    """What the nightly backup runs (docs/operations.md), while the app keeps serving."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        with sqlite3.connect(url.database) as live, sqlite3.connect(to) as copy:
            live.backup(copy)
        return
    subprocess.run([str(server_bin() / "pg_dump"), "--format=custom", f"--file={to}",
                    "--host", url.host, "--port", str(url.port), "--username", url.username,
                    url.database], check=True)


def destroy(database_url: str, postgres) -> None:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        Path(url.database).unlink()
        return
    # FORCE: the app's pools (the usage counts' too) still hold connections.
    postgres.execute(f'DROP DATABASE "{url.database}" WITH (FORCE)')


def restore(database_url: str, backup_file: Path, postgres) -> None:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        with sqlite3.connect(backup_file) as copy, sqlite3.connect(url.database) as live:
            copy.backup(live)
        return
    postgres.create_database(url.database)
    subprocess.run([str(server_bin() / "pg_restore"), "--no-owner", "--exit-on-error",
                    "--host", url.host, "--port", str(url.port), "--username", url.username,
                    "--dbname", url.database, str(backup_file)], check=True)


def test_back_up_destroy_restore_and_everything_still_works(database_url, backend, request,
                                                            tmp_path):
    postgres = request.getfixturevalue("postgres") if backend == "postgresql" else None
    before = create_app(HANDOFF_CONFIG | {"DATABASE_URL": database_url})
    nurse = make_person(before, "nurse@riverside.example")
    patient = Patient(before.test_client()).finish()
    assert patient.send().status_code == 302
    code = patient.code()
    sign_in(before.test_client(), nurse)  # audit lines on the chain before the backup
    saved = tmp_path / ("screener-backup.db" if backend == "sqlite" else "screener.dump")
    backup(database_url, saved)
    before.extensions["screener.store"].dispose()

    destroy(database_url, postgres)
    with pytest.raises(Exception):  # noqa: B017 - gone is gone, whatever the driver says
        create_app(HANDOFF_CONFIG | {"DATABASE_URL": database_url}).extensions[
            "screener.store"].submissions.count()

    restore(database_url, saved, postgres)
    after = create_app(HANDOFF_CONFIG | {"DATABASE_URL": database_url})
    try:
        assert after.test_client().get("/readyz").status_code == 200
        staff = after.test_client()
        sign_in(staff, nurse)  # the account came back; a fresh code from the same phone
        found = staff.get("/staff/?code=" + code)
        assert found.status_code == 302 and "/staff/submissions/" in found.headers["Location"]
        assert "Find by reference code" in text(staff.get("/staff/"))
        store = after.extensions["screener.store"]
        sid = store.submissions.by_reference(code)
        assert [s.status for s in store.submissions.live() if s.id == sid] == [Status.NEW]
        withdrawn = after.test_client().post("/withdraw", data={"code": code,
                                                                "phone": CONTACT["phone"]})
        assert withdrawn.status_code == 302
        assert [s.status for s in store.submissions.live() if s.id == sid] == [
            Status.WITHDRAWN]
        status, output = run_cli(database_url, "audit", "verify")
        assert status == 0, output
    finally:
        after.extensions["screener.store"].dispose()
