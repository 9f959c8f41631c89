"""The staff area under /staff: sign-in with a second factor, the worklist, the call, and
(for admins) accounts, the audit log and usage counts.

Only there when the clinic has switched the handoff on (else every page is a 404 that says
so and where the setting is explained). Every
page but sign-in and account setup needs a signed-in account; admin pages need the admin
role. The staff session is its own cookie (``state.STAFF_COOKIE``, path /staff, 15 minutes
idle, 8 hours in all), and holds the account id with its ``session_version``, so signing
out, a reset or a disabled account ends every session of that account at once, copies of
the cookie included. Every view, edit, export and change is audited.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    g,
    render_template,
    request,
    session,
)
from flask_babel import gettext, refresh
from flask_login import LoginManager, UserMixin, current_user
from sqlalchemy.exc import SQLAlchemyError

from ...clinictime import clinic_time, in_zone
from ...exports.nurse import answer_text
from ...store.accounts import Staff
from ...store.service import Store, current_store
from ..locale import current_locale, offered_locales
from ..state import is_staff_path
from .refusals import unreadable_reason

log = logging.getLogger("screener.staff")
bp = Blueprint("staff", __name__, url_prefix="/staff")
login_manager = LoginManager()
login_manager.login_view = "staff.sign_in"
login_manager.login_message = "Sign in to continue."
login_manager.session_protection = "strong"

# Reachable without an account; everything else needs one.
OPEN_ENDPOINTS = {"staff.sign_in", "staff.second_factor", "staff.setup"}
View = TypeVar("View", bound=Callable[..., Any])


class StaffUser(UserMixin):
    """The signed-in account; its id carries the session version it was made under."""

    def __init__(self, staff: Staff) -> None:
        self.staff = staff

    def get_id(self) -> str:
        return f"{self.staff.id}.{self.staff.session_version}"

    @property
    def is_admin(self) -> bool:
        return self.staff.is_admin


@login_manager.user_loader
def load_user(user_id: str) -> StaffUser | None:
    account_id, _, version = user_id.partition(".")
    staff = store().accounts.get(account_id)
    if staff is None or staff.state != "active" or str(staff.session_version) != version:
        return None
    return StaffUser(staff)


def store() -> Store:
    return current_store(current_app)


def me() -> Staff:
    return current_user.staff  # type: ignore[no-any-return]


def admin_only(view: View) -> View:
    """The view for administrators only: 403 for anyone else. (Who is not signed in at
    all is sent to sign in first, by ``guard``.)"""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not (current_user.is_authenticated and current_user.is_admin):
            abort(403)
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


@bp.before_request
def staff_language() -> Any:
    """Staff pages in the staff member's language (their setting, else the clinic's first);
    with the handoff off, a page that says so instead of a 404 that links to itself."""
    if not current_app.config.get("HANDOFF"):
        return render_template("staff/handoff_off.html"), 404
    chosen = current_user.staff.language if current_user.is_authenticated else None
    offered = offered_locales()
    g.staff_language = chosen if chosen in offered else offered[0]
    refresh()
    return None


def staff_locale() -> str:
    """The language the nurse reads in (the staff pages' language)."""
    return str(g.get("staff_language") or current_locale())


@bp.before_request
def say_staff_timed_out() -> None:
    """Before the guard sends a timed-out person to sign in: the note goes with them.
    A hook of the blueprint, so patient and API requests do not pay for it."""
    if getattr(session, "timed_out", False):
        flash(gettext("You were signed out after a time without activity. Sign in again."))


@bp.before_request
def guard() -> Any:
    """The staff area is there only with the handoff, and only for someone signed in
    (its sign-in pages aside); ``admin_only`` adds the role, view by view."""
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


@bp.errorhandler(SQLAlchemyError)
def database_down(exc: SQLAlchemyError) -> Any:
    """The database is unreachable or busy: say so, never a 500; nothing was half-saved."""
    log.warning("Staff area: database unavailable (%s)", type(exc).__name__)
    g._login_user = login_manager.anonymous_user()  # the page must not ask the database
    return render_template(
        "staff/error.html", title=gettext("The database cannot be reached"),
        text=gettext("Nothing was changed. Try again in a minute; if it goes on, tell the "
                     "person who runs the screener.")), 503


@bp.after_request
def never_kept(response: Any) -> Any:
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.app_context_processor
def staff_values() -> dict[str, Any]:
    if not is_staff_path(request.path):
        return {}
    if not current_app.config.get("HANDOFF"):  # no accounts to look up
        return {"staff_user": None}
    signed_in = current_user.is_authenticated
    return {"staff_user": current_user.staff if signed_in else None}


@bp.after_request
def remember_cookie(response: Any) -> Any:
    """Flask-Login's remember-me upkeep, for the one area that signs people in."""
    return login_manager._update_remember_cookie(response)


def init_staff(app: Flask) -> None:
    """Flask-Login for the staff area only: its hooks would otherwise run on every
    patient page and API call, where no one signs in (no template outside the staff
    area reads ``current_user``)."""
    login_manager.init_app(app, add_context_processor=False)
    app.after_request_funcs[None].remove(login_manager._update_remember_cookie)
    app.jinja_env.globals["staff_answer"] = lambda qid, value: answer_text(
        qid, value, staff_locale())
    app.jinja_env.filters["clinic_time"] = staff_time
    app.jinja_env.filters["unreadable"] = unreadable_reason  # "key missing", translated


def staff_time(moment: datetime, seconds: bool = False) -> str:
    """A stored (UTC) moment on the clinic's clock with its zone: a nurse reading "18:35"
    must know whose 18:35 it is. Seconds for the audit log, where order within a minute
    matters."""
    zone = current_app.config.get("TIMEZONE") or "UTC"
    if not seconds:
        return clinic_time(moment, zone)
    local = in_zone(moment, zone)
    return f"{local:%Y-%m-%d %H:%M:%S} {local.tzname()}"


from . import admin, auth, work  # noqa: E402,F401  (the views register on bp)
