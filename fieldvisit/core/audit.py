"""The audit log: who viewed or changed which record, by id, never by name."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from flask import has_request_context, request
from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from fieldvisit.core.dates import utcnow
from fieldvisit.core.db import Base, write_after_reading

log = logging.getLogger("fieldvisit.audit")


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(50))
    object_type: Mapped[str] = mapped_column(String(50))
    object_id: Mapped[int | None]
    ip: Mapped[str] = mapped_column(String(45), default="")
    # What changed, as ids and codes only (roles before and after), never names or text.
    detail: Mapped[dict[str, Any] | None]


def audit(
    session: Session,
    user_id: int | None,
    action: str,
    object_type: str,
    object_id: int | None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Record one view, change or download; goes out with the request's commit."""
    ip = (request.remote_addr or "") if has_request_context() else ""
    write_after_reading(
        session,
        AuditEvent(
            at=utcnow(),
            user_id=user_id,
            action=action,
            object_type=object_type,
            object_id=object_id,
            ip=ip,
            detail=detail,
        ),
    )
    log.info("audit user=%s action=%s %s=%s", user_id, action, object_type, object_id)
