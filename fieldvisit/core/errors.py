"""Domain errors: each says in plain words what went wrong and how to fix it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any


class DomainError(Exception):
    """An operation was refused; `message` is shown to the user as it is."""

    code = "refused"
    status = 422

    def __init__(self, message: str, *, fields: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.fields:
            body["fields"] = self.fields
        return {"error": body}


class ValidationFailed(DomainError):
    code = "validation"
    status = 422


class NotAllowed(DomainError):
    code = "forbidden"
    status = 403


class NotFound(DomainError):
    code = "not_found"
    status = 404


class CaseChanged(DomainError):
    """Someone else changed the case since the page was loaded."""

    code = "conflict"
    status = 409

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message
            or "This case was changed by someone else while you were working on it. "
            "Reload the case to see the change, then try again."
        )


@dataclass(frozen=True)
class Blocked:
    """One guard's refusal: which rule, why, and when it unlocks if known."""

    guard: str
    reason: str
    unlocks_on: date | None = None


class TransitionRefused(DomainError):
    """The case engine refused an action; `blocked` names each guard that said no."""

    code = "transition_refused"
    status = 409

    def __init__(self, action: str, blocked: list[Blocked]) -> None:
        message = " ".join(b.reason for b in blocked) or "This action is not allowed now."
        super().__init__(message, fields={"guards": [b.guard for b in blocked]})
        self.action = action
        self.blocked = blocked
