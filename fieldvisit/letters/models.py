"""Letters: the kept copy of every letter printed, its QR link, batches and per-LA wording."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldvisit.accounts.models import User
from fieldvisit.core.db import Base, str_enum

if TYPE_CHECKING:
    from fieldvisit.cases.models import Case


class Delivery(enum.StrEnum):
    POST = "post"
    HAND = "hand"

    @property
    def label(self) -> str:
        return "By post" if self is Delivery.POST else "By hand"


class LetterBatch(Base):
    """Letters printed together as one PDF, one letter per page."""

    __tablename__ = "letter_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]
    storage_key: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]

    created_by: Mapped[User] = relationship()
    letters: Mapped[list[Letter]] = relationship(
        back_populates="batch", order_by="Letter.reference"
    )


class Letter(Base):
    """The kept copy of one generated letter: the PDF as printed, and who made it for whom."""

    __tablename__ = "letters"
    __table_args__ = (Index("ix_letters_case_created", "case_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    kind: Mapped[str] = mapped_column(String(40))
    delivery: Mapped[Delivery] = str_enum(Delivery)
    addressee: Mapped[str] = mapped_column(String(300))
    address_known: Mapped[bool]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("letter_batches.id"), index=True)
    wording_id: Mapped[int | None] = mapped_column(ForeignKey("letter_wordings.id"))
    storage_key: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]

    case: Mapped[Case] = relationship()
    created_by: Mapped[User] = relationship()
    batch: Mapped[LetterBatch | None] = relationship(back_populates="letters")
    link: Mapped[LetterLink] = relationship(back_populates="letter", uselist=False)

    @property
    def filename(self) -> str:
        """Name the download by reference only: no personal data in file names."""
        return f"{self.reference}.pdf"


class LetterLink(Base):
    """The QR code's link, revocable; its token is random and unique.

    The token is kept as printed, not hashed: the officer's phone matches a scanned code to
    the visit's letters offline, and the kept PDF copy holds the token in its QR code anyway.
    """

    __tablename__ = "letter_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("letters.id"), unique=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uses: Mapped[int] = mapped_column(default=0)
    last_used_at: Mapped[datetime | None]

    letter: Mapped[Letter] = relationship(back_populates="link")

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


class LetterWording(Base):
    """One saved version of an LA's wording for a kind of letter; the newest is in use."""

    __tablename__ = "letter_wordings"
    __table_args__ = (Index("ix_letter_wordings_la_kind", "local_authority_id", "kind", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    local_authority_id: Mapped[int] = mapped_column(ForeignKey("local_authorities.id"))
    kind: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]

    created_by: Mapped[User] = relationship()


class LetterNumber(Base):
    """Hands out letter numbers: FV-2026-000123 is the 123rd letter made.

    Taking a number inserts a row, which never waits on other makers of letters (a
    counter row updated in place would be locked until each batch committed).
    """

    __tablename__ = "letter_numbers"

    id: Mapped[int] = mapped_column(primary_key=True)
    taken_at: Mapped[datetime]
