"""Signing in (password, then a TOTP or recovery code), signing out, and account setup.

The same message for a wrong email, a wrong password and a wrong code. Failures are
counted per email (known or not) in the rate-limit storage: after
``STAFF_SIGN_IN_FAILURES`` the email is paused, whichever step failed.
"""

from __future__ import annotations

import time
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
from flask_login import login_user, logout_user
from limits import parse

from ...staff import factors
from ...store.accounts import AccountError, normal_email
from ...store.audit import Action
from ...store.reference import digest
from ..links import local_path
from ..security import limit_client
from . import StaffUser, bp, me, store
from .forms import CodeForm, ConfirmForm, SetupForm, SignInForm

WRONG = "That email, password or code is not right. Check them and try again."
PAUSED = ("Too many tries. Wait 15 minutes and try again, or ask an admin to reset your "
          "account.")
PENDING_SECONDS = 300


def _window() -> Any:
    return current_app.extensions["screener.ratelimit"]


def _email_key(email: str) -> str:
    return digest("staff:" + normal_email(email))


def _paused(email: str) -> bool:
    limit = parse(current_app.config["STAFF_SIGN_IN_FAILURES"])
    return not _window().test(limit, "staff-failures", _email_key(email))


def _failed(email: str, staff_id: str | None, step: str) -> None:
    limit = parse(current_app.config["STAFF_SIGN_IN_FAILURES"])
    _window().hit(limit, "staff-failures", _email_key(email))
    store().audit.record(Action.FAILED_SIGN_IN, staff_id=staff_id, detail=step)


def _throttle_client() -> None:
    """Always on, unlike the patient-side limits: it guards passwords, not load."""
    limit_client("staff-sign-in", current_app.config["STAFF_SIGN_IN_RATE_LIMIT"])


def _next_url() -> str:
    """Back to the staff page that asked for sign-in (Flask-Login's ``?next=``)."""
    wanted = local_path(request.args.get("next"), "")
    return wanted if wanted.startswith("/staff/") else url_for(".worklist")


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> Any:
    form = SignInForm()
    error = None
    if request.method == "POST":
        _throttle_client()
        if form.validate():
            email = form.email.data or ""
            if _paused(email):
                error = PAUSED
            else:
                staff = store().accounts.check_password(email, form.password.data or "")
                if staff is None:
                    _failed(email, None, "password")
                    error = WRONG
                else:
                    session.clear()
                    session["staff_pending"] = {"id": staff.id, "email": staff.email,
                                                "at": time.time()}
                    return redirect(url_for(".second_factor", next=request.args.get("next")))
        else:
            error = "Enter your email and password."
    return render_template("staff/sign_in.html", form=form, error=error), (
        401 if error else 200)


def _pending() -> dict[str, Any] | None:
    pending = session.get("staff_pending")
    if (isinstance(pending, dict) and isinstance(pending.get("id"), str)
            and time.time() - float(pending.get("at", 0)) < PENDING_SECONDS):
        return pending
    return None


@bp.route("/sign-in/code", methods=["GET", "POST"])
def second_factor() -> Any:
    pending = _pending()
    if pending is None:
        flash("Sign in with your email and password first.")
        return redirect(url_for(".sign_in"))
    form = CodeForm()
    error = None
    if request.method == "POST":
        _throttle_client()
        if not form.validate():
            error = "Enter the code."
        elif _paused(pending["email"]):
            session.clear()
            flash(PAUSED)
            return redirect(url_for(".sign_in"))
        else:
            used = store().accounts.check_second_factor(pending["id"], form.code.data or "")
            staff = store().accounts.get(pending["id"]) if used else None
            if staff is None:
                _failed(pending["email"], pending["id"], "code")
                error = WRONG
            else:
                session.clear()
                login_user(StaffUser(staff))
                store().audit.record(Action.SIGN_IN, staff_id=staff.id, detail=used or "")
                if used == "recovery":
                    left = store().accounts.recovery_left(staff.id)
                    flash(f"You used a recovery code; {left} left. If your phone is lost, "
                          "ask an admin to reset your account.")
                return redirect(_next_url())
    return render_template("staff/code.html", form=form, error=error), (401 if error else 200)


@bp.post("/sign-out")
def sign_out() -> Response:
    form = ConfirmForm()
    if form.validate():
        store().audit.record(Action.SIGN_OUT, staff_id=me().id)
        logout_user()
        session.clear()
        flash("You are signed out.")
    return redirect(url_for(".sign_in"))


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
            error = "The two passwords are not the same."
        else:
            try:
                codes = accounts.complete_setup(token, form.password.data or "", secret,
                                                form.code.data or "")
            except AccountError as exc:
                error = str(exc)
            else:
                session.clear()
                store().audit.record(Action.ACCOUNT_CHANGE, staff_id=staff.id,
                                     detail="setup completed")
                return render_template("staff/recovery_codes.html",
                                       codes=[factors.show_recovery(c) for c in codes])
    elif request.method == "POST":
        error = "Fill in every box."
    uri = factors.provisioning_uri(secret, staff.email,
                                   f"{current_app.config['CLINIC_NAME']} screener")
    return render_template("staff/setup.html", form=form, error=error, staff=staff,
                           qr=factors.qr_svg(uri), secret=factors.grouped_secret(secret)), (
        422 if error else 200)
