"""Shared fixtures: the real rule set, rule files written on the fly, complete answer sets,
the app and its client, and a WizardActions helper that walks the patient flow."""

from __future__ import annotations

import copy
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import strategies as st

from screener import create_app
from screener.answers import visible_steps
from screener.loader import RuleSet, load_ruleset
from screener.questions import STEP_BY_ID
from screener.resources import data_dir
from screener.sampling import answer_set

from .servers import Tls, make_tls, start_gunicorn, start_nginx, start_redis

RULES_DIR = data_dir("rules")
# The data contract, kept in the project: stored answers and exports depend on its ids.
SPEC = Path(__file__).resolve().parents[1] / "docs" / "spec" / "questionnaire.md"

COMPLETE_ANSWERS: dict[str, Any] = {
    "red_flags": ["none"],
    "diagnosis": ["herniated_disc"],
    "imaging": ["mri"],
    "imaging_within_12_months": "yes",
    "main_symptom": "leg_pain",
    "symptom_duration": "3_to_6_months",
    "pain_score": 6,
    "daily_impact": "moderate",
    "treatments_tried": ["physical_therapy", "medication"],
    "treatment_duration": "6_to_12_weeks",
    "treatment_result": "no_relief",
    "prior_surgery": "none",
    "age_band": "40_59",
    "health_factors": ["smoking"],
    "goals": ["less_pain"],
    "surgery_preference": "open_to_it",
}


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
    """Walks the patient flow the way a person does: one step at a time."""

    def __init__(self, client) -> None:
        self.client = client

    def answer(self, step_id: str, answers: dict[str, Any], returning: bool = False):
        url = f"/step/{step_id}" + ("?return=review" if returning else "")
        step = STEP_BY_ID[step_id]
        posted = {k: v for k, v in answers.items() if k in step.questions}
        return self.client.post(url, data=form_encode(posted))

    def complete(self, answers: dict[str, Any]):
        """Answer every step that applies, in order; returns the last response."""
        response = None
        for step in visible_steps(answers):
            response = self.answer(step.id, answers)
            assert response.status_code == 302, (step.id, response.get_data(as_text=True)[:2000])
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
