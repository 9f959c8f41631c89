"""``make demo`` (``screener demo``): one command gives a clinic the patient -> nurse path,
with a staff setup link and made-up submissions, marked as examples, in the worklist."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import click
import pyotp
import pytest
from click.testing import CliRunner

from screener.cli import main
from screener.demo import CLINIC, EXAMPLE_NAME, EXAMPLE_NOTE, STAFF_EMAIL, prepare

from .staffkit import PASSWORD, Person, csrf_of

BASE = "http://127.0.0.1:5000"


@pytest.fixture
def demo(tmp_path):
    app, demo = prepare(tmp_path / "demo", BASE)
    yield app, demo
    app.extensions["screener.store"].dispose()


def set_up_from_link(app, link: str) -> Person:
    """The printed link opens the setup page; the account is then set up as its owner
    would (password, authenticator), as tests/staffkit.py does."""
    path = urlsplit(link).path
    assert app.test_client().get(path).status_code == 200
    secret = pyotp.random_base32()
    step = pyotp.TOTP(secret).timecode(time.time()) - 1
    codes = app.extensions["screener.store"].accounts.complete_setup(
        path.rsplit("/", 1)[1], PASSWORD, secret, pyotp.TOTP(secret).generate_otp(step))
    staff = app.extensions["screener.store"].accounts.find(STAFF_EMAIL)
    return Person(staff.id, STAFF_EMAIL, "admin", secret, codes, step + 1)


def worklist_of(app, demo) -> str:
    """Signed in through the pages as served (CSRF on, as in the demo), the worklist."""
    person, client = set_up_from_link(app, demo.setup_link), app.test_client()
    page = client.get("/staff/sign-in").get_data(as_text=True)
    first = client.post("/staff/sign-in", data={"email": person.email, "password": PASSWORD,
                                                "csrf_token": csrf_of(page)})
    code_page = client.get(first.headers["Location"]).get_data(as_text=True)
    second = client.post("/staff/sign-in/code", data={"code": person.code(),
                                                      "csrf_token": csrf_of(code_page)})
    assert second.headers["Location"].endswith("/staff/")
    return client.get("/staff/").get_data(as_text=True)


def test_the_worklist_holds_the_examples_each_marked_as_made_up(demo):
    app, setup = demo
    page = worklist_of(app, setup)
    assert 3 <= setup.examples <= 6
    names = [EXAMPLE_NAME.format(n=n) for n in range(1, setup.examples + 1)]
    assert [name in page for name in names] == [True] * setup.examples
    assert page.count("(made up)") == setup.examples


def test_an_example_opens_with_its_note_saying_it_is_made_up(demo):
    app, setup = demo
    store = app.extensions["screener.store"]
    live = store.submissions.live()
    assert len(live) == setup.examples
    assert {item.note for item in live} == {EXAMPLE_NOTE}
    assert all(item.contact.name.startswith("Example patient") for item in live)
    assert all(item.guidance for item in live)  # each has the guidance the patient saw


def test_the_demo_is_the_handoff_on_over_sqlite_for_the_named_clinic(demo, tmp_path):
    app, setup = demo
    assert setup.settings["DATABASE_URL"] == f"sqlite:///{tmp_path / 'demo' / 'screener.db'}"
    assert (tmp_path / "demo" / "screener.db").exists()
    assert setup.setup_link.startswith(BASE + "/staff/setup/")
    assert CLINIC in app.test_client().get("/").get_data(as_text=True)
    ready = app.test_client().get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["status"] == "ready"


def test_each_run_starts_afresh(tmp_path):
    """New keys each run: last run's rows could not be opened, so they are not kept."""
    first, _ = prepare(tmp_path / "demo", BASE)
    first.extensions["screener.store"].dispose()
    again, setup = prepare(tmp_path / "demo", BASE)
    try:
        assert len(again.extensions["screener.store"].submissions.live()) == setup.examples
    finally:
        again.extensions["screener.store"].dispose()


def test_the_command_is_there():
    result = CliRunner().invoke(main, ["demo", "--help"])
    assert result.exit_code == 0 and "--port" in result.output


def test_a_folder_the_demo_did_not_make_is_refused_never_emptied(tmp_path):
    clinic = tmp_path / "instance"
    clinic.mkdir()
    (clinic / "screener.db").write_text("a clinic's own database")
    with pytest.raises(click.ClickException, match="did not make"):
        prepare(clinic, BASE)
    assert (clinic / "screener.db").read_text() == "a clinic's own database"
