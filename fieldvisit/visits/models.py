"""Home visits recorded at the door, and visits assigned to officers."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldvisit.accounts.models import User
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

    @property
    def completed(self) -> bool:
        """Apply the seed's rule: a visit nobody answered counts only with a letter left."""
        return self.outcome != VisitOutcome.NO_ANSWER or self.letter_left


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
