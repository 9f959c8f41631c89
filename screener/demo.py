"""``screener demo`` (``make demo``): the whole patient -> nurse path on one computer.

A clinic trying the screener should not have to gather four settings and two commands
first. This serves the app with the handoff on over a fresh SQLite file in the instance
folder (``demo/``), throwaway keys, a clinic name, one staff account whose setup link it
prints, and a few made-up submissions in the worklist, each named and noted as an example.
Never for patients: every run starts again from nothing, with new keys.
"""

from __future__ import annotations

import json
import secrets
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click

CLINIC = "Example Spine Clinic (demo)"
STAFF_EMAIL = "admin@demo.example"
EXAMPLE_NAME = "Example patient {n} (made up)"
EXAMPLE_NOTE = "EXAMPLE: made up for the demo; not a real person."
EXAMPLES = 5


@dataclass(frozen=True)
class Demo:
    """What a run set up: the app's settings, the staff setup link, the examples added."""

    settings: dict[str, Any]
    setup_link: str
    examples: int


def demo_settings(folder: Path, base_url: str) -> dict[str, Any]:
    """The handoff on over SQLite in ``folder``, with keys made for this run only."""
    from .store.crypto import new_key

    return {"HANDOFF": True, "DATABASE_URL": f"sqlite:///{folder / 'screener.db'}",
            "DATA_KEYS": new_key(), "SECRET_KEY": secrets.token_hex(32),
            "CLINIC_NAME": CLINIC, "CLINIC_PHONE": "555 0100", "BASE_URL": base_url,
            "SESSION_COOKIE_SECURE": False}


# Written in a folder the demo made: only such a folder is ever emptied again.
MARKER = ".screener-demo"


def fresh_database(folder: Path) -> None:
    """An empty, migrated database: last run's rows were sealed with keys now gone. A
    folder that holds anything and was not made by the demo is refused, never emptied
    (``--folder instance`` must not wipe a clinic's own database)."""
    from .store.db import make_engine, upgrade

    if folder.exists() and any(folder.iterdir()) and not (folder / MARKER).exists():
        raise click.ClickException(
            f"{folder} holds files the demo did not make: choose an empty or new folder")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    (folder / MARKER).write_text("made by 'screener demo'; emptied on every run\n")
    engine = make_engine(f"sqlite:///{folder / 'screener.db'}")
    upgrade(engine)
    engine.dispose()


def example_answers(rules_dir: Path, count: int) -> list[dict[str, Any]]:
    """Complete, distinct, non-emergency answer sets from the rule set's own scenarios
    (``rules/tests/``), so the examples follow the catalogue as it changes."""
    from .catalogue.answers import AnswersError, validate_answers
    from .catalogue.questions import is_emergency
    from .engine.scenarios import load_scenarios

    found: dict[str, dict[str, Any]] = {}
    for _, scenario in load_scenarios(rules_dir / "tests"):
        try:
            answers = validate_answers(scenario.complete_answers)
        except AnswersError:
            continue
        if not is_emergency(answers.get("red_flags")):
            found.setdefault(json.dumps(answers, sort_keys=True), answers)
        if len(found) == count:
            break
    return list(found.values())


def seed(app: Any, count: int = EXAMPLES) -> tuple[str, int]:
    """One admin account (its setup link) and ``count`` example submissions, sent over
    the last days as patients would, urgent ones flagged as the handoff flags them."""
    from . import consent
    from .catalogue.wizard import urgent_flags
    from .engine.evaluate import evaluate
    from .engine.loader import load_ruleset
    from .store.audit import Action
    from .store.models import Role
    from .store.submissions import Contact, NewSubmission

    config = app.config
    store = app.extensions["screener.store"]
    account, token = store.accounts.add(STAFF_EMAIL, Role.ADMIN)
    store.audit.record(Action.ACCOUNT_CHANGE, detail=f"add admin {account.email} (demo)")
    ruleset = load_ruleset(config["RULES_DIR"])
    examples = example_answers(Path(config["RULES_DIR"]), count)
    sent = datetime.now(UTC)
    for n, answers in enumerate(examples, 1):
        result = evaluate(ruleset, answers, emergency_number=config["EMERGENCY_NUMBER"],
                          locale="en")
        new = NewSubmission(
            answers=answers, contact=Contact(EXAMPLE_NAME.format(n=n), f"555 0100 {n:03d}",
                                             ("morning", "afternoon", "any")[n % 3]),
            note=EXAMPLE_NOTE, language="en", urgent=bool(urgent_flags(answers)),
            ruleset_version=result.ruleset_version, consent_version=consent.VERSION,
            guidance=tuple(topic.id for topic in result.topics))
        store.submissions.create(new, secrets.token_urlsafe(24), config["RETENTION_DAYS"],
                                 sent - timedelta(hours=7 * n))
    base = config["BASE_URL"].rstrip("/")
    return f"{base}/staff/setup/{token}", len(examples)


def prepare(folder: Path, base_url: str) -> tuple[Any, Demo]:
    """The app, ready to serve, and what was set up for it."""
    from .app import create_app

    settings = demo_settings(folder, base_url)
    fresh_database(folder)
    app = create_app(settings)
    link, count = seed(app)
    return app, Demo(settings, link, count)


def default_folder() -> Path:
    """The instance folder the app itself uses (``instance/`` beside a checkout)."""
    from flask import Flask

    return Path(Flask("screener").instance_path) / "demo"


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=5000, show_default=True)
@click.option("--folder", type=click.Path(path_type=Path), default=None,
              help="where the demo database goes [default: the instance folder's demo/]")
def demo_command(host: str, port: int, folder: Path | None) -> None:
    """Try the patient -> nurse path: the handoff on over SQLite, a staff account and
    made-up example submissions (started afresh on every run; never for patients)."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else f"[{host}]" if ":" in host else host
    address = f"http://{shown}:{port}"
    app, demo = prepare(folder or default_folder(), address)
    click.echo(f"\n{CLINIC}: a demo with made-up data, started afresh on every run.\n"
               f"  Patients:  {address}/  (finish a screening, then 'Send my answers')\n"
               f"  Staff:     set up {STAFF_EMAIL} (password and an authenticator app) at\n"
               f"             {demo.setup_link}\n"
               f"             then the worklist at {address}/staff/ holds "
               f"{demo.examples} example submissions.\n")
    app.run(host=host, port=port, use_reloader=False)
