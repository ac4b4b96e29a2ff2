"""The credential forms' post cycle: sign-in, a code, a password."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import request

from fieldvisit.accounts.schemas import CodeSchema
from fieldvisit.accounts.services import AccountLocked
from fieldvisit.accounts.throttle import count_address_failure, refuse_if_address_throttled
from fieldvisit.core.errors import ValidationFailed
from fieldvisit.core.forms import load_form
from fieldvisit.core.web import Saved, commit

T = TypeVar("T")


def checked(work: Callable[[], T], *, field: str) -> Saved[T]:
    """Unlike other forms (core/web.py `save`), a wrong answer is committed, so the account's
    failure count is kept, and counted against the address. A locked account comes back as
    the refusal (AccountLocked) for the page to sign out; a right answer comes back
    uncommitted, for the page to finish."""
    try:
        return Saved(work())
    except AccountLocked as locked:
        return Saved(refusal=locked, field=field)
    except ValidationFailed as wrong:
        count_address_failure()
        commit()
        return Saved(refusal=wrong, field=field)


def posted_code(check: Callable[[str], T]) -> Saved[T] | None:
    """Check the code posted on a code page (sign-in, a new authenticator app); None when
    nothing was posted. An address that has guessed too often is refused first."""
    if request.method != "POST":
        return None
    refuse_if_address_throttled()
    result = load_form(CodeSchema(), request.form)
    if result.data is None or not result.ok:
        return Saved(refusal=ValidationFailed("Enter the code.", fields=result.errors))
    code = result.data["code"]
    return checked(lambda: check(code), field="code")
