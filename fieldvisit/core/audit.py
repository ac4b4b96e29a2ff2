"""The audit log: who viewed or changed which record, by id, never by name."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar, cast

from flask import current_app, has_request_context, request
from flask_login import current_user
from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from fieldvisit.core.dates import utcnow
from fieldvisit.core.db import Base, db, write_after_reading
from fieldvisit.core.web import commit

log = logging.getLogger("fieldvisit.audit")
F = TypeVar("F", bound=Callable[..., Any])


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


def audited_read(
    object_type: str,
    id_arg: str | None = None,
    *,
    detail: Callable[[], dict[str, Any] | None] | None = None,
    methods: tuple[str, ...] = ("GET",),
) -> Callable[[F], F]:
    """Declare a page that shows a child's data: each page shown (a GET, or one of `methods`,
    answered 200) writes one "view" row for `object_type`, with the id from the URL argument
    `id_arg` and the `detail` given (ids and flags only: a search is recorded as made, never
    its text)."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            response = current_app.make_response(view(*args, **kwargs))
            if (
                request.method in methods
                and response.status_code == 200
                and current_user.is_authenticated
            ):
                object_id = kwargs.get(id_arg) if id_arg else None
                shown = {"page": request.endpoint, **((detail() if detail else None) or {})}
                audit(db.session, current_user.id, "view", object_type, object_id, shown)
                commit()
            return response

        wrapped.audited_read = object_type  # type: ignore[attr-defined]
        return cast(F, wrapped)

    return decorator


def searched() -> dict[str, Any]:
    """Say whether a list was searched, never what for (the detail of a list's audit row);
    searches are posted (fieldvisit/core/listing.py)."""
    return {"searched": request.method == "POST" and bool(request.form.get("q", "").strip())}
