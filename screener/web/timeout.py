"""The one page a patient sees after a time-out: the answers were cleared, and why.

Past ``SESSION_IDLE_MINUTES`` without activity or ``SESSION_MAX_MINUTES`` in all,
``state.EncryptedCookieSessions`` drops the answers. The next patient request, whatever it
is (a page, a form post whose CSRF token went with the session), is sent here with a 303,
so no page ever claims the answers are kept and no post ends in an error page. The
nurse's intake page and the staff area keep their own notes.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Flask,
    Response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from ..catalogue.questions import PAGES

bp = Blueprint("timeout", __name__)

# The blueprints of the patient's own pages: a time-out there lands on the time-out page.
PATIENT_AREAS = frozenset({"patient", "handoff", "info"})
# Pages elsewhere that act on the answers: saving them after a time-out has none to save.
# (Continuing a saved screening is not one: its code still works with an old cookie.)
ANSWER_ENDPOINTS = frozenset({"saving.save"})


def lands_on_timeout_page() -> bool:
    """This request's session was just dropped for time, on a patient page."""
    return bool(getattr(session, "timed_out", False)) and (
        request.blueprint in PATIENT_AREAS or request.endpoint in ANSWER_ENDPOINTS)


def to_timeout_page() -> Response:
    return redirect(url_for("timeout.cleared"), 303)  # a post becomes a plain GET


def minutes(value: object) -> str:
    """A configured limit as people read it: ``20``, not ``20.0``."""
    number = float(str(value))
    return str(int(number)) if number.is_integer() else f"{number:g}"


def limits(app: Flask) -> dict[str, str]:
    """The patient session's real limits, for the pages that state them."""
    return {"idle_minutes": minutes(app.config["SESSION_IDLE_MINUTES"]),
            "max_minutes": minutes(app.config["SESSION_MAX_MINUTES"])}


@bp.get("/timed-out")
def cleared() -> str:
    """Said whether or not the visitor just timed out: the page only states what the
    screener does, and offers a fresh start."""
    return render_template("timed_out.html", first=PAGES[0])


def init_timeout(app: Flask) -> None:
    """The redirect for timed-out requests, and ``session_limits`` for every template (the
    landing, privacy and time-out pages state the configured limits, never a guess)."""
    stated = limits(app)
    app.context_processor(lambda: {"session_limits": stated})

    @app.before_request
    def send_timed_out_patients_to_one_page() -> Response | None:
        return to_timeout_page() if lands_on_timeout_page() else None
