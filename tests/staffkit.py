"""Staff accounts for tests: made through the real setup path, signed in through the real
sign-in pages, with TOTP codes computed by pyotp as a phone would."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

import pyotp

from screener.store.models import Role

PASSWORD = "correct horse battery staple"


@dataclass
class Person:
    """A staff member with their authenticator: each code is fresh (a code is good once)."""

    id: str
    email: str
    role: str
    secret: str
    recovery: list[str]
    next_step: int
    password: str = PASSWORD
    used_recovery: list[str] = field(default_factory=list)

    def code(self) -> str:
        """A TOTP code the server accepts now; then a recovery code once they run out.

        The server accepts the step before, this one and the next. A code for the step
        before dies when this step ends, so it is used only with 10 s or more to spare: a
        code made at 0:29 and checked at 0:30 would be refused."""
        moment = time.time()
        totp = pyotp.TOTP(self.secret)
        now = totp.timecode(moment)
        if self.next_step <= now + 1:
            oldest = now - 1 if moment % totp.interval < totp.interval - 10 else now
            step = max(self.next_step, oldest)
            self.next_step = step + 1
            return totp.generate_otp(step)
        code = self.recovery.pop()
        self.used_recovery.append(code)
        return code


def make_person(app: Any, email: str, role: str = "nurse") -> Person:
    """An account set up as its owner would: setup link, password, authenticator."""
    return make_person_in(app.extensions["screener.store"], email, role)


def make_person_in(store: Any, email: str, role: str = "nurse") -> Person:
    """The same over a ``Store`` the test opened itself (a served app's database)."""
    accounts = store.accounts
    staff, token = accounts.add(email, Role(role))
    secret = pyotp.random_base32()
    step = pyotp.TOTP(secret).timecode(time.time()) - 1
    codes = accounts.complete_setup(token, PASSWORD, secret,
                                    pyotp.TOTP(secret).generate_otp(step))
    return Person(staff.id, staff.email, role, secret, codes, step + 1)


def sign_in(client: Any, person: Person) -> None:
    """Password, then code; asserts the worklist is reached."""
    first = client.post("/staff/sign-in", data={"email": person.email,
                                                "password": person.password})
    assert first.status_code == 302, first.get_data(as_text=True)[:500]
    second = client.post("/staff/sign-in/code", data={"code": person.code()})
    assert second.status_code == 302 and second.headers["Location"].endswith("/staff/"), (
        second.status_code, second.get_data(as_text=True)[:800])


def shown(client: Any, response: Any) -> Any:
    """What a refused staff form shows: it answers 303 to its own page, which says why
    (Post/Redirect/Get); any other answer as it is."""
    return client.get(response.location) if response.status_code == 303 else response


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)
