"""The core (catalogue, engine, exports) stands without the web side: importing it in a
fresh interpreter loads no Flask, so the CLI, the rule checks and other programs can use
it without an app (docs/architecture.md)."""

from __future__ import annotations

import subprocess
import sys

import pytest

CORE = ("screener.catalogue", "screener.engine", "screener.exports")


def loaded_after(imports: str) -> set[str]:
    """The top-level modules a fresh interpreter has loaded after ``imports``."""
    probe = (f"import sys, pkgutil\n{imports}\n"
             "print('\\n'.join(sorted({m.split('.')[0] for m in sys.modules})))")
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True)
    return set(run.stdout.split())


def every_core_module() -> str:
    """Import lines for every module of the core packages, found by walking them."""
    return (
        "import importlib\n"
        f"for name in {CORE!r}:\n"
        "    package = importlib.import_module(name)\n"
        "    for found in pkgutil.walk_packages(package.__path__, name + '.'):\n"
        "        importlib.import_module(found.name)"
    )


@pytest.mark.parametrize("imports", [
    pytest.param(every_core_module(), id="every-core-module"),
    pytest.param("import screener.catalogue.questions", id="catalogue.questions"),
])
def test_the_core_loads_no_flask(imports):
    loaded = loaded_after(imports)
    assert "screener" in loaded  # the probe did import something of ours
    assert not loaded & {"flask", "flask_babel", "flask_wtf", "werkzeug"}


def test_the_package_root_imports_nothing_of_its_own():
    loaded = loaded_after("import screener")
    assert "flask" not in loaded
    run = subprocess.run(
        [sys.executable, "-c", "import sys, screener; "
         "print(sorted(m for m in sys.modules if m.startswith('screener.')))"],
        capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"


def test_the_factory_lives_in_the_app_module():
    run = subprocess.run(
        [sys.executable, "-c", "from screener.app import create_app; "
         "print(create_app({'TESTING': True}).name)"],
        capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "screener"
