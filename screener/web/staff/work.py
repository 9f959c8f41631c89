"""The nurse's work: the worklist, one submission, the call, notes, status, withdrawal and
exports. Each view and change writes an audit line (ids and action names, no health data).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from ...catalogue.answers import AnswersError, ValidAnswers, visible_questions
from ...catalogue.besttime import best_time_words
from ...catalogue.questions import QUESTIONS, RED_FLAG_GROUPS, STEPS
from ...clinictime import clinic_time
from ...engine.evaluate import Result
from ...exports.nurse import FIELD_NAMES, CallRecord, RecordParts, nurse_record, record_parts
from ...exports.registry import Source, Submission, find
from ...forms import form_class, form_data, read_answers
from ...i18n import N_
from ...store.audit import Action
from ...store.casework import OPEN, Event, Version
from ...store.models import Status
from ...store.reference import grouped
from ...store.submissions import Opened
from .. import refused
from ..extensions import screening
from . import bp, me, staff_locale, store
from .callback import call_back, language_name
from .forms import STATUS_LABELS, NoteForm, StatusForm, WithdrawForm
from .refusals import unreadable_reason

PER_PAGE = 50
# Who "took" a submission no one has worked on yet.
ONLINE = "the patient, online"
ALL_QUESTIONS = tuple(q for step in STEPS for q in step.questions)
# A refused call post, kept in the (encrypted) staff session until the page shows it once.
REFUSED_CALL = "call_refused"
NOTE_KEPT_BYTES = 1500
NOTE_CUT = N_("The call note was too long to keep in full when the page came back: its end "
              "was cut. Check it before saving.")
FILTERS = {"open": OPEN, "all": None, **{str(s): (s,) for s in Status}}


def _int_arg(name: str, default: int) -> int:
    value = request.args.get(name, "")
    return max(int(value), 1) if value.isdigit() and len(value) < 7 else default


@bp.get("/")
def worklist() -> Any:
    wanted = request.args.get("status", "open")
    if wanted not in FILTERS:
        wanted = "open"
    typed = request.args.get("code", "").strip()[:100]
    found = None
    if typed:
        sid = store().submissions.by_reference(typed)
        if sid is not None:
            return redirect(url_for(".submission", sid=sid))
        found = store().submissions.search(typed)  # by name or phone, never decrypting
        if not found:
            flash(gettext("No submission has that reference code, name or phone number. It "
                          "may have expired or been withdrawn, or a character may be "
                          "mistyped."))
            found = None
    page = _int_arg("page", 1)
    items, total = store().casework.worklist(FILTERS[wanted], (page - 1) * PER_PAGE, PER_PAGE,
                                             only=found)
    store().audit.record(Action.VIEW, staff_id=me().id, detail=(
        f"search {len(found)} found" if found else f"worklist {wanted} p{page}"))
    pages = max(1, -(-total // PER_PAGE))
    nurse = staff_locale()
    return render_template("staff/worklist.html", items=items, total=total, page=page,
                           pages=pages, wanted=wanted, counts=store().casework.counts(),
                           labels=STATUS_LABELS, typed=typed, now=datetime.now(UTC),
                           searched=found is not None,
                           calls={item.id: call_back(item, nurse) for item in items},
                           codes={item.id: grouped(item.reference or "") for item in items})


def _opened(sid: str) -> Opened:
    if len(sid) > 32:
        abort(404)
    opened = store().submissions.open(sid)
    if opened is None:
        abort(404)
    return opened


def _current(opened: Opened) -> tuple[dict[str, Any] | None, Version | None, list[Version]]:
    first = (opened.answers, None if opened.answers is not None else opened.unreadable)
    versions = store().casework.versions(opened.id, first)
    latest = versions[-1] if versions else None
    return (latest.answers if latest else None), latest, versions


def _unreadable(opened: Opened, versions: list[Version]) -> str | None:
    """Why part of the record cannot be opened ("key missing"), or None."""
    return opened.unreadable or next((v.unreadable for v in versions if v.unreadable), None)


def _readable_or_back(opened: Opened, versions: list[Version]) -> None:
    """Stop a call or an export of a record that cannot be read, back on its page."""
    reason = _unreadable(opened, versions)
    if reason:
        flash(gettext("This submission cannot be read: %(reason)s.",
                      reason=unreadable_reason(reason)))
        abort(redirect(url_for(".submission", sid=opened.id)))


def _differences(opened: Opened, result_now: Result | None) -> dict[str, list[str]] | None:
    """What today's rules show differently from what the patient saw, by topic title."""
    if opened.guidance is None or opened.answers is None or result_now is None:
        return None
    topics = screening().rules.topics
    then, now = set(opened.guidance), {t.id for t in result_now.topics}
    if then == now:
        return {"added": [], "removed": []}

    def title(topic_id: str) -> str:
        topic = topics.get(topic_id)
        return topic.title.in_locale(staff_locale()) if topic else topic_id

    return {"added": sorted(title(t) for t in now - then),
            "removed": sorted(title(t) for t in then - now)}


@bp.get("/submissions/<sid>")
def submission(sid: str) -> Any:
    opened = _opened(sid)
    answers, latest, versions = _current(opened)
    unreadable = _unreadable(opened, versions)
    shown = None if unreadable else (
        versions[0] if request.args.get("version") == "1" and versions else latest)
    nurse = staff_locale()  # the nurse reads the guidance in the nurse's language
    result = screening().evaluate_stored(shown.answers, nurse) if shown else None
    patient_now = None  # the patient's own answers under today's rules, evaluated once
    if opened.answers is not None and versions and not unreadable:
        patient_now = (result if shown is versions[0]
                       else screening().evaluate_stored(versions[0].answers, nurse))
    store().audit.record(Action.VIEW, staff_id=me().id, submission_id=opened.id)
    history = store().casework.history(opened.id)
    record = None
    if shown is not None and result is not None and shown is latest:
        record = _record_text(opened, shown, result, history)[0]
    return render_template(
        "staff/submission.html", record=record, s=opened,
        code=grouped(opened.reference or "") or None,
        shown=shown, versions=versions, result=result, steps=STEPS, questions=QUESTIONS,
        visible={q.id for q in visible_questions(shown.answers)} if shown else set(),
        field_names=FIELD_NAMES, history=history,
        differences=_differences(opened, patient_now),
        today_version=screening().rules.version, labels=STATUS_LABELS,
        status_form=StatusForm(status=str(opened.status)), note_form=NoteForm(),
        withdraw_form=WithdrawForm(), live=opened.status is not Status.WITHDRAWN,
        unreadable=unreadable, patient_language=language_name(opened.language, nurse),
        best_time=best_time_words(opened.contact.best_time, nurse) if opened.contact else "")


@bp.route("/submissions/<sid>/call", methods=["GET", "POST"])
def call(sid: str) -> Any:
    """The intake page, prefilled with the latest answers; saving makes a new version."""
    opened = _opened(sid)
    answers, latest, versions = _current(opened)
    _readable_or_back(opened, versions)
    if answers is None or latest is None:
        flash(gettext("This submission was withdrawn: there are no answers to confirm."))
        return redirect(url_for(".submission", sid=sid))
    form_type = form_class(ALL_QUESTIONS)
    status_form = StatusForm(prefix="outcome", status=str(
        Status.CONTACTED if opened.status is Status.NEW else opened.status))
    note_form = NoteForm(prefix="call")
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = form_type()
        expired = not form.validate()
        if not expired:
            corrected, errors = read_answers(form, ALL_QUESTIONS, {}, require=True)
            if not errors:
                return _save_call(opened, answers, corrected, status_form, note_form)
        # Refused: the page comes back by GET, so Back and reload never ask to resend.
        note, cut = _kept_note(note_form.note.data or "")
        refused.keep(REFUSED_CALL, sid=opened.id, expired=expired, note=note, cut=cut,
                     status=str(status_form.status.data)[:40],
                     answers=refused.kept_answers(ALL_QUESTIONS, request.form))
        return redirect(url_for(".call", sid=opened.id), 303)
    kept = refused.take(REFUSED_CALL)
    if kept is not None and kept.get("sid") == opened.id:  # its messages, once
        form = form_type(formdata=refused.as_formdata(kept.get("answers"), ALL_QUESTIONS))
        if form.validate():
            errors = read_answers(form, ALL_QUESTIONS, {}, require=True)[1]
        if kept.get("expired") is True:
            errors["form"] = gettext("This page had expired. Check the answers and save again.")
        if kept.get("cut") is True:
            errors["note"] = gettext(NOTE_CUT)
        if kept.get("status") in STATUS_LABELS:
            status_form = StatusForm(prefix="outcome", status=kept["status"])
        note_form = NoteForm(prefix="call", note=str(kept.get("note") or ""))
    else:
        form = form_type(data=form_data(answers))
    store().audit.record(Action.VIEW, staff_id=me().id, submission_id=opened.id,
                         detail="call")
    parts, record = _call_record(opened, latest, status_form, note_form)
    return render_template("staff/call.html", s=opened, form=form, errors=errors,
                           steps=STEPS, questions=QUESTIONS, latest=latest,
                           status_form=status_form, note_form=note_form,
                           parts=parts, record=record, no_outcome=str(Status.NEW),
                           code=grouped(opened.reference or ""), field_names=FIELD_NAMES,
                           red_flag_script=tuple(g.say for g in RED_FLAG_GROUPS),
                           best_time=best_time_words(opened.contact.best_time, staff_locale())
                           if opened.contact else ""), (
        422 if errors else 200)


def _kept_note(note: str) -> tuple[str, bool]:
    """The call note as a refused post keeps it: whole, unless it would swell the staff
    cookie past what a browser keeps (4 KB); then cut, and the page says so."""
    kept = note.encode()[:NOTE_KEPT_BYTES].decode(errors="ignore")
    return kept, kept != note


def _call_record(opened: Opened, latest: Version, status_form: StatusForm,
                 note_form: NoteForm) -> tuple[RecordParts, str]:
    """The record as it will read once this call is saved (taken by this nurse, now), in
    parts the page's script fills with the outcome and the note as they are typed
    (static/record.js), and as text with those the form holds (no script: they go in
    with the form post)."""
    call = replace(_staff_record(opened, latest, store().casework.history(opened.id)),
                   started=datetime.now(UTC), nurse=me().email, note="")
    result = screening().evaluate_stored(latest.answers, staff_locale())
    parts = record_parts(result, latest.answers, call, current_app.config["TIMEZONE"],
                         staff_locale())
    parts = replace(parts, first=parts.first.replace("{nurse}", call.nurse))
    chosen = status_form.status.data or ""
    outcome = "" if chosen not in STATUS_LABELS or chosen == str(Status.NEW) \
        else gettext(STATUS_LABELS[chosen])
    return parts, parts.text(call.nurse, outcome, (note_form.note.data or "").strip())


def _save_call(opened: Opened, before: dict[str, Any], corrected: dict[str, Any],
               status_form: StatusForm, note_form: NoteForm) -> Response:
    casework, audit, staff = store().casework, store().audit, me()
    done = []
    if corrected != before:
        number = casework.save_version(opened.id, staff.id, corrected)
        if number is None:
            abort(404)
        audit.record(Action.EDIT, staff_id=staff.id, submission_id=opened.id,
                     detail=f"version {number}")
        done.append(gettext("answers saved as version %(number)s", number=number))
    note = (note_form.note.data or "").strip()[:2000]
    if note and casework.add_note(opened.id, staff.id, note):
        audit.record(Action.NOTE, staff_id=staff.id, submission_id=opened.id)
        done.append(gettext("call note added"))
    status = Status(status_form.status.data) if status_form.status.data in STATUS_LABELS \
        and status_form.status.data != "withdrawn" else None
    if status is not None and status is not opened.status:
        casework.set_status(opened.id, staff.id, status)
        audit.record(Action.STATUS_CHANGE, staff_id=staff.id, submission_id=opened.id,
                     detail=str(status))
        done.append(gettext("status %(status)s", status=gettext(STATUS_LABELS[str(status)])))
    flash(gettext("Saved: %(done)s.", done=", ".join(done)) if done
          else gettext("Nothing had changed."))
    return redirect(url_for(".submission", sid=opened.id))


@bp.post("/submissions/<sid>/status")
def status(sid: str) -> Response:
    opened = _opened(sid)
    form = StatusForm()
    if form.validate() and opened.status is not Status.WITHDRAWN:
        new = Status(form.status.data)
        if new is not opened.status and store().casework.set_status(opened.id, me().id, new):
            store().audit.record(Action.STATUS_CHANGE, staff_id=me().id,
                                 submission_id=opened.id, detail=str(new))
            flash(gettext("Status changed to %(status)s.",
                          status=gettext(STATUS_LABELS[str(new)])))
    else:
        flash(gettext("The status was not changed. Try again."))
    return redirect(url_for(".submission", sid=sid))


@bp.post("/submissions/<sid>/notes")
def note(sid: str) -> Any:
    opened = _opened(sid)
    form = NoteForm()
    if form.validate() and store().casework.add_note(opened.id, me().id,
                                                     (form.note.data or "").strip()):
        store().audit.record(Action.NOTE, staff_id=me().id, submission_id=opened.id)
        flash(gettext("Note added."))
    else:
        flash(gettext("Write the note first."))
    return redirect(url_for(".submission", sid=sid) + "#history-title")


@bp.post("/submissions/<sid>/withdraw")
def withdraw(sid: str) -> Response:
    opened = _opened(sid)
    form = WithdrawForm()
    if not form.validate():
        flash(gettext("Tick the box to confirm the caller asked to withdraw."))
        return redirect(url_for(".submission", sid=sid) + "#withdraw-title")
    store().submissions.withdraw(opened.id, staff_id=me().id)
    flash(gettext("Withdrawn: the caller's answers, contact details and notes are erased."))
    return redirect(url_for(".submission", sid=sid))


def _staff_record(opened: Opened, latest: Version, history: list[Event]) -> CallRecord:
    """The submission as the nurse record has it: the last thing staff did to it (a call
    saved, a status, a note) is who and when, the status is the outcome, the latest note
    is the note; the contact details are the ones the patient gave."""
    done = [e for e in history if e.by and e.kind in ("version", "status", "note")]
    last = done[-1] if done else None
    notes = [e.text for e in done if e.kind == "note" and e.text]
    contact = opened.contact
    return CallRecord(
        grouped(opened.reference or "") or "-", last.at if last else opened.created_at,
        (last.by or "") if last else ONLINE,
        "" if opened.status is Status.NEW else STATUS_LABELS[str(opened.status)],
        notes[-1] if notes else "", name=contact.name if contact else "",
        phone=contact.phone if contact else "",
        best_time=contact.best_time if contact else "", version=str(latest.number))


def _record_text(opened: Opened, latest: Version, result: Result,
                 history: list[Event] | None = None) -> tuple[str, CallRecord]:
    """The nurse record of the latest answers (``result`` is theirs, in any language), in
    the staff pages' language."""
    record = _staff_record(opened, latest, history or store().casework.history(opened.id))
    return nurse_record(result, latest.answers, record, current_app.config["TIMEZONE"],
                        staff_locale()), record


def _export_source(sid: str) -> tuple[Opened, ValidAnswers, Result, Version]:
    opened = _opened(sid)
    answers, latest, versions = _current(opened)
    _readable_or_back(opened, versions)
    if answers is None or latest is None:
        abort(404)
    try:
        valid = screening().valid(answers, complete=False)
    except AnswersError:
        abort(404)
    result = screening().evaluate_stored(valid, opened.language)
    return opened, valid, result, latest


@bp.get("/submissions/<sid>/<slug>.<ext>")
def export(sid: str, slug: str, ext: str) -> Response:
    """A submission as one of the formats registered for staff (``summary.txt``, the nurse
    record the page's "Copy" gives; ``fhir.json``, with that record; the rule trace),
    headed by its reference code; audited with the format's name."""
    chosen = find("staff", slug, ext) or abort(404)
    opened, answers, result, latest = _export_source(sid)
    record = _staff_record(opened, latest, store().casework.history(opened.id))
    code = grouped(opened.reference or "")
    zone = current_app.config["TIMEZONE"]
    sent = Submission(code, opened.created_at, clinic_time(opened.created_at, zone),
                      str(latest.number), opened.ruleset_version, answered_at=latest.at,
                      author=latest.by)
    body = chosen.render(Source(answers, result, submission=sent, call=record, zone=zone,
                                locale=staff_locale(),
                                canonical=current_app.config["FHIR_CANONICAL"]))
    store().audit.record(Action.EXPORT, staff_id=me().id, submission_id=opened.id,
                         detail=chosen.name)
    response = Response(body, mimetype=chosen.media_type)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="screening-{code or opened.id}.{chosen.extension}"')
    return response
