"""Children who may have moved to another area: the CME referral to the council there.

When joint enquiries point to another local authority's area (a forwarding address, a
relative, a new school's request for records), the LA refers the child to that LA's CME
team and records what it answers. What was sent is kept as it was sent (`content`), so the
PDF printed later is the same referral.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldvisit.accounts.models import User
from fieldvisit.core.db import Base, str_enum
from fieldvisit.schools.authorities import area_name


class AreaAnswer(enum.StrEnum):
    ON_ROLL = "on_roll"
    RESIDENT = "resident"
    NOT_KNOWN = "not_known"

    @property
    def label(self) -> str:
        return ANSWER_LABELS[self]

    @property
    def found(self) -> bool:
        """The other LA knows where the child is: the move can close the case."""
        return self != AreaAnswer.NOT_KNOWN


ANSWER_LABELS = {
    AreaAnswer.ON_ROLL: "Known to them: on roll at a school in their area",
    AreaAnswer.RESIDENT: "Known to them: living in their area, not yet on a school roll",
    AreaAnswer.NOT_KNOWN: "Not known to them",
}


class AreaReferral(Base):
    """One CME referral to another local authority, and its answer."""

    __tablename__ = "area_referrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    # A DfE LA number, or wales, scotland or northern_ireland (schools/authorities.py).
    area: Mapped[str] = mapped_column(String(20))
    # The other LA's CME team or officer, and how they were sent it.
    sent_to: Mapped[str] = mapped_column(String(300))
    sent_on: Mapped[date]
    sent_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    sent_at: Mapped[datetime]
    # What the referral said, as sent: the child, the last address, the school, the dates,
    # the reasons, the enquiries so far, and whom to answer.
    content: Mapped[dict[str, Any]] = mapped_column(default=dict)
    answer: Mapped[AreaAnswer | None] = str_enum(AreaAnswer, nullable=True)
    answered_on: Mapped[date | None]
    answer_note: Mapped[str] = mapped_column(Text, default="")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    sent_by: Mapped[User] = relationship(foreign_keys=[sent_by_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])

    @property
    def area_name(self) -> str:
        return area_name(self.area)
