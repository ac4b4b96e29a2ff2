"""CME referrals to the LA and the CME involvements they open."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldvisit.accounts.models import User
from fieldvisit.core.db import Base, str_enum


class ReferralStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    RETURNED = "returned"
    ACCEPTED = "accepted"


class Referral(Base):
    """A school's Request for Children Missing from Education Investigation."""

    __tablename__ = "referrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    status: Mapped[ReferralStatus] = str_enum(ReferralStatus, default=ReferralStatus.SUBMITTED)
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    return_reason: Mapped[str] = mapped_column(Text, default="")
    content: Mapped[dict[str, Any]] = mapped_column(default=dict)

    submitted_by: Mapped[User] = relationship(foreign_keys=[submitted_by_id])


class Involvement(Base):
    """The LA's CME involvement, open from acceptance until the child is found."""

    __tablename__ = "involvements"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"))
    laao_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    opened_at: Mapped[datetime]
    removal_agreed_at: Mapped[datetime | None]
    removed_from_roll_on: Mapped[date | None]
    closed_at: Mapped[datetime | None]
    outcome: Mapped[str] = mapped_column(Text, default="")

    laao: Mapped[User] = relationship()
