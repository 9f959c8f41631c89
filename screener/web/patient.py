"""The patient flow: landing, one question per page, review, result and print view.

Thin views over ``wizard`` (pure flow functions), ``forms`` (catalogue-built forms) and
``evaluate``. Every POST redirects; every dead end (missing session, a step out of order)
redirects politely with a note instead of failing.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask_babel import format_date, gettext
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import TooManyRequests

from ..catalogue.answers import (
    ends_early,
    offered_values,
    prune,
    visible_pages,
    visible_steps,
)
from ..catalogue.questions import (
    PAGE_BY_ID,
    PAGE_OF,
    PAGES,
    PARTS,
    QUESTIONS,
    URGENT_VALUES,
    Page,
    is_emergency,
    part_of,
)
from ..catalogue.split import merged, pages_sharing, shown_as_chosen
from ..catalogue.wizard import Flow, urgent_flags
from ..exports.registry import Source, find
from ..exports.render import answered_rows
from ..forms import form_class, form_data, read_answers
from ..i18n import N_
from ..service.screening import Finished, Incomplete
from . import refused as refused_posts
from .exports import attachment, dated_name, render_pdf
from .extensions import screening
from .links import local_path
from .locale import current_locale
from .pdf import BUSY_RETRY_AFTER, Busy, PdfMaker
from .state import clear_state, load_state, save_state

bp = Blueprint("patient", __name__)


@bp.record_once
def _bound_pdf(state: BlueprintSetupState) -> None:
    """The PDF maker, from checked settings: render slots shared by the workers forked
    from this app, and a cache in each worker's memory."""
    state.app.extensions["screener.pdf"] = PdfMaker(
        render_pdf, state.app.config["PDF_CONCURRENCY"], state.app.config["PDF_CACHE_SIZE"])

# "Why we ask" folds into a disclosure on a page with this many choices or more, so a
# long list stays within two phone screens (bench/phone.py).
FOLD_HELP_FROM = 6
# A refused post, kept in the (encrypted) session until the page shows it once by GET.
REFUSED_POST = "refused_post"

LOST_SESSION = N_("We could not find your earlier answers. They are cleared when the browser "
                  "is closed, or after a time without activity. Please start again.")


def _restart_politely() -> Response:
    """Back to the start with a note (unless the note about idle time is already there)."""
    clear_state()
    if not getattr(session, "timed_out", False):
        flash(gettext(LOST_SESSION))
    return redirect(url_for("patient.landing"))


@bp.get("/")
def landing() -> str:
    return render_template("landing.html", first=PAGES[0],
                           minutes=screening().reading_minutes(current_locale()))


@bp.route("/step/<step_id>", methods=["GET", "POST"])
def step(step_id: str) -> Any:
    current = PAGE_BY_ID.get(step_id) or abort(404)
    state = load_state()
    if state is None and current is not PAGES[0]:
        return _restart_politely()
    answers, done = state or ({}, [])
    flow = Flow(answers, done)
    if not flow.may_open(current):
        target = flow.first_incomplete
        if target is None:
            return redirect(url_for(".result"))
        flash(gettext("Please answer this part first."))
        return redirect(url_for(".step", step_id=target.id))
    returning = request.args.get("return") == "review"
    form_type = form_class(current.questions)
    refused = _refused_post(current) if request.method == "GET" else None
    if refused is not None:  # the page again after a post it refused: Post/Redirect/Get
        form = form_type(formdata=refused)
    elif request.method == "POST":
        form = form_type()
    else:
        data = form_data(answers)
        if current.split:
            data[current.question] = shown_as_chosen(current, answers, done)
        form = form_type(data=data)
    errors: dict[str, str] = {}
    if (request.method == "POST" or refused is not None) and form.validate():
        earlier = answers
        answers, errors = read_answers(form, current.questions, answers,
                                       only=current.choices or None)
        if not errors and request.method == "POST":
            if current.split:
                answers = prune(answers | {current.question: merged(
                    current, answers[current.question], earlier.get(current.question))})
            done = [d for d in done if d != current.id] + [current.id]
            save_state(answers, done)
            flow = Flow(answers, done)
            _, following = flow.neighbours(current)
            if (current.split and urgent_flags(answers) and not is_emergency(
                    answers.get("red_flags")) and following is not None
                    and following.question != current.question):
                return redirect(url_for(".urgent_care", then="review" if returning else None))
            return redirect(_after(current, flow, returning))
    if request.method == "POST":
        # Refused: the page comes back by GET, so Back and reload never ask to resend.
        refused_posts.keep(REFUSED_POST, page=current.id,
                           values=refused_posts.kept_answers(current.questions, request.form))
        return redirect(url_for(".step", step_id=current.id,
                                **({"return": "review"} if returning else {})), 303)
    number, title = part_of(current)
    back, _ = flow.neighbours(current)
    values = current.choices or offered_values(QUESTIONS[current.question], answers)
    return render_template(
        "step.html", page=current, form=form, errors=errors, questions=QUESTIONS,
        number=number, total=len(PARTS), part_title=title, returning=returning,
        values=values, fold_help=len(values) >= FOLD_HELP_FROM,
        back_url=url_for(".review") if returning else
        (url_for(".step", step_id=back.id) if back else url_for(".landing")),
    ), (422 if errors or form.errors else 200)


def _refused_post(current: Page) -> MultiDict[str, str] | None:
    """What was sent in a post this page refused, once, with a fresh CSRF token, so the
    page shows the same choices and the same messages; nothing when it was another page."""
    kept = refused_posts.take(REFUSED_POST)
    if kept is None or kept.get("page") != current.id:
        return None
    return refused_posts.as_formdata(kept.get("values"), current.questions)


def _after(current: Page, flow: Flow, returning: bool) -> str:
    _, following = flow.neighbours(current)
    if following is None and ends_early(flow.answers):
        return url_for(".result")  # an emergency, or an under-18: the result at once
    if returning:
        if following is not None and following.question == current.question:
            # "Change" on the review opens the first of a list's pages: the rest follow.
            return url_for(".step", step_id=following.id, **{"return": "review"})
        # A changed answer may open a page not yet answered ("Yes" to past surgery): that
        # page next, and then back to the review.
        missing = flow.first_incomplete
        return (url_for(".step", step_id=missing.id, **{"return": "review"}) if missing
                else url_for(".review"))
    return url_for(".step", step_id=following.id) if following else url_for(".review")


@bp.get("/see-a-doctor-soon")
def urgent_care() -> Any:
    """The card shown after step 1 when an urgent (not emergency) symptom was chosen."""
    state = load_state()
    if state is None:
        return _restart_politely()
    answers, done = state
    if is_emergency(answers.get("red_flags")):  # never "soon" for an emergency
        return redirect(url_for(".result"))
    flags = urgent_flags(answers)
    if not flags or any(p.id not in done for p in pages_sharing(PAGES[0])):
        return redirect(url_for(".step", step_id=PAGES[0].id))
    after = [p for p in visible_pages(answers) if p.question != PAGES[0].question]
    following = (url_for(".review") if request.args.get("then") == "review" or not after
                 else url_for(".step", step_id=after[0].id))
    early = screening().evaluate({"red_flags": answers["red_flags"]}, current_locale())
    return render_template(
        "urgent_care.html", result=early, following=following,
        topics=[t for t in early.topics if t.category == "urgent"],
        chosen=[QUESTIONS["red_flags"].label_of(v) for v in answers["red_flags"]
                if v in URGENT_VALUES])


@bp.app_errorhandler(Incomplete)
def _not_finished(exc: Incomplete) -> Response:
    """The one answer to unfinished answers, wherever they were asked for: the first page
    still to answer, or the start. From the review, a page that a changed answer opened
    keeps the way back to the review: the person has been past it (a later page is done),
    unlike someone jumping ahead."""
    if exc.page is None:
        return _restart_politely()
    flash(gettext("Please answer this part first."))
    back = {"return": "review"} if exc.from_review else {}
    return redirect(url_for("patient.step", step_id=exc.page.id, **back))


def _finished() -> Finished:
    """The complete answers and their result, or ``Incomplete`` (see ``_not_finished``)."""
    return screening().finish(load_state(), current_locale())


@bp.get("/review")
def review() -> Any:
    answers = screening().complete(load_state(), from_review=True)
    if ends_early(answers):
        return redirect(url_for(".result"))
    rows = answered_rows(answers, current_locale(), unanswered=gettext("Not answered"))
    return render_template("review.html", rows=rows, steps=visible_steps(answers),
                           page_of=PAGE_OF)


def _result_page(template: str) -> Any:
    answers, result = _finished()
    if result.stopped and template == "result.html":
        template = "emergency.html"
    # The emergency result repeats what was ticked, so the person can say it on the phone.
    ticked = [QUESTIONS["red_flags"].label_of(v) for v in answers.get("red_flags", ())
              if v != "none"]
    return render_template(template, result=result, rows=answered_rows(answers, current_locale()),
                           today=format_date(date.today(), "long"), ticked=ticked)


@bp.get("/result")
def result() -> Any:
    return _result_page("result.html")


@bp.get("/result/print")
def print_view() -> Any:
    return _result_page("print.html")


@bp.get("/result/summary.<fmt>")
def summary(fmt: str) -> Any:
    """The patient's downloads: the formats registered for patients (text and PDF; JSON
    stays for the API and staff). A format past its bounds (the PDF's limit or render
    slots) gets a page that says when to try again (the answers stay in the session)."""
    chosen = find("patient", "summary", fmt) or abort(404)
    answers, result = _finished()
    try:
        body = chosen.render(Source(answers, result))
    except TooManyRequests as exc:
        return _pdf_refused(429, exc.retry_after or 60)  # type: ignore[arg-type]
    except Busy:
        return _pdf_refused(503, BUSY_RETRY_AFTER)
    return attachment(body, chosen, dated_name(chosen))


def _pdf_refused(status: int, retry_after: int) -> Response:
    response = Response(render_template("pdf_wait.html", busy=status == 503), status)
    response.headers["Retry-After"] = str(retry_after)
    return response


@bp.get("/restart")
def confirm_restart() -> str:
    """Start over asks first, without script: a page with a confirm button."""
    return render_template("restart.html", back=local_path(request.args.get("back"),
                                                          url_for(".landing")))


@bp.post("/restart")
def restart() -> Response:
    clear_state()
    flash(gettext("Your answers have been cleared."))
    return redirect(url_for(".landing"))
