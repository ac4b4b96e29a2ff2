"""The few facts the case rules need from the domains above cases, behind a narrow interface.

Which cases a user sees (access.py) and the engine's guards depend on visits and referrals,
which sit above cases in the layers (README, "Architecture") because they import it. So
cases names each question here, and the domain that owns the tables answers it next to
them (visits/models.py, visits/photos.py, referrals/models.py): cases never imports those
domains. Making the app imports every answer (its blueprints import all the domains), and
a question nobody answered raises rather than letting a rule pass unchecked.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar, cast

from sqlalchemy.orm import Session

from fieldvisit.accounts.models import User

F = TypeVar("F", bound=Callable[..., Any])
A = TypeVar("A", bound=Callable[..., Any])


class Question(Generic[F]):
    """One question cases asks; `ask` is the answer a domain above registered."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._answer: F | None = None

    def answered_by(self, answer: A) -> A:
        """Register the answer; the domain keeps its own, more precise, signature."""
        self._answer = cast(F, answer)
        return answer

    @property
    def ask(self) -> F:
        if self._answer is None:
            raise RuntimeError(f"Nothing answers the case rules' question {self.name!r}.")
        return self._answer


class OpenInvolvement(Protocol):
    """What the case rules read of the LA's open CME involvement in a case."""

    @property
    def opened_at(self) -> datetime: ...
    @property
    def removal_agreed_at(self) -> datetime | None: ...
    @property
    def removal_agreed_by_id(self) -> int | None: ...
    @property
    def laao(self) -> User: ...


# SQL conditions take the case id as a column (Case.id in a case query) or a number.
# visits: the officer has an open visit of the case, or finished one at or after `since`.
officer_has_visit: Question[Callable[[Any, int, datetime], Any]] = Question("officer_has_visit")
# visits: the case has a completed home visit (HomeVisit.completed).
completed_home_visit: Question[Callable[[Any], Any]] = Question("completed_home_visit")
# visits: the case has an open visit assignment or a completed home visit.
visit_arranged: Question[Callable[[Any], Any]] = Question("visit_arranged")
# visits: by chronology entry id, the photos taken at the visits among `entries`.
entry_photos: Question[Callable[[Session, Sequence[Any]], dict[int, Any]]] = Question(
    "entry_photos"
)
# referrals: the case has been referred to the LA.
referred: Question[Callable[[Any], Any]] = Question("referred")
# referrals: the LA's open CME involvement in the case, if any.
open_involvement: Question[Callable[[Session, int], OpenInvolvement | None]] = Question(
    "open_involvement"
)
