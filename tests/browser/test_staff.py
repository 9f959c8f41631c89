"""The staff area in Chromium over HTTPS: sign-in with a TOTP code, account setup from a
link, a whole call by keyboard alone, and axe on every staff page at desk and phone widths.

Accounts and submissions are made directly in the served app's SQLite file through the
test's own ``Store`` (``staff_server``); everything after that goes through the browser.
"""

from __future__ import annotations

import itertools
import re
import secrets
import time
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from playwright.sync_api import expect

from screener.store.models import Role
from screener.store.submissions import Contact, NewSubmission

from ..conftest import COMPLETE_ANSWERS
from ..staffkit import PASSWORD, Person, make_person_in
from .conftest import Keyboard, _context, axe_violations, screenshot

pytestmark = pytest.mark.slow

WRONG = "That email, password or code is not right. Check them and try again."
_people = itertools.count(1)


def new_email(role: str) -> str:
    return f"{role}{next(_people)}-{secrets.token_hex(3)}@riverside.example"


def send(store, name: str, urgent: bool = False, age_days: float = 0) -> str:
    """A submission as a patient sends it, ``age_days`` ago (kept for 30 days)."""
    new = NewSubmission(
        answers=dict(COMPLETE_ANSWERS), urgent=urgent,
        contact=Contact(name, "555 010 1234", "morning"), note="Mornings are best",
        language="en", ruleset_version="2026.12+test", consent_version="2026-12-1",
        guidance=("discuss-miss-with-specialist",))
    sid, _, _ = store.submissions.create(
        new, secrets.token_hex(16), 30, datetime.now(UTC) - timedelta(days=age_days))
    return sid


def wrong_code(secret: str) -> str:
    """Six digits the server cannot accept now (none of the steps it allows for drift)."""
    totp = pyotp.TOTP(secret)
    now = totp.timecode(time.time())
    allowed = {totp.generate_otp(step) for step in range(now - 2, now + 3)}
    return next(c for c in (f"{n:06d}" for n in range(123456, 10**6)) if c not in allowed)


def sign_in(page, base: str, person: Person) -> None:
    """Email and password, then a fresh code; ends on the worklist."""
    page.goto(base + "/staff/sign-in")
    page.get_by_label("Email").fill(person.email)
    page.get_by_label("Password").fill(person.password)
    with page.expect_navigation():
        page.get_by_role("button", name="Next").click()
    page.get_by_label("Code from your authenticator app", exact=False).fill(person.code())
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert page.url == base + "/staff/", page.url


def test_sign_in_with_a_totp_code_and_a_wrong_code_refused(page, staff_server):
    base, store = staff_server.base, staff_server.store
    nurse = make_person_in(store, new_email("nurse"), "nurse")
    page.goto(base + "/staff/")
    assert page.url.startswith(base + "/staff/sign-in"), "the worklist needs an account"
    assert page.get_by_role("heading", level=1).inner_text() == "Staff sign-in"
    page.get_by_label("Email").fill(nurse.email)
    page.get_by_label("Password").fill(nurse.password)
    with page.expect_navigation():
        page.get_by_role("button", name="Next").click()
    assert "/staff/sign-in/code" in page.url
    assert page.get_by_role("heading", level=1).inner_text() == "Enter your code"
    expect(page.locator("#code")).to_be_focused()

    code_box = page.get_by_label("Code from your authenticator app", exact=False)
    code_box.fill(wrong_code(nurse.secret))
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert page.locator("#error-summary").is_visible()
    assert WRONG in page.locator("#error-summary").inner_text()
    assert page.title().startswith("Error: ")
    other = page.context.new_page()  # same cookies: still not signed in
    other.goto(base + "/staff/")
    assert other.url.startswith(base + "/staff/sign-in")
    assert other.locator("table.worklist").count() == 0
    other.close()

    code_box.fill(nurse.code())  # the same pending sign-in, now with a good code
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert page.url == base + "/staff/"
    assert page.get_by_role("heading", level=1).inner_text() == "Worklist"
    assert f"{nurse.email} (nurse)" in page.locator(".sign-out").inner_text()


def test_account_setup_from_the_link_then_sign_in(page, staff_server):
    base, store = staff_server.base, staff_server.store
    staff, token = store.accounts.add(new_email("nurse"), Role.NURSE)
    page.goto(f"{base}/staff/setup/{token}")
    assert page.get_by_role("heading", level=1).inner_text() == "Set up your account"
    assert staff.email in page.locator("main").inner_text()
    secret = page.locator("p#secret code").inner_text().replace(" ", "")
    assert len(secret) == 32 and page.locator(".qr svg").count() == 1
    page.get_by_label("New password").fill(PASSWORD)
    page.get_by_label("The same password again").fill(PASSWORD)
    step = pyotp.TOTP(secret).timecode(time.time())
    page.get_by_label("The 6-digit code your app shows now").fill(
        pyotp.TOTP(secret).generate_otp(step))
    with page.expect_navigation():
        page.get_by_role("button", name="Finish setup").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Your account is ready"
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10 and len(set(codes)) == 10

    page.goto(f"{base}/staff/setup/{token}")  # the link is used up
    assert page.get_by_role("heading", level=1).inner_text() == (
        "This setup link cannot be used")

    person = Person(staff.id, staff.email, "nurse", secret, codes, step + 1)
    sign_in(page, base, person)
    assert page.get_by_role("heading", level=1).inner_text() == "Worklist"
    assert store.accounts.find(staff.email).state == "active"


def test_an_added_accounts_setup_link_is_shown_once_and_reload_adds_nothing(page,
                                                                           staff_server):
    """Post/Redirect/Get on the accounts page: reload and Back never post the add again,
    and the one-time link is not on the page a second time."""
    from .conftest import failed_navigations

    base, store = staff_server.base, staff_server.store
    sign_in(page, base, make_person_in(store, new_email("admin"), "admin"))
    page.goto(base + "/staff/admin/accounts")
    email = new_email("nurse")
    page.get_by_label("Email").fill(email)
    with page.expect_navigation():
        page.get_by_role("button", name="Add and make a setup link").click()
    assert page.url == base + "/staff/admin/accounts"
    expect(page.locator(".setup-link code")).to_contain_text("/staff/setup/")
    failed = failed_navigations(page)
    page.reload()  # a GET: nothing is asked, nothing is added again
    expect(page.locator(".setup-link")).to_have_count(0)
    page.goto(base + "/staff/admin/audit")
    page.go_back()  # raises on net::ERR_CACHE_MISS ("Confirm Form Resubmission")
    assert page.url == base + "/staff/admin/accounts"
    expect(page.locator(".setup-link")).to_have_count(0)
    assert failed == []
    adds = [line for line in store.audit.since(datetime.now(UTC) - timedelta(hours=1))
            if line.detail == f"add nurse {email}"]
    assert len(adds) == 1


CONTRAST = """element => {
    const rgb = text => text.match(/[\\d.]+/g).slice(0, 3).map(Number);
    const lum = ([r, g, b]) => [r, g, b].map(c => {
        c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    }).reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i], 0);
    const style = getComputedStyle(element);
    const [a, b] = [lum(rgb(style.color)), lum(rgb(style.backgroundColor))];
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


def test_the_language_box_in_the_staff_header_is_readable(page, staff_server):
    """Its text once inherited the header's white onto the box's white (axe does not read
    a select's colours): the chosen language must stand out from the box, 4.5:1 or more."""
    base, store = staff_server.base, staff_server.store
    sign_in(page, base, make_person_in(store, new_email("nurse"), "nurse"))
    box = page.locator("#staff-language")
    expect(box).to_be_visible()
    assert box.evaluate(CONTRAST) >= 4.5


def test_a_whole_call_by_keyboard_alone(page, staff_server):
    base, store = staff_server.base, staff_server.store
    nurse = make_person_in(store, new_email("nurse"), "nurse")
    send(store, "Rosalind Older", urgent=False, age_days=29)
    # The oldest urgent one in the database, so the first row of the worklist.
    sid = send(store, "Tobias Urgent", urgent=True, age_days=28)
    send(store, "Marguerite Routine", urgent=False, age_days=1)
    keys = Keyboard(page)

    page.goto(base + "/staff/sign-in")
    keys.tab_to("#email")
    page.keyboard.type(nurse.email)
    keys.tab_to("#password")
    page.keyboard.type(nurse.password)
    keys.press_button("Next")
    expect(page.locator("#code")).to_be_focused()
    page.keyboard.type(nurse.code())
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == base + "/staff/"

    first = page.locator("table.worklist tbody tr").first
    assert "urgent" in (first.get_attribute("class") or "")
    assert "Tobias Urgent" in first.inner_text()
    keys.follow("table.worklist tbody tr:first-child a", text="Tobias Urgent")
    assert page.url == f"{base}/staff/submissions/{sid}"
    keys.press_button("Start the call")
    assert page.url == f"{base}/staff/submissions/{sid}/call"

    pain = page.locator('input[name="pain_score"]')
    assert pain.input_value() == "6"
    keys.tab_to('input[name="pain_score"]')
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    assert pain.input_value() == "8"
    keys.tab_to("#outcome-status")
    status = page.locator("#outcome-status")
    assert status.input_value() == "contacted", "a new one becomes Contacted by default"
    page.keyboard.press("ArrowDown")
    assert status.input_value() == "booked"
    keys.tab_to("#call-note")
    note = "Booked for the spine clinic on Tuesday; will bring the MRI."
    page.keyboard.type(note)
    keys.tab_to("#outcome-status", back=True)  # a look back: the choice held
    assert status.input_value() == "booked"
    keys.press_button("Save the call")

    assert page.url == f"{base}/staff/submissions/{sid}"
    saved = page.locator("main .note[role=status]").inner_text()
    assert "answers saved as version 2" in saved and "status Booked" in saved
    facts = page.locator("dl.facts").first
    assert facts.locator("div", has_text="Status").locator("dd").inner_text() == "Booked"
    assert f"Showing version 2: confirmed on a call by {nurse.email}" in page.locator(
        "section[aria-labelledby=answers-title]").inner_text()
    history = page.locator("ol.history").inner_text()
    assert f"answers confirmed on a call, saved as version 2, by {nurse.email}" in history
    assert f"status set to Booked by {nurse.email}" in history
    assert f"note by {nurse.email}: {note}" in history

    latest = store.casework.versions(sid)[-1]
    assert (latest.number, latest.by, latest.answers["pain_score"]) == (2, nurse.email, 8)
    assert store.casework.versions(sid)[0].answers["pain_score"] == 6, "the patient's own"

    # One record, one wording: the Copy text, summary.txt and the FHIR export.
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    keys.tab_to("button[data-copy=record-text]")
    page.keyboard.press("Enter")
    expect(page.locator("section.record .copy-status")).to_have_text("Copied.")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert re.match(rf"Spine screening call, \d{{4}}-\d\d-\d\d \d\d:\d\d UTC, taken by "
                    rf"{re.escape(nurse.email)}\n", copied)
    for expected in ("Patient: Tobias Urgent, phone 555 010 1234", "answers v2",
                     "Outcome: Booked", f"Note: {note}"):
        assert expected in copied, expected
    text = page.request.get(f"{base}/staff/submissions/{sid}/summary.txt").text()
    assert text == copied
    fhir = page.request.get(f"{base}/staff/submissions/{sid}/fhir.json").json()
    QuestionnaireResponse.model_validate(fhir)
    contained = {r["resourceType"]: r for r in fhir["contained"]}
    assert contained["Patient"]["name"] == [{"text": "Tobias Urgent"}]
    assert fhir["author"]["display"] == nurse.email
    call = contained["Communication"]
    assert call["payload"][0]["contentString"] == "Booked"
    assert call["note"][0]["text"] == note and call["payload"][-1]["contentString"] == copied


def test_the_call_pages_copy_text_takes_the_outcome_and_note_as_they_are_typed(
        page, staff_server):
    """No round trip: what the nurse types is in the Copy text before the call is saved,
    and the saved record then reads the same."""
    base, store = staff_server.base, staff_server.store
    nurse = make_person_in(store, new_email("nurse"), "nurse")
    sid = send(store, "Nadia Livewell")
    sign_in(page, base, nurse)
    page.goto(f"{base}/staff/submissions/{sid}/call")
    box = page.locator("#call-record")
    expect(box).to_have_value(re.compile(r"\nOutcome: Contacted\nScreening only"))

    note = "consult booked 12 Dec with Dr Ruiz"
    page.locator("#outcome-status").select_option("booked")
    page.locator("#call-note").press_sequentially(note)
    expect(box).to_have_value(re.compile(rf"\nOutcome: Booked\nNote: {re.escape(note)}\n"))
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    page.get_by_role("button", name="Copy", exact=True).click()
    expect(page.locator("section.record .copy-status")).to_have_text("Copied.")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert f"taken by {nurse.email}\n" in copied
    assert f"\nOutcome: Booked\nNote: {note}\n" in copied
    assert not [e for e in store.casework.history(sid) if e.kind in ("note", "status")], \
        "nothing saved yet"

    page.locator("#outcome-status").select_option("new")  # New is no outcome, as saved
    expect(box).to_have_value(re.compile(rf"\nOutcome: -\nNote: {re.escape(note)}\n"))
    page.locator("#outcome-status").select_option("booked")
    with page.expect_navigation():
        page.get_by_role("button", name="Save the call").click()
    saved = page.locator("#record-text").input_value()
    assert saved.splitlines()[1:] == copied.splitlines()[1:]  # the first line: when


@pytest.mark.parametrize("width", [1280, 375])
def test_every_staff_page_passes_axe_and_fits_the_width(chromium, staff_server, width):
    base, store = staff_server.base, staff_server.store
    context = _context(chromium, viewport={"width": width, "height": 900})
    page = context.new_page()
    errors: list[str] = []  # a CSP refusal (inline style or script) shows up here
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" else None)
    checked = []

    def check(name: str) -> None:
        assert axe_violations(page) == [], f"{name} at {width} px"
        overflow = page.evaluate("document.documentElement.scrollWidth"
                                 " - document.documentElement.clientWidth")
        assert overflow <= 0, f"{name} scrolls sideways by {overflow} px at {width} px"
        # The page's own status (a refused code, a used link, a wrong answer) is expected.
        assert [e for e in errors if not re.search(r"status of (401|410|422)\b", e)] == [], name
        screenshot(page, f"staff-{name}-{width}")
        checked.append(name)

    send(store, "Agnieszka Routine-Longname", urgent=False, age_days=3)
    send(store, "Bartholomew Urgent", urgent=True, age_days=2)

    staff, token = store.accounts.add(new_email("admin"), Role.ADMIN)
    page.goto(f"{base}/staff/setup/{token}")
    check("setup")
    secret = page.locator("p#secret code").inner_text().replace(" ", "")
    page.get_by_label("New password").fill(PASSWORD)
    page.get_by_label("The same password again").fill(PASSWORD)
    page.get_by_label("The 6-digit code your app shows now").fill(wrong_code(secret))
    with page.expect_navigation():
        page.get_by_role("button", name="Finish setup").click()
    assert page.locator("#error-summary").is_visible()
    check("setup-error")
    step = pyotp.TOTP(secret).timecode(time.time())
    page.get_by_label("New password").fill(PASSWORD)
    page.get_by_label("The same password again").fill(PASSWORD)
    page.get_by_label("The 6-digit code your app shows now").fill(
        pyotp.TOTP(secret).generate_otp(step))
    with page.expect_navigation():
        page.get_by_role("button", name="Finish setup").click()
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    check("recovery-codes")
    page.goto(f"{base}/staff/setup/{token}")
    check("setup-expired")
    admin = Person(staff.id, staff.email, "admin", secret, codes, step + 1)

    page.goto(base + "/staff/sign-in")
    check("sign-in")
    page.get_by_label("Email").fill(admin.email)
    page.get_by_label("Password").fill("not the password at all")
    with page.expect_navigation():
        page.get_by_role("button", name="Next").click()
    check("sign-in-error")
    page.get_by_label("Password").fill(admin.password)
    with page.expect_navigation():
        page.get_by_role("button", name="Next").click()
    check("code")
    code_box = page.get_by_label("Code from your authenticator app", exact=False)
    code_box.fill(wrong_code(admin.secret))
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    check("code-error")
    code_box.fill(admin.code())
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert page.url == base + "/staff/"

    rows = page.locator("table.worklist tbody tr")
    urgent = [("urgent" in (row.get_attribute("class") or "")) for row in rows.all()]
    assert urgent and urgent[0] and urgent == sorted(urgent, reverse=True), "urgent first"
    check("worklist")
    page.goto(base + "/staff/?status=all")
    check("worklist-all")

    with page.expect_navigation():
        page.locator("table.worklist tbody tr:first-child a").click()
    assert "/staff/submissions/" in page.url
    check("submission")
    with page.expect_navigation():
        page.get_by_role("link", name="Start the call").click()
    check("call")
    page.locator('input[name="pain_score"]').fill("99")  # out of range: the error summary
    with page.expect_navigation():
        page.get_by_role("button", name="Save the call").click()
    assert page.locator("#error-summary").is_visible()
    check("call-error")

    page.goto(base + "/staff/admin/accounts")
    page.get_by_label("Email").fill(new_email("nurse"))
    with page.expect_navigation():
        page.get_by_role("button", name="Add and make a setup link").click()
    assert "/staff/setup/" in page.locator(".setup-link code").inner_text()
    check("accounts")
    page.goto(base + "/staff/admin/audit")
    assert page.locator("table.worklist tbody tr").count() > 0
    check("audit")
    page.goto(base + "/staff/admin/usage")
    assert page.get_by_role("heading", level=1).inner_text() == "Usage counts"
    check("usage")
    assert len(checked) == 16
    context.close()
