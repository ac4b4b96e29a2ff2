"""The audit log as an administrator searches it: by person, action, record and dates, paged,
and exported as CSV. It holds ids and actions only, never a child's name."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from flask import render_template, request, url_for
from flask_login import current_user
from sqlalchemy import Select, func, or_, select

from fieldvisit.accounts.models import User
from fieldvisit.admin.schemas import AuditFilterSchema
from fieldvisit.admin.views import bp
from fieldvisit.core.audit import AuditEvent, audit
from fieldvisit.core.csvfiles import csv_download
from fieldvisit.core.dates import UK_TIME, format_datetime, today_in_uk
from fieldvisit.core.db import db
from fieldvisit.core.forms import error_list, load_form
from fieldvisit.core.listing import list_query
from fieldvisit.core.permissions import Permission
from fieldvisit.core.web import commit, permission_required

PAGE_SIZE = 100
EXPORT_LIMIT = 100_000


def _filters() -> tuple[dict[str, Any], dict[str, list[str]], dict[str, Any]]:
    """Load the filters from the address: (the filters, errors, what was typed)."""
    result = load_form(AuditFilterSchema(), request.args, date_fields=("since", "until"))
    data = result.data if result.ok and result.data is not None else AuditFilterSchema().load({})
    return data, result.errors, result.raw


def _start(day: date) -> datetime:
    return datetime.combine(day, time(0), UK_TIME)


def _query(filters: dict[str, Any]) -> Select[AuditEvent]:
    query = select(AuditEvent)
    if filters["who"]:
        like = f"%{filters['who'].lower()}%"
        people = select(User.id).where(
            or_(func.lower(User.name).like(like), func.lower(User.email).like(like))
        )
        query = query.where(AuditEvent.user_id.in_(people))
    for name in ("action", "object_type", "object_id", "user_id"):
        if filters[name] not in (None, ""):
            query = query.where(getattr(AuditEvent, name) == filters[name])
    if filters["since"]:
        query = query.where(AuditEvent.at >= _start(filters["since"]))
    if filters["until"]:
        query = query.where(AuditEvent.at < _start(filters["until"] + timedelta(days=1)))
    return query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


def _link_args() -> dict[str, Any]:
    """The filters as typed, to keep in the pages' and the export's addresses."""
    return {k: v for k, v in request.args.items(multi=False) if k != "page" and v}


@bp.get("/audit")
@permission_required(Permission.ADMIN_AUDIT)
def audit_log() -> Any:
    filters, errors, raw = _filters()
    page = list_query()["page"]
    query = _query(filters)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    events = db.session.scalars(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    people = dict(db.session.execute(select(User.id, User.name)).all())
    emails = dict(db.session.execute(select(User.id, User.email)).all())
    args = _link_args()
    return render_template(
        "admin/audit.html",
        events=events,
        people=people,
        emails=emails,
        page=page,
        pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
        total=total,
        filtered=any(v not in (None, "") for v in filters.values()),
        values={**raw, **({} if errors else _typed(filters))},
        errors=errors,
        error_list=error_list(errors),
        action_options=[(a, a.replace("_", " ")) for a in _distinct(AuditEvent.action)],
        record_options=[(t, t.replace("_", " ")) for t in _distinct(AuditEvent.object_type)],
        page_url=lambda n: url_for("admin.audit_log", page=n, **args),
        export_url=url_for("admin.audit_export", **args),
    ), (400 if errors else 200)


def _typed(filters: dict[str, Any]) -> dict[str, Any]:
    """The loaded filters back as form values (dates in their three boxes)."""
    values = {k: v for k, v in filters.items() if k not in ("since", "until") and v is not None}
    for name in ("since", "until"):
        if filters[name]:
            day = filters[name]
            values |= {f"{name}-day": day.day, f"{name}-month": day.month, f"{name}-year": day.year}
    return values


def _distinct(column: Any) -> list[str]:
    return list(db.session.scalars(select(column).distinct().order_by(column)))


@bp.get("/audit.csv")
@permission_required(Permission.ADMIN_AUDIT)
def audit_export() -> Any:
    """The filtered events as CSV, newest first; the export is itself audited."""
    filters, errors, _ = _filters()
    if errors:
        return audit_log()
    people = dict(db.session.execute(select(User.id, User.email)).all())
    rows = [
        (
            format_datetime(event.at),
            people.get(event.user_id, "") if event.user_id else "",
            event.action,
            event.object_type,
            "" if event.object_id is None else str(event.object_id),
            event.ip,
            "; ".join(f"{k}: {v}" for k, v in sorted((event.detail or {}).items())),
        )
        for event in db.session.scalars(_query(filters).limit(EXPORT_LIMIT))
    ]
    audit(db.session, current_user.id, "export", "audit_log", None)
    commit()
    return csv_download(
        f"audit-log-{today_in_uk().isoformat()}.csv",
        ["When (UK time)", "Who", "Did", "Record", "Record id", "From", "Details"],
        rows,
    )
