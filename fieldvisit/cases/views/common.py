"""What the case forms share: checking the action, saving once, and reporting refusals."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app
from flask_login import current_user

from fieldvisit.cases.engine import TRANSITIONS, Action, may_ever, not_possible
from fieldvisit.cases.models import Case
from fieldvisit.core.dates import UK_TIME, utcnow
from fieldvisit.core.db import db
from fieldvisit.core.errors import (
    CaseChanged,
    DomainError,
    NotAllowed,
    TransitionRefused,
    ValidationFailed,
)
from fieldvisit.core.forms import error_list
from fieldvisit.core.web import commit


def require(case: Case, action: Action) -> None:
    """Refuse a page whose action the user's roles never allow (403) or the state forbids."""
    if not may_ever(current_user, action):
        raise NotAllowed(f"Your role does not allow '{action.label}'.")
    if (case.state, action) not in TRANSITIONS:
        raise not_possible(case, action)


def save(work: Callable[[], Any]) -> DomainError | None:
    """Run a service and commit once; on a refusal roll back and hand it to the form."""
    try:
        work()
        commit()
    except (ValidationFailed, CaseChanged, TransitionRefused) as error:
        db.session.rollback()
        current_app.logger.info("case form refused: %s", error.code)
        return error
    return None


def form_errors(error: DomainError) -> dict[str, list[str]]:
    """Turn a refusal into field errors; a changed case or a blocked action goes on top."""
    if isinstance(error, ValidationFailed) and error.fields:
        return {name: list(messages) for name, messages in error.fields.items()}
    if isinstance(error, CaseChanged):
        return {"_schema": [f"{error.message} What you entered is kept below."]}
    return {"_schema": [error.message]}


def errors_context(errors: dict[str, list[str]]) -> dict[str, Any]:
    return {"errors": errors, "error_list": error_list(errors)}


def now_fields(date_field: str, time_field: str) -> dict[str, str]:
    """Pre-fill a date input and a time box with the current moment in England."""
    now = utcnow().astimezone(UK_TIME)
    return {
        f"{date_field}-day": str(now.day),
        f"{date_field}-month": str(now.month),
        f"{date_field}-year": str(now.year),
        time_field: now.strftime("%H:%M"),
    }
