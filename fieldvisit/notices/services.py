"""The schools' notices to the LA: what each must say, what is due, sending, acknowledging.

Regulation 13 of SI 2024/208. A school tells its LA of:

- a pupil added to the admission register (name, sex, address, the parents the pupil lives
  with, the date of entry, the previous school);
- every deletion from the register, with its ground (a pupil on roll at another school, or
  educated at home, has its own form: those forms are the notices for those grounds), the
  date, and where the pupil is going if known; a deletion on the 20-day ground names the
  CME case whose enquiries failed;
- a pupil continuously absent for 10 school days without permission;
- a pupil absent through illness for 15 school days.

What is due is worked out from the school's own records each time it is asked (the roll as
imported, the register's marks, the cases), never kept as a draft that could go stale: a
pupil new to the roll or gone from it after a roll import is due at once. Each notice sent
keeps its due day, so the LA sees which came late.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fieldvisit.accounts.models import User
from fieldvisit.cases.actions import Action
from fieldvisit.cases.models import BEFORE_REMOVAL, Case, CaseState, Outcome
from fieldvisit.chronology.models import ChronologyEntry
from fieldvisit.core.audit import audit
from fieldvisit.core.calendar import SchoolCalendar
from fieldvisit.core.dates import today_in_uk, utcnow
from fieldvisit.core.errors import NotAllowed, NotFound, ValidationFailed
from fieldvisit.core.permissions import Permission
from fieldvisit.notices import due
from fieldvisit.notices.models import DELETION_GROUNDS, TWENTY_DAYS, Notice, NoticeKind
from fieldvisit.outcomes.models import OutcomeRecord
from fieldvisit.pupils.attendance import (
    TELL_THE_LA_AFTER,
    Absence,
    Illness,
    absence_of,
    ill_today,
    not_in_today,
)
from fieldvisit.pupils.models import Pupil
from fieldvisit.schools.models import School
from fieldvisit.schools.services import calendar_for

# How far back the roll is read for entries and deletions not yet notified.
LOOK_BACK = timedelta(days=60)
# Deletions whose own form to the LA is the notice.
OWN_FORM = (Outcome.OTHER_SCHOOL, Outcome.ELECTIVE_HOME_EDUCATION)
# What a deletion that closed a case says of its ground.
GROUND_OF_OUTCOME = {Outcome.MOVED_ABROAD: "moved_away", Outcome.MOVED_OTHER_LA: "moved_away"}


@dataclass(frozen=True)
class Due:
    """A notice the school owes the LA: which, for whom, from when, and by when."""

    kind: NoticeKind
    pupil: Pupil
    since: date  # the entry, the deletion, or the first day of the absence
    due_on: date
    school_days: int = 0  # of the absence, for the two absence notices
    case_id: int | None = None  # the CME case behind a 20-day deletion
    ground: str = ""  # the deletion's ground, where the records say it
    gone: bool = False  # not in the school's last whole-roll import

    def late(self, today: date) -> bool:
        return today > self.due_on


def _require_school_of(user: User, pupil: Pupil) -> None:
    if not user.can(Permission.PUPILS_MANAGE) or pupil.school_id != user.school_id:
        raise NotAllowed("Only the pupil's school can send its notices.")


def _sent(session: Session, kind: NoticeKind, pupil_ids: list[int]) -> dict[int, set[date]]:
    """The event dates already notified, per pupil: entry, deletion or first day absent."""
    sent: dict[int, set[date]] = defaultdict(set)
    for pupil_id, since in session.execute(
        select(Notice.pupil_id, Notice.since).where(
            Notice.kind == kind, Notice.pupil_id.in_(pupil_ids)
        )
    ):
        sent[pupil_id].add(since)
    return sent


# What is due ---------------------------------------------------------------------------------


def due_for_school(session: Session, school: School, today: date) -> list[Due]:
    """Every notice the school owes the LA today, the earliest due first."""
    calendar = calendar_for(session, school)
    owed = [
        *_new_entries(session, school, calendar, today),
        *_deletions(session, school, today),
        *_absences(session, school, calendar, today),
        *_illnesses(session, school, calendar, today),
    ]
    return sorted(owed, key=lambda d: (d.due_on, d.pupil.surname, d.pupil.forename))


def _new_entries(
    session: Session, school: School, calendar: SchoolCalendar, today: date
) -> list[Due]:
    pupils = session.scalars(
        select(Pupil).where(
            Pupil.school_id == school.id,
            Pupil.on_roll.is_(True),
            Pupil.admitted_on >= today - LOOK_BACK,
            Pupil.admitted_on <= today,
        )
    ).all()
    sent = _sent(session, NoticeKind.NEW_ENTRY, [p.id for p in pupils])
    return [
        Due(NoticeKind.NEW_ENTRY, p, p.admitted_on, due.new_entry_due(calendar, p.admitted_on))
        for p in pupils
        if p.admitted_on and p.admitted_on not in sent[p.id]
    ]


def _deletions(session: Session, school: School, today: date) -> list[Due]:
    pupils = session.scalars(
        select(Pupil).where(
            Pupil.school_id == school.id,
            Pupil.on_roll.is_(False),
            Pupil.left_on >= today - LOOK_BACK,
            Pupil.left_on <= today,
        )
    ).all()
    ids = [p.id for p in pupils]
    sent = _sent(session, NoticeKind.DELETION, ids)
    outcomes = dict(
        session.execute(
            select(Case.pupil_id, OutcomeRecord.kind)
            .join(Case, Case.id == OutcomeRecord.case_id)
            .where(Case.pupil_id.in_(ids), OutcomeRecord.removed_from_roll.is_(True))
        ).all()
    )
    removals = dict(
        session.execute(
            select(Case.pupil_id, Case.id)
            .join(ChronologyEntry, ChronologyEntry.case_id == Case.id)
            .where(Case.pupil_id.in_(ids), ChronologyEntry.kind == Action.RECORD_REMOVAL.value)
        ).all()
    )
    owed = _gone_from_roll(session, school)
    for p in pupils:
        if p.left_on is None or p.left_on in sent[p.id]:
            continue
        if outcomes.get(p.id) in OWN_FORM:
            continue
        case_id = removals.get(p.id)
        outcome = outcomes.get(p.id)
        ground = TWENTY_DAYS if case_id else GROUND_OF_OUTCOME.get(outcome, "") if outcome else ""
        owed.append(
            Due(
                NoticeKind.DELETION,
                p,
                p.left_on,
                due.deletion_due(p.left_on),
                case_id=case_id,
                ground=ground,
            )
        )
    return owed


def _gone_from_roll(session: Session, school: School) -> list[Due]:
    """Pupils on roll here whom the school's last whole-roll import no longer held: its
    system has deleted them. Due the day of that import (the deletion came before it); the
    deletion notice records the date and ground and takes them off roll. A pupil with a
    case open is left to the case."""
    imported = school.roll_imported_on
    if imported is None:
        return []
    pupils = session.scalars(
        select(Pupil).where(
            Pupil.school_id == school.id,
            Pupil.on_roll.is_(True),
            Pupil.last_imported_on < imported,
            Pupil.id.not_in(select(Case.pupil_id).where(Case.state != CaseState.CLOSED)),
        )
    ).all()
    return [Due(NoticeKind.DELETION, p, imported, imported, gone=True) for p in pupils]


def _absences(session: Session, school: School, calendar: SchoolCalendar, today: date) -> list[Due]:
    absent = [a for a in not_in_today(session, school.id, today) if a.tell_the_la]
    return _runs(
        session,
        NoticeKind.CONTINUOUS_ABSENCE,
        absent,
        lambda first: due.continuous_absence_due(calendar, first),
    )


def _illnesses(
    session: Session, school: School, calendar: SchoolCalendar, today: date
) -> list[Due]:
    ill = [
        i for i in ill_today(session, school.id, today) if i.school_days >= due.SICKNESS_SCHOOL_DAYS
    ]
    return _runs(session, NoticeKind.SICKNESS, ill, lambda first: due.sickness_due(calendar, first))


def _runs(
    session: Session,
    kind: NoticeKind,
    runs: Sequence[Absence | Illness],
    due_from: Callable[[date], date],
) -> list[Due]:
    """The runs of absence the LA has not been told of, from their first day."""
    sent = _sent(session, kind, [r.pupil.id for r in runs])
    return [
        Due(kind, r.pupil, r.first_day, due_from(r.first_day), school_days=r.school_days)
        for r in runs
        if r.first_day not in sent[r.pupil.id]
    ]


def due_for_pupil(session: Session, pupil: Pupil, kind: NoticeKind, today: date) -> Due | None:
    """The notice of this kind the pupil's school owes today, if any."""
    return next(
        (
            d
            for d in due_for_school(session, pupil.school, today)
            if d.kind == kind and d.pupil.id == pupil.id
        ),
        None,
    )


# Sending -------------------------------------------------------------------------------------


def _send(
    session: Session, user: User, owed: Due, details: dict[str, Any], case_id: int | None = None
) -> Notice:
    notice = Notice(
        kind=owed.kind,
        school_id=owed.pupil.school_id,
        pupil_id=owed.pupil.id,
        details=details,
        since=owed.since,
        due_on=owed.due_on,
        case_id=case_id,
        sent_by_id=user.id,
        sent_at=utcnow(),
    )
    try:
        with session.begin_nested():
            session.add(notice)
            session.flush()
    except IntegrityError:
        raise ValidationFailed(
            "Someone at the school sent this notice a moment ago: the LA has it."
        ) from None
    audit(session, user.id, "create", "school_notice", notice.id, {"kind": owed.kind.value})
    return notice


def send_new_entry(
    session: Session,
    user: User,
    pupil: Pupil,
    *,
    entered_on: date,
    previous_school: str,
    note: str,
) -> Notice:
    """Tell the LA of a pupil added to the admission register."""
    _require_school_of(user, pupil)
    today = today_in_uk()
    if entered_on > today:
        message = "The date of entry cannot be in the future."
        raise ValidationFailed(message, fields={"entered_on": [message]})
    already = _sent(session, NoticeKind.NEW_ENTRY, [pupil.id])[pupil.id]
    if entered_on in already:
        raise ValidationFailed("The LA has already been told of this entry.")
    if pupil.admitted_on != entered_on:
        pupil.admitted_on = entered_on  # the register's date of entry, as the school says
    calendar = calendar_for(session, pupil.school)
    owed = Due(NoticeKind.NEW_ENTRY, pupil, entered_on, due.new_entry_due(calendar, entered_on))
    return _send(
        session,
        user,
        owed,
        {"previous_school": previous_school.strip(), "note": note.strip()},
    )


def send_deletion(
    session: Session,
    user: User,
    pupil: Pupil,
    *,
    deleted_on: date,
    ground: str,
    destination: str,
    future_address: str,
    note: str,
) -> Notice:
    """Tell the LA of a pupil's name deleted from the admission register, with its ground."""
    _require_school_of(user, pupil)
    if ground not in DELETION_GROUNDS:
        raise ValidationFailed("Choose the ground.", fields={"ground": ["Choose the ground"]})
    if ground == "other" and not note.strip():
        message = "Say which ground in regulation 9 applies"
        raise ValidationFailed(message, fields={"note": [message]})
    if deleted_on > today_in_uk():
        message = "The date of deletion cannot be in the future."
        raise ValidationFailed(message, fields={"deleted_on": [message]})
    open_case = session.scalar(
        select(Case.id).where(Case.pupil_id == pupil.id, Case.state.in_(BEFORE_REMOVAL))
    )
    if open_case is not None:
        raise ValidationFailed(
            "This pupil has an open case: record how it ended (or the LA's agreement to "
            "remove) on the case, and the deletion follows from there."
        )
    already = _sent(session, NoticeKind.DELETION, [pupil.id])[pupil.id]
    if deleted_on in already:
        raise ValidationFailed("The LA has already been told of this deletion.")
    owed = due_for_pupil(session, pupil, NoticeKind.DELETION, today_in_uk())
    case_id = owed.case_id if owed and owed.since == deleted_on else None
    if ground == TWENTY_DAYS and case_id is None:
        raise ValidationFailed(
            "The 20-day ground needs the LA's agreement on a CME case: remove the pupil from "
            "the case's CME involvement page.",
            fields={"ground": ["The 20-day ground is recorded from the pupil's CME case"]},
        )
    if pupil.on_roll or pupil.left_on != deleted_on:
        pupil.on_roll, pupil.left_on = False, deleted_on
        pupil.leaving_reason = DELETION_GROUNDS[ground][:200]
    return _send(
        session,
        user,
        Due(NoticeKind.DELETION, pupil, deleted_on, due.deletion_due(deleted_on)),
        {
            "ground": ground,
            "destination": destination.strip(),
            "future_address": future_address.strip(),
            "note": note.strip(),
        },
        case_id=case_id,
    )


def send_continuous_absence(
    session: Session, user: User, pupil: Pupil, *, what_school_did: str
) -> Notice:
    """Tell the LA of a pupil absent without permission for 10 school days or more."""
    _require_school_of(user, pupil)
    today = today_in_uk()
    absence = absence_of(session, pupil, today)
    if absence is None or not absence.tell_the_la:
        raise ValidationFailed(
            f"The register does not show {TELL_THE_LA_AFTER} school days in a row without "
            "permission for this pupil today.",
        )
    owed = due_for_pupil(session, pupil, NoticeKind.CONTINUOUS_ABSENCE, today)
    if owed is None:
        raise ValidationFailed(
            "The LA has already been told of this absence: it is in their notices."
        )
    return _send(
        session,
        user,
        owed,
        {
            "first_day": absence.first_day.isoformat(),
            "school_days": absence.school_days,
            "last_attended": absence.last_attended.isoformat() if absence.last_attended else None,
            "what_school_did": what_school_did,
        },
    )


def send_sickness(session: Session, user: User, pupil: Pupil, *, what_school_knows: str) -> Notice:
    """Make the sickness return: a pupil absent through illness for 15 school days."""
    _require_school_of(user, pupil)
    owed = due_for_pupil(session, pupil, NoticeKind.SICKNESS, today_in_uk())
    if owed is None:
        raise ValidationFailed(
            f"The register does not show {due.SICKNESS_SCHOOL_DAYS} school days in a row of "
            "illness for this pupil today, or the LA has already been told of them."
        )
    return _send(
        session,
        user,
        owed,
        {
            "first_day": owed.since.isoformat(),
            "school_days": owed.school_days,
            "what_school_knows": what_school_knows.strip(),
        },
    )


# The LA's side -------------------------------------------------------------------------------


def inbox(
    user: User,
    *,
    acknowledged: bool | None = None,
    school_id: int | None = None,
    kind: NoticeKind | None = None,
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
    if kind is not None:
        query = query.where(Notice.kind == kind)
    return query


def get_notice(session: Session, user: User, notice_id: int) -> Notice:
    notice = session.scalar(inbox(user).where(Notice.id == notice_id))
    if notice is None:
        raise NotFound("There is no notice with that number.")
    return notice


def sent_by_school(session: Session, school_id: int, limit: int = 100) -> list[Notice]:
    return list(
        session.scalars(
            select(Notice)
            .where(Notice.school_id == school_id)
            .order_by(Notice.sent_at.desc(), Notice.id.desc())
            .limit(limit)
        )
    )


def acknowledge(session: Session, user: User, notice: Notice) -> dict[str, Any]:
    """Say the LA has read the notice and acted on it; kept with who and when."""
    if notice.acknowledged_at is None:
        notice.acknowledged_at, notice.acknowledged_by_id = utcnow(), user.id
        audit(session, user.id, "acknowledge", "school_notice", notice.id)
    return {"id": notice.id}
