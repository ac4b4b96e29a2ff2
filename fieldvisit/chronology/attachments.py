"""Files kept with a chronology entry: a saved email, a voicemail note, a screenshot.

Checked by content like the visit photos and notices (images re-encoded from their pixels),
stored under a key naming only the case id, and identified by the SHA-256 of the copy kept.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from fieldvisit.accounts.models import User
from fieldvisit.chronology.models import ChronologyEntry
from fieldvisit.core.audit import audit
from fieldvisit.core.dates import utcnow
from fieldvisit.core.db import Base
from fieldvisit.core.storage import storage
from fieldvisit.core.uploads import CheckedFile, check_document

FIELD = "attachment"
LABELS = {
    "application/pdf": "PDF",
    "image/jpeg": "JPG image",
    "image/png": "PNG image",
    "text/plain; charset=utf-8": "Text",
    "message/rfc822": "Saved email",
}


class ChronologyAttachment(Base):
    __tablename__ = "chronology_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("chronology_entries.id"), index=True)
    # What it is, in the uploader's words ("Email from the mother"); never the file's name.
    description: Mapped[str] = mapped_column(String(200), default="")
    storage_key: Mapped[str] = mapped_column(String(200), unique=True)
    content_type: Mapped[str] = mapped_column(String(50))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime]

    @property
    def label(self) -> str:
        return LABELS.get(self.content_type, "File")

    @property
    def extension(self) -> str:
        return self.storage_key.rsplit(".", 1)[-1]


def check_attachment(data: bytes) -> CheckedFile:
    """Accept a PDF, an image, plain text or a saved email, by content; refuse anything else."""
    return check_document(data, FIELD, allow_text=True)


def attach(
    session: Session, user: User, entry: ChronologyEntry, checked: CheckedFile, description: str
) -> ChronologyAttachment:
    """Store the checked file and keep it with the entry (same transaction as the entry)."""
    key = f"attachments/case-{entry.case_id}/{secrets.token_hex(16)}.{checked.extension}"
    attachment = ChronologyAttachment(
        case_id=entry.case_id,
        entry_id=entry.id,
        description=description.strip()[:200],
        storage_key=key,
        content_type=checked.content_type,
        size=len(checked.data),
        sha256=storage().put(key, checked.data),
        uploaded_by_id=user.id,
        uploaded_at=utcnow(),
    )
    session.add(attachment)
    session.flush()
    audit(session, user.id, "create", "attachment", attachment.id)
    return attachment


def attachments_of_entries(
    session: Session, entries: Sequence[ChronologyEntry]
) -> dict[int, list[ChronologyAttachment]]:
    """Return each entry's attachments, in one query."""
    ids = [entry.id for entry in entries]
    found: dict[int, list[ChronologyAttachment]] = {}
    if not ids:
        return found
    for row in session.scalars(
        select(ChronologyAttachment)
        .where(ChronologyAttachment.entry_id.in_(ids))
        .order_by(ChronologyAttachment.id)
    ):
        found.setdefault(row.entry_id, []).append(row)
    return found
