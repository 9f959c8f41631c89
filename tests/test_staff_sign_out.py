"""Signing out ends the staff session on the server: a copy of the cookie taken before
(a shared clinic computer, the same address and browser) gets the sign-in page after
sign-out, a disable or a reset. Sign-out ends every session of that account. Both
database backends."""

from __future__ import annotations

import pytest

from screener.web.state import STAFF_COOKIE

from .staffkit import make_person, sign_in


def copy_of(client, staff_app):
    """Another browser holding a copy of ``client``'s staff cookie."""
    cookie = client.get_cookie(STAFF_COOKIE, path="/staff")
    assert cookie is not None
    other = staff_app.test_client()
    other.set_cookie(STAFF_COOKIE, cookie.value, path="/staff")
    return other


def is_signed_out(client) -> bool:
    """The worklist sends it to the sign-in page, which then shows its form."""
    response = client.get("/staff/")
    if response.status_code != 302 or "/staff/sign-in" not in response.headers["Location"]:
        return False
    page = client.get(response.headers["Location"])
    return page.status_code == 200 and 'name="password"' in page.get_data(as_text=True)


def test_a_copied_cookie_works_only_until_sign_out(staff_app, nurse_client):
    copied = copy_of(nurse_client, staff_app)
    assert copied.get("/staff/").status_code == 200  # the copy is as good as the original
    assert nurse_client.post("/staff/sign-out").status_code == 302
    assert is_signed_out(copied)
    assert is_signed_out(nurse_client)


@pytest.mark.parametrize("ending", ["disable", "reset"])
def test_disable_and_reset_end_every_copy(staff_app, store, nurse, nurse_client, ending):
    copied = copy_of(nurse_client, staff_app)
    assert copied.get("/staff/").status_code == 200
    getattr(store.accounts, ending)(nurse.email)
    assert is_signed_out(copied) and is_signed_out(nurse_client)


def test_an_admin_disabling_an_account_ends_its_sessions(staff_app, nurse, nurse_client,
                                                         admin_client):
    copied = copy_of(nurse_client, staff_app)
    response = admin_client.post(f"/staff/admin/accounts/{nurse.id}/disable")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert is_signed_out(copied) and is_signed_out(nurse_client)


def test_signing_out_ends_the_accounts_other_sessions_and_a_new_sign_in_works(
        staff_app, nurse, nurse_client):
    """The decision: sign-out ends every session of that account, on every computer."""
    elsewhere = staff_app.test_client()
    sign_in(elsewhere, nurse)
    colleague = make_person(staff_app, "colleague@riverside.example")
    other_account = staff_app.test_client()
    sign_in(other_account, colleague)
    nurse_client.post("/staff/sign-out")
    assert is_signed_out(elsewhere)
    assert other_account.get("/staff/").status_code == 200  # nobody else's
    sign_in(elsewhere, nurse)
    assert elsewhere.get("/staff/").status_code == 200


# The attack as reported: the app under gunicorn over HTTPS, CSRF on, a real HTTP client.


@pytest.fixture(scope="module")
def served(tmp_path_factory, tls):
    """(base URL, a Store over the served app's database)."""
    from screener.store.service import Store

    from .conftest import TEST_DATA_KEYS, start_handoff_server
    from .servers import SECRET

    server, url = start_handoff_server(tmp_path_factory.mktemp("sign-out"), tls)
    store = Store(url, TEST_DATA_KEYS[0], SECRET)
    yield server.base, store
    store.dispose()
    server.stop()


def test_a_copied_cookie_is_refused_after_sign_out_over_https(served, https):
    import requests

    from screener.store.submissions import Contact, NewSubmission

    from .conftest import COMPLETE_ANSWERS
    from .staffkit import csrf_of, make_person_in

    base, store = served
    nurse = make_person_in(store, "served-nurse@riverside.example")
    sid, _, _ = store.submissions.create(NewSubmission(
        answers=dict(COMPLETE_ANSWERS), urgent=False, contact=Contact("Ana", "555 0101", ""),
        note="", language="en", ruleset_version="r", consent_version="c"), "v" * 32, 30)
    https.headers["Referer"] = f"{base}/staff/"  # as a browser sends it (CSRF over HTTPS)
    token = csrf_of(https.get(f"{base}/staff/sign-in").text)
    https.post(f"{base}/staff/sign-in", data={"email": nurse.email, "password": nurse.password,
                                              "csrf_token": token})
    code_page = https.get(f"{base}/staff/sign-in/code").text
    signed_in = https.post(f"{base}/staff/sign-in/code",
                           data={"code": nurse.code(), "csrf_token": csrf_of(code_page)})
    assert signed_in.url == f"{base}/staff/", (signed_in.status_code, signed_in.text[:3000])
    copied = https.cookies.get(STAFF_COOKIE, path="/staff")
    paths = ["/staff/", f"/staff/submissions/{sid}", f"/staff/submissions/{sid}/summary.txt",
             f"/staff/submissions/{sid}/fhir.json"]

    def replay() -> list[int]:
        with requests.Session() as thief:
            thief.trust_env, thief.verify = False, https.verify
            return [thief.get(base + path, headers={"Cookie": f"{STAFF_COOKIE}={copied}"},
                              allow_redirects=False).status_code for path in paths]

    assert replay() == [200] * len(paths)
    signed_out = https.post(f"{base}/staff/sign-out",
                            data={"csrf_token": csrf_of(signed_in.text)})
    assert signed_out.url == f"{base}/staff/sign-in", signed_out.url
    assert replay() == [302] * len(paths)
