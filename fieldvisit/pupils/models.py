"""Pupils on a school's roll, their family, siblings and the agencies around them."""

from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from fieldvisit.core.dates import today_in_uk
from fieldvisit.core.db import Base, str_enum
from fieldvisit.core.errors import ValidationFailed
from fieldvisit.core.upn import InvalidUPN, validate_upn
from fieldvisit.schools.models import School


class Sex(enum.StrEnum):
    FEMALE = "F"
    MALE = "M"


class ContactKind(enum.StrEnum):
    PARENT = "parent"
    EMERGENCY = "emergency"


class Pupil(Base):
    __tablename__ = "pupils"
    __table_args__ = (
        UniqueConstraint("school_id", "upn"),
        Index("ix_pupils_school_surname", "school_id", "surname", "forename"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    upn: Mapped[str] = mapped_column(String(13))
    forename: Mapped[str] = mapped_column(String(100))
    surname: Mapped[str] = mapped_column(String(100))
    date_of_birth: Mapped[date]
    sex: Mapped[Sex] = str_enum(Sex)
    year_group: Mapped[str] = mapped_column(String(10), default="")
    address_lines: Mapped[list[str]] = mapped_column(default=list)
    postcode: Mapped[str] = mapped_column(String(10), default="")
    on_roll: Mapped[bool] = mapped_column(default=True)
    expected_start_on: Mapped[date | None]
    # The date the pupil joined this school (CTF EntryDate), from the roll file or the form.
    admitted_on: Mapped[date | None]
    left_on: Mapped[date | None]
    # The day a roll file last held the pupil (None: added by hand, never imported).
    last_imported_on: Mapped[date | None]
    leaving_reason: Mapped[str | None] = mapped_column(String(200))
    # What the LA triages on, with the DfE's codes (pupils/characteristics.py); None is "not
    # recorded". From the roll file where it holds them, and the school's own corrections.
    sen_provision: Mapped[str | None] = mapped_column(String(1))
    ethnicity: Mapped[str | None] = mapped_column(String(4))
    first_language: Mapped[str | None] = mapped_column(String(3))
    language_spoken: Mapped[str] = mapped_column(String(60), default="")
    interpreter_needed: Mapped[bool | None]
    fsm_eligible: Mapped[bool | None]
    service_child: Mapped[bool | None]
    believed_country: Mapped[str] = mapped_column(String(100), default="")

    school: Mapped[School] = relationship()
    contacts: Mapped[list[Contact]] = relationship(
        back_populates="pupil", cascade="all, delete-orphan", order_by="Contact.priority"
    )
    siblings: Mapped[list[Sibling]] = relationship(cascade="all, delete-orphan")
    agency_workers: Mapped[list[AgencyWorker]] = relationship(cascade="all, delete-orphan")

    @validates("upn")
    def _check_upn(self, _key: str, value: str) -> str:
        try:
            return validate_upn(value)
        except InvalidUPN as error:
            raise ValidationFailed(str(error), fields={"upn": [str(error)]}) from None

    @validates("date_of_birth")
    def _check_date_of_birth(self, _key: str, value: date) -> date:
        if value > today_in_uk():
            message = "Date of birth must be in the past."
            raise ValidationFailed(message, fields={"date_of_birth": [message]})
        return value

    @property
    def full_name(self) -> str:
        return f"{self.forename} {self.surname}"

    @property
    def has_address(self) -> bool:
        return any(line.strip() for line in self.address_lines) or bool(self.postcode.strip())


class Contact(Base):
    """A parent/carer or an emergency contact, with the numbers to try."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ContactKind] = str_enum(ContactKind)
    priority: Mapped[int] = mapped_column(default=1)
    title: Mapped[str] = mapped_column(String(20), default="")
    forename: Mapped[str] = mapped_column(String(100), default="")
    surname: Mapped[str] = mapped_column(String(100), default="")
    relationship_to_pupil: Mapped[str] = mapped_column(String(50), default="")
    parental_responsibility: Mapped[bool] = mapped_column(default=False)
    lives_with_pupil: Mapped[bool] = mapped_column(default=False)
    phones: Mapped[list[str]] = mapped_column(default=list)
    email: Mapped[str] = mapped_column(String(254), default="")
    address_lines: Mapped[list[str]] = mapped_column(default=list)
    postcode: Mapped[str] = mapped_column(String(10), default="")

    pupil: Mapped[Pupil] = relationship(back_populates="contacts")

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.title, self.forename, self.surname) if p)


class Sibling(Base):
    __tablename__ = "siblings"

    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id", ondelete="CASCADE"), index=True)
    forename: Mapped[str] = mapped_column(String(100))
    surname: Mapped[str] = mapped_column(String(100), default="")
    date_of_birth: Mapped[date | None]
    school_name: Mapped[str] = mapped_column(String(200), default="")
    school_urn: Mapped[str] = mapped_column(String(8), default="")
    school_phone: Mapped[str] = mapped_column(String(40), default="")


class AgencyWorker(Base):
    """A named worker from an agency involved with the family (social worker, family worker)."""

    __tablename__ = "agency_workers"

    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id", ondelete="CASCADE"), index=True)
    agency: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    notes: Mapped[str] = mapped_column(Text, default="")

    @property
    def is_social_worker(self) -> bool:
        return "social" in self.role.lower()
