"""CME referrals to the LA and the CME involvements they open."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, exists, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship
from sqlalchemy.orm.exc import StaleDataError

from fieldvisit.accounts.models import User
from fieldvisit.cases import facts
from fieldvisit.cases.models import Case
from fieldvisit.core.db import Base, str_enum
from fieldvisit.core.errors import CaseChanged
from fieldvisit.core.references import referral_reference


def _school_of_case(context: Any) -> int | None:
    """Default a referral's school to its case's school (cases never change school)."""
    case_id = context.get_current_parameters()["case_id"]
    return context.connection.scalar(select(Case.school_id).where(Case.id == case_id))


def _pupil_of_case(context: Any) -> int | None:
    """Default a referral's pupil to its case's pupil (cases never change pupil)."""
    case_id = context.get_current_parameters()["case_id"]
    return context.connection.scalar(select(Case.pupil_id).where(Case.id == case_id))


def flush_or_conflict(session: Session) -> None:
    """Flush; a referral or involvement someone else changed meanwhile becomes CaseChanged."""
    try:
        session.flush()
    except StaleDataError:
        raise CaseChanged(
            "Someone else changed this referral while you were working on it. Reload the page "
            "to see what they did."
        ) from None


class ReferralStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    RETURNED = "returned"
    ACCEPTED = "accepted"

    @property
    def label(self) -> str:
        return {"submitted": "New", "returned": "Returned", "accepted": "Accepted"}[self.value]


class Referral(Base):
    """A school's Request for Children Missing from Education Investigation.

    Each submission is its own row, so a returned referral and its resubmission
    both stay on record; `latest` marks the one that counts for the case.
    """

    __tablename__ = "referrals"
    __table_args__ = (
        # The LAAO queue and the overview read referrals alone, never scanning cases.
        Index("ix_referrals_queue", "latest", "case_closed", "status", "submitted_at"),
        Index("ix_referrals_school_queue", "school_id", "latest", "case_closed", "status"),
        # The overview's delay chart: first submissions by date, read from the index alone.
        Index("ix_referrals_first", "first_submission", "submitted_at", "school_id", "school_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), default=_school_of_case)
    # Kept here too, so the LA's figures (cohort, repeat referrals) need not join cases.
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id"), default=_pupil_of_case)
    status: Mapped[ReferralStatus] = str_enum(ReferralStatus, default=ReferralStatus.SUBMITTED)
    latest: Mapped[bool] = mapped_column(default=True)
    # Set when the case closes (child found, or any contact-made outcome).
    case_closed: Mapped[bool] = mapped_column(default=False)
    # The case's first referral (a resubmission after a return is not).
    first_submission: Mapped[bool] = mapped_column(default=True)
    # The school day of the case when it was submitted.
    school_day: Mapped[int | None]
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    return_reason: Mapped[str] = mapped_column(Text, default="")
    content: Mapped[dict[str, Any]] = mapped_column(default=dict)
    chronology_pdf_key: Mapped[str] = mapped_column(String(200), default="")
    chronology_pdf_sha256: Mapped[str] = mapped_column(String(64), default="")
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    case: Mapped[Case] = relationship()
    submitted_by: Mapped[User] = relationship(foreign_keys=[submitted_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def reference(self) -> str:
        return referral_reference(self.id)


class Involvement(Base):
    """The LA's CME involvement, open from acceptance until the child is found."""

    __tablename__ = "involvements"
    __table_args__ = (
        Index("ix_involvements_waiting", "closed_at", "removal_agreed_at", "opened_at"),
        Index("ix_involvements_opened_at", "opened_at"),
        Index("ix_involvements_closed_at", "closed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), unique=True)
    laao_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime]
    removal_agreed_at: Mapped[datetime | None]
    removal_agreed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The LAAO's written confirmation to the school, kept as a letter copy.
    confirmation_letter_id: Mapped[int | None] = mapped_column(ForeignKey("letters.id"))
    removed_from_roll_on: Mapped[date | None]
    removal_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    case: Mapped[Case] = relationship()
    referral: Mapped[Referral] = relationship()
    laao: Mapped[User] = relationship(foreign_keys=[laao_id])
    removal_agreed_by: Mapped[User | None] = relationship(foreign_keys=[removal_agreed_by_id])

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


@facts.open_involvement.answered_by
def open_involvement(session: Session, case_id: int) -> Involvement | None:
    """Return the case's open CME involvement, if any."""
    return session.scalar(
        select(Involvement)
        .where(Involvement.case_id == case_id, Involvement.closed_at.is_(None))
        .order_by(Involvement.opened_at.desc())
        .limit(1)
    )


@facts.referred.answered_by
def _referred(case_id: Any) -> Any:
    """SQL: the case has been referred to the LA (the case rules ask, see cases/facts.py)."""
    return exists().where(Referral.case_id == case_id)
