"""The systemd units a clinic installs (deploy/*.service, *.timer), as docs/deploy.md
installs them: each passes ``systemd-analyze verify`` with no warning, reads the one
settings file, runs as the system user and is confined."""

from __future__ import annotations

import configparser
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import require

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
UNITS = sorted(DEPLOY.glob("*.service")) + sorted(DEPLOY.glob("*.timer"))
SERVICES = [unit for unit in UNITS if unit.suffix == ".service"]
# Where docs/deploy.md puts the virtual environment; the test points it at this one.
INSTALLED_BIN = "/opt/screener/venv/bin/"
ENV_FILE = "/etc/screener/screener.env"
HARDENING = {
    "NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes",
    "PrivateTmp": "yes", "PrivateDevices": "yes", "ReadWritePaths": "/var/lib/screener",
    "RestrictSUIDSGID": "yes", "CapabilityBoundingSet": "",
}


def read_unit(path: Path) -> configparser.ConfigParser:
    unit = configparser.ConfigParser(strict=False, interpolation=None,
                                     comment_prefixes=("#", ";"))
    unit.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    unit.read(path)
    return unit


def test_the_app_the_purge_and_the_notify_retry_each_have_a_unit():
    assert {unit.name for unit in UNITS} >= {
        "screener.service", "screener-purge.service", "screener-purge.timer",
        "screener-notify.service", "screener-notify.timer"}


def test_every_unit_passes_systemd_analyze_verify(tmp_path):
    """With the virtual environment where the checklist puts it (here: this one), so the
    commands are checked to exist and be executable, as on the server."""
    require("systemd-analyze", "systemd")
    here = str(Path(sys.executable).parent) + "/"
    for unit in UNITS:
        (tmp_path / unit.name).write_text(unit.read_text().replace(INSTALLED_BIN, here))
    done = subprocess.run(["systemd-analyze", "verify", *sorted(map(str, tmp_path.iterdir()))],
                          capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout + done.stderr) == (0, "")


@pytest.mark.parametrize("path", SERVICES, ids=lambda path: path.name)
def test_each_service_reads_the_one_settings_file_as_the_system_user_confined(path):
    service = read_unit(path)["Service"]
    assert service["EnvironmentFile"] == ENV_FILE
    assert (service["User"], service["Group"]) == ("screener", "screener")
    assert service["ExecStart"].startswith(INSTALLED_BIN)
    assert {key: service.get(key) for key in HARDENING} == HARDENING


def test_the_app_runs_gunicorn_with_the_shipped_settings():
    start = read_unit(DEPLOY / "screener.service")["Service"]["ExecStart"]
    assert start == (INSTALLED_BIN + "gunicorn --config python:screener.gunicorn_conf "
                     "screener.wsgi:app")


@pytest.mark.parametrize("name, command", [("purge", "screener purge"),
                                           ("notify", "screener notify")])
def test_each_timer_starts_its_command(name, command):
    timer = read_unit(DEPLOY / f"screener-{name}.timer")
    assert timer["Install"]["WantedBy"] == "timers.target"
    assert timer.get("Timer", "Unit", fallback=f"screener-{name}.service") == (
        f"screener-{name}.service")
    start = read_unit(DEPLOY / f"screener-{name}.service")["Service"]["ExecStart"]
    assert start.removeprefix(INSTALLED_BIN).startswith(command)


def test_nothing_refers_to_the_old_settings_file():
    """The purge timer once read /etc/screener.env, which nothing defined."""
    texts = [path.read_text() for path in [*UNITS, ROOT / "README.md",
                                           *(ROOT / "docs").glob("*.md")]]
    assert not [text for text in texts if "/etc/screener.env" in text]
    assert all(ENV_FILE in path.read_text() for path in SERVICES)


def test_the_admin_command_runs_as_the_services_do():
    """``screener-admin`` (docs/deploy.md): the same settings file, user and install."""
    script = DEPLOY / "screener-admin"
    assert subprocess.run(["sh", "-n", str(script)], timeout=10).returncode == 0
    text = script.read_text()
    assert f". {ENV_FILE}" in text and "runuser -u screener --" in text
    assert INSTALLED_BIN + "screener" in text
