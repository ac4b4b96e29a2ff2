"""Second factor: time-based one-time codes from an authenticator app."""

from __future__ import annotations

import io
import time
from datetime import timedelta

import pyotp
import qrcode
import qrcode.image.svg

from fieldvisit.accounts.models import User
from fieldvisit.core.dates import utcnow

ISSUER = "fieldvisit"
STEP_SECONDS = 30
# How long a new authenticator's secret waits for its first code.
PENDING_FOR = timedelta(minutes=10)


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


def start_pending(user: User) -> str:
    """Give the user a new secret to set up, kept on the server until a code confirms it."""
    user.pending_totp_secret = new_secret()
    user.pending_totp_since = utcnow()
    return user.pending_totp_secret


def pending_secret(user: User) -> str | None:
    """Return the secret being set up, if it was started in the last ten minutes."""
    since = user.pending_totp_since
    if user.pending_totp_secret is None or since is None or utcnow() - since > PENDING_FOR:
        return None
    return user.pending_totp_secret


def confirm_pending(user: User, code: str) -> bool:
    """Make the pending secret the user's authenticator if the code comes from it."""
    secret = pending_secret(user)
    step = check_code(secret, code, last_step=0) if secret else None
    if step is None:
        return False
    user.totp_secret = secret
    user.totp_last_step = max(step, user.totp_last_step)
    user.pending_totp_secret = user.pending_totp_since = None
    return True


def accept_code(user: User, code: str) -> bool:
    """Check a code from the user's authenticator and remember its step."""
    if user.totp_secret is None:
        return False
    step = check_code(user.totp_secret, code, user.totp_last_step)
    if step is None:
        return False
    user.totp_last_step = step
    return True
