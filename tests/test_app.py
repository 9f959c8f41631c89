"""The app object: Flask, with the coroutine check of each view and hook made once."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from screener import ScreenerApp


def test_a_sync_function_runs_as_it_is_and_is_looked_at_once(app):
    def view() -> str:
        return "ok"

    assert isinstance(app, ScreenerApp)
    assert app.ensure_sync(view) is view
    assert app.ensure_sync(view) is app.ensure_sync(view)


def test_a_coroutine_function_is_treated_as_flask_treats_it(app):
    async def view() -> str:
        return "ok"

    try:
        expected = Flask.ensure_sync(app, view)
    except RuntimeError as refused:  # Flask without its async extra
        with pytest.raises(RuntimeError, match=re.escape(str(refused))):
            app.ensure_sync(view)
    else:
        assert expected is not view and app.ensure_sync(view)() == "ok"
