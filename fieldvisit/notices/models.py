"""The notices a school must send its LA (School Attendance (Pupil Registration) (England)
Regulations 2024, SI 2024/208), kept with when each was due, who sent it, and who
acknowledged it."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldvisit.accounts.models import User
from fieldvisit.core.dates import uk_date
from fieldvisit.core.db import Base, str_enum
from fieldvisit.pupils.models import Pupil
from fieldvisit.schools.models import School


class NoticeKind(enum.StrEnum):
    NEW_ENTRY = "new_entry"
    DELETION = "deletion"
    CONTINUOUS_ABSENCE = "continuous_absence"
    SICKNESS = "sickness"

    @property
    def label(self) -> str:
        return LABELS[self]


LABELS = {
    NoticeKind.NEW_ENTRY: "A pupil added to the admission register",
    NoticeKind.DELETION: "A pupil deleted from the admission register",
    NoticeKind.CONTINUOUS_ABSENCE: "Continuous absence of 10 school days without permission",
    NoticeKind.SICKNESS: "Absent through illness for 15 school days",
}

# The grounds for deleting a pupil's name (regulation 9), in the words a school office uses.
# A pupil on roll at another school, or educated at home, has its own form to the LA (the
# outcomes' "Deletion from Register - Destination Confirmed" and the home education
# referral): those are the deletion notices for those grounds.
TWENTY_DAYS = "twenty_days"
DELETION_GROUNDS = {
    TWENTY_DAYS: "Continuously absent for at least 20 school days, and not located after "
    "reasonable enquiries by the school and the LA (regulation 9(1)(i))",
    "moved_away": "No longer lives within reasonable distance of the school (moved away, "
    "in England or abroad)",
    "medical": "Certified by the school's medical officer as unlikely to be fit to attend "
    "before leaving compulsory school age",
    "custody": "Detained in custody for four months or more, and not expected to return",
    "died": "Has died",
    "school_age": "No longer of compulsory school age, and not continuing at the school",
    "excluded": "Permanently excluded, the review process complete",
    "other": "Another ground in regulation 9 (say which below)",
}


class Notice(Base):
    __tablename__ = "school_notices"
    __table_args__ = (
        Index("ix_school_notices_inbox", "acknowledged_at", "sent_at"),
        # One notice of each event: two offices sending it at once, the second is refused.
        UniqueConstraint("pupil_id", "kind", "since", name="uq_school_notices_event"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[NoticeKind] = str_enum(NoticeKind)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id"))
    # What the regulation asks the notice to say (dates as ISO text, counts, the school's
    # account of what it has done); see notices/services.py.
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # The event notified: the entry, the deletion, or the first day of the absence.
    since: Mapped[date]
    # The day the regulation's deadline falls on, in the school's calendar (notices/due.py).
    due_on: Mapped[date]
    # A deletion on the 20-day ground names the CME case whose enquiries failed.
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
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

    @property
    def ground(self) -> str:
        key = self.details.get("ground", "")
        return DELETION_GROUNDS.get(key, key)

    @property
    def sent_late(self) -> bool:
        return uk_date(self.sent_at) > self.due_on
