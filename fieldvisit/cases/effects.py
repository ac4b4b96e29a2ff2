"""What follows from an action on a case: the engine publishes it, the handlers react.

The engine carries out every action (`engine.apply` for the ones that move the case,
`engine.record` for the ones that only record something) and then publishes what happened.
The handlers are listed in one place, `fieldvisit/effects.py`, and installed when the app is
created; the chronology below only appends and verifies.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from fieldvisit.cases.models import Case, CaseState
from fieldvisit.chronology.models import ChronologyEntry

if TYPE_CHECKING:
    from fieldvisit.accounts.models import User


@dataclass(frozen=True)
class Happened:
    """One action carried out on a case: its kind, the states before and after, the entries
    written. The states are kept as they were: the case itself goes on changing."""

    case: Case
    action: str
    before: CaseState
    after: CaseState
    actor: User | None
    entries: list[ChronologyEntry]

    @property
    def closed_the_case(self) -> bool:
        return self.after == CaseState.CLOSED and self.before != CaseState.CLOSED


Handler = Callable[[Session, Happened], None]

_handlers: tuple[Handler, ...] | None = None


def install(handlers: Iterable[Handler]) -> None:
    """Set the handlers every action is published to (the app does this once, at creation)."""
    global _handlers
    _handlers = tuple(handlers)


def publish(session: Session, happened: Happened) -> None:
    """Run every handler on what happened, in the order they were installed."""
    if _handlers is None:
        raise RuntimeError("No effects are installed: create the app (fieldvisit.app) first.")
    for handler in _handlers:
        handler(session, happened)
