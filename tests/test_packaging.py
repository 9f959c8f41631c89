"""A plain (non-editable) install carries the rules, templates and static files."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from screener.engine.loader import load_ruleset

from .conftest import RULES_DIR

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_installs_into_a_fresh_venv_and_finds_its_data(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                    str(tmp_path), str(ROOT)], check=True)
    wheel = next(tmp_path.glob("miss_spine_screener-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "screener/_data/rules/rules.yaml" in names
    assert "screener/_data/rules/tests/scenarios.yaml" in names
    assert any(n.startswith("screener/_data/templates/") for n in names)
    assert "screener/_data/rules/VERSION" in names
    assert "screener/store/migrations/env.py" in names
    assert "screener/store/migrations/versions/0001_submissions.py" in names

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([venv / "bin" / "pip", "install", "-q", str(wheel)], check=True)
    check = subprocess.run([venv / "bin" / "screener", "rules", "check"], cwd=tmp_path,
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    shipped = load_ruleset(RULES_DIR)
    assert f"_data/rules: {len(shipped.rules)} rules" in check.stdout
    assert "screener/_data/rules/references.yaml" in names
    probe = subprocess.run(
        [venv / "bin" / "python", "-c",
         "from screener.app import create_app; app = create_app({'TESTING': True}); "
         "print(app.jinja_loader.searchpath[0])"],
        cwd=tmp_path, capture_output=True, text=True)
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip().endswith("screener/_data/templates")
    for test_tool in ("pytest", "playwright", "hypothesis", "trustme"):
        missing = subprocess.run([venv / "bin" / "python", "-c", f"import {test_tool}"],
                                 capture_output=True)
        assert missing.returncode != 0, f"{test_tool} is not a runtime dependency"
