"""The clinic handoff, patient side: send my answers, see the reference code, withdraw.

Off unless the clinic switches it on (``HANDOFF``); then every page here answers 404.
Never offered on the emergency result. A send is committed before the patient is told it
was sent; a database outage shows a clear page with the form still filled in, a retry and
the clinic's phone, never a 500. The form's one-time token makes a second post of the same
form (double click, back and resend) find the first submission instead of adding one.
"""

from __future__ import annotations

import logging
import re
import secrets
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext
from flask_wtf import FlaskForm
from sqlalchemy.exc import SQLAlchemyError
from wtforms import BooleanField, HiddenField, StringField, TextAreaField

from .. import consent
from ..catalogue.besttime import BEST_TIMES
from ..catalogue.questions import QUESTIONS
from ..config import ConfigError, staff_url
from ..i18n import N_
from ..service.screening import Finished
from ..store.db import SchemaBehind
from ..store.keycheck import WrongDataKeys
from ..store.reference import digest, grouped
from ..store.service import Store, current_store, init_store
from ..store.submissions import Contact, NewSubmission
from .extensions import screening
from .links import configured_url
from .locale import current_locale
from .security import limit_client
from .state import load_state
from .watch import count_event

log = logging.getLogger("screener.handoff")
bp = Blueprint("handoff", __name__)

NAME_MAX, PHONE_MAX, NOTE_MAX = 100, 30, 300
_PHONE = re.compile(r"[0-9+()\-. ]+")
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")
TOKEN_KEY, SENT_KEY, KEPT_KEY = "handoff_token", "handoff_sent", "handoff_form"


class SendForm(FlaskForm):
    name = StringField(N_("Your name"))
    phone = StringField(N_("Phone number"))
    best_time = StringField(N_("Best time to call"))  # one of BEST_TIMES, checked in _check
    note = TextAreaField(N_("Anything the nurse should know before calling (you can skip "
                            "this)"))
    consent = BooleanField()
    send_token = HiddenField()


class WithdrawForm(FlaskForm):
    code = StringField(N_("Reference code"))
    phone = StringField(N_("Phone number you gave"))


def init_handoff(app: Flask) -> None:
    """Open the store when the clinic has switched the handoff on."""
    if not app.config["HANDOFF"]:
        return
    init_store(app)
    if app.config["SMTP_URL"] and app.config["NOTIFY_EMAIL"]:
        from ..notify import Notifier

        if not staff_url(app.config):
            raise ConfigError(
                "SCREENER_BASE_URL is not set: the intake email links to the staff area, and "
                "that link must come from configuration, never from a request's Host. Set "
                "SCREENER_BASE_URL to the screener's public address (such as "
                "https://screener.clinic.example), or SCREENER_STAFF_URL to the staff area's.")
        app.extensions["screener.notifier"] = Notifier(
            app.config["SMTP_URL"], app.config["NOTIFY_EMAIL"], app.config["NOTIFY_RETRY_DELAYS"],
            app.config["CLINIC_NAME"])


@bp.app_context_processor
def offer() -> dict[str, Any]:
    return {"handoff_enabled": current_app.config["HANDOFF"]}


@bp.before_request
def only_when_enabled() -> None:
    if not current_app.config["HANDOFF"]:
        abort(404)


def _store() -> Store:
    return current_store(current_app)


def _clean(text: str | None, limit: int, multiline: bool = False) -> str:
    """Text without control characters (newlines kept in the note), trimmed."""
    keep = "\n" if multiline else ""
    text = "".join(ch for ch in (text or "") if ch.isprintable() or ch in keep)
    return text.strip()[: limit + 1]


def _check(form: SendForm) -> dict[str, str]:
    """An error message per field; empty when the form can be sent."""
    errors: dict[str, str] = {}
    name = _clean(form.name.data, NAME_MAX)
    if not name:
        errors["name"] = gettext("Enter your name.")
    elif len(name) > NAME_MAX:
        errors["name"] = gettext("Use at most %(max)s characters.", max=NAME_MAX)
    phone = _clean(form.phone.data, PHONE_MAX)
    digits = sum(ch.isdigit() for ch in phone)
    if not phone:
        errors["phone"] = gettext("Enter a phone number the clinic can call.")
    elif len(phone) > PHONE_MAX or not _PHONE.fullmatch(phone) or not 6 <= digits <= 15:
        errors["phone"] = gettext("Enter a phone number using digits, for example "
                                  "555 010 1234.")
    if form.best_time.data not in dict(BEST_TIMES):
        errors["best_time"] = gettext("Choose the best time to call.")
    if len(_clean(form.note.data, NOTE_MAX, multiline=True)) > NOTE_MAX:
        errors["note"] = gettext("Use at most %(max)s characters.", max=NOTE_MAX)
    if form.consent.data is not True:
        errors["consent"] = gettext("Tick the box to agree, or do not send.")
    return errors


def _urgent(answers: dict[str, Any]) -> bool:
    """Urgent (not emergency) symptoms were reported: the clinic calls these first."""
    for qid, value in answers.items():
        chosen = value if isinstance(value, list) else [value]
        if any(c.level in ("urgent", "emergency") and c.value in chosen
               for c in QUESTIONS[qid].choices):
            return True
    return False


def _rate_limited(name: str, setting: str, key: str | None = None) -> None:
    if current_app.config["RATELIMIT_ENABLED"]:
        limit_client(name, current_app.config[setting], key)


def _send_limited(token: str) -> None:
    """Fair to many patients behind one address (a waiting-room tablet, one office
    network): each patient's sends count against HANDOFF_RATE_LIMIT by the session's send
    token, and all sends from one address against the much higher
    HANDOFF_ADDRESS_RATE_LIMIT, which still stops a client that starts session after
    session. The patient's own limit is counted first, so a refused patient spends none of
    the address's sends."""
    # The token's digest, never the token: the reference code is made from it.
    _rate_limited("handoff-send", "HANDOFF_RATE_LIMIT", "send:" + digest(token))
    _rate_limited("handoff-send-address", "HANDOFF_ADDRESS_RATE_LIMIT")


def _ready_answers() -> Finished:
    """The finished answers and their result; unfinished ones raise ``Incomplete``, which
    the patient pages answer (the first page still to answer, or the start)."""
    found = screening().finish(load_state(), current_locale())
    if found.result.stopped:  # the emergency result: get care now, never "send and wait"
        abort(redirect(url_for("patient.result")))
    return found


def _send_page(form: SendForm, errors: dict[str, str], status: int = 200,
               unavailable: bool = False) -> tuple[str, int]:
    return render_template(
        "handoff_send.html", form=form, errors=errors, best_times=BEST_TIMES,
        notice=consent, days=current_app.config["RETENTION_DAYS"], note_max=NOTE_MAX,
        unavailable=unavailable), status


def _unavailable(exc: Exception) -> None:
    refused = isinstance(exc, (SchemaBehind, WrongDataKeys))
    log.log(logging.ERROR if refused else logging.WARNING, "Handoff database unavailable "
            "(%s)%s", type(exc).__name__, f": {exc}" if refused else "")


@bp.route("/send", methods=["GET", "POST"])
def send() -> Any:
    answers, result = _ready_answers()
    if request.method == "GET" and session.get(SENT_KEY):
        return redirect(url_for(".sent"))
    token = session.get(TOKEN_KEY)
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        token = session[TOKEN_KEY] = secrets.token_urlsafe(24)
    if request.method == "GET":
        values, errors, unavailable = _kept("send")
        form = SendForm(data=values | {"send_token": token})
        return _send_page(form, errors, 503 if unavailable else 200, unavailable)
    form = SendForm()
    _send_limited(token)
    typed = {"name": _clean(form.name.data, NAME_MAX), "phone": _clean(form.phone.data, PHONE_MAX),
             "best_time": _clean(form.best_time.data, 20),
             "note": _clean(form.note.data, NOTE_MAX, multiline=True),
             "consent": form.consent.data is True}
    if not form.validate():  # CSRF
        return _keep("send", typed, {"form": gettext("Please try again.")})
    errors = _check(form)
    if form.send_token.data != token:
        errors["form"] = gettext("This form was opened in another window. Please check it "
                                 "and send again.")
    if errors:
        return _keep("send", typed, errors)
    new = NewSubmission(
        answers=answers, language=current_locale(), urgent=_urgent(answers),
        contact=Contact(_clean(form.name.data, NAME_MAX), _clean(form.phone.data, PHONE_MAX),
                        str(form.best_time.data)),
        note=_clean(form.note.data, NOTE_MAX, multiline=True),
        ruleset_version=result.ruleset_version, consent_version=consent.VERSION,
        guidance=tuple(topic.id for topic in result.topics))
    store = _store()
    try:
        store.ensure_ready()
        sid, code, created = store.submissions.create(
            new, token, current_app.config["RETENTION_DAYS"])
    except (SQLAlchemyError, SchemaBehind, WrongDataKeys) as exc:
        _unavailable(exc)
        return _keep("send", typed, {}, unavailable=True)
    session[SENT_KEY] = {"id": sid, "code": code}
    if created:
        count_event("handoff_sent")
        _notify(store, sid, new.urgent)
    return redirect(url_for(".sent"))


def _keep(view: str, typed: dict[str, Any], errors: dict[str, str],
          unavailable: bool = False) -> Response:
    """Post/Redirect/Get for a post that did not go through: what was typed and what to
    fix ride in the (encrypted) session to the form's own GET, once, so Back and reload
    never ask to send the form again. Contact details and the note only: the health
    answers stay where they are."""
    session[KEPT_KEY] = {"view": view, "typed": typed, "errors": errors,
                         "unavailable": unavailable}
    return redirect(url_for(f".{view}"), 303)


def _kept(view: str) -> tuple[dict[str, Any], dict[str, str], bool]:
    """What ``_keep`` left for ``view`` (taken once), or an empty form."""
    kept = session.pop(KEPT_KEY, None)
    if not isinstance(kept, dict) or kept.get("view") != view:
        return {}, {}, False
    typed, errors = kept.get("typed"), kept.get("errors")
    if not isinstance(typed, dict) or not isinstance(errors, dict):
        return {}, {}, False
    return typed, errors, kept.get("unavailable") is True


def _notify(store: Store, sid: str, urgent: bool) -> None:
    notifier = current_app.extensions.get("screener.notifier")
    if notifier is None:
        return
    notifier.submitted(urgent, staff_url(current_app.config), store.submissions.notification(sid))


def _sent_record() -> dict[str, str] | None:
    record = session.get(SENT_KEY)
    if isinstance(record, dict) and isinstance(record.get("id"), str) \
            and isinstance(record.get("code"), str):
        return record
    return None


@bp.get("/sent")
def sent() -> Any:
    record = _sent_record()
    if record is None:
        return redirect(url_for("patient.result"))
    _, _, unavailable = _kept("sent")
    return render_template("handoff_sent.html", code=grouped(record["code"]),
                           withdraw_url=configured_url(".withdraw"),
                           unavailable=unavailable), 503 if unavailable else 200


@bp.post("/sent/withdraw")
def withdraw_now() -> Any:
    record = _sent_record()
    if record is None:
        return redirect(url_for(".withdraw"))
    if not FlaskForm().validate():  # CSRF
        flash(gettext("Please try again."))
        return redirect(url_for(".sent"))
    try:
        _store().submissions.withdraw(record["id"])
    except SQLAlchemyError as exc:
        _unavailable(exc)
        return _keep("sent", {}, {}, unavailable=True)
    session.pop(SENT_KEY, None)
    session.pop(TOKEN_KEY, None)
    return redirect(url_for(".withdrawn"))


@bp.get("/withdrawn")
def withdrawn() -> str:
    """After a withdrawal; ``?checked=1`` after one by code, which never says if it matched."""
    return render_template("handoff_withdraw.html", form=None, errors={}, done=True,
                           by_code=request.args.get("checked") == "1")


@bp.route("/withdraw", methods=["GET", "POST"])
def withdraw() -> Any:
    if request.method == "GET":
        values, errors, unavailable = _kept("withdraw")
        return render_template("handoff_withdraw.html", form=WithdrawForm(data=values),
                               errors=errors, done=False, unavailable=unavailable), (
            503 if unavailable else 200)
    form = WithdrawForm()
    _rate_limited("handoff-withdraw", "HANDOFF_RATE_LIMIT")
    typed = {"code": _clean(form.code.data, 40), "phone": _clean(form.phone.data, PHONE_MAX)}
    errors: dict[str, str] = {}
    if not form.validate():
        errors["form"] = gettext("Please try again.")
    if not typed["code"]:
        errors["code"] = gettext("Enter the reference code from the page you saw after "
                                 "sending.")
    if not typed["phone"]:
        errors["phone"] = gettext("Enter the phone number you gave.")
    if errors:
        return _keep("withdraw", typed, errors)
    try:
        _store().submissions.withdraw_by_code(typed["code"], typed["phone"])
    except SQLAlchemyError as exc:
        _unavailable(exc)
        return _keep("withdraw", typed, {}, unavailable=True)
    return redirect(url_for(".withdrawn", checked=1))
