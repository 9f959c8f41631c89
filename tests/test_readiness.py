"""``/readyz`` names what is wrong: besides the databases and Redis, a missing rule set and
data keys that cannot open what is stored each give 503 with the failing check named."""

from __future__ import annotations

import pytest

from .conftest import TEST_DATA_KEYS


def ready(app) -> tuple[int, dict]:
    response = app.test_client().get("/readyz")
    return response.status_code, response.get_json()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_every_check_is_named_and_ok_on_a_working_handoff(handoff_app):
    status, body = ready(handoff_app)
    assert status == 200 and body["status"] == "ready"
    assert {"rules", "data keys", "handoff database", "handoff database write"} <= set(
        body["checks"]) and set(body["checks"].values()) == {"ok"}


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize("lost", [None, "empty"])
def test_a_running_app_without_its_rules_is_not_ready(handoff_app, lost):
    rules = handoff_app.extensions["screener.rules"]
    handoff_app.extensions["screener.rules"] = (
        None if lost is None else type(rules)(topics={}, rules=(), source=rules.source))
    status, body = ready(handoff_app)
    assert (status, body["status"], body["checks"]["rules"]) == (503, "unavailable", "failed")
    assert [name for name, state in body["checks"].items() if state != "ok"] == ["rules"]


def test_a_server_left_behind_by_a_key_rotation_is_named(make_handoff_app, sent):
    """Two servers: one gets the new key list and rotates; the other, still on the old key
    alone, can open nothing new and says so (start-up would refuse it; /readyz tells the
    load balancer while it runs)."""
    old, new = TEST_DATA_KEYS
    behind = make_handoff_app()
    sent(1)
    assert ready(behind)[1]["checks"]["data keys"] == "ok"
    rotated = make_handoff_app(DATA_KEYS=f"{new},{old}")
    assert rotated.extensions["screener.store"].rotate_keys().complete
    status, body = ready(behind)
    assert (status, body["status"], body["checks"]["data keys"]) == (503, "unavailable",
                                                                     "failed")
    assert [name for name, state in body["checks"].items() if state != "ok"] == ["data keys"]
    assert ready(rotated) == (200, ready(rotated)[1]) and ready(rotated)[1]["status"] == "ready"


def test_a_restored_database_that_needs_another_key_is_named(make_handoff_app, sent):
    """The database under a running server restored from one sealed with another key."""
    from screener.store.crypto import Cipher
    from screener.store.keycheck import record

    app = make_handoff_app()
    store = app.extensions["screener.store"]
    store.ensure_ready()
    record(store.engine, Cipher(TEST_DATA_KEYS[1]).key_ids)
    status, body = ready(app)
    assert (status, body["checks"]["data keys"]) == (503, "failed")
