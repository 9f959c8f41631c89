"""Shared fixtures: the real rule set, rule files written on the fly, complete answer sets,
the app and its client, and a WizardActions helper that walks the patient flow."""

from __future__ import annotations

import copy
import os
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.handlers import Message
from hypothesis import settings
from hypothesis import strategies as st

from screener.app import create_app
from screener.catalogue.answers import prune, visible_pages
from screener.catalogue.questions import (
    EMERGENCY_PAIRS,
    EMERGENCY_VALUES,
    PAGE_BY_ID,
    PAGES,
    RED_FLAG_PAGES,
    URGENT_VALUES,
)
from screener.catalogue.sampling import answer_set, with_examples
from screener.catalogue.split import page_answers
from screener.engine.loader import RuleSet, load_ruleset
from screener.resources import data_dir
from screener.web import state

from .servers import Tls, make_tls, start_gunicorn, start_nginx, start_redis
from .staffkit import make_person, sign_in

# Property tests: in CI the same examples every run (hypothesis loads its own "ci" profile,
# derandomized, when CI is set), so a landing never fails on an example no run met before;
# elsewhere (a developer's `make test`) new random examples every run; `make explore` tries
# many more. An edge case found is fixed and kept as an @example, so CI holds it from then on.
settings.register_profile("explore", max_examples=2000, derandomize=False)
if os.environ.get("HYPOTHESIS_PROFILE"):
    settings.load_profile(os.environ["HYPOTHESIS_PROFILE"])

RULES_DIR = data_dir("rules")
# The data contract, kept in the project: stored answers and exports depend on its ids.
SPEC = Path(__file__).resolve().parents[1] / "docs" / "spec" / "questionnaire.md"

# The catalogue's example answers (Question.example) and what these tests add to them: the
# optional questions answered and a health factor, so a new question changes nothing here.
COMPLETE_ANSWERS: dict[str, Any] = prune(with_examples({
    "imaging_within_12_months": "yes",
    "health_factors": ["smoking"],
    "goals": ["less_pain"],
}))
# Every answer that is an emergency on its own: each emergency value, and each pair of urgent
# values that is one together (spinal-cord signs with a fever, or with an infection risk).
EMERGENCY_ANSWERS: list[list[str]] = [[value] for value in sorted(EMERGENCY_VALUES)] + [
    [value, partner] for value, partners in EMERGENCY_PAIRS for partner in sorted(partners)]
# Urgent flags that are no emergency beside any other: each brings guidance of its own
# (a prompt medical review), so an emergency answer that also ticks them shows only the
# emergency topics when, and only when, the emergency stop works.
QUIET_URGENT: list[str] = sorted(URGENT_VALUES - {
    flag for value, partners in EMERGENCY_PAIRS for flag in (value, *partners)})
# With a past surgery every step is asked, its follow-up page included.
EVERY_STEP_ANSWERS: dict[str, Any] = prune(with_examples(COMPLETE_ANSWERS | {
    "prior_surgery": "one"}))


@pytest.fixture(scope="session")
def ruleset() -> RuleSet:
    return load_ruleset(RULES_DIR)


@pytest.fixture
def answers() -> dict[str, Any]:
    """A complete, valid answer set that reaches the MISS discussion."""
    return copy.deepcopy(COMPLETE_ANSWERS)


MINIMAL_TOPIC = """
topics:
  - id: talk
    category: discuss
    title: {en: Talk with a specialist}
    body: {en: A specialist can tell you more.}
    sources: [NICE NG59]
"""


@pytest.fixture
def write_rules(tmp_path: Path) -> Callable[..., Path]:
    """Write YAML files (name -> text) into a fresh rules directory and return it."""

    def write(files: dict[str, str] | None = None, rules: str | None = None) -> Path:
        directory = tmp_path / "rules"
        directory.mkdir(exist_ok=True)
        files = dict(files or {})
        if rules is not None:
            files.setdefault("topics.yaml", MINIMAL_TOPIC)
            files["rules.yaml"] = rules
        for name, text in files.items():
            (directory / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
        return directory

    return write


class HypothesisChooser:
    """Choices drawn by Hypothesis, so failures shrink to a small answer set."""

    def __init__(self, draw: st.DrawFn) -> None:
        self.draw = draw

    def flip(self) -> bool:
        return self.draw(st.booleans())

    def number(self, low: int, high: int) -> int:
        return self.draw(st.integers(low, high))

    def one(self, options) -> str:
        return self.draw(st.sampled_from(list(options)))

    def some(self, options) -> list[str]:
        return self.draw(st.lists(st.sampled_from(list(options)), min_size=1, unique=True))


@st.composite
def answer_sets(draw: st.DrawFn) -> dict[str, Any]:
    """Any answer set a person could give, built from the catalogue in step order."""
    return answer_set(HypothesisChooser(draw))


@pytest.fixture(autouse=True)
def usage_database(tmp_path, monkeypatch) -> str:
    """Each test's usage counts in its own SQLite file, never the instance folder."""
    url = f"sqlite:///{tmp_path / 'usage.sqlite3'}"
    monkeypatch.setenv("SCREENER_DATABASE_URL", url)
    return url


@pytest.fixture
def app():
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "test",
                       "RATELIMIT_ENABLED": False})


@pytest.fixture
def client(app):
    return app.test_client()


def form_encode(answers: dict[str, Any]) -> dict[str, Any]:
    """Answers as a browser would post them: lists as repeated fields, numbers as text."""
    return {k: [str(x) for x in v] if isinstance(v, list) else str(v) for k, v in answers.items()}


class WizardActions:
    """Walks the patient flow the way a person does: one page (one question) at a time."""

    def __init__(self, client) -> None:
        self.client = client

    def answer(self, page_id: str, answers: dict[str, Any], returning: bool = False):
        url = f"/step/{page_id}" + ("?return=review" if returning else "")
        page = PAGE_BY_ID[page_id]
        posted = {k: v for k, v in page_answers(page, answers).items() if k in page.questions}
        return self.client.post(url, data=form_encode(posted))

    def shown_again(self, response):
        """A refused post comes back by GET (Post/Redirect/Get), as the patient then sees
        it: the same page, its messages and what was chosen (422: the page has errors)."""
        assert response.status_code == 303, response.status_code
        again = self.client.get(response.location)
        assert again.status_code == 422, again.status_code
        return again

    def answer_red_flags(self, red_flags: list[str], returning: bool = False):
        """Send the red-flag pages in order, each with its part of ``red_flags``, until the
        flow leaves them (the emergency result, the urgent card, the age page); returns
        the last response."""
        response = None
        for page in RED_FLAG_PAGES:
            response = self.answer(page.id, {"red_flags": red_flags}, returning)
            if not (response.status_code == 302
                    and response.location.startswith("/step/urgent-")):
                break
        return response

    def answer_until(self, page_id: str, answers: dict[str, Any]) -> None:
        """Answer, in order, every page before ``page_id``; each must be accepted."""
        for page in PAGES[: PAGES.index(PAGE_BY_ID[page_id])]:
            response = self.answer(page.id, answers)
            assert response.status_code == 302, (page.id, response.get_data(as_text=True)[:500])

    def complete(self, answers: dict[str, Any]):
        """Answer every page that applies, in order; returns the last response."""
        response = None
        for page in visible_pages(answers):
            response = self.answer(page.id, answers)
            assert response.status_code == 302, (page.id, response.get_data(as_text=True)[:2000])
        return response

    def session_answers(self) -> dict[str, Any]:
        with self.client.session_transaction() as session:
            return dict(session.get("answers", {}))


@pytest.fixture
def wizard(client) -> WizardActions:
    return WizardActions(client)


@pytest.fixture(scope="session")
def tls(tmp_path_factory) -> Tls:
    """A CA and a certificate for 127.0.0.1 and localhost, made for this test run."""
    return make_tls(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, tls):
    """The real app under gunicorn over HTTPS on loopback; yields (base URL, its log)."""
    folder = tmp_path_factory.mktemp("gunicorn")
    served = start_gunicorn(folder, tls, CLINIC_PHONE="555 0100",
                            DATABASE_URL=f"sqlite:///{folder / 'usage.sqlite3'}")
    yield served.base, served.log
    served.stop()


@pytest.fixture
def https(tls):
    """A ``requests`` session that trusts the test CA, as a browser trusts a real one."""
    import requests

    with requests.Session() as session:
        session.trust_env = False  # else REQUESTS_CA_BUNDLE overrides ``verify``
        session.verify = str(tls.ca)
        yield session


@pytest.fixture(scope="session")
def behind_nginx(tmp_path_factory, tls):
    """nginx terminating TLS in front of gunicorn on plain HTTP, as the README deploys it."""
    require("nginx", "nginx")
    folder = tmp_path_factory.mktemp("proxied")
    app = start_gunicorn(folder, None, PROXY_COUNT="1", CLINIC_PHONE="555 0100",
                         DATABASE_URL=f"sqlite:///{folder / 'usage.sqlite3'}")
    proxy = start_nginx(folder, app.base.removeprefix("http://"), tls)
    yield proxy.base, app.log
    proxy.stop()
    app.stop()


def require(binary: str, package: str) -> None:
    """A Debian server the tests start: in CI it must be there; elsewhere its tests skip."""
    import os
    import shutil

    if shutil.which(binary) or os.path.exists(f"/usr/sbin/{binary}"):
        return
    if os.environ.get("CI"):
        pytest.fail(f"Debian's {package} is missing: CI must run these tests")
    pytest.skip(f"Debian's {package} is not installed (apt-get install {package})")


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """A real redis-server on loopback for the shared rate limit."""
    require("redis-server", "redis-server")
    served = start_redis(tmp_path_factory.mktemp("redis"))
    yield served.base
    served.stop()


@pytest.fixture(scope="session")
def handoff_server(tmp_path_factory, tls):
    """gunicorn over HTTPS with the clinic handoff on, over a migrated SQLite file."""
    folder = tmp_path_factory.mktemp("handoff-server")
    served, _ = start_handoff_server(folder, tls)
    yield served.base, served.log
    served.stop()


# The clinic handoff: a real PostgreSQL started for the session, SQLite files per test.

TEST_DATA_KEYS = ("daxRb00GNX26P-gHaiaNtCiI1tGgiJaG2N0O3gAUc-U=",
                  "MUiKEKp8NZj5hPM-T6YyYNyn82Oromq9u0R7r246jUs=")
HANDOFF_CONFIG = {"TESTING": True, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "test-" + "k" * 40,
                  "RATELIMIT_ENABLED": False, "HANDOFF": True,
                  "DATA_KEYS": TEST_DATA_KEYS[0], "CLINIC_NAME": "Riverside Spine",
                  "CLINIC_PHONE": "555 0100"}
_databases = __import__("itertools").count()


@pytest.fixture(scope="session")
def postgres():
    """A real PostgreSQL on loopback for the whole session, with a migrated template."""
    import os

    from screener.store.db import make_engine, upgrade
    from screener.store.localpg import LocalPostgres, server_bin

    if server_bin() is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is missing: CI must run the PostgreSQL tests")
        pytest.skip("PostgreSQL server binaries are not installed (apt-get install postgresql)")
    server = LocalPostgres().start()
    engine = make_engine(server.create_database("screener_template"))
    upgrade(engine)
    engine.dispose()
    yield server
    server.stop()


def _sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'handoff' / 'screener.db'}"


def migrated_sqlite(folder: Path) -> str:
    """The URL of a SQLite file in ``folder`` migrated as ``screener db upgrade`` does."""
    from screener.store.db import make_engine, upgrade

    url = f"sqlite:///{folder / 'screener.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


def start_handoff_server(folder: Path, tls: Tls, **settings: str) -> tuple[Any, str]:
    """gunicorn over HTTPS with the handoff on over a migrated SQLite file in ``folder``;
    (the server, the database URL)."""
    url = migrated_sqlite(folder)
    served = start_gunicorn(folder, tls, HANDOFF="true", DATABASE_URL=url,
                            DATA_KEYS=TEST_DATA_KEYS[0], CLINIC_NAME="Riverside Spine",
                            CLINIC_PHONE="555 0100", **settings)
    return served, url


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request) -> str:
    return request.param


@pytest.fixture
def empty_database_url(backend, request, tmp_path) -> str:
    """A database with no schema yet, on each backend."""
    if backend == "sqlite":
        return _sqlite_url(tmp_path)
    return request.getfixturevalue("postgres").create_database(f"empty_{next(_databases)}")


@pytest.fixture
def database_url(backend, request, tmp_path) -> str:
    """A migrated, empty database on each backend."""
    if backend == "sqlite":
        return migrated_sqlite(tmp_path / "handoff")
    return request.getfixturevalue("postgres").create_database(
        f"test_{next(_databases)}", template="screener_template")


def app_maker(config: dict[str, Any], database_url: str):
    """A generator for a fixture that builds apps of ``config`` over one database, as many
    as a test asks for (``make(**overrides)``), and closes their engines after."""
    apps = []

    def make(**overrides: Any):
        app = create_app(config | {"DATABASE_URL": database_url} | overrides)
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["screener.store"].dispose()


@pytest.fixture
def make_handoff_app(database_url):
    """Build apps with the handoff on over this test's database; engines closed after."""
    yield from app_maker(HANDOFF_CONFIG, database_url)


@pytest.fixture
def handoff_app(make_handoff_app):
    return make_handoff_app()


@pytest.fixture
def submissions(handoff_app):
    return handoff_app.extensions["screener.store"].submissions


# The staff area: accounts made through the real setup path, over the handoff's database.


@pytest.fixture
def staff_app(make_handoff_app):
    return make_handoff_app()


@pytest.fixture
def store(staff_app):
    return staff_app.extensions["screener.store"]


@pytest.fixture
def nurse(staff_app):
    return make_person(staff_app, "nurse@riverside.example", "nurse")


@pytest.fixture
def admin(staff_app):
    return make_person(staff_app, "admin@riverside.example", "admin")


@pytest.fixture
def nurse_client(staff_app, nurse):
    client = staff_app.test_client()
    sign_in(client, nurse)
    return client


@pytest.fixture
def admin_client(staff_app, admin):
    client = staff_app.test_client()
    sign_in(client, admin)
    return client


@pytest.fixture
def sent(store):
    """Submissions as patients send them: one routine, one with urgent symptoms."""
    from datetime import UTC, datetime, timedelta

    from screener.store.submissions import Contact, NewSubmission

    def make(n: int, urgent: bool = False, age_days: int = 0, name: str = "Ana Lopez"):
        new = NewSubmission(
            answers=dict(COMPLETE_ANSWERS), urgent=urgent,
            contact=Contact(name, "555 010 1234", "morning"), note="Mornings are best",
            language="en", ruleset_version="2026.12+old", consent_version="2026-12-1",
            guidance=("discuss-miss", "retired-topic"))
        sid, code, _ = store.submissions.create(
            new, f"{n:032d}", 30, datetime.now(UTC) - timedelta(days=age_days))
        return sid, code

    return make


# A real SMTP server on loopback (aiosmtpd) that keeps what it receives.


class Inbox(Message):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[Any] = []

    def handle_message(self, message: Any) -> None:
        self.messages.append(message)


@pytest.fixture
def smtp_port() -> int:
    from .servers import free_port

    return free_port()


def cron_env(monkeypatch, database_url: str, smtp_port: int) -> None:
    """Set the environment ``screener notify`` runs with from cron: the handoff's database
    and keys, the mail server and the staff address (after the app is made, so the app
    itself sends nothing)."""
    for name, value in {"DATABASE_URL": database_url, "DATA_KEYS": TEST_DATA_KEYS[0],
                        "SECRET_KEY": HANDOFF_CONFIG["SECRET_KEY"],
                        "SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
                        "NOTIFY_EMAIL": "intake@clinic.example",
                        "STAFF_URL": "https://clinic.example/staff/"}.items():
        monkeypatch.setenv(f"SCREENER_{name}", value)


@pytest.fixture
def inbox(smtp_port):
    from aiosmtpd.controller import Controller

    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    yield handler
    controller.stop()


class Clock:
    """The session's clock, moved by the test instead of by waiting."""

    def __init__(self, monkeypatch) -> None:
        self.now = 1_800_000_000.0
        monkeypatch.setattr(state.time, "time", lambda: self.now)

    def advance(self, minutes: float) -> None:
        self.now += minutes * 60


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """The patient session's clock, for idle and total time limits."""
    return Clock(monkeypatch)
