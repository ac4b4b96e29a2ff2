"""How a case ended once contact was made, and the forms the LA reads.

Every outcome is an OutcomeRecord; the two statutory forms hang off it:
"Deletion from Register - Destination Confirmed" and the "Elective home
education deregistration referral".
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldvisit.accounts.models import User
from fieldvisit.cases.models import Case, Outcome
from fieldvisit.core.db import Base, str_enum


class OutcomeRecord(Base):
    """One case's outcome: what, from when, who recorded it, and whether the pupil left the roll."""

    __tablename__ = "outcome_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    kind: Mapped[Outcome] = str_enum(Outcome)
    effective_on: Mapped[date]
    note: Mapped[str] = mapped_column(Text, default="")
    current_address: Mapped[str] = mapped_column(String(500), default="")
    removed_from_roll: Mapped[bool] = mapped_column(default=False)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime]
    chronology_entry_id: Mapped[int | None] = mapped_column(ForeignKey("chronology_entries.id"))

    case: Mapped[Case] = relationship()
    recorded_by: Mapped[User] = relationship()
    destination: Mapped[DestinationConfirmation | None] = relationship(
        back_populates="outcome", cascade="all, delete-orphan"
    )
    home_education: Mapped[HomeEducationReferral | None] = relationship(
        back_populates="outcome", cascade="all, delete-orphan"
    )
    abroad: Mapped[MovedAbroad | None] = relationship(
        back_populates="outcome", cascade="all, delete-orphan"
    )
    other_area: Mapped[MovedOtherArea | None] = relationship(
        back_populates="outcome", cascade="all, delete-orphan"
    )


class ConfirmedHow(enum.StrEnum):
    NEW_SCHOOL_PHONE = "new_school_phone"
    NEW_SCHOOL_EMAIL = "new_school_email"
    CTF_RECEIVED = "ctf_received"
    ADMISSIONS = "admissions"
    OTHER_LA = "other_la"

    @property
    def label(self) -> str:
        return CONFIRMED_HOW_LABELS[self]


CONFIRMED_HOW_LABELS = {
    ConfirmedHow.NEW_SCHOOL_PHONE: "Phone call with the new school",
    ConfirmedHow.NEW_SCHOOL_EMAIL: "Email from the new school",
    ConfirmedHow.CTF_RECEIVED: "The new school asked for the CTF",
    ConfirmedHow.ADMISSIONS: "The admissions team",
    ConfirmedHow.OTHER_LA: "The other local authority",
}


class DestinationConfirmation(Base):
    """The "Deletion from Register - Destination Confirmed" form."""

    __tablename__ = "destination_confirmations"

    id: Mapped[int] = mapped_column(primary_key=True)
    outcome_id: Mapped[int] = mapped_column(
        ForeignKey("outcome_records.id", ondelete="CASCADE"), unique=True
    )
    school_name: Mapped[str] = mapped_column(String(200))
    school_urn: Mapped[str] = mapped_column(String(8), default="")
    local_authority: Mapped[str] = mapped_column(String(200))
    on_roll_from: Mapped[date]
    confirmed_how: Mapped[ConfirmedHow] = str_enum(ConfirmedHow)
    confirmed_by: Mapped[str] = mapped_column(String(200), default="")

    outcome: Mapped[OutcomeRecord] = relationship(back_populates="destination")


class NoticeForm(enum.StrEnum):
    LETTER = "letter"
    EMAIL = "email"
    VERBAL = "verbal"

    @property
    def label(self) -> str:
        return NOTICE_FORM_LABELS[self]

    @property
    def written(self) -> bool:
        return self != NoticeForm.VERBAL


NOTICE_FORM_LABELS = {
    NoticeForm.LETTER: "Letter",
    NoticeForm.EMAIL: "Email",
    NoticeForm.VERBAL: "Told us (not yet in writing)",
}


# Raised to the LA (and for a CP/CIN plan to social care) before a deregistration referral.
EHE_ALERTS = {
    "special_school": "Special school place arranged by the LA: the LA must consent before the "
    "pupil's name is removed for home education.",
    "attendance_order": "A school attendance order is in force: the pupil stays on roll until "
    "the LA revokes the order.",
    "cp_cin": "The child has a child protection or child in need plan: social care are told, "
    "and the LA should consider at once whether home education is suitable.",
}


class HomeEducationReferral(Base):
    """The "Elective home education deregistration referral" to the LA."""

    __tablename__ = "home_education_referrals"
    __table_args__ = (
        CheckConstraint(
            "notice_form != 'verbal' OR notice_file_key IS NULL", name="verbal_notice_has_no_file"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    outcome_id: Mapped[int] = mapped_column(
        ForeignKey("outcome_records.id", ondelete="CASCADE"), unique=True
    )
    notice_received_on: Mapped[date]
    notice_form: Mapped[NoticeForm] = str_enum(NoticeForm)
    parent_name: Mapped[str] = mapped_column(String(200))
    notice_file_key: Mapped[str | None] = mapped_column(String(200))
    notice_file_type: Mapped[str] = mapped_column(String(50), default="")
    notice_file_sha256: Mapped[str] = mapped_column(String(64), default="")
    notice_file_size: Mapped[int] = mapped_column(default=0)
    # Keys of EHE_ALERTS raised when the referral was made.
    alerts: Mapped[list[str]] = mapped_column(default=list)

    outcome: Mapped[OutcomeRecord] = relationship(back_populates="home_education")

    @property
    def alert_texts(self) -> list[str]:
        return [EHE_ALERTS[key] for key in self.alerts if key in EHE_ALERTS]


class AbroadEvidence(enum.StrEnum):
    PARENT = "parent"
    NEW_SCHOOL = "new_school"
    POLICE_OR_HOME_OFFICE = "police_or_home_office"

    @property
    def label(self) -> str:
        return ABROAD_EVIDENCE_LABELS[self]


ABROAD_EVIDENCE_LABELS = {
    AbroadEvidence.PARENT: "The parent confirmed it",
    AbroadEvidence.NEW_SCHOOL: "The new school abroad confirmed the place",
    AbroadEvidence.POLICE_OR_HOME_OFFICE: "A police or Home Office (border) check",
}


class MovedAbroad(Base):
    """The evidence that the child has left England: where to, since when, who says so."""

    __tablename__ = "moved_abroad"

    id: Mapped[int] = mapped_column(primary_key=True)
    outcome_id: Mapped[int] = mapped_column(
        ForeignKey("outcome_records.id", ondelete="CASCADE"), unique=True
    )
    country: Mapped[str] = mapped_column(String(100))
    evidence: Mapped[AbroadEvidence] = str_enum(AbroadEvidence)
    # Who confirmed it and how: the parent's email, the school's name, the check's reference.
    confirmed_by: Mapped[str] = mapped_column(String(300))
    new_school: Mapped[str] = mapped_column(String(200), default="")

    outcome: Mapped[OutcomeRecord] = relationship(back_populates="abroad")


class MovedOtherArea(Base):
    """The child lives in another LA's area (or Wales, Scotland or Northern Ireland), as the
    council there confirmed: that council's CME duty now, so the involvement here closes."""

    __tablename__ = "moved_other_area"

    id: Mapped[int] = mapped_column(primary_key=True)
    outcome_id: Mapped[int] = mapped_column(
        ForeignKey("outcome_records.id", ondelete="CASCADE"), unique=True
    )
    # A DfE LA number, or wales, scotland or northern_ireland (schools/authorities.py).
    area: Mapped[str] = mapped_column(String(20))
    # Who confirmed it and how: the other LA's CME officer by email on a date, say.
    confirmed_by: Mapped[str] = mapped_column(String(300))

    outcome: Mapped[OutcomeRecord] = relationship(back_populates="other_area")
