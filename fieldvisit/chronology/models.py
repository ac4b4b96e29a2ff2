"""The case chronology: append-only entries chained by hash."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldvisit.accounts.models import User
from fieldvisit.core.db import Base, str_enum


class Method(enum.StrEnum):
    PHONE = "phone"
    TEXT = "text"
    EMAIL = "email"
    LETTER = "letter"
    IN_PERSON = "in_person"
    VISIT = "visit"
    AGENCY = "agency"
    SIBLING_SCHOOL = "sibling_school"
    STAFF = "staff"
    SYSTEM = "system"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class ChronologyEntry(Base):
    __tablename__ = "chronology_entries"
    __table_args__ = (
        UniqueConstraint("case_id", "seq"),
        Index("ix_chronology_case_occurred", "case_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    seq: Mapped[int]
    kind: Mapped[str] = mapped_column(String(50))
    method: Mapped[Method] = str_enum(Method, default=Method.SYSTEM)
    occurred_at: Mapped[datetime]
    recorded_at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    target: Mapped[str] = mapped_column(String(500), default="")
    summary: Mapped[str] = mapped_column(String(500))
    note: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("chronology_entries.id"))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    actor: Mapped[User | None] = relationship()
    corrects: Mapped[ChronologyEntry | None] = relationship(remote_side=[id])


class ChronologyIsAppendOnly(RuntimeError):
    pass


@event.listens_for(ChronologyEntry, "before_update")
@event.listens_for(ChronologyEntry, "before_delete")
def _refuse_change(_mapper: Any, _connection: Any, entry: ChronologyEntry) -> None:
    raise ChronologyIsAppendOnly(
        f"chronology entry {entry.id} cannot change; add a correcting entry instead"
    )
