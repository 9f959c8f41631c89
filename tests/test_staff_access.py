"""Who may reach what in the staff area: every route, every method, every kind of caller.

The map of routes is read from the app itself, so a new staff route is in the matrix the
day it is added, and must be given its expected answers here.
"""

from __future__ import annotations

import re
import secrets

import pytest

from screener.store.models import new_submission_id

from .staffkit import make_person, sign_in

# Reachable without signing in, and what they answer to an empty request.
OPEN = {("staff.sign_in", "GET"): 200, ("staff.sign_in", "POST"): 303,  # refused: its page by GET
        ("staff.second_factor", "GET"): 302, ("staff.second_factor", "POST"): 302,
        ("staff.setup", "GET"): 410, ("staff.setup", "POST"): 410}
ADMIN = {"staff.accounts", "staff.add_account", "staff.account_change", "staff.audit",
         "staff.audit_export", "staff.usage", "staff.usage_csv"}
SIGNED_IN = {"staff.worklist", "staff.submission", "staff.call", "staff.status", "staff.note",
             "staff.withdraw", "staff.export", "staff.sign_out", "staff.language"}


def staff_routes(app) -> list[tuple[str, str, str]]:
    """(endpoint, method, rule) for every staff route; signing out comes last."""
    found = [(rule.endpoint, method, rule.rule) for rule in app.url_map.iter_rules()
             if rule.rule.startswith("/staff")
             for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return sorted(found, key=lambda r: (r[0] == "staff.sign_out", r))


def url_for_rule(rule: str, sid: str, account_id: str) -> str:
    values = {"sid": sid, "token": "not-a-real-token", "account_id": account_id,
              "change": "disable", "fmt": "csv", "slug": "summary", "ext": "txt"}
    url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], rule)
    return url.replace("summary.csv", "summary.txt").replace("fhir.csv", "fhir.json")


def test_every_staff_route_is_in_the_matrix(staff_app):
    endpoints = {endpoint for endpoint, _, _ in staff_routes(staff_app)}
    assert endpoints == {e for e, _ in OPEN} | ADMIN | SIGNED_IN


@pytest.fixture
def world(staff_app, sent):
    sid, _ = sent(1)
    target = make_person(staff_app, "target@riverside.example")
    return sid, target.id


def expected(caller: str, endpoint: str, method: str) -> str:
    if (endpoint, method) in OPEN:
        return str(OPEN[endpoint, method])
    if caller in ("anonymous", "disabled"):
        return "sign-in"
    if endpoint in ADMIN and caller == "nurse":
        return "403"
    return "allowed"


def answer(response) -> str:
    """"sign-in" when sent to sign in first (with the page to come back to)."""
    location = response.headers.get("Location", "")
    if response.status_code == 302 and "/staff/sign-in?next=" in location:
        return "sign-in"
    if response.status_code in (401, 403, 404, 405, 410) or response.status_code >= 500:
        return str(response.status_code)
    return "allowed"


@pytest.mark.parametrize("caller", ["anonymous", "nurse", "admin", "disabled"])
def test_access_matrix(staff_app, store, world, caller):
    sid, target = world
    client = staff_app.test_client()
    if caller != "anonymous":
        person = make_person(staff_app, f"{caller}@matrix.example",
                             "admin" if caller == "admin" else "nurse")
        sign_in(client, person)
        if caller == "disabled":
            store.accounts.disable(person.email)
    seen = {}
    for endpoint, method, rule in staff_routes(staff_app):
        url = url_for_rule(rule, sid, target)
        response = client.open(url, method=method)
        got = answer(response)
        if (endpoint, method) in OPEN:
            got = str(response.status_code)
        seen[endpoint, method] = got
    wanted = {(e, m): expected(caller, e, m) for e, m, _ in staff_routes(staff_app)}
    assert seen == wanted


def test_a_nurse_cannot_reach_admin_pages_by_url(nurse_client):
    for path in ("/staff/admin/accounts", "/staff/admin/audit", "/staff/admin/audit.csv",
                 "/staff/admin/usage", "/staff/admin/usage.csv"):
        assert nurse_client.get(path).status_code == 403, path


def test_submission_ids_are_unguessable(nurse_client, sent):
    ids = [sent(n)[0] for n in range(20)]
    assert len(set(ids)) == 20
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{22}", sid) for sid in ids)  # 128 random bits
    for guess in (new_submission_id(), "1", "0" * 22, ids[0][:-1] + "x", secrets.token_hex(8),
                  "../admin/accounts", "x" * 200):
        if guess in ids:
            continue
        assert nurse_client.get(f"/staff/submissions/{guess}").status_code == 404, guess


def test_staff_account_ids_are_unguessable(admin_client, store):
    first = store.accounts.add("a1@x.example", "nurse")[0].id
    second = store.accounts.add("a2@x.example", "nurse")[0].id
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", first) and first[:8] != second[:8]
    response = admin_client.post(f"/staff/admin/accounts/{new_submission_id()}/disable")
    assert response.status_code == 404


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize("wanted, lands_on", [
    ("/staff/?status=all", "/staff/?status=all"),
    ("/\t/evil.example", "/staff/"), ("/staff/\t/evil.example", "/staff/"),
    ("//evil.example/staff/", "/staff/"), ("/\\evil.example", "/staff/"),
    ("https://evil.example/staff/", "/staff/"), ("javascript:alert(1)", "/staff/"),
])
def test_signing_in_returns_only_to_a_staff_page_of_this_site(staff_app, nurse, wanted,
                                                              lands_on):
    from .staffkit import PASSWORD

    client = staff_app.test_client()
    asked = client.post("/staff/sign-in", query_string={"next": wanted},
                        data={"email": nurse.email, "password": PASSWORD})
    done = client.post(asked.location, data={"code": nurse.code()})
    assert done.status_code == 302 and done.location == lands_on
