"""A caller who lost the code, found in Chromium over HTTPS by the name typed in another
case and by the number typed in another format (issue 30); and a new account's first
sign-in, which waits for the next code by itself instead of refusing the setup's code."""

from __future__ import annotations

import re
import secrets
import time
from datetime import UTC, datetime

import pyotp
import pytest
from playwright.sync_api import expect

from screener.store.models import Role
from screener.store.reference import grouped
from screener.store.submissions import Contact, NewSubmission

from ..conftest import COMPLETE_ANSWERS
from ..staffkit import PASSWORD, make_person_in
from .conftest import screenshot
from .test_staff import new_email, sign_in

pytestmark = pytest.mark.slow


def send(store, name: str, phone: str, language: str = "en", note: str = "") -> tuple[str, str]:
    new = NewSubmission(answers=dict(COMPLETE_ANSWERS), urgent=False,
                        contact=Contact(name, phone, "evening"), note=note, language=language,
                        ruleset_version="2026.12+test", consent_version="2026-12-1")
    sid, code, _ = store.submissions.create(new, secrets.token_hex(16), 30, datetime.now(UTC))
    return sid, code


def find(page, typed: str) -> None:
    page.get_by_label("Find by reference code, name or phone number").fill(typed)
    with page.expect_navigation():
        page.get_by_label("Find by reference code, name or phone number").press("Enter")


def test_a_caller_is_found_by_name_in_another_case_and_by_phone_in_another_format(
        page, staff_server):
    base, store = staff_server.base, staff_server.store
    surname = f"Quintero{secrets.token_hex(2)}"  # this server's database is shared
    digits = f"555{secrets.randbelow(10**7):07d}"
    sid, code = send(store, f"Lucía {surname}", f"{digits[:3]} {digits[3:6]} {digits[6:]}",
                     "es", "Prefiero que me llamen en español")
    other, _ = send(store, "Sam Lee", "555 010 0000")
    sign_in(page, base, make_person_in(store, new_email("nurse"), "nurse"))

    find(page, f"LUCIA {surname.upper()}")
    rows = page.locator("table.worklist tbody tr")
    expect(rows).to_have_count(1)
    row = rows.first.inner_text()
    assert grouped(code) in row and "Call in Spanish" in row and "Early evening (5 to 7)" in row
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", row), row
    screenshot(page, "staff-search-by-name")

    find(page, f"+1 ({digits[:3]}) {digits[3:6]}-{digits[6:]}")
    expect(rows).to_have_count(1)
    assert grouped(code) in rows.first.inner_text()
    assert page.locator(f'a[href="/staff/submissions/{other}"]').count() == 0
    with page.expect_navigation():
        rows.first.get_by_role("link").click()
    assert page.url.endswith(f"/staff/submissions/{sid}")


def test_the_first_sign_in_after_setup_waits_for_the_next_code(page, staff_server):
    base, store = staff_server.base, staff_server.store
    staff, token = store.accounts.add(new_email("nurse"), Role.NURSE)
    page.goto(f"{base}/staff/setup/{token}")
    totp = pyotp.TOTP(page.locator("p#secret code").inner_text().replace(" ", ""))
    page.get_by_label("New password").fill(PASSWORD)
    page.get_by_label("The same password again").fill(PASSWORD)
    step = totp.timecode(time.time())
    page.get_by_label("The 6-digit code your app shows now").fill(totp.generate_otp(step))
    with page.expect_navigation():
        page.get_by_role("button", name="Finish setup").click()
    with page.expect_navigation():
        page.get_by_role("link", name="Sign in now").click()
    page.get_by_label("Email").fill(staff.email)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Next").click()
    code_box = page.get_by_label("Code from your authenticator app", exact=False)
    # Made within the setup's step (nearly always; the unit tests pin the clock): it waits.
    if page.locator("#code-wait").count():
        expect(page.locator("#code-wait .code-waiting")).to_contain_text("Wait for the next")
        # It says by itself when the next code shows (at the next 30 s step).
        expect(page.locator("#code-wait .code-ready")).to_be_visible(timeout=40_000)
        expect(page.locator("#code-wait .code-waiting")).to_be_hidden()
        screenshot(page, "staff-first-sign-in-next-code")
    code_box.fill(totp.generate_otp(step + 1))
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert page.url == base + "/staff/"
