"""The ``screener`` command: tools for rule authors and for scripted evaluation.

Exit codes: 0 all good, 1 the rules or scenarios have problems, 2 bad input (answers).
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

import click

from .catalogue.answers import AnswersError, validate_answers
from .catalogue.questions import catalogue_json
from .demo import demo_command
from .engine.evaluate import evaluate
from .engine.language import (
    MAX_GRADE,
    MIN_EASE,
    TARGET_MEAN_EASE,
    TARGET_MEAN_GRADE,
    missing_lists,
    reading_ease,
    reading_grade,
)
from .engine.loader import RuleSet, RuleSetError, load_ruleset
from .engine.scenarios import load_scenarios, run_scenarios
from .exports.registry import Format, Source, formats_for
from .i18n import SUPPORTED
from .problems import ProblemsError


def default_rules_dir() -> Path:
    """SCREENER_RULES_DIR or the shipped rules: the rule tools need no other setting."""
    from .settings import environment_setting

    return Path(environment_setting("RULES_DIR"))


def _load(directory: Path) -> RuleSet:
    try:
        return load_ruleset(directory)
    except RuleSetError as exc:
        click.echo(exc.report(), err=True)
        sys.exit(1)


_DIR = click.argument("directory", required=False, type=click.Path(path_type=Path))


@click.group()
def main() -> None:
    """Educational MISS self-screening: rules, questions and evaluation."""


@main.group()
def rules() -> None:
    """Check and test the YAML rule set."""


@rules.command("check")
@_DIR
def rules_check(directory: Path | None) -> None:
    """Validate the rule set and report the reading grade of each topic."""
    directory = directory or default_rules_dir()
    unchecked = {locale: gaps for locale in SUPPORTED if (gaps := missing_lists(locale))}
    for locale, gaps in unchecked.items():
        click.echo(f"language '{locale}' is offered but its texts cannot be checked: no "
                   f"{', '.join(gaps)} word lists for '{locale}' in "
                   "screener/engine/language.py", err=True)
    if unchecked:
        sys.exit(1)
    ruleset = _load(directory)
    grades = {t.id: reading_grade(t.body.en) for t in ruleset.topics.values()}
    too_hard = {tid: g for tid, g in grades.items() if g > MAX_GRADE}
    click.echo(f"{directory}: {len(ruleset.rules)} rules, {len(ruleset.topics)} topics, "
               f"version {ruleset.version}: OK")
    click.echo("Reading grade (Flesch-Kincaid) of each topic body:")
    for tid, grade in sorted(grades.items(), key=lambda item: -item[1]):
        flag = "  TOO HARD (above 10)" if grade > MAX_GRADE else ""
        click.echo(f"  {grade:5.1f}  {tid}{flag}")
    mean = statistics.mean(grades.values())
    click.echo(f"Mean grade {mean:.1f} (aim for {TARGET_MEAN_GRADE:.0f} or lower; "
               f"none above {MAX_GRADE:.0f}).")
    too_hard_elsewhere = sum(_check_language(ruleset, locale) for locale in SUPPORTED[1:])
    if too_hard:
        click.echo(f"{len(too_hard)} topic(s) read above grade {MAX_GRADE:.0f}.", err=True)
    if too_hard or too_hard_elsewhere:
        sys.exit(1)


def _check_language(ruleset: RuleSet, locale: str) -> int:
    """Print reading ease and translation status for ``locale``; return texts too hard."""
    from .translating import report

    status = report(locale, ruleset)
    ease = {t.id: reading_ease(t.body.in_locale(locale), locale)
            for t in ruleset.topics.values() if t.id not in status.missing_topics}
    hard = {tid: e for tid, e in ease.items() if e < MIN_EASE}
    click.echo(f"\n[{locale}] Reading ease of each translated topic body "
               f"({'Fernández Huerta' if locale == 'es' else 'Flesch'}; higher is easier):")
    for tid, value in sorted(ease.items(), key=lambda item: item[1]):
        click.echo(f"  {value:5.1f}  {tid}{'  TOO HARD (below 50)' if tid in hard else ''}")
    if ease:
        click.echo(f"Mean ease {statistics.mean(ease.values()):.1f} (aim for "
                   f"{TARGET_MEAN_EASE:.0f} or higher; none below {MIN_EASE:.0f}).")
    click.echo(f"[{locale}] missing, shown in English: {len(status.missing_interface)} "
               f"interface text(s), {len(status.missing_topics)} topic(s)")
    for text in status.missing_interface:
        click.echo(f"  interface: {text[:70]}")
    for tid in status.missing_topics:
        click.echo(f"  topic: {tid}")
    click.echo(f"[{locale}] not yet reviewed by a medical translator: "
               f"{status.draft_interface} interface text(s), {len(status.draft_topics)} "
               "topic(s)")
    return len(hard)


@rules.command("test")
@_DIR
def rules_test(directory: Path | None) -> None:
    """Run the scenario files in DIRECTORY/tests against the rule set."""
    directory = directory or default_rules_dir()
    ruleset = _load(directory)
    try:
        scenarios = load_scenarios(directory / "tests")
    except ProblemsError as exc:
        click.echo(exc.report(), err=True)
        sys.exit(1)
    runs, coverage = run_scenarios(ruleset, scenarios)
    failed = [run for run in runs if run.failures]
    for run in runs:
        mark = "FAIL" if run.failures else "ok  "
        click.echo(f"{mark} {run.file}:{run.scenario.line}: {run.scenario.name}")
        for failure in run.failures:
            click.echo(f"       {failure}")
    click.echo(coverage.line())
    missing_rules = sorted(coverage.rules_all - coverage.rules_hit)
    missing_topics = sorted(coverage.topics_all - coverage.topics_hit)
    if missing_rules:
        click.echo(f"rules no scenario exercises: {', '.join(missing_rules)}")
    if missing_topics:
        click.echo(f"topics no scenario produces: {', '.join(missing_topics)}")
    click.echo(f"{len(runs) - len(failed)} passed, {len(failed)} failed")
    if failed or not runs:
        sys.exit(1)


@main.group()
def i18n() -> None:
    """Maintain the translations of the interface and the question catalogue."""


@i18n.command("update")
@click.argument("locale")
def i18n_update(locale: str) -> None:
    """Create or update LOCALE's catalogue (screener/translations/LOCALE/.../messages.po)."""
    from .translating import update

    click.echo(f"updated {update(locale)}; translate its empty entries, then reinstall "
               "(make test or make run) to compile it")


# Who the command line serves: scripts (the API's formats) and the clinic's staff.
CLI_AUDIENCES = ("api", "staff")


def cli_formats() -> dict[str, Format]:
    """The registered formats the command line offers, by name, in the order offered."""
    offered: dict[str, Format] = {}
    for audience in CLI_AUDIENCES:
        for fmt in formats_for(audience):
            offered.setdefault(fmt.name, fmt)
    return offered


class FormatChoice(click.Choice):  # type: ignore[type-arg]
    """``--format``'s choices, read from the registry each time they are needed, so every
    registered format for the command line's audiences is offered."""

    def __init__(self) -> None:
        super().__init__(())

    @property  # type: ignore[override]
    def choices(self) -> tuple[str, ...]:
        return tuple(cli_formats())

    @choices.setter
    def choices(self, value: object) -> None:
        """Fixed by the registry."""


@main.command("evaluate")
@click.argument("answers_file", type=click.File("r", encoding="utf-8"))
@click.option("--format", "fmt", type=FormatChoice(), default="json")
@click.option("--rules", "directory", type=click.Path(path_type=Path), default=None)
@click.option("--lang", "locale", type=click.Choice(SUPPORTED), default="en")
def evaluate_command(answers_file: click.utils.LazyFile, fmt: str, directory: Path | None,
                     locale: str) -> None:
    """Evaluate the answers in ANSWERS_FILE (a JSON object; '-' reads standard input)."""
    ruleset = _load(directory or default_rules_dir())
    try:
        answers = validate_answers(json.load(answers_file))
    except json.JSONDecodeError as exc:
        click.echo(f"The answers are not valid JSON: {exc}", err=True)
        sys.exit(2)
    except AnswersError as exc:
        click.echo("The answers have problems:", err=True)
        for problem in exc.problems:
            click.echo(f"  - {problem}", err=True)
        sys.exit(2)
    from .settings import environment_setting

    result = evaluate(ruleset, answers, emergency_number=environment_setting("EMERGENCY_NUMBER"),
                      locale=locale)
    canonical = environment_setting("FHIR_CANONICAL")
    body = cli_formats()[fmt].render(Source(answers, result, canonical=canonical))
    text = body.decode("utf-8") if isinstance(body, bytes) else body
    click.echo(text, nl=not text.endswith("\n"))


@main.command("questions")
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="text")
@click.option("--lang", "locale", type=click.Choice(SUPPORTED), default="en")
def questions_command(fmt: str, locale: str) -> None:
    """List the question catalogue: ids, kinds and values."""
    catalogue = catalogue_json(locale)
    if fmt == "json":
        click.echo(json.dumps(catalogue, indent=2, ensure_ascii=False))
        return
    for step in catalogue["steps"]:  # type: ignore[union-attr]
        click.echo(f"[{step['id']}] {step['title']}")
        for question in catalogue["questions"]:  # type: ignore[union-attr]
            if question["step"] == step["id"]:
                values = ", ".join(c["value"] for c in question["choices"]) or (
                    f"{question['minimum']}..{question['maximum']}")
                click.echo(f"  {question['id']} ({question['kind']}"
                           f"{'' if question['required'] else ', optional'}): {values}")


def _store_app():  # type: ignore[no-untyped-def]
    """The app's configuration for the storage commands, without needing SECRET_KEY."""
    from flask import Flask

    from .config import configure
    from .settings import environment_setting

    app = Flask("screener")
    app.config["TESTING"] = True  # only so configure() does not ask for a secret key
    configure(app, None)
    if not environment_setting("SECRET_KEY"):
        app.config["SECRET_KEY"] = None  # not the throwaway one: it would seal audit lines
    return app


def _store(keys: bool = True, audited: bool = False):  # type: ignore[no-untyped-def]
    """The ready store, or a message and exit code 1 (bad keys, old schema, no database;
    with ``audited``, no key to seal the command's audit line with); ``keys=False`` for
    commands that must work while a data key is missing."""
    from sqlalchemy.exc import SQLAlchemyError

    from .config import ConfigError
    from .store.audit import AuditKeyMissing
    from .store.service import store_from_config

    app = _store_app()
    try:
        store = store_from_config(app.config)
    except ConfigError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    try:
        store.ensure_ready(keys=keys)
        if audited and not store.audit.keys:
            raise AuditKeyMissing(
                "This command seals or checks audit lines: run it with the app's "
                "SCREENER_SECRET_KEY (or SCREENER_AUDIT_KEY) set, so they are sealed with "
                "the same key.")
        return store
    except ConfigError as exc:
        click.echo(str(exc), err=True)
    except SQLAlchemyError as exc:
        click.echo(f"The handoff database cannot be reached: {type(exc).__name__}: "
                   f"{str(exc).splitlines()[0]}", err=True)
    store.dispose()
    sys.exit(1)


@main.group()
def db() -> None:
    """The clinic handoff's database (SCREENER_DATABASE_URL; SQLite by default)."""


@db.command("upgrade")
@click.option("--app-role", default=None, metavar="ROLE",
              help="PostgreSQL: the role the app runs as, given only what it needs (only "
                   "reading and adding on the audit log); SCREENER_DATABASE_APP_ROLE")
def db_upgrade(app_role: str | None) -> None:
    """Create or migrate the database schema to this version (on PostgreSQL, as the role
    that owns the tables)."""
    from sqlalchemy import Engine

    from .store.db import current_revision, database_label, head_revision, make_engine, upgrade

    app = _store_app()
    engine: Engine = make_engine(app.config["DATABASE_URL"])
    before = current_revision(engine)
    upgrade(engine, app_role or app.config["DATABASE_APP_ROLE"] or None)
    click.echo(f"{database_label(engine)}: schema {before or 'none'} -> {head_revision()}")
    engine.dispose()


@db.command("current")
def db_current() -> None:
    """Print the schema revision of the database and of this version."""
    from .store.db import current_revision, database_label, head_revision, make_engine

    app = _store_app()
    engine = make_engine(app.config["DATABASE_URL"])
    current, head = current_revision(engine), head_revision()
    click.echo(f"{database_label(engine)}: at {current or 'none'}, this version needs {head}")
    engine.dispose()
    if current != head:
        sys.exit(1)


@main.command("purge")
def purge_command() -> None:
    """Delete every expired submission and saved screening (run daily from cron or a
    systemd timer)."""
    from .store.audit import Action
    from .usage import UsageCounts

    store = _store(keys=False, audited=True)  # expired data goes even while a key is missing
    deleted = store.submissions.purge()
    unused = store.saved.purge()
    # Numbers only: a saved screening is nobody's until its code is typed.
    store.audit.record(Action.PURGE, detail=f"{deleted} expired" + (
        f", {unused} saved screening(s) expired" if unused else ""))
    click.echo(f"deleted {deleted} expired submission(s)")
    click.echo(f"deleted {unused} expired saved screening(s)")
    store.dispose()
    config = _store_app().config
    if unused and config["USAGE_COUNTS"]:
        counts = UsageCounts(config["DATABASE_URL"])
        counts.add(["expired"] * unused)
        counts.engine.dispose()


@main.command("notify")
@click.option("--older-than", "minutes", type=int, default=30, show_default=True,
              help="only submissions at least this many minutes old")
def notify_command(minutes: int) -> None:
    """Email the intake inbox about submissions whose notification never went out
    (the server restarted during its retries, say). Safe to run from cron, beside the app:
    each email goes out at most once (see notify.py)."""
    from datetime import timedelta

    from .config import staff_url
    from .notify import Notifier, Outcome

    app = _store_app()
    config = app.config
    if not (config["SMTP_URL"] and config["NOTIFY_EMAIL"] and staff_url(config)):
        click.echo("Set SCREENER_SMTP_URL, SCREENER_NOTIFY_EMAIL and SCREENER_BASE_URL (or "
                   "SCREENER_STAFF_URL).", err=True)
        sys.exit(1)
    store = _store()
    notifier = Notifier(config["SMTP_URL"], config["NOTIFY_EMAIL"], (), config["CLINIC_NAME"])
    pending = store.submissions.unnotified(timedelta(minutes=minutes))
    sent = taken = 0
    for sid, urgent in pending:
        outcome = notifier.attempt(notifier.message(urgent, staff_url(config)),
                                   store.submissions.notification(sid))
        if outcome is Outcome.TAKEN:  # sent meanwhile by the app: at most once
            taken += 1
            continue
        if outcome is not Outcome.SENT:
            click.echo(f"sending failed ({outcome.value}); try again later", err=True)
            break
        sent += 1
    click.echo(f"notified {sent} of {len(pending)} pending submission(s)")
    store.dispose()
    if sent + taken < len(pending):
        sys.exit(1)


@main.group()
def keys() -> None:
    """The keys that encrypt stored contact details, answers and notes."""


@keys.command("generate")
def keys_generate() -> None:
    """Print a new key; put it first in SCREENER_DATA_KEYS, then run 'keys rotate'."""
    from .store.crypto import new_key

    click.echo(new_key())


@keys.command("ids")
def keys_ids() -> None:
    """Print the id of each key in SCREENER_DATA_KEYS and of each key the database needs
    (ids are one-way fingerprints: safe to print, never the key)."""
    from .store.keycheck import needed

    store = _store(keys=False)
    stored = needed(store.engine)
    for position, kid in enumerate(store.cipher.key_ids):
        role = "encrypts" if position == 0 else "decrypts"
        click.echo(f"configured {kid} ({role}{', needed by stored data' if kid in stored else ''})")
    for kid, at in sorted(stored.items()):
        if kid not in store.cipher.key_ids:
            click.echo(f"MISSING    {kid} (needed by stored data since {at:%Y-%m-%d})")
    store.dispose()


@keys.command("rotate")
@click.option("--batch", type=click.IntRange(1, 10_000), default=100, show_default=True,
              help="rows per transaction")
def keys_rotate(batch: int) -> None:
    """Re-encrypt everything stored with the first key in SCREENER_DATA_KEYS, row by row,
    beside a running clinic (a withdrawal meanwhile is never undone). Rows no configured
    key opens are listed and left as they are; the rest are rotated."""
    store = _store(keys=False)
    report = store.rotate_keys(batch)
    rotated = report.rotated
    click.echo(f"re-encrypted {rotated.get('submissions', 0)} submission(s), "
               f"{rotated.get('submission_versions', 0)} answer version(s), "
               f"{rotated.get('submission_events', 0)} note(s) and "
               f"{rotated.get('staff_accounts', 0)} authenticator secret(s) with the first "
               f"key (id {store.cipher.key_ids[0]}); re-indexed "
               f"{rotated.get('search_index', 0)} submission(s) for search by name or phone")
    for table, ids in report.unreadable.items():
        click.echo(f"cannot be read: key missing: {len(ids)} row(s) of {table}, left as they "
                   f"are: {', '.join(map(str, ids))}", err=True)
    for table, ids in report.busy.items():
        click.echo(f"changed too often to rotate: {len(ids)} row(s) of {table}: "
                   f"{', '.join(map(str, ids))}; run 'screener keys rotate' again", err=True)
    for table, ids in report.left_old.items():
        click.echo(f"sealed under an old key during the rotation: {len(ids)} row(s) of "
                   f"{table}: a server still encrypts with an old key; restart every server "
                   f"with the new key first in SCREENER_DATA_KEYS, then run this again",
                   err=True)
    store.dispose()
    if report.unreadable_count or not report.complete:
        click.echo("Keep the old keys in SCREENER_DATA_KEYS: not everything is re-encrypted."
                   + (" Put back the key the unreadable rows were sealed with (see 'screener "
                      "keys ids') and run this again." if report.unreadable_count else ""),
                   err=True)
        sys.exit(1)
    click.echo("the other keys can now be removed from SCREENER_DATA_KEYS")


def _setup_url(app_config: dict, token: str) -> str:  # type: ignore[type-arg]
    base = app_config["BASE_URL"].rstrip("/")
    return f"{base}/staff/setup/{token}"


def _announce_link(config: dict, email: str, token: str, send: bool) -> None:  # type: ignore[type-arg]
    """Print the setup link; with ``send``, also email it through SCREENER_SMTP_URL."""
    link = _setup_url(config, token)
    if not config["BASE_URL"]:
        click.echo("SCREENER_BASE_URL is not set: put the screener's address before this "
                   "path.", err=True)
    click.echo(f"one-time setup link for {email} (valid for a day):\n  {link}")
    if send:
        from .notify import send_setup_link

        if not (config["SMTP_URL"] and config["BASE_URL"]):
            click.echo("Not emailed: set SCREENER_SMTP_URL and SCREENER_BASE_URL.", err=True)
            sys.exit(1)
        try:
            send_setup_link(config["SMTP_URL"], email, link, config["CLINIC_NAME"])
        except OSError as exc:
            click.echo(f"Not emailed ({type(exc).__name__}); give the link by hand.", err=True)
            sys.exit(1)
        click.echo(f"emailed to {email}")


@main.group()
def staff() -> None:
    """Staff accounts for the staff area (/staff): nurses and admins."""


def _account_command(action):  # type: ignore[no-untyped-def]
    """Run ``action(store)``; a refused change prints why and exits 1."""
    from .store.accounts import AccountError
    from .store.audit import Action

    store = _store(audited=True)
    try:
        detail = action(store)
        store.audit.record(Action.ACCOUNT_CHANGE, detail=f"{detail} (command line)")
    except AccountError as exc:
        click.echo(f"Not done: {exc}.", err=True)
        sys.exit(1)
    finally:
        store.dispose()


@staff.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice(["nurse", "admin"]), required=True)
@click.option("--email-link", is_flag=True, help="also email the link (SCREENER_SMTP_URL)")
def staff_add(email: str, role: str, email_link: bool) -> None:
    """Add an account and print its one-time setup link."""
    from .store.models import Role

    config = _store_app().config

    def add(store):  # type: ignore[no-untyped-def]
        account, token = store.accounts.add(email, Role(role))
        _announce_link(config, account.email, token, email_link)
        return f"add {role} {account.email}"

    _account_command(add)


@staff.command("reset")
@click.argument("email")
@click.option("--email-link", is_flag=True, help="also email the link (SCREENER_SMTP_URL)")
def staff_reset(email: str, email_link: bool) -> None:
    """Clear the password and authenticator, sign out everywhere, print a new link."""
    config = _store_app().config

    def reset(store):  # type: ignore[no-untyped-def]
        account, token = store.accounts.reset(email)
        _announce_link(config, account.email, token, email_link)
        return f"reset {account.email}"

    _account_command(reset)


@staff.command("disable")
@click.argument("email")
def staff_disable(email: str) -> None:
    """Disable an account: it is signed out at once and cannot sign in."""
    def disable(store):  # type: ignore[no-untyped-def]
        account = store.accounts.disable(email)
        click.echo(f"{account.email} is disabled")
        return f"disable {account.email}"

    _account_command(disable)


@staff.command("enable")
@click.argument("email")
def staff_enable(email: str) -> None:
    """Enable a disabled account again (its password and authenticator are kept)."""
    def enable(store):  # type: ignore[no-untyped-def]
        account = store.accounts.enable(email)
        click.echo(f"{account.email} is enabled ({account.state})")
        return f"enable {account.email}"

    _account_command(enable)


@staff.command("list")
def staff_list() -> None:
    """Every account: email, role, state, last sign-in."""
    store = _store()
    for account in store.accounts.all():
        last = (account.last_sign_in_at.strftime("%Y-%m-%d %H:%M")
                if account.last_sign_in_at else "never")
        click.echo(f"{account.email}\t{account.role}\t{account.state}\tlast sign-in {last}")
    store.dispose()


@main.group()
def audit() -> None:
    """The staff area's append-only audit log."""


@audit.command("export")
@click.option("--since", "since", required=True, type=click.DateTime(["%Y-%m-%d"]),
              help="first day (UTC) to include, YYYY-MM-DD")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="csv",
              show_default=True)
def audit_export(since, fmt: str) -> None:  # type: ignore[no-untyped-def]
    """Print the audit log from a day on, as CSV or JSON lines."""
    from datetime import UTC

    from .store.audit import Action, as_csv, as_json_lines

    store = _store(audited=True)
    lines = store.audit.since(since.replace(tzinfo=UTC))
    for chunk in (as_csv(lines) if fmt == "csv" else as_json_lines(lines)):
        click.echo(chunk, nl=False)
    store.audit.record(Action.AUDIT_EXPORT, detail=f"{fmt} since {since:%Y-%m-%d} "
                       "(command line)")
    store.dispose()


@audit.command("verify")
@click.option("--head", "head", default=None, metavar="LINE:SEAL",
              help="a line and seal printed by an earlier verify: it must still be there")
def audit_verify(head: str | None) -> None:
    """Check every line's seal and its place in the chain; name the first broken line.

    Exit codes: 0 intact, 1 the command could not run, 3 the log was tampered with."""
    store = _store(audited=True)
    wanted = None
    if head:
        number, _, seal = head.partition(":")
        if not number.isdigit() or len(seal) != 64:
            click.echo("--head takes LINE:SEAL as printed by an earlier 'audit verify'",
                       err=True)
            sys.exit(1)
        wanted = (int(number), seal.lower())
    verdict = store.audit.verify(wanted)
    store.dispose()
    older = (f" ({verdict.unsealed} older line(s) from before the seals began)"
             if verdict.unsealed else "")
    if not verdict.intact:
        click.echo(f"BROKEN at line {verdict.broken_id}: {verdict.reason}", err=True)
        click.echo(f"{verdict.sealed} line(s) before it check out{older}.", err=True)
        sys.exit(3)
    click.echo(f"intact: {verdict.sealed} sealed line(s){older}.")
    if verdict.last_id is not None:
        click.echo(f"last line {verdict.last_id}:{verdict.last_seal}\n(keep it; "
                   f"'screener audit verify --head {verdict.last_id}:{verdict.last_seal}' "
                   "later also catches lines cut off the end)")


main.add_command(demo_command)
