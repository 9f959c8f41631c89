"""The handoff store as the app and the ``screener`` command use it: built from config.

Reads ``DATABASE_URL`` (filled in by ``config.configure``), ``DATA_KEYS`` and
``SECRET_KEY`` (reference codes) from the app's configuration. The schema and the data keys
are checked at start-up; if the database cannot be reached then, the checks are repeated
before first use.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from flask import Flask
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from .accounts import Accounts
from .audit import AuditLog
from .audit import audit_keys as audit_keys_from
from .blindindex import BlindIndex, left_old, reindex
from .casework import Casework
from .crypto import Cipher
from .db import SchemaBehind, check_schema, make_engine
from .keycheck import WrongDataKeys, check_keys, record, retire
from .rotation import BATCH, OnBatch, Rotation, rotate
from .saved import SavedScreenings
from .submissions import Submissions

log = logging.getLogger("screener.store")
EXTENSION = "screener.store"


class Store:
    """One engine, its sessions, the cipher, and the queries of each part."""

    def __init__(self, url: str, keys: Any, secret: str,
                 audit_keys: list[bytes] | None = None, country_code: str = "",
                 **engine_options: Any) -> None:
        self.engine: Engine = make_engine(url, **engine_options)
        sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.cipher = cipher = Cipher(keys)
        self.audit = AuditLog(sessions, audit_keys if audit_keys is not None
                              else audit_keys_from({"SECRET_KEY": secret}))
        self.index = BlindIndex(keys, country_code)
        self.submissions = Submissions(sessions, cipher, secret, self.audit, self.index)
        self.accounts = Accounts(sessions, cipher)
        self.casework = Casework(sessions, cipher)
        self.saved = SavedScreenings(sessions, keys)  # opened by the return code alone
        self._checked = False
        self._lock = threading.Lock()

    needed_by = "the handoff"  # what the messages say needs this database

    def ensure_ready(self, keys: bool = True) -> None:
        """Raise SchemaBehind, WrongDataKeys (or a database error) unless the schema is
        current and, with ``keys``, the configured keys open what is stored."""
        if self._checked:
            return
        with self._lock:
            if not self._checked:
                check_schema(self.engine, self.needed_by)
                if not keys:
                    return
                check_keys(self.engine, self.cipher)
                self._checked = True

    def rotate_keys(self, batch: int = BATCH, on_batch: OnBatch | None = None) -> Rotation:
        """Re-seal everything with the first key, row by row, never over a newer change;
        then forget the old keys' ids when nothing needs them any more."""
        record(self.engine, self.cipher.key_ids[:1])
        report = rotate(self.engine, self.cipher, batch, on_batch)
        # The blind index is keyed from the data keys: recomputed under the first one.
        reindexed = reindex(self.engine, self.cipher, self.index, batch)
        report.rotated["search_index"] = reindexed.indexed
        stale = left_old(self.engine, self.index)
        if stale:
            report.left_old["search_index"] = stale
        if report.complete:
            retire(self.engine, self.cipher, everything_readable=not report.unreadable_count)
        return report

    def dispose(self) -> None:
        self.engine.dispose()


def store_from_config(config: Any) -> Store:
    """The store for an app's checked settings (``config.configure``)."""
    return Store(config["DATABASE_URL"], config["DATA_KEYS"], config["SECRET_KEY"] or "",
                 audit_keys_from(config), config["PHONE_COUNTRY_CODE"])


def needed_by(config: Any) -> str:
    """What the configuration uses the database for, in words: "the handoff", "saved
    screenings", or both."""
    uses = [words for flag, words in (("HANDOFF", "the handoff"),
                                      ("SAVE_RETURN", "saved screenings")) if config.get(flag)]
    return " and ".join(uses) or "the handoff"


def init_store(app: Flask) -> Store:
    """Open the store; refuse to start on a schema that is behind or on data keys that
    cannot open what is stored, tolerate an outage."""
    store = store_from_config(app.config)
    store.needed_by = needed_by(app.config)
    try:
        store.ensure_ready()
        if app_may_rewrite_audit(store.engine):
            log.warning("The app's PostgreSQL role owns the audit log (or is a superuser), so "
                        "it could switch off its triggers: run the app as the role that "
                        "'screener db upgrade --app-role' sets up (docs/deploy.md, step 5: "
                        "two roles).")
    except (SchemaBehind, WrongDataKeys):
        store.dispose()
        raise
    except SQLAlchemyError as exc:
        log.error("The database for %s cannot be reached at start-up (%s); patients are "
                  "told so on those pages until it is back.", store.needed_by,
                  type(exc).__name__)
    # gunicorn preloads the app and forks: no connection may be shared with the workers.
    store.engine.dispose()
    os.register_at_fork(after_in_child=lambda: store.engine.dispose(close=False))
    app.extensions[EXTENSION] = store
    return store


def app_may_rewrite_audit(engine: Engine) -> bool:
    """On PostgreSQL: does the role we connect as own ``audit_log`` (or is a superuser)?"""
    if engine.dialect.name != "postgresql":
        return False
    with engine.connect() as connection:
        return bool(connection.scalar(text(
            "SELECT pg_has_role(current_user, tableowner, 'USAGE') FROM pg_tables "
            "WHERE tablename = 'audit_log' AND schemaname = current_schema()")))


def current_store(app: Flask) -> Store:
    return app.extensions[EXTENSION]
