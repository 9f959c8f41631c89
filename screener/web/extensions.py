"""The Flask extensions and services the app holds, for the views to reach.

Created unbound here and bound to the app by the factory (screener/app.py), so the
views import them without importing the factory.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import Babel
from flask_wtf import CSRFProtect

from ..service.screening import Screening

csrf = CSRFProtect()
babel = Babel()


def screening() -> Screening:
    """The running app's screening service (built once, in the factory)."""
    return current_app.extensions["screener.screening"]
