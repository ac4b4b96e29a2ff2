"""Second factor: time-based one-time codes from an authenticator app."""

from __future__ import annotations

import io
import time

import pyotp
import qrcode
import qrcode.image.svg

from fieldvisit.accounts.models import User

ISSUER = "fieldvisit"
STEP_SECONDS = 30


def new_secret() -> str:
    return pyotp.random_base32()


def setup_qr_svg(secret: str, email: str) -> str:
    """Return an inline SVG QR code of the authenticator set-up link."""
    uri = pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    return svg[svg.index("<svg") :]  # drop the XML declaration for inline use


def check_code(secret: str, code: str, last_step: int, now: float | None = None) -> int | None:
    """Return the time step the code belongs to, or None; a step is accepted only once."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    now = time.time() if now is None else now
    totp = pyotp.TOTP(secret)
    current = int(now // STEP_SECONDS)
    for step in (current, current - 1, current + 1):  # allow one step of clock drift
        if step > last_step and totp.at(step * STEP_SECONDS) == code:
            return step
    return None


def accept_code(user: User, code: str, secret: str | None = None) -> bool:
    """Check a code for the user (or for a secret being set up) and remember its step."""
    secret = secret or user.totp_secret
    if secret is None:
        return False
    step = check_code(secret, code, user.totp_last_step)
    if step is None:
        return False
    user.totp_last_step = step
    return True
