"""Engines and schema state: the database URL, SQLite tuning, and the migration check.

The app refuses to start on a database whose schema is behind the code, and says which
command upgrades it; a database that cannot be reached at start-up is only logged, so the
anonymous screener keeps working and the handoff page explains the outage.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from ..problems import ConfigError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
UPGRADE_COMMAND = "screener db upgrade"


class SchemaBehind(ConfigError):
    """The database has not been migrated to the code's schema."""


def default_url(instance_path: str) -> str:
    """SQLite in the instance folder: no server needed."""
    Path(instance_path).mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{Path(instance_path) / 'screener.db'}"


def make_engine(url: str, **options: Any) -> Engine:
    """An engine that survives a database restart (pre-ping) and waits on SQLite locks."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and not database.startswith("file:") and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **options)

        @event.listens_for(engine, "connect")
        def _tune(dbapi_connection: Any, _: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA busy_timeout = 10000")
            cursor.execute("PRAGMA foreign_keys = ON")  # case history goes with a purge
            try:
                cursor.execute("PRAGMA journal_mode = WAL")
            except Exception:  # noqa: BLE001 - a read-only database keeps its journal mode
                pass
            cursor.close()

        return engine
    options.setdefault("pool_pre_ping", True)
    options.setdefault("pool_size", 5)
    options.setdefault("max_overflow", 10)
    options.setdefault("pool_timeout", 10)
    if parsed.get_backend_name() == "postgresql":
        options.setdefault("connect_args", {"connect_timeout": 5})
    return create_engine(url, **options)


def write_lock(session: Session) -> None:
    """On SQLite, take the database's write lock now (``BEGIN IMMEDIATE``), before the
    transaction reads what it is about to change.

    SQLite ignores ``SELECT ... FOR UPDATE``, and the driver only opens a transaction at
    the first write, so a read-then-write (the next version number, a code's last use)
    could interleave with another connection's. Under the write lock it cannot; WAL mode
    lets readers go on meanwhile, and ``busy_timeout`` makes other writers wait their turn.
    On PostgreSQL it does nothing: row locks and conditional updates do this there."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    if not connection.connection.driver_connection.in_transaction:  # type: ignore[union-attr]
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def alembic_config(engine: Engine, app_role: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    config.attributes["app_role"] = app_role
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config(None)).get_current_head()  # type: ignore[arg-type]
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def check_schema(engine: Engine, needed_by: str = "the handoff") -> None:
    """Raise SchemaBehind unless the database is at the newest migration; the message
    names what needs the database (``needed_by``: the handoff, saved screenings)."""
    current, head = current_revision(engine), head_revision()
    if current != head:
        raise SchemaBehind(
            f"The database for {needed_by} ({database_label(engine)}) is at "
            f"schema {current or 'none (empty)'}, but this version needs {head}. "
            f"Run: {UPGRADE_COMMAND}")


def upgrade(engine: Engine, app_role: str | None = None) -> None:
    """Migrate to the newest schema; on PostgreSQL, ``app_role`` is the role the app runs
    as, given only the rights it needs (migration 0005)."""
    command.upgrade(alembic_config(engine, app_role), "head")


def database_label(engine: Engine) -> str:
    """The database URL without its password, for messages."""
    return engine.url.render_as_string(hide_password=True)
