"""The notices a school must send its LA (School Attendance (Pupil Registration) (England)
Regulations 2024, SI 2024/208), kept with who sent and who acknowledged each."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldvisit.accounts.models import User
from fieldvisit.core.db import Base, str_enum
from fieldvisit.pupils.models import Pupil
from fieldvisit.schools.models import School


class NoticeKind(enum.StrEnum):
    CONTINUOUS_ABSENCE = "continuous_absence"

    @property
    def label(self) -> str:
        return LABELS[self]


LABELS = {
    NoticeKind.CONTINUOUS_ABSENCE: "Continuous absence of 10 school days without permission",
}


class Notice(Base):
    __tablename__ = "school_notices"
    __table_args__ = (Index("ix_school_notices_inbox", "acknowledged_at", "sent_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[NoticeKind] = str_enum(NoticeKind)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id"), index=True)
    # What the regulation asks the notice to say (dates as ISO text, counts, the school's
    # account of what it has done); see notices/services.py.
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    sent_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    sent_at: Mapped[datetime]
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    acknowledged_at: Mapped[datetime | None]

    school: Mapped[School] = relationship()
    pupil: Mapped[Pupil] = relationship()
    sent_by: Mapped[User] = relationship(foreign_keys=[sent_by_id])
    acknowledged_by: Mapped[User | None] = relationship(foreign_keys=[acknowledged_by_id])

    def day(self, name: str) -> date | None:
        """A date the notice carries (kept as ISO text in `details`), for a page to format."""
        value = self.details.get(name)
        return date.fromisoformat(value) if value else None
