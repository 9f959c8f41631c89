"""The handoff's limits are fair to many patients behind one address (a clinic's
waiting-room tablet, one office network): each patient's sends count by their own send
token, and only a much higher ceiling counts the address; one client hammering is still
refused, whether it keeps its session or starts new ones."""

from __future__ import annotations

import pytest

from .test_handoff import CONTACT, Patient

WAITING_ROOM = 30
ADDRESS = {"REMOTE_ADDR": "203.0.113.40"}  # every patient here, as behind one NAT


def patients(app, n: int) -> list[Patient]:
    """``n`` people, each with their own browser, all behind the same address."""
    found = []
    for _ in range(n):
        client = app.test_client()
        client.environ_base.update(ADDRESS)
        found.append(Patient(client).finish())
    return found


@pytest.fixture
def limited(make_handoff_app):
    def make(**settings: str):
        app = make_handoff_app(RATELIMIT_ENABLED=True, **settings)
        app.extensions["screener.ratelimit"].storage.reset()
        return app

    return make


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_waiting_room_of_30_all_send_and_one_hammering_session_is_refused(limited):
    app = limited()  # the shipped limits: 20 an hour per patient, 300 per address
    room = patients(app, WAITING_ROOM)
    statuses = [patient.send().status_code for patient in room]
    assert statuses == [302] * WAITING_ROOM
    assert app.extensions["screener.store"].submissions.count() == WAITING_ROOM
    hammer = patients(app, 1)[0]
    token = hammer.token()
    tries = [hammer.send(token).status_code for _ in range(40)]
    assert tries.count(302) == 20 and tries[20:] == [429] * 20
    assert app.extensions["screener.store"].submissions.count() == WAITING_ROOM + 1
    late = patients(app, 1)[0]  # the hammering spent only its own sends
    assert late.send().status_code == 302
    # The count is kept under the token's digest: the reference code is made from the token.
    kept = app.extensions["screener.ratelimit"].storage.storage
    assert kept and not any(token in key for key in kept)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_client_that_starts_session_after_session_meets_the_address_ceiling(limited):
    app = limited(HANDOFF_ADDRESS_RATE_LIMIT="35 per hour")
    room = patients(app, WAITING_ROOM)
    assert [patient.send().status_code for patient in room] == [302] * WAITING_ROOM
    hopper = patients(app, 1)[0]
    cookie = app.config["SESSION_COOKIE_NAME"]
    finished = hopper.client.get_cookie(cookie).value  # answers done, no send token yet
    statuses = []
    for _ in range(10):  # each time the finished answers again, so a new send token
        hopper.client.set_cookie(cookie, finished)
        statuses.append(hopper.send(name="Someone Else").status_code)
    assert statuses == [302] * 5 + [429] * 5
    elsewhere = patients(app, 1)[0]
    elsewhere.client.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    assert elsewhere.send(**CONTACT).status_code == 302
