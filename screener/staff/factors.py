"""The second factor: TOTP (pyotp), its QR code (segno, drawn by the app), and one-time
recovery codes stored only as digests."""

from __future__ import annotations

import hashlib
import hmac
import io
import secrets
import time
from datetime import UTC, datetime

import pyotp
import segno

# Crockford's base 32 (no I, L, O or U), as the patients' reference codes use.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RECOVERY_CODES = 10
RECOVERY_LENGTH = 10  # 50 bits each
STEP_SECONDS = 30  # pyotp's default TOTP interval, as every authenticator app uses


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer)


def qr_svg(uri: str) -> str:
    """An inline SVG of the enrolment QR code: nothing leaves the app."""
    out = io.BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", scale=5, border=2, xmldecl=False,
                                    svgns=True, title="QR code for your authenticator app")
    return out.getvalue().decode("utf-8")


def grouped_secret(secret: str) -> str:
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def totp_step(secret: str, code: str, after_step: int, moment: float | None = None) -> int | None:
    """The time step ``code`` is valid for (one step of clock drift either way), if it is
    later than ``after_step``: a code is good once."""
    code = "".join(ch for ch in code if ch.isdigit())
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(time.time() if moment is None else moment)
    for step in (current - 1, current, current + 1):
        if step > after_step and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def step_start(step: int) -> datetime:
    """When TOTP time step ``step`` begins: its code shows on the phone from then."""
    return datetime.fromtimestamp(step * STEP_SECONDS, UTC)


def new_recovery_codes() -> list[str]:
    return ["".join(secrets.choice(ALPHABET) for _ in range(RECOVERY_LENGTH))
            for _ in range(RECOVERY_CODES)]


def show_recovery(code: str) -> str:
    return f"{code[:5]}-{code[5:]}"


def recovery_digest(code: str) -> str:
    cleaned = "".join(ch for ch in code.upper() if ch.isalnum())
    cleaned = cleaned.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
    return hashlib.sha256(b"recovery:" + cleaned.encode()).hexdigest()
