"""Friendly error pages: bad input never ends in a bare error or a 500 page with a trace."""

from __future__ import annotations

from typing import Any

from flask import (
    Flask,
    Response,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
)
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from ..exports.fhir_read import Issue
from ..i18n import N_
from .fhir import outcome
from .state import is_staff_path
from .timeout import PATIENT_AREAS, lands_on_timeout_page, to_timeout_page

MESSAGES = {
    400: (N_("Something went wrong with that request"), N_("Please go back and try again.")),
    404: (N_("Page not found"), N_("The page you asked for does not exist.")),
    405: (N_("That did not work"), N_("Please use the buttons on the page.")),
    413: (N_("Too much was sent"), N_("Please go back and try again.")),
    429: (N_("Too many requests"), N_("Please wait a minute and try again.")),
    500: (N_("Sorry, something went wrong on our side"),
          N_("Please try again in a few minutes.")),
}

# Flask-WTF's reasons for a token of ours that no longer fits the session.
STALE_TOKEN = frozenset({"The CSRF token has expired.", "The CSRF token is invalid.",
                         "The CSRF tokens do not match."})
STALE_FORM = N_("That page had been open too long, so what you chose on it was not saved. "
                "Please check it and continue.")


# FHIR issue types for the HTTP errors a FHIR endpoint can meet.
FHIR_ISSUE_CODES = {404: "not-found", 405: "not-supported", 413: "too-long", 415: "not-supported",
                    429: "throttled", 500: "exception"}


def _page(code: int, title: str, text: str) -> tuple[Any, int]:
    """An HTML page for people, an OperationOutcome for FHIR, JSON for the API."""
    if request.path.startswith("/fhir/"):
        return outcome(code, [Issue(FHIR_ISSUE_CODES.get(code, "invalid"), f"{title}. {text}",
                                    severity="fatal" if code >= 500 else "error")]), code
    if request.path.startswith("/api/"):
        return jsonify({"errors": [f"{title}. {text}"]}), code
    if is_staff_path(request.path):  # staff pages are in English, with the staff header
        return render_template("staff/error.html", code=code, title=title, text=text), code
    return render_template("error.html", code=code, title=gettext(title),
                           text=gettext(text)), code


def register_error_pages(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_failed(exc: CSRFError) -> Any:
        """A form's token is checked before any view: a post after a time-out lands on
        the time-out page; a stale form in a live session is shown again (a GET, so Back
        never asks to resend); with no session at all, the answers are gone: say so. A
        post without a token or from elsewhere (the Referer check) is refused as it was."""
        if lands_on_timeout_page():
            return to_timeout_page()
        if (exc.description in STALE_TOKEN and "csrf_token" in session
                and request.blueprint in PATIENT_AREAS
                and request.url_rule is not None and "GET" in request.url_rule.methods):
            flash(gettext(STALE_FORM))
            return redirect(request.full_path.rstrip("?"), 303)
        if is_staff_path(request.path):
            return _page(400, N_("This page has expired"),
                         N_("For your safety, forms expire after a while. Please go back, "
                            "reload the page and try again."))
        return _page(400, N_("This page has expired"),
                     N_("For your safety, forms expire after a while, and answers are "
                        "cleared when the browser is closed or after a time without "
                        "activity. Please start again."))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        code = exc.code or 500
        title, text = MESSAGES.get(code, (exc.name, exc.description or ""))
        response = make_response(_page(code, title, text))
        for name, value in exc.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> tuple[Any, int]:
        # The type only: a message or traceback could quote an answer. Tests and debug
        # runs get the traceback.
        app.logger.error("Unhandled %s on a request", type(exc).__name__,
                         exc_info=app.debug or app.testing)
        return _page(500, *MESSAGES[500])
