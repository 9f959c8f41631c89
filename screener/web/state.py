"""The patient's answers in an encrypted session cookie that lasts as long as the browser.

Nothing is stored on the server. The cookie is encrypted and authenticated (Fernet:
AES-128-CBC with HMAC-SHA256, from ``cryptography``; not compressed, so its length tells
nothing of the CSRF secret inside), so no answer can be read from a
browser's cookie store or a copied header. It has no expiry date (it ends when the browser
closes) and carries the time it was started and last used: past ``SESSION_IDLE_MINUTES``
without activity, or ``SESSION_MAX_MINUTES`` in all, the app drops it, so a copied or
left-behind cookie is worthless once idle. A cookie that is missing, tampered with, from
another key or an older version reads as "no state", and the flow restarts politely.

Keys: ``SESSION_KEYS`` (Fernet keys, space-separated; the first encrypts, all decrypt), or
else keys derived from ``SECRET_KEY`` and Flask's ``SECRET_KEY_FALLBACKS``. Either way, a
new key first and the old one after it rotates keys without logging anyone out.
"""

from __future__ import annotations

import base64
import time
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Flask, Request, Response, session
from flask.sessions import SecureCookieSession, SessionInterface, session_json_serializer

from ..catalogue.questions import PAGE_BY_ID
from ..service.screening import Progress
from .extensions import screening

STATE_VERSION = 3  # 3: the red flags over three pages, age second; 2: pages, not steps
STATIC_PREFIX = "/static/"
STAFF_PREFIX = "/staff"
STAFF_COOKIE = "screener_staff"


class CookieSession(SecureCookieSession):
    """A session that knows whether the one before it was dropped for being idle, and
    whether it is the staff area's (its own cookie, path and limits) or a patient's."""

    timed_out = False
    started: float | None = None
    staff = False


def is_staff_path(path: str) -> bool:
    return path == STAFF_PREFIX or path.startswith(STAFF_PREFIX + "/")


def session_keys(app: Flask) -> MultiFernet:
    """The cookie keys, newest first: ``SESSION_KEYS``, else derived from the secrets."""
    explicit = app.config["SESSION_KEYS"]
    if explicit:
        return MultiFernet([Fernet(key) for key in explicit])
    secrets = [app.config["SECRET_KEY"], *app.config["SECRET_KEY_FALLBACKS"]]
    return MultiFernet([Fernet(_derive(secret)) for secret in secrets])


def _derive(secret: str | bytes) -> bytes:
    material = secret.encode() if isinstance(secret, str) else secret
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=b"screener session cookie").derive(material)
    return base64.urlsafe_b64encode(key)


class EncryptedCookieSessions(SessionInterface):
    """Flask sessions in an encrypted cookie with idle and absolute time limits."""

    session_class = CookieSession

    def _keys(self, app: Flask) -> MultiFernet:
        keys = app.extensions.get("screener.session_keys")
        if keys is None:
            keys = app.extensions["screener.session_keys"] = session_keys(app)
        return keys

    def _new(self, staff: bool, data: dict[str, Any] | None = None) -> CookieSession:
        made = self.session_class(data or {})
        made.staff = staff
        return made

    def open_session(self, app: Flask, request: Request) -> CookieSession:
        if request.path.startswith(STATIC_PREFIX):
            return self.session_class()  # never read, never written: static files cache
        staff = is_staff_path(request.path)
        if "HTTP_COOKIE" not in request.environ:
            return self._new(staff)  # no cookies at all (API clients): nothing to parse
        token = request.cookies.get(STAFF_COOKIE if staff else self.get_cookie_name(app))
        if not token:
            return self._new(staff)
        try:
            payload = session_json_serializer.loads(
                self._keys(app).decrypt(token.encode("ascii")))
            data, started, last = payload["d"], float(payload["s"]), float(payload["t"])
            if not isinstance(data, dict) or payload.get("a") != ("staff" if staff else None):
                raise ValueError("not a session of this area")
        except (InvalidToken, ValueError, KeyError, TypeError, UnicodeError):
            return self._new(staff)
        now = time.time()
        prefix = "STAFF_SESSION" if staff else "SESSION"
        if (now - last > 60 * app.config[f"{prefix}_IDLE_MINUTES"]
                or now - started > 60 * app.config[f"{prefix}_MAX_MINUTES"]):
            dropped = self._new(staff, {"lang": data["lang"]} if "lang" in data else {})
            dropped.timed_out = True
            dropped.modified = True
            return dropped
        opened = self._new(staff, data)
        opened.started = started
        return opened

    def save_session(self, app: Flask, session: CookieSession, response: Response) -> None:
        if session.staff:
            self._save_staff(app, session, response)
            return
        if not session and not session.modified and not session.timed_out:
            return  # nothing held, nothing to clear: API calls and first visits
        name = self.get_cookie_name(app)
        domain = self.get_cookie_domain(app)
        path = self.get_cookie_path(app)
        if shared_cacheable(response):
            return
        if not session:
            if session.modified or session.timed_out:
                response.delete_cookie(name, domain=domain, path=path,
                                       secure=self.get_cookie_secure(app),
                                       partitioned=self.get_cookie_partitioned(app),
                                       samesite=self.get_cookie_samesite(app),
                                       httponly=self.get_cookie_httponly(app))
                response.vary.add("Cookie")
            return
        # Every page view renews the cookie, which is what moves the idle clock on.
        now = time.time()
        payload = {"d": dict(session), "s": session.started or now, "t": now}
        token = self._keys(app).encrypt(session_json_serializer.dumps(payload).encode())
        response.set_cookie(name, token.decode("ascii"), domain=domain, path=path,
                            secure=self.get_cookie_secure(app),
                            partitioned=self.get_cookie_partitioned(app),
                            samesite=self.get_cookie_samesite(app),
                            httponly=self.get_cookie_httponly(app))
        response.vary.add("Cookie")

    def _save_staff(self, app: Flask, session: CookieSession, response: Response) -> None:
        """The staff cookie: its own name, only sent to /staff, never to a frame."""
        options = {"path": STAFF_PREFIX, "secure": self.get_cookie_secure(app),
                   "samesite": "Strict", "httponly": True}
        if not session:
            if session.modified or session.timed_out:
                response.delete_cookie(STAFF_COOKIE, **options)  # type: ignore[arg-type]
            return
        now = time.time()
        payload = {"d": dict(session), "s": session.started or now, "t": now, "a": "staff"}
        token = self._keys(app).encrypt(session_json_serializer.dumps(payload).encode())
        response.set_cookie(STAFF_COOKIE, token.decode("ascii"), **options)  # type: ignore[arg-type]


def shared_cacheable(response: Response) -> bool:
    """A response a shared cache may keep never carries the session."""
    return bool(response.cache_control.public)


def load_state() -> Progress | None:
    """(answers, pages done), or None when there is no usable state."""
    if session.get("v") != STATE_VERSION:
        return None
    done = session.get("done")
    if not isinstance(done, list) or not all(isinstance(d, str) and d in PAGE_BY_ID
                                             for d in done):
        return None
    return screening().resume(session.get("answers"), done)


def save_state(answers: dict[str, Any], done: list[str]) -> None:
    session["answers"] = answers
    session["done"] = sorted(set(done))
    session["v"] = STATE_VERSION


# A saved screening's return code ("saved_for_later", web/saving.py) outlives a clear: it
# leaves by its own "I have my code" button or after 15 minutes, never by a stray click.
KEPT_ON_CLEAR = ("lang", "_flashes", "saved_for_later")


def clear_state() -> None:
    """Forget everything but the chosen language and the notes still to be shown."""
    kept = {key: session[key] for key in KEPT_ON_CLEAR if key in session}
    session.clear()
    session.update(kept)
