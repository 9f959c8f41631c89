"""Save and come back later, patient side: save, see the return code once, continue.

Off unless the clinic switches it on (``SAVE_RETURN``); then every page here answers 404.
The answers are sealed under a code only the patient is shown (the service and the store
do that: ``Screening.save_for_later`` and ``Screening.resume_saved``); this side draws the
pages, clears the session after a save (a shared computer keeps nothing) and restores the
answers into a fresh one. The code never appears in an address the server sees: the link
carries it after ``#`` (browsers never send that part), and a few lines of script copy it
into the form; without script the patient types it. The code rides in the encrypted
session cookie from the save until the patient presses "I have my code" (which clears
the session: a shared computer keeps nothing) or for ``SHOWN_FOR`` at most, so a reload,
the language link or a phone's discarded tab still shows it. Every try of a code is
counted per client address (one atomic hit), and wrong codes are answered alike, whether
or not the code ever existed.
"""

from __future__ import annotations

import logging
import math
import re
import time
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

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
from flask_babel import format_date, format_time, gettext, refresh
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError
from limits import parse
from sqlalchemy.exc import SQLAlchemyError
from wtforms import StringField

from ..catalogue.answers import ends_early
from ..config import ConfigError
from ..i18n import N_
from ..service.saving import NotSavable, Resumed
from ..store.db import SchemaBehind
from ..store.keycheck import WrongDataKeys
from ..store.savecode import format_code
from ..store.service import current_store, init_store
from .clientkey import client_key
from .extensions import screening
from .links import configured_url, local_path
from .locale import current_locale
from .security import limit_client
from .state import clear_state, load_state, save_state
from .timeout import lands_on_timeout_page, to_timeout_page
from .watch import count_event

log = logging.getLogger("screener.saving")
bp = Blueprint("saving", __name__)

SHOWN_KEY, REFUSED_KEY = "saved_for_later", "resume_refused"
# How long the code stays showable in this browser after the save, at most: enough to
# switch language, reload or come back to a discarded tab; "I have my code" ends it sooner.
SHOWN_FOR = 15 * 60
EMAIL_MAX = 254
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
UNAVAILABLE = (SQLAlchemyError, SchemaBehind, WrongDataKeys)  # said on the page, never a 500
TRIED_CODES = "save-return-code"  # the limiter's name for codes tried per address

NOT_OPENED = N_("We could not open a saved screening with this code. Check it and try "
                "again. A code works only once and only until the date you were given.")
OPEN_LONG = {"resume": N_("This page was open a long time. Please type your code again."),
             "save": N_("This page was open a long time. Please press the button again.")}
WELCOME_BACK = N_("Welcome back. Your answers are here again, and the saved copy is "
                  "deleted. Please go on where you stopped.")


class SaveForm(FlaskForm):
    email = StringField(N_("Email address (you can skip this)"))


class ResumeForm(FlaskForm):
    code = StringField(N_("Your return code"))


def init_saving(app: Flask) -> None:
    """Open the store when the clinic has switched saving on; the email needs the
    screener's public address, never the request's Host."""
    if not app.config["SAVE_RETURN"]:
        return
    store = app.extensions.get("screener.store") or init_store(app)
    app.extensions["screener.screening"].use_saved(store.saved)
    if app.config["SMTP_URL"] and not app.config["BASE_URL"]:
        raise ConfigError(
            "SCREENER_BASE_URL is not set: with SCREENER_SAVE_RETURN and SCREENER_SMTP_URL "
            "the patient may email themselves the link to a saved screening, and that link "
            "must come from configuration, never from a request's Host. Set "
            "SCREENER_BASE_URL to the screener's public address (such as "
            "https://screener.clinic.example).")


@bp.app_context_processor
def offer() -> dict[str, Any]:
    return {"save_return_enabled": current_app.config["SAVE_RETURN"],
            "save_return_days": current_app.config["SAVE_RETURN_DAYS"]}


@bp.errorhandler(CSRFError)
def form_open_too_long(_exc: CSRFError) -> Response:
    """A refused post here (the form's token expired with ``WTF_CSRF_TIME_LIMIT`` or went
    with an idle session) comes back to its own form by GET with a calm word, never
    "start again": a code is still valid, and a save's answers are still in the session
    (or, after a time-out, the save page says there is nothing to save)."""
    if lands_on_timeout_page():
        return to_timeout_page()  # the answers went for time: the one page that says so
    if request.endpoint == "saving.saved_done":
        return redirect(url_for(".saved"), 303)  # the code still shown, a fresh button
    if request.endpoint == "saving.save":
        back = local_path(request.args.get("back"), url_for("patient.landing"))
        return _refuse("save", {"form": gettext(OPEN_LONG["save"])}, back=back)
    return _refuse("resume", {"form": gettext(OPEN_LONG["resume"])})


@bp.before_request
def only_when_enabled() -> None:
    if not current_app.config["SAVE_RETURN"]:
        abort(404)


def _store_ready() -> None:
    """The schema and keys checked (again, if the database was down at start-up)."""
    current_store(current_app).ensure_ready()


def _emails() -> bool:
    return bool(current_app.config["SMTP_URL"])


def _expiry_words(days: int) -> str:
    """The day the code stops working, on the clinic's clock (patients are near it), in
    the patient's language ("December 12, 2026")."""
    ends = datetime.now(UTC) + timedelta(days=days)
    return format_date(ends.astimezone(ZoneInfo(current_app.config["TIMEZONE"])).date(), "long")


@bp.route("/save", methods=["GET", "POST"])
def save() -> Any:
    state = load_state()
    if state is None and _shown() is not None:  # a second click of the button: the code
        return redirect(url_for(".saved"), 303)  # from the first, still to be shown
    if state is None or not state.answers:
        if not getattr(session, "timed_out", False):  # that note says it already
            flash(gettext("There is nothing to save yet. Answer the first question, then "
                          "you can save."))
        return redirect(url_for("patient.landing"))
    if ends_early(state.answers):  # an emergency (or under 18): the result, never "later"
        return redirect(url_for("patient.result"))
    back = local_path(request.args.get("back"), url_for("patient.landing"))
    days = current_app.config["SAVE_RETURN_DAYS"]
    if request.method == "GET":
        errors, unavailable = _refused("save")
        return render_template("save.html", form=SaveForm(), errors=errors, back=back,
                               days=days, until=_expiry_words(days), emails=_emails(),
                               unavailable=unavailable), (
            503 if unavailable else 422 if errors else 200)
    form = SaveForm()
    if current_app.config["RATELIMIT_ENABLED"]:
        limit_client("save-address", current_app.config["HANDOFF_ADDRESS_RATE_LIMIT"])
    if not form.validate():  # CSRF (CSRFProtect refuses first: ``form_open_too_long``)
        return _refuse("save", {"form": gettext(OPEN_LONG["save"])}, back=back)
    address = (form.email.data or "").strip() if _emails() else ""
    if address and (len(address) > EMAIL_MAX or not _EMAIL.fullmatch(address)):
        # What was typed is not kept, not even in the cookie: it is typed again.
        return _refuse("save", {"email": gettext(
            "Enter an email address like name@example.com, or leave it empty.")}, back=back)
    try:
        _store_ready()
        code = screening().save_for_later(state.answers, state.done, current_locale(), days)
    except NotSavable:  # a forged post: the pages never offer it then
        return redirect(url_for("patient.result"))
    except UNAVAILABLE as exc:
        log.warning("Saving for later failed: the database is unavailable (%s)",
                    type(exc).__name__)
        return _refuse("save", {}, unavailable=True, back=back)
    count_event("saved")
    shown = format_code(code)
    # The clinic's mail server writes to any address typed: few per client address. Past
    # that the code is saved all the same and shown; only the email waits.
    email_wait = _over_limit("save-email") if address else 0
    emailed = _email_link(address, shown, days) if address and not email_wait else None
    # A shared computer keeps nothing: the answers leave this browser with the save.
    clear_state()
    session.pop("csrf_token", None)
    session[SHOWN_KEY] = {"code": shown, "emailed": emailed,
                          "until": time.time() + SHOWN_FOR,
                          "email_wait": _wait_words(email_wait) if email_wait else None}
    return redirect(url_for(".saved"), 303)


def _return_link(shown: str) -> str:
    """The continue page at the configured address, the code after ``#``."""
    return f"{configured_url('saving.resume')}#{shown}"


def _shown() -> dict[str, Any] | None:
    """The code still to be shown in this browser, or None (never saved here, "I have my
    code" pressed, or ``SHOWN_FOR`` gone by: then it leaves the session now)."""
    record = session.get(SHOWN_KEY)
    if (isinstance(record, dict) and isinstance(record.get("code"), str)
            and isinstance(record.get("until"), int | float) and record["until"] > time.time()):
        return record
    session.pop(SHOWN_KEY, None)
    return None


@bp.get("/saved")
def saved() -> Any:
    """The code, until "I have my code" or ``SHOWN_FOR``: a reload, the language link or
    a discarded tab shows it again; afterwards it is gone from this browser."""
    record = _shown()
    if record is None:
        return render_template("saved.html", code=None), 410
    days = current_app.config["SAVE_RETURN_DAYS"]
    return render_template("saved.html", code=record["code"], form=FlaskForm(),
                           link=_return_link(record["code"]), until=_expiry_words(days),
                           emailed=record.get("emailed"), email_wait=record.get("email_wait"))


@bp.post("/saved")
def saved_done() -> Response:
    """ "I have my code": the code leaves this browser (a shared computer keeps nothing)."""
    if not FlaskForm().validate():  # CSRF: the page again, the code still there
        return redirect(url_for(".saved"), 303)
    clear_state()
    session.pop(SHOWN_KEY, None)
    flash(gettext("Your code is no longer shown in this browser."))
    return redirect(url_for("patient.landing"), 303)


def _email_link(address: str, shown: str, days: int) -> bool:
    """Send the link to the address the patient typed; the address is used for this one
    message and neither kept nor logged (only the error's type is). False on failure."""
    from ..notify import Notifier

    clinic = current_app.config["CLINIC_NAME"]
    notifier = Notifier(current_app.config["SMTP_URL"], address, (), clinic)
    mail = EmailMessage()
    mail["From"] = notifier.sender
    mail["To"] = address
    mail["Subject"] = gettext("Your saved screening at %(clinic)s", clinic=clinic)
    mail.set_content("\n\n".join((
        gettext("You saved your answers to come back to later."),
        gettext("To continue, open this link by %(date)s:", date=_expiry_words(days))
        + "\n" + _return_link(shown),
        gettext("Or go to %(url)s and type your return code: %(code)s",
                url=configured_url("saving.resume"), code=shown),
        gettext("The code works once. Nobody at %(clinic)s can open your saved answers "
                "without it, and a lost code cannot be recovered. Anyone who can read this "
                "email can open them, so delete it once you have continued.", clinic=clinic),
        gettext("If you did not ask for this email, delete it. Nothing happens unless the "
                "link is opened."),
    )) + "\n")
    try:
        notifier.send(mail)
    except (OSError, ValueError) as exc:  # smtplib's errors are OSErrors
        log.warning("The return link email was not sent (%s)", type(exc).__name__)
        return False
    return True


@bp.route("/continue", methods=["GET", "POST"])
def resume() -> Any:
    if request.method == "GET":
        errors, unavailable = _refused("resume")
        return render_template("resume.html", form=ResumeForm(), errors=errors,
                               unavailable=unavailable), (
            503 if unavailable else 422 if errors else 200)
    form = ResumeForm()
    if not form.validate():  # CSRF (CSRFProtect refuses first: ``form_open_too_long``)
        return _refuse("resume", {"form": gettext(OPEN_LONG["resume"])})
    typed = (form.code.data or "")[:40]
    if not typed.strip():
        return _refuse("resume", {"code": gettext("Enter the return code you were given.")})
    wait = _over_limit(TRIED_CODES)  # every try, right or wrong: one atomic count
    if wait:
        return _too_many(wait)
    try:
        _store_ready()
        resumed = screening().resume_saved(typed, datetime.now(UTC))
    except UNAVAILABLE as exc:
        log.warning("Continuing a saved screening failed: the database is unavailable (%s)",
                    type(exc).__name__)
        return _refuse("resume", {}, unavailable=True)
    if resumed is None:
        return _refuse("resume", {"code": gettext(NOT_OPENED)})
    if resumed.restored:  # a save that could not be read starts again: not a return
        count_event("resumed")
    return _restore(resumed)


def _restore(resumed: Resumed) -> Response:
    """The answers into a fresh session: nothing of what this browser held before (its
    form token, a handoff's send token, the session's start time) carries over."""
    session.clear()
    session.started = None  # type: ignore[attr-defined]  # the time limits start again
    if resumed.language in current_app.config["LANGUAGES"]:
        session["lang"] = resumed.language
        refresh()
    save_state(dict(resumed.answers), list(resumed.done))
    session["counted"] = ["started"]  # started before the save: the usage counts it once
    if resumed.restored:  # else the note says to start again: no "your answers are here"
        flash(gettext(WELCOME_BACK))
    for note in resumed.notes:  # what changed: a dropped answer, the urgent pages again
        flash(note.text(current_locale()))
    page = resumed.page
    return redirect(url_for("patient.step", step_id=page.id) if page is not None
                    else url_for("patient.review"), 303)


def _over_limit(name: str) -> int:
    """Count this request against ``SAVE_RETURN_RATE_LIMIT`` for its client address under
    ``name``, in one atomic hit (a check, then a count, would let simultaneous requests
    through together); 0 when within it, else the seconds until the window resets."""
    if not current_app.config["RATELIMIT_ENABLED"]:
        return 0
    window = current_app.extensions["screener.ratelimit"]
    limit = parse(current_app.config["SAVE_RETURN_RATE_LIMIT"])
    client = client_key(request.remote_addr)
    if window.hit(limit, name, client):
        return 0
    reset = window.get_window_stats(limit, name, client).reset_time
    return max(1, math.ceil(reset - time.time()))


def _wait_words(seconds: int) -> dict[str, str]:
    """The real wait as people read it: minutes, and the time on the clinic's clock."""
    ends = datetime.now(UTC) + timedelta(seconds=seconds)
    return {"minutes": str(max(1, math.ceil(seconds / 60))),
            "time": format_time(ends.astimezone(ZoneInfo(current_app.config["TIMEZONE"])),
                                "short")}


def _too_many(wait: int) -> Response:
    response = Response(render_template("resume_wait.html", wait=_wait_words(wait)), 429)
    response.headers["Retry-After"] = str(wait)
    return response


def _refuse(view: str, errors: dict[str, str], unavailable: bool = False,
            **values: Any) -> Response:
    """Post/Redirect/Get: the messages ride in the session to the form's own GET, once;
    what was typed does not (a code or an email address is typed again)."""
    session[REFUSED_KEY] = {"view": view, "errors": errors, "unavailable": unavailable}
    return redirect(url_for(f".{view}", **values), 303)


def _refused(view: str) -> tuple[dict[str, str], bool]:
    kept = session.pop(REFUSED_KEY, None)
    if not isinstance(kept, dict) or kept.get("view") != view \
            or not isinstance(kept.get("errors"), dict):
        return {}, False
    return kept["errors"], kept.get("unavailable") is True
