"""The Makefile's promises: trying or serving the screener installs no test tool (a fresh
clone's ``make run`` once built a 527 MB environment with Playwright, schemathesis and
ruff); ``make test`` installs them. Read from ``make -n`` against a fresh environment
folder, so nothing is installed."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def planned(target: str, venv: Path, **variables: str) -> list[str]:
    """The commands ``make TARGET`` would run on a fresh clone (no environment yet)."""
    settings = [f"{name}={value}" for name, value in variables.items()]
    done = subprocess.run(["make", "-n", target, f"VENV={venv}", *settings], cwd=ROOT,
                          capture_output=True, text=True, timeout=60, check=True)
    return done.stdout.splitlines()


def installs(commands: list[str]) -> list[str]:
    return [line for line in commands if " install " in line and "/pip " in line]


@pytest.mark.parametrize("target", ["run", "demo", "serve"])
def test_trying_or_serving_installs_the_runtime_dependencies_only(target, tmp_path):
    steps = installs(planned(target, tmp_path / ".venv"))
    assert steps and all("[test]" not in line for line in steps), steps


def test_the_tests_install_the_test_tools(tmp_path):
    assert any('".[test]"' in line for line in installs(planned("test", tmp_path / ".venv")))


@pytest.mark.parametrize("target", ["run", "demo"])
def test_host_and_port_are_chosen_on_the_command_line(target, tmp_path):
    commands = planned(target, tmp_path / ".venv", HOST="0.0.0.0", PORT="8123")
    assert any("--host 0.0.0.0 --port 8123" in line for line in commands)


@pytest.mark.parametrize(("environment", "derandomized"), [
    ({"CI": "true"}, True), ({}, False), ({"CI": "true", "HYPOTHESIS_PROFILE": "explore"}, False),
])
def test_ci_runs_the_same_property_examples_every_time(environment, derandomized):
    """CI (``.ci/run`` sets CI) must not fail on an example no earlier run met; a
    developer's run and ``make explore`` still look for new ones."""
    import os
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("CI", "HYPOTHESIS_PROFILE")}
    shown = subprocess.run(
        [sys.executable, "-c", "import tests.conftest; from hypothesis import settings; "
                               "print(settings.default.derandomize)"],
        cwd=ROOT, env=env | environment, capture_output=True, text=True, timeout=120,
        check=True)
    assert shown.stdout.strip() == str(derandomized)


def test_make_explore_runs_every_property_test_file(tmp_path):
    command = next(line for line in planned("explore", tmp_path / ".venv")
                   if "HYPOTHESIS_PROFILE=explore" in line)
    files = {p.name for p in (ROOT / "tests").glob("test_*.py") if "@given" in p.read_text()}
    assert files and all(name in command for name in files)
