"""Two app servers behind one nginx upstream, on one PostgreSQL and one Redis, as two
machines would run them: patients walk through both, staff sign in on one and work on the
other, the limits count across both, and one server killed (SIGKILL, master and workers)
in the middle of the sends loses none, stores none twice, and shows no patient nginx's bare
error page: nginx sends the posts again to the other server, which is safe because every
patient post is idempotent (deploy/nginx.conf says why beside it). Only a page the killed
server was already writing can arrive cut short (tests/twoservers.py says why), and the
patient's next press goes through. With both servers down,
nginx's own error page is the screener's calm "try again" page.

Counts only, never times: bench/two_servers.py prints those (200 sends)."""

from __future__ import annotations

import stat
import time
from pathlib import Path

import pytest

from screener.store.service import Store

from .conftest import COMPLETE_ANSWERS, TEST_DATA_KEYS, require
from .servers import SECRET, start_gunicorn
from .staffkit import make_person_in
from .twoservers import BARE, CALM, Browser, sends_with_a_kill, start_site

pytestmark = pytest.mark.slow
SENDS, THREADS = 60, 6
WORKERS = 2  # each server's, as start_site starts them


@pytest.fixture
def site(tmp_path, tls, postgres, redis_url):
    require("nginx", "nginx")
    url = postgres.create_database("two_servers", template="screener_template")
    site = start_site(tmp_path, tls, url, redis_url + "/11", TEST_DATA_KEYS[0],
                      API_RATE_LIMIT="10 per minute",
                      RATELIMIT_STORAGE_TIMEOUT="5")  # one slow answer must not split the count
    yield site
    site.stop()


def sockets_in(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if stat.S_ISSOCK(p.lstat().st_mode)]


def test_two_servers_share_the_work_and_a_killed_one_costs_no_patient_anything(site, tls):
    # Each server its own control socket, in its own folder.
    folders = [app.log.parent for app in site.apps]
    deadline = time.monotonic() + 10
    while not all((folder / "gunicorn.ctl").exists() for folder in folders):
        assert time.monotonic() < deadline, [sockets_in(f) for f in folders]
        time.sleep(0.05)

    # The API limit counts one client across both servers (Redis).
    api = Browser(site, tls)
    statuses = [api.open("GET", "/api/v1/questions").status_code for _ in range(15)]
    assert statuses.count(200) == 10 and statuses.count(429) == 5
    assert all(site.served("GET", "/api/v1/questions"))

    # A nurse signs in; the server that took the code is the one killed.
    store = Store(site.database_url, TEST_DATA_KEYS[0], SECRET)
    nurse = make_person_in(store, "nurse@riverside.example")
    store.dispose()
    staff = Browser(site, tls)
    assert staff.post_form("/staff/sign-in", {"email": nurse.email,
                                              "password": nurse.password})
    assert staff.post_form("/staff/sign-in/code", {"code": nurse.code()})
    victim = site.which_served("POST", "/staff/sign-in/code")

    run = sends_with_a_kill(site, tls, COMPLETE_ANSWERS, SENDS, victim, THREADS)
    assert (run.lost, run.duplicated, run.bare, run.calm, run.failed) == (0, 0, 0, 0, [])
    # At most the answers the killed workers were writing reach anyone cut short, and the
    # next press of each of those patients went through (no failure above).
    assert len(run.cut) <= WORKERS, run.cut
    assert site.apps[victim].process.poll() is not None
    assert all(run.steps_served), run.steps_served  # the walks went through both

    # The nurse works on the survivor, still signed in, and finds a patient's send.
    worklist = staff.open("GET", "/staff/")
    assert worklist.status_code == 200 and "Find by reference code" in worklist.text
    for code in (run.codes[0], run.codes[-1]):  # sent before and after the kill
        found = staff.open("GET", "/staff/?code=" + code)
        assert found.status_code == 302 and "/staff/submissions/" in found.headers["Location"]

    # Both down: nginx's own error page is the calm one, in English and Spanish.
    site.kill(1 - victim)
    for method, path in (("GET", "/"), ("POST", "/send")):
        down = Browser(site, tls).open(method, path, data={})
        assert down.status_code == 502 and CALM in down.text and BARE not in down.text
        assert "Vuelva a intentarlo" in down.text and "CLINIC_PHONE" in down.text


def test_without_its_own_path_a_server_opens_no_control_socket(tmp_path, monkeypatch):
    """gunicorn's default is one path per user, which a second server would take over."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    served = start_gunicorn(tmp_path, None)
    try:
        assert served.process.poll() is None and sockets_in(tmp_path) == []
    finally:
        served.stop()
