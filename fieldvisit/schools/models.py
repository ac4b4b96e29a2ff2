"""The local authority, its schools and their calendar."""

from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldvisit.core.db import Base, str_enum

# How long a sign-in lasts until the LA changes it (the admin settings page).
SESSION_DEFAULTS = {
    "office_idle_minutes": 30,
    "office_absolute_hours": 10,
    "officer_idle_minutes": 8 * 60,
    "officer_absolute_hours": 12,
}
# How many days an officer still sees a case after their visit to it is done.
OFFICER_ACCESS_DAYS = 14
# How many years a closed case is kept before `fieldvisit apply-retention` deletes it.
RETENTION_YEARS = 6


class PeriodUnit(enum.StrEnum):
    """How the LA counts the waiting period of joint enquiries before removal from roll."""

    CALENDAR_DAYS = "calendar_days"
    SCHOOL_DAYS = "school_days"


class LocalAuthority(Base):
    __tablename__ = "local_authorities"
    __table_args__ = (
        CheckConstraint("referral_school_day >= 1", name="referral_day_positive"),
        CheckConstraint("vulnerable_referral_school_day >= 1", name="vulnerable_day_positive"),
        CheckConstraint("removal_after_days >= 1", name="removal_days_positive"),
        CheckConstraint("officer_access_days >= 0", name="officer_access_days_not_negative"),
        CheckConstraint("retention_years >= 1", name="retention_years_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    la_code: Mapped[str] = mapped_column(String(3), unique=True)
    cme_team_email: Mapped[str | None] = mapped_column(String(254))
    referral_school_day: Mapped[int] = mapped_column(default=10)
    vulnerable_referral_school_day: Mapped[int] = mapped_column(default=5)
    removal_after_days: Mapped[int] = mapped_column(default=28)
    # The seed counts four calendar weeks; an LA may count school days instead, so that
    # Christmas or the summer does not shorten the enquiries (schools/services.py).
    removal_after_unit: Mapped[PeriodUnit] = str_enum(
        PeriodUnit, default=PeriodUnit.CALENDAR_DAYS, server_default=PeriodUnit.CALENDAR_DAYS.value
    )
    calendar_version: Mapped[int] = mapped_column(default=1)
    # How long a sign-in lasts (accounts/sessions.py): in the office, and on an officer's phone.
    office_idle_minutes: Mapped[int] = mapped_column(
        default=SESSION_DEFAULTS["office_idle_minutes"]
    )
    office_absolute_hours: Mapped[int] = mapped_column(
        default=SESSION_DEFAULTS["office_absolute_hours"]
    )
    officer_idle_minutes: Mapped[int] = mapped_column(
        default=SESSION_DEFAULTS["officer_idle_minutes"]
    )
    officer_absolute_hours: Mapped[int] = mapped_column(
        default=SESSION_DEFAULTS["officer_absolute_hours"]
    )
    officer_access_days: Mapped[int] = mapped_column(default=OFFICER_ACCESS_DAYS)
    retention_years: Mapped[int] = mapped_column(
        default=RETENTION_YEARS, server_default=str(RETENTION_YEARS)
    )

    schools: Mapped[list[School]] = relationship(back_populates="local_authority")
    terms: Mapped[list[Term]] = relationship(order_by="Term.starts_on")


class School(Base):
    __tablename__ = "schools"

    id: Mapped[int] = mapped_column(primary_key=True)
    local_authority_id: Mapped[int] = mapped_column(ForeignKey("local_authorities.id"))
    name: Mapped[str] = mapped_column(String(200))
    urn: Mapped[str] = mapped_column(String(8), unique=True)
    la_code: Mapped[str] = mapped_column(String(3))
    estab: Mapped[str] = mapped_column(String(4))
    address: Mapped[str] = mapped_column(String(500), default="")
    postcode: Mapped[str] = mapped_column(String(10), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    dsl_name: Mapped[str] = mapped_column(String(200), default="")
    dsl_email: Mapped[str] = mapped_column(String(254), default="")
    signatory_name: Mapped[str] = mapped_column(String(200), default="")
    signatory_role: Mapped[str] = mapped_column(String(200), default="Headteacher")
    # The day the school last imported its whole roll: a pupil it did not hold has left
    # (their deletion notice to the LA falls due, notices/services.py).
    roll_imported_on: Mapped[date | None]

    local_authority: Mapped[LocalAuthority] = relationship(back_populates="schools")

    @property
    def dfe_number(self) -> str:
        """Return the seven-digit LA and establishment number, e.g. 8732001."""
        return f"{self.la_code}{self.estab}"


class Term(Base):
    """A stretch of school days; half terms and holidays are the gaps between terms.

    The LA's terms (no school) apply to every school, except in an academic year for which
    a school (an academy, say) has terms of its own: those replace the LA's that year.
    """

    __tablename__ = "terms"
    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    local_authority_id: Mapped[int] = mapped_column(ForeignKey("local_authorities.id"))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    starts_on: Mapped[date]
    ends_on: Mapped[date]


class Closure(Base):
    """A day in term with no pupils: an INSET day, for the whole LA or one school."""

    __tablename__ = "closures"
    __table_args__ = (UniqueConstraint("local_authority_id", "school_id", "on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    local_authority_id: Mapped[int] = mapped_column(ForeignKey("local_authorities.id"))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"))
    on: Mapped[date]
    reason: Mapped[str] = mapped_column(String(100), default="INSET day")
