"""Admin pages: staff accounts, the audit log (and its export), usage counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from ...i18n import N_
from ...store.accounts import AccountError
from ...store.audit import Action, as_csv, as_json_lines
from ...store.models import Role
from ...usage import EVENTS
from ..links import configured_url
from ..refused import keep, take
from ..watch import usage_csv_response, usage_values
from . import admin_only, bp, me, store
from .forms import AccountForm, ConfirmForm
from .refusals import account_refusal

AUDIT_PER_PAGE = 100
ROLES = {"nurse": N_("nurse"), "admin": N_("admin")}  # also the header's "(nurse)"
STATES = {"active": N_("active"), "setup pending": N_("setup pending"),
          "disabled": N_("disabled")}
CHANGES = {"enable": N_("Enable"), "reset": N_("Reset"), "disable": N_("Disable")}
CHANGED = {"enable": N_("%(email)s: enabled."), "disable": N_("%(email)s: disabled."),
           "reset": N_("%(email)s: reset.")}


def setup_link(token: str) -> str:
    """From SCREENER_BASE_URL, never the request's Host; without it, the path alone (the
    page then says what to put before it, as ``screener staff add`` does)."""
    return configured_url("staff.setup", token=token)


# What an accounts post leaves for the page's next GET (Post/Redirect/Get): the one-time
# setup link, shown once, or the email of a refused add, so Back and reload never post again.
KEPT = "staff_accounts_kept"


@bp.get("/admin/accounts")
@admin_only
def accounts() -> str:
    kept = take(KEPT) or {}
    link = kept.get("link")
    shown = (str(link[0]), str(link[1])) if isinstance(link, list) and len(link) == 2 else None
    form = AccountForm(formdata=None, data={
        "email": str(kept.get("email", ""))[:254],
        "role": "admin" if kept.get("role") == "admin" else "nurse"})
    return render_template("staff/accounts.html", form=form, link=shown,
                           people=store().accounts.all(), confirm=ConfirmForm(),
                           roles=ROLES, states=STATES, changes=CHANGES)


@bp.post("/admin/accounts")
@admin_only
def add_account() -> Response:
    form = AccountForm()
    typed = {"email": (form.email.data or "")[:254], "role": form.role.data or "nurse"}
    if not form.validate():
        flash(gettext("Enter an email and choose a role."))
        keep(KEPT, **typed)
        return redirect(url_for(".accounts"))
    try:
        staff, token = store().accounts.add(form.email.data or "", Role(form.role.data))
    except AccountError as exc:
        flash(gettext("Not added: %(reason)s.", reason=account_refusal(exc)))
        keep(KEPT, **typed)
        return redirect(url_for(".accounts"))
    store().audit.record(Action.ACCOUNT_CHANGE, staff_id=me().id,
                         detail=f"add {staff.role} {staff.email}")
    keep(KEPT, link=[staff.email, setup_link(token)])
    return redirect(url_for(".accounts"))


@bp.post("/admin/accounts/<account_id>/<change>")
@admin_only
def account_change(account_id: str, change: str) -> Response:
    if change not in ("disable", "enable", "reset") or not ConfirmForm().validate():
        abort(400)
    staff = store().accounts.get(account_id)
    if staff is None:
        abort(404)
    if staff.id == me().id and change != "enable":
        flash(gettext("You cannot disable or reset your own account here; ask another admin."))
        return redirect(url_for(".accounts"))
    token = None
    try:
        if change == "reset":
            staff, token = store().accounts.reset(staff.email)
        else:
            getattr(store().accounts, change)(staff.email)
    except AccountError as exc:
        flash(gettext("Not done: %(reason)s.", reason=account_refusal(exc)))
        return redirect(url_for(".accounts"))
    store().audit.record(Action.ACCOUNT_CHANGE, staff_id=me().id,
                         detail=f"{change} {staff.email}")
    if token:
        keep(KEPT, link=[staff.email, setup_link(token)])
    else:
        flash(gettext(CHANGED[change], email=staff.email))
    return redirect(url_for(".accounts"))


@bp.get("/admin/audit")
@admin_only
def audit() -> str:
    page = request.args.get("page", "1")
    page_number = int(page) if page.isdigit() and 0 < len(page) < 7 and int(page) else 1
    action = request.args.get("action", "")
    action = action if action in {str(a) for a in Action} else ""
    lines, total = store().audit.page((page_number - 1) * AUDIT_PER_PAGE, AUDIT_PER_PAGE,
                                      action or None)
    emails = {s.id: s.email for s in store().accounts.all()}
    return render_template("staff/audit.html", lines=lines, total=total, page=page_number,
                           pages=max(1, -(-total // AUDIT_PER_PAGE)), emails=emails,
                           actions=[str(a) for a in Action], action=action)


@bp.get("/admin/audit.<fmt>")
@admin_only
def audit_export(fmt: str) -> Response:
    if fmt not in ("csv", "jsonl"):
        abort(404)
    days = request.args.get("days", "90")
    since = datetime.now(UTC) - timedelta(days=int(days) if days.isdigit() and
                                          len(days) < 6 else 90)
    store().audit.record(Action.AUDIT_EXPORT, staff_id=me().id, detail=fmt)
    lines = store().audit.since(since)
    body = as_csv(lines) if fmt == "csv" else as_json_lines(lines)
    mimetype = "text/csv" if fmt == "csv" else "application/x-ndjson"
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="screener-audit.{fmt}"'})


@bp.get("/admin/usage")
@admin_only
def usage() -> str:
    return render_template("usage.html", events=EVENTS, layout="staff/base.html",
                           csv_url=url_for(".usage_csv"), **usage_values())


@bp.get("/admin/usage.csv")
@admin_only
def usage_csv() -> Response:
    return usage_csv_response()
