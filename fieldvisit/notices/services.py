"""Sending a school's notice to the LA, and the LA acknowledging it.

Regulation 13 of SI 2024/208: a school tells its LA of a pupil who has been continuously
absent for 10 school days or more without permission, with the pupil's details, the dates,
and what the school has done and knows (the LA's duty to find children missing education
starts here). The notice is made from the register's marks, never typed from memory.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from fieldvisit.accounts.models import User
from fieldvisit.core.audit import audit
from fieldvisit.core.dates import today_in_uk, utcnow
from fieldvisit.core.errors import NotAllowed, NotFound, ValidationFailed
from fieldvisit.core.permissions import Permission
from fieldvisit.notices.models import Notice, NoticeKind
from fieldvisit.pupils.attendance import TELL_THE_LA_AFTER, absence_of
from fieldvisit.pupils.models import Pupil


def send_continuous_absence(
    session: Session, user: User, pupil: Pupil, *, what_school_did: str
) -> Notice:
    """Tell the LA of a pupil absent without permission for 10 school days or more."""
    if not user.can(Permission.PUPILS_MANAGE) or pupil.school_id != user.school_id:
        raise NotAllowed("Only the pupil's school can send this notice.")
    today = today_in_uk()
    absence = absence_of(session, pupil, today)
    if absence is None or not absence.tell_the_la:
        raise ValidationFailed(
            f"The register does not show {TELL_THE_LA_AFTER} school days in a row without "
            "permission for this pupil today.",
        )
    earlier = session.scalars(
        select(Notice).where(
            Notice.kind == NoticeKind.CONTINUOUS_ABSENCE, Notice.pupil_id == pupil.id
        )
    ).all()
    if any(n.details.get("first_day") == absence.first_day.isoformat() for n in earlier):
        raise ValidationFailed(
            "The LA has already been told of this absence: it is in their notices."
        )
    notice = Notice(
        kind=NoticeKind.CONTINUOUS_ABSENCE,
        school_id=pupil.school_id,
        pupil_id=pupil.id,
        details={
            "first_day": absence.first_day.isoformat(),
            "school_days": absence.school_days,
            "last_attended": absence.last_attended.isoformat() if absence.last_attended else None,
            "what_school_did": what_school_did,
        },
        sent_by_id=user.id,
        sent_at=utcnow(),
    )
    session.add(notice)
    session.flush()
    audit(session, user.id, "create", "school_notice", notice.id)
    return notice


def inbox(
    user: User, *, acknowledged: bool | None = None, school_id: int | None = None
) -> Select[Notice]:
    """The LA's notices, newest first; the LA sees every school's."""
    if not user.can(Permission.REFERRALS_DECIDE):
        raise NotAllowed("The notices are the LA's to read.")
    query = select(Notice).order_by(Notice.sent_at.desc(), Notice.id.desc())
    if acknowledged is not None:
        query = query.where(
            Notice.acknowledged_at.is_not(None)
            if acknowledged
            else Notice.acknowledged_at.is_(None)
        )
    if school_id is not None:
        query = query.where(Notice.school_id == school_id)
    return query


def get_notice(session: Session, user: User, notice_id: int) -> Notice:
    notice = session.scalar(inbox(user).where(Notice.id == notice_id))
    if notice is None:
        raise NotFound("There is no notice with that number.")
    return notice


def acknowledge(session: Session, user: User, notice: Notice) -> dict[str, Any]:
    """Say the LA has read the notice and acted on it; kept with who and when."""
    if notice.acknowledged_at is None:
        notice.acknowledged_at, notice.acknowledged_by_id = utcnow(), user.id
        audit(session, user.id, "acknowledge", "school_notice", notice.id)
    return {"id": notice.id}
