"""Throttle, don't lock out: wrong passwords and codes slow down that email from that
address, never its owner from another one; the account's failures are capped (NIST SP
800-63B 5.2.2) for addresses it never signed in from; every refused attempt is audited
with the account it aimed at. Both database backends."""

from __future__ import annotations

import re

import pytest

from screener.web.clientkey import client_key
from screener.web.ratelimit_storage import limit_storage
from screener.web.staff.throttle import FIRST_WAIT, SignInThrottle

from .staffkit import PASSWORD, shown, sign_in

ATTACKER, OWNER, ELSEWHERE = "203.0.113.66", "198.51.100.7", "192.0.2.44"


def from_address(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def alert(response) -> str:
    found = re.search(r'role="alert".*?<p>(.*?)</p>', response.get_data(as_text=True), re.S)
    assert found, response.get_data(as_text=True)[:500]
    return found.group(1)


def failed_lines(store) -> list:
    lines, _ = store.audit.page(limit=10_000, action="failed-sign-in")
    return lines


def try_password(client, email: str, password: str):
    return shown(client, client.post("/staff/sign-in",
                                     data={"email": email, "password": password}))


def test_sixty_wrong_tries_from_one_address_leave_the_owner_free_from_another(
        staff_app, store, nurse):
    attacker = from_address(staff_app, ATTACKER)
    codes = [try_password(attacker, nurse.email, f"guess number {i}").status_code
             for i in range(60)]
    assert codes[:5] == [401] * 5 and set(codes[5:]) == {429}  # then waits, then the limit
    sign_in(from_address(staff_app, OWNER), nurse)  # password and code: in
    lines = failed_lines(store)
    assert len(lines) == 60 and {line.staff_id for line in lines} == {nurse.id}
    assert [line.detail for line in reversed(lines)][:6] == ["password"] * 5 + ["throttled"]
    assert "rate limit" in {line.detail for line in lines}
    assert not any("guess" in line.detail for line in lines)


@pytest.mark.parametrize("email", ["nurse@riverside.example", "nobody@riverside.example"])
def test_failures_slow_that_email_from_that_address_known_or_not(staff_app, nurse, email):
    client = from_address(staff_app, ATTACKER)
    for _ in range(5):
        assert try_password(client, email, "not it at all").status_code == 401
    waiting = try_password(client, email, PASSWORD)
    # The wait counts down from the fifth failure: a busy machine may take a second or two
    # to send the sixth try.
    wait = int(waiting.headers["Retry-After"])
    assert waiting.status_code == 429 and FIRST_WAIT - 3 < wait <= FIRST_WAIT
    assert alert(waiting) == f"Too many tries from here. Try again in {wait} seconds."
    # The owner, elsewhere, is not slowed; the same address may try other emails.
    assert try_password(from_address(staff_app, OWNER), nurse.email,
                        PASSWORD).status_code == 302
    assert try_password(client, "someone@riverside.example", "x").status_code == 401


def test_wrong_codes_count_too(staff_app, store, nurse):
    client = from_address(staff_app, ATTACKER)  # who has the password, not the phone
    assert try_password(client, nurse.email, PASSWORD).status_code == 302
    for _ in range(5):
        assert shown(client, client.post("/staff/sign-in/code",
                                         data={"code": "000000"})).status_code == 401
    refused = client.post("/staff/sign-in/code", data={"code": nurse.code()})
    assert refused.status_code == 302 and refused.headers["Location"].endswith("/sign-in")
    assert [(line.staff_id, line.detail) for line in failed_lines(store)] == (
        [(nurse.id, "throttled")] + [(nurse.id, "code")] * 5)
    sign_in(from_address(staff_app, OWNER), nurse)


def test_an_unknown_email_is_audited_without_an_id(staff_app, store, nurse):
    try_password(from_address(staff_app, ATTACKER), "nobody@riverside.example", "x")
    try_password(from_address(staff_app, ATTACKER), nurse.email, "x")
    assert [(line.staff_id, line.detail) for line in reversed(failed_lines(store))] == [
        (None, "password"), (nurse.id, "password")]


def test_attempts_over_the_address_limit_are_audited_with_the_account(make_handoff_app):
    from .staffkit import make_person

    app = make_handoff_app(STAFF_SIGN_IN_RATE_LIMIT="2 per minute")
    nurse = make_person(app, "nurse@riverside.example")
    client = from_address(app, ATTACKER)
    codes = [try_password(client, email, "x").status_code
             for email in (nurse.email, nurse.email, nurse.email, "nobody@riverside.example")]
    assert codes == [401, 401, 429, 429]
    lines = failed_lines(app.extensions["screener.store"])
    assert [(line.staff_id, line.detail) for line in reversed(lines)] == [
        (nurse.id, "password"), (nurse.id, "password"), (nurse.id, "rate limit"),
        (None, "rate limit")]


def test_past_the_cap_only_addresses_known_to_the_account_may_try(make_handoff_app):
    from .staffkit import make_person

    app = make_handoff_app(STAFF_SIGN_IN_MAX_FAILURES=10)
    store = app.extensions["screener.store"]
    nurse = make_person(app, "nurse@riverside.example")
    sign_in(from_address(app, OWNER), nurse)  # the owner's usual computer
    for address in ("203.0.113.1", "203.0.113.2"):
        for _ in range(5):
            try_password(from_address(app, address), nurse.email, "wrong")
    assert store.accounts.failures(nurse.email) == (nurse.id, 10)
    capped = try_password(from_address(app, ELSEWHERE), nurse.email, PASSWORD)
    assert capped.status_code == 429 and "computer you have signed in from" in alert(capped)
    assert (failed_lines(store)[0].staff_id, failed_lines(store)[0].detail) == (
        nurse.id, "capped")
    sign_in(from_address(app, OWNER), nurse)  # known: still in, and the count starts again
    assert store.accounts.failures(nurse.email) == (nurse.id, 0)
    assert try_password(from_address(app, ELSEWHERE), nurse.email, PASSWORD).status_code == 302


def test_an_admin_reset_starts_the_count_again(store, nurse):
    for _ in range(3):
        store.accounts.failed(nurse.email)
    assert store.accounts.failures(nurse.email) == (nurse.id, 3)
    store.accounts.reset(nurse.email)
    assert store.accounts.failures(nurse.email) == (nurse.id, 0)


@pytest.mark.parametrize("failures", ["5 per 15 minutes", "3 per 10 minutes", "10 per hour"])
def test_the_waits_double_from_the_first_up_to_the_period(failures):
    throttle = SignInThrottle(limit_storage("memory://"), failures, cap=100)
    waits = [throttle.wait_after(n) for n in range(1, 60)]
    free = throttle.free
    assert waits[:free - 1] == [0] * (free - 1) and waits[free - 1] == FIRST_WAIT
    for before, after in zip(waits[free - 1:], waits[free:], strict=False):
        assert after == min(2 * before, throttle.longest)
    assert waits[-1] == throttle.longest


@pytest.mark.parametrize("address, same_as", [
    ("2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:ffff"),
    ("::ffff:192.0.2.1", "192.0.2.1"),
])
def test_an_ipv6_client_counts_as_its_64(address, same_as):
    assert client_key(address) == client_key(same_as)
    assert client_key("2001:db8:1:3::1") != client_key("2001:db8:1:2::1")


def test_two_servers_sharing_redis_share_the_waits(make_handoff_app, redis_url):
    from .staffkit import make_person

    first, second = (make_handoff_app(RATELIMIT_STORAGE_URI=redis_url + "/3",
                                      RATELIMIT_STORAGE_TIMEOUT=5)  # a slow answer is no outage
                     for _ in range(2))
    first.extensions["screener.ratelimit"].storage.reset()
    nurse = make_person(first, "nurse@riverside.example")
    for _ in range(5):
        assert try_password(from_address(first, ATTACKER), nurse.email,
                            "wrong").status_code == 401
    waiting = try_password(from_address(second, ATTACKER), nurse.email, PASSWORD)
    assert waiting.status_code == 429 and 0 < int(waiting.headers["Retry-After"]) <= FIRST_WAIT
    sign_in(from_address(second, OWNER), nurse)
