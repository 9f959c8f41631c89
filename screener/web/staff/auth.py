"""Signing in (password, then a TOTP or recovery code), signing out, and account setup.

The same message for a wrong email, a wrong password and a wrong code. Failures slow
down the next try of that email from that address (``throttle``), never the owner's from
another one. Every refused attempt (wrong password or code, throttled, over the
address's limit) is audited, naming the account when the email has one; never the
password or the code.
"""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime
from typing import Any

from flask import (
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext
from flask_login import login_user, logout_user
from werkzeug.exceptions import TooManyRequests

from ...i18n import N_
from ...staff import factors
from ...store.accounts import AccountError
from ...store.audit import Action
from ...store.reference import digest
from .. import refused
from ..clientkey import client_key
from ..links import local_path
from ..locale import offered_locales
from ..security import limit_client
from . import StaffUser, bp, me, store
from .forms import CodeForm, ConfirmForm, LanguageForm, SetupForm, SignInForm
from .refusals import account_refusal
from .throttle import Refusal, SignInThrottle

WRONG = N_("That email, password or code is not right. Check them and try again.")
USED = N_("That code was just used. Wait for the next one.")
CAPPED = N_("Too many failed sign-ins for this account. Sign in from a computer you have "
            "signed in from before, or ask an admin to reset your account.")
PENDING_SECONDS = 300
# A refused sign-in, code or setup post: its message, kept for the form's next GET.
REFUSED_SIGN_IN = "sign_in_refused"


def _throttle() -> SignInThrottle:
    config = current_app.config
    return SignInThrottle(current_app.extensions["screener.ratelimit"].storage,
                          config["STAFF_SIGN_IN_FAILURES"],
                          config["STAFF_SIGN_IN_MAX_FAILURES"])


def _client() -> str:
    return client_key(request.remote_addr)


def _refused(staff_id: str | None, why: str) -> None:
    store().audit.record(Action.FAILED_SIGN_IN, staff_id=staff_id, detail=why)


def _failed(email: str, step: str) -> None:
    """A wrong password or code: counted for the account and for this address."""
    counted = store().accounts.failed(email)
    _throttle().failed(email, _client())
    _refused(counted[0] if counted else None, step)


def _refusal(email: str) -> tuple[str | None, Refusal | None]:
    """(the account's id, if any; why this attempt may not be tried now, if so)."""
    found = store().accounts.failures(email)
    staff_id, failures = found if found else (None, 0)
    return staff_id, _throttle().refusal(email, _client(), failures)


def _refusal_message(refusal: Refusal) -> str:
    if refusal.reason == "capped":
        return gettext(CAPPED)
    return gettext("Too many tries from here. Try again in %(wait)s.",
                   wait=_duration(refusal.seconds))


def _duration(seconds: int) -> str:
    if seconds < 90:
        return gettext("%(num)s seconds", num=seconds)
    return gettext("%(num)s minutes", num=math.ceil(seconds / 60))


def _throttle_client(email: str | None, staff_id: str | None = None) -> None:
    """Always on, unlike the patient-side limits: it guards passwords, not load. Past the
    address's limit: 429, audited with the targeted account."""
    try:
        limit_client("staff-sign-in", current_app.config["STAFF_SIGN_IN_RATE_LIMIT"])
    except TooManyRequests:
        if staff_id is None and email:
            found = store().accounts.failures(email)
            staff_id = found[0] if found else None
        _refused(staff_id, "rate limit")
        raise


def _next_url() -> str:
    """Back to the staff page that asked for sign-in (Flask-Login's ``?next=``)."""
    wanted = local_path(request.args.get("next"), "")
    return wanted if wanted.startswith("/staff/") else url_for(".worklist")


def _keep_refusal(view: str, error: str, status: int, retry: int | None = None,
                  email: str = "", **args: Any) -> Response:
    """Post/Redirect/Get for a refused sign-in, code or setup: the message rides in the
    session to the form's own GET, once, so Back and reload never ask to send it again.
    Never a password or a code: the email (sign-in) and the message only."""
    refused.keep(REFUSED_SIGN_IN, view=view, error=error, status=status, retry=retry,
                 email=email[:254])
    return redirect(url_for(f".{view}", **args), 303)


def _kept_refusal(view: str) -> dict[str, Any]:
    """What ``_keep_refusal`` left for ``view`` (taken once), or nothing."""
    kept = refused.take(REFUSED_SIGN_IN)
    if kept is None or kept.get("view") != view or not isinstance(kept.get("error"), str):
        return {}
    return kept


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> Any:
    if request.method == "GET":
        kept = _kept_refusal("sign_in")
        email = kept.get("email")
        form = SignInForm(email=email if isinstance(email, str) else "")
        status = kept.get("status") if kept.get("status") in (401, 429) else 401
        retry = kept.get("retry")
        headers = ({"Retry-After": str(retry)} if status == 429 and isinstance(retry, int)
                   else {})
        return render_template("staff/sign_in.html", form=form, error=kept.get("error")), (
            status if kept else 200), headers
    form = SignInForm()
    refusal, status = None, 401
    _throttle_client(request.form.get("email", "")[:254])
    if form.validate():
        email = form.email.data or ""
        staff_id, refusal = _refusal(email)
        if refusal is not None:
            _refused(staff_id, refusal.reason)
            error, status = _refusal_message(refusal), 429
        else:
            staff = store().accounts.check_password(email, form.password.data or "")
            if staff is None:
                _failed(email, "password")
                error = gettext(WRONG)
            else:
                session.clear()
                session["staff_pending"] = {"id": staff.id, "email": staff.email,
                                            "at": time.time()}
                return redirect(url_for(".second_factor", next=request.args.get("next")))
    else:
        error = gettext("Enter your email and password.")
    return _keep_refusal("sign_in", error, status, refusal.seconds if refusal else None,
                         email=request.form.get("email", ""), next=request.args.get("next"))


def _pending() -> dict[str, Any] | None:
    pending = session.get("staff_pending")
    if (isinstance(pending, dict) and isinstance(pending.get("id"), str)
            and time.time() - float(pending.get("at", 0)) < PENDING_SECONDS):
        return pending
    return None


def _wait_seconds(account_id: str) -> int:
    """Seconds until the authenticator shows a code this account has not used yet: right
    after setup, the code on the phone is the one setup took."""
    next_at = store().accounts.next_code_at(account_id)
    return 0 if next_at is None else max(0, math.ceil(next_at.timestamp() - time.time()))


@bp.route("/sign-in/code", methods=["GET", "POST"])
def second_factor() -> Any:
    pending = _pending()
    if pending is None:
        flash(gettext("Sign in with your email and password first."))
        return redirect(url_for(".sign_in"))
    form = CodeForm()
    error: str | None = None
    moment = datetime.fromtimestamp(time.time(), UTC)  # one clock: time.time, as pyotp's
    if request.method == "POST":
        _throttle_client(pending["email"], pending["id"])
        refusal = _refusal(pending["email"])[1]
        if refusal is not None:
            _refused(pending["id"], refusal.reason)
            session.clear()
            flash(_refusal_message(refusal))
            return redirect(url_for(".sign_in"))
        if not form.validate():
            error = gettext("Enter the code.")
        else:
            code = form.code.data or ""
            used = store().accounts.check_second_factor(pending["id"], code, moment)
            staff = store().accounts.get(pending["id"]) if used else None
            if staff is None:
                _failed(pending["email"], "code")
                error = gettext(USED if store().accounts.code_used(pending["id"], code, moment)
                                else WRONG)
            else:
                _throttle().succeeded(staff.email, _client())
                session.clear()
                login_user(StaffUser(staff))
                store().audit.record(Action.SIGN_IN, staff_id=staff.id, detail=used or "")
                if used == "recovery":
                    left = store().accounts.recovery_left(staff.id)
                    flash(gettext("You used a recovery code; %(left)s left. If your phone is "
                                  "lost, ask an admin to reset your account.", left=left))
                return redirect(_next_url())
        return _keep_refusal("second_factor", error or "", 401, next=request.args.get("next"))
    error = _kept_refusal("second_factor").get("error")
    return render_template("staff/code.html", form=form, error=error,
                           wait=_wait_seconds(pending["id"])), (401 if error else 200)


@bp.post("/sign-out")
def sign_out() -> Response:
    form = ConfirmForm()
    if form.validate():
        store().audit.record(Action.SIGN_OUT, staff_id=me().id)
        store().accounts.end_sessions(me().id)  # a copy of the cookie stops working too
        logout_user()
        session.clear()
        flash(gettext("You are signed out."))
    return redirect(url_for(".sign_in"))


@bp.post("/language")
def language() -> Response:
    """The signed-in staff member's language, kept on the account (every computer)."""
    form = LanguageForm()
    if form.validate() and form.language.data in offered_locales():
        store().accounts.set_language(me().id, form.language.data)
        store().audit.record(Action.ACCOUNT_CHANGE, staff_id=me().id,
                             detail=f"language {form.language.data}")
    back = local_path(request.form.get("back"), "")
    return redirect(back if back.startswith("/staff/") else url_for(".worklist"))


@bp.route("/setup/<token>", methods=["GET", "POST"])
def setup(token: str) -> Any:
    """Set a password and enrol an authenticator, from a one-time link."""
    accounts = store().accounts
    staff = accounts.by_setup_token(token)
    if staff is None:
        return render_template("staff/setup_expired.html"), 410
    pending = session.get("staff_setup")
    if not isinstance(pending, dict) or pending.get("token") != digest(token):
        pending = {"token": digest(token), "secret": factors.new_secret()}
        session.clear()
        session["staff_setup"] = pending
    secret = str(pending["secret"])
    form = SetupForm()
    error = None
    if request.method == "POST" and form.validate():
        if form.password.data != form.confirm.data:
            error = gettext("The two passwords are not the same.")
        else:
            try:
                codes = accounts.complete_setup(token, form.password.data or "", secret,
                                                form.code.data or "")
            except AccountError as exc:
                error = account_refusal(exc)
            else:
                session.clear()
                store().audit.record(Action.ACCOUNT_CHANGE, staff_id=staff.id,
                                     detail="setup completed")
                return render_template("staff/recovery_codes.html",
                                       codes=[factors.show_recovery(c) for c in codes])
    elif request.method == "POST":
        error = gettext("Fill in every box.")
    if request.method == "POST":
        return _keep_refusal("setup", error or "", 422, token=token)
    error = _kept_refusal("setup").get("error")
    uri = factors.provisioning_uri(secret, staff.email,
                                   f"{current_app.config['CLINIC_NAME']} screener")
    return render_template("staff/setup.html", form=form, error=error, staff=staff,
                           qr=factors.qr_svg(uri), secret=factors.grouped_secret(secret)), (
        422 if error else 200)
