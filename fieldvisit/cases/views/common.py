"""What the case forms share: checking the action, saving once, and reporting refusals."""

from __future__ import annotations

from flask_login import current_user

from fieldvisit.cases.engine import TRANSITIONS, Action, may_ever, not_possible
from fieldvisit.cases.models import Case
from fieldvisit.core.dates import UK_TIME, utcnow
from fieldvisit.core.errors import (
    NotAllowed,
)


def require(case: Case, action: Action) -> None:
    """Refuse a page whose action the user's roles never allow (403) or the state forbids."""
    if not may_ever(current_user, action):
        raise NotAllowed(f"Your role does not allow '{action.label}'.")
    if (case.state, action) not in TRANSITIONS:
        raise not_possible(case, action)


def now_fields(date_field: str, time_field: str) -> dict[str, str]:
    """Pre-fill a date input and a time box with the current moment in England."""
    now = utcnow().astimezone(UK_TIME)
    return {
        f"{date_field}-day": str(now.day),
        f"{date_field}-month": str(now.month),
        f"{date_field}-year": str(now.year),
        time_field: now.strftime("%H:%M"),
    }
