"""The patient's answers in the signed session cookie, read defensively.

Nothing is stored on the server. A cookie that is missing, expired, from an older version
or otherwise unusable reads as "no state", and the flow restarts politely.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, session
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer

from ..answers import AnswersError, validate_answers
from ..questions import STEP_BY_ID

STATE_VERSION = 1


class SignedCookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the signer built once per app.

    Flask builds a new serializer for every request (about 4 µs, twice when the session
    changes); the key and settings are fixed for the life of the app.
    """

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        signer = app.extensions.get("screener.session_signer")
        if signer is None:
            signer = super().get_signing_serializer(app)
            app.extensions["screener.session_signer"] = signer
        return signer


def load_state() -> tuple[dict[str, Any], list[str]] | None:
    """(answers, steps done), or None when there is no usable state."""
    if session.get("v") != STATE_VERSION:
        return None
    done = session.get("done")
    if not isinstance(done, list) or not all(isinstance(d, str) and d in STEP_BY_ID
                                             for d in done):
        return None
    try:
        answers = validate_answers(session.get("answers"), complete=False)
    except AnswersError:
        return None
    return answers, done


def save_state(answers: dict[str, Any], done: list[str]) -> None:
    session["answers"] = answers
    session["done"] = sorted(set(done))
    session["v"] = STATE_VERSION
    session.permanent = True


def clear_state() -> None:
    """Forget everything but the chosen language."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
