"""Where the shipped rules, templates and static files are.

In a checkout they sit at the top of the repository, where content owners edit them; an
installed wheel carries them inside the package under ``_data``. Both layouts resolve here
so nothing else needs to know which one it runs from.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """The directory ``name`` (rules, templates or static) of this installation."""
    installed = _PACKAGE / "_data" / name
    if installed.is_dir():
        return installed
    return _PACKAGE.parent / name
