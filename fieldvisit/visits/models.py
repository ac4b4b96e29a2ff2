"""Home visits recorded at the door, and visits assigned to officers."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, Uuid, and_, exists, or_
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldvisit.accounts.models import User
from fieldvisit.cases import facts
from fieldvisit.core.db import Base, str_enum


class VisitOutcome(enum.StrEnum):
    NO_ANSWER = "no_answer"
    SPOKE_TO_PARENT = "spoke_to_parent"
    CHILD_SEEN_SAFE = "child_seen_safe"
    CHILD_NOT_SEEN = "child_not_seen"
    PROPERTY_EMPTY = "property_empty"
    NEW_OCCUPANTS = "new_occupants"
    REFUSED = "refused"
    OTHER = "other"

    @property
    def label(self) -> str:
        return VISIT_OUTCOME_LABELS[self]


VISIT_OUTCOME_LABELS = {
    VisitOutcome.NO_ANSWER: "No answer",
    VisitOutcome.SPOKE_TO_PARENT: "Spoke to parent or carer",
    VisitOutcome.CHILD_SEEN_SAFE: "Child seen and safe",
    VisitOutcome.CHILD_NOT_SEEN: "Child not seen",
    VisitOutcome.PROPERTY_EMPTY: "Property appears empty",
    VisitOutcome.NEW_OCCUPANTS: "New occupants",
    VisitOutcome.REFUSED: "Refused",
    VisitOutcome.OTHER: "Other",
}


# The seed asks the school to "do a home visit and leave a letter if there is no response
# (keep a copy)". A visit where somebody from the household answered the door is a response,
# so it is completed without a letter: that includes "child not seen", where the parent or
# carer came to the door but the child was not shown (the LA weighs that in its review; the
# seed's test is a response, not sight of the child). An empty property, a refusal, new
# occupants or "other" is not a response from the family, so it counts only with a letter.
DOOR_ANSWERED = frozenset(
    {VisitOutcome.SPOKE_TO_PARENT, VisitOutcome.CHILD_SEEN_SAFE, VisitOutcome.CHILD_NOT_SEEN}
)


class HomeVisit(Base):
    __tablename__ = "home_visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_uuid: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    arrived_at: Mapped[datetime]
    outcome: Mapped[VisitOutcome] = str_enum(VisitOutcome)
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    accuracy_m: Mapped[float | None]
    letter_left: Mapped[bool] = mapped_column(default=False)
    letter_reference: Mapped[str] = mapped_column(String(40), default="")
    # The letter of this case that the reference names, found when the visit is stored; None
    # when no letter was left or the reference names no letter of this case (the visit is
    # kept as the officer recorded it, but a made-up reference completes nothing).
    letter_id: Mapped[int | None] = mapped_column(ForeignKey("letters.id"))
    notes: Mapped[str] = mapped_column(Text, default="")
    concern: Mapped[bool] = mapped_column(default=False)
    concern_details: Mapped[str] = mapped_column(Text, default="")
    photos: Mapped[list[str]] = mapped_column(default=list)  # SHA-256 of each photo declared
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    # The phone's own SHA-256 of the record it sent (canonical JSON): kept as given, so
    # the phone can tell its version from another device's.
    client_content_sha256: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime]

    officer: Mapped[User] = relationship()
    neighbour_enquiries: Mapped[list[NeighbourEnquiry]] = relationship(
        cascade="all, delete-orphan", order_by="NeighbourEnquiry.position"
    )

    @hybrid_property
    def completed(self) -> bool:
        """Apply the seed's rule: the family answered the door, or a letter of this case was left.

        The one rule for "completed home visit": the engine's guard, the checklist, the
        dashboard, the LA's evidence review and the referral all read it, in Python or SQL.
        """
        return self.outcome in DOOR_ANSWERED or self.letter_id is not None

    @completed.inplace.expression
    @classmethod
    def _completed_expression(cls) -> Any:
        return or_(cls.outcome.in_(sorted(DOOR_ANSWERED)), cls.letter_id.is_not(None))

    @property
    def why_not_completed(self) -> str:
        """Say in the users' words why the visit does not count; empty if it does."""
        if self.completed:
            return ""
        if self.letter_not_of_case:
            return f"letter reference {self.letter_reference} is not one of this case's letters"
        return "the family was not seen or spoken to and no letter was left"

    @property
    def letter_not_of_case(self) -> bool:
        """Say whether a letter was said to be left whose reference names no letter of the case."""
        return self.letter_left and self.letter_id is None


class NeighbourEnquiry(Base):
    __tablename__ = "neighbour_enquiries"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("home_visits.id", ondelete="CASCADE"))
    position: Mapped[int]
    neighbour: Mapped[str] = mapped_column(String(200))
    spoke_to: Mapped[str] = mapped_column(String(200), default="")
    said: Mapped[str] = mapped_column(Text, default="")


class AssignmentStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class VisitAssignment(Base):
    """A home visit the school has asked an officer to make."""

    __tablename__ = "visit_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    assigned_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    assigned_at: Mapped[datetime]
    due_on: Mapped[date | None]
    status: Mapped[AssignmentStatus] = str_enum(AssignmentStatus, default=AssignmentStatus.OPEN)
    # When the visit was made: the officer sees the case for a few days more (cases/access.py).
    done_at: Mapped[datetime | None]
    instructions: Mapped[str] = mapped_column(Text, default="")
    # Cancelled (or moved to another officer): the phone drops it at its next contact, but a
    # visit it recorded before this moment is still taken in (visits/sync.py).
    cancelled_at: Mapped[datetime | None]
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    officer: Mapped[User] = relationship(foreign_keys=[officer_id])


class VisitPhoto(Base):
    """A photo taken at a visit, keyed by the visit's client UUID: it may arrive first."""

    __tablename__ = "visit_photos"
    __table_args__ = (UniqueConstraint("visit_uuid", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_uuid: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    sha256: Mapped[str] = mapped_column(String(64))  # of the bytes the phone sent
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    received_at: Mapped[datetime]
    storage_key: Mapped[str] = mapped_column(String(200))
    thumbnail_key: Mapped[str] = mapped_column(String(200))
    stored_sha256: Mapped[str] = mapped_column(String(64))  # of the re-encoded file kept
    width: Mapped[int]
    height: Mapped[int]
    size_bytes: Mapped[int]


# The case rules' questions about visits (cases/facts.py), answered with the tables.
@facts.completed_home_visit.answered_by
def _completed_home_visit(case_id: Any) -> Any:
    return exists().where(HomeVisit.case_id == case_id, HomeVisit.completed)


@facts.visit_arranged.answered_by
def _visit_arranged(case_id: Any) -> Any:
    assigned = exists().where(
        VisitAssignment.case_id == case_id, VisitAssignment.status == AssignmentStatus.OPEN
    )
    return or_(assigned, _completed_home_visit(case_id))


@facts.officer_has_visit.answered_by
def _officer_has_visit(case_id: Any, officer_id: int, since: datetime) -> Any:
    return exists().where(
        VisitAssignment.case_id == case_id,
        VisitAssignment.officer_id == officer_id,
        or_(
            VisitAssignment.status == AssignmentStatus.OPEN,
            and_(
                VisitAssignment.status == AssignmentStatus.DONE,
                VisitAssignment.done_at >= since,
            ),
        ),
    )
