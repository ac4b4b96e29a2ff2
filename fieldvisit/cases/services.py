"""Operations on cases: each takes the acting user, flushes, and never commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fieldvisit.accounts.models import User
from fieldvisit.cases import facts
from fieldvisit.cases.checklist import (
    INFORM_SOCIAL_WORKER,
    mark_done,
    referral_day_for,
    sync_checklist,
    sync_social_worker_item,
)
from fieldvisit.cases.engine import Action, apply, record
from fieldvisit.cases.models import (
    OPEN_STATES,
    VULNERABILITIES,
    Case,
    ChecklistItem,
    implies_social_care,
)
from fieldvisit.chronology.models import ChronologyEntry, Method
from fieldvisit.chronology.services import NewEntry
from fieldvisit.core import mail
from fieldvisit.core.dates import format_date, format_datetime, today_in_uk, utcnow
from fieldvisit.core.errors import CaseChanged, NotAllowed, NotFound, ValidationFailed
from fieldvisit.core.permissions import Permission
from fieldvisit.core.references import case_reference
from fieldvisit.pupils.models import AgencyWorker, Pupil


def _check_school_day(session: Session, pupil: Pupil, day: date) -> None:
    from fieldvisit.schools.services import calendar_for

    calendar = calendar_for(session, pupil.school)
    if calendar.covers(day) and not calendar.is_school_day(day):
        raise ValidationFailed(
            "The last day attended is not a school day.",
            fields={
                "last_attended_on": [
                    f"{format_date(day)} is not a school day by the school's calendar (a "
                    "weekend, holiday or INSET day): check the date, or tick the box to "
                    "confirm it"
                ]
            },
        )


def open_case(
    session: Session,
    user: User,
    pupil: Pupil,
    first_day_of_absence: date,
    *,
    not_arrived: bool = False,
    last_attended_on: date | None = None,
    last_attended_confirmed: bool = False,
    today: date | None = None,
) -> Case:
    """Open a case for a pupil on the user's roll who has not attended.

    A last day attended that is not a school day by the school's calendar is likely an
    office slip: it is refused unless the user confirms it.
    """
    if not user.can(Permission.CASES_OPEN) or pupil.school_id != user.school_id:
        raise NotAllowed("You can only open cases for pupils on your own school's roll.")
    if not pupil.on_roll:
        raise ValidationFailed(
            "This pupil is no longer on roll.", fields={"pupil": ["Pupil is not on roll."]}
        )
    today = today or today_in_uk()
    if first_day_of_absence > today:
        raise ValidationFailed(
            "The first day of absence cannot be in the future.",
            fields={"first_day_of_absence": ["Enter a date that is today or in the past."]},
        )
    if last_attended_on and last_attended_on >= first_day_of_absence:
        raise ValidationFailed(
            "The last day attended must be before the first day of absence.",
            fields={"last_attended_on": ["Enter a date before the first day of absence."]},
        )
    if last_attended_on and not last_attended_confirmed:
        _check_school_day(session, pupil, last_attended_on)
    already = session.scalar(
        select(Case.id).where(Case.pupil_id == pupil.id, Case.state.in_(OPEN_STATES))
    )
    if already:
        raise ValidationFailed(
            f"This pupil already has an open case ({case_reference(already)}).",
            fields={"pupil": ["This pupil already has an open case."]},
        )
    now = utcnow()
    case = Case(
        school=pupil.school,
        pupil=pupil,
        school_id=pupil.school_id,
        pupil_id=pupil.id,
        first_day_of_absence=first_day_of_absence,
        last_attended_on=last_attended_on,
        not_arrived=not_arrived,
        opened_by=user,
        opened_at=now,
        updated_at=now,
    )
    session.add(case)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise ValidationFailed(
            "This pupil's case was opened by someone else a moment ago: find it on the roll.",
            fields={"pupil": ["This pupil already has an open case."]},
        ) from None
    sync_checklist(case, referral_day_for(case))
    opened = NewEntry(
        kind=Action.OPEN_CASE.value,
        actor=user,
        summary=(
            "Case opened: pupil did not arrive after allocation of a place"
            if not_arrived
            else "Case opened: pupil on roll did not attend"
        ),
        details={"first_day_of_absence": first_day_of_absence.isoformat()},
    )
    record(session, case, Action.OPEN_CASE, user, [opened])
    return case


def log_contact_attempt(
    session: Session,
    user: User,
    case: Case,
    *,
    method: Method,
    target: str,
    contact_name: str,
    occurred_at: datetime,
    contact_made: bool,
    note: str = "",
    expected_version: int | None = None,
) -> ChronologyEntry:
    """Log one attempt to reach the family; the number or address tried is kept."""
    _not_in_future(occurred_at, "occurred_on")
    result = "contact made" if contact_made else "no contact"
    who = f" ({contact_name})" if contact_name else ""
    return apply(
        session,
        case,
        Action.LOG_CONTACT,
        user,
        summary=f"{method.label} contact attempt{who}: {result}",
        method=method,
        target=target,
        occurred_at=occurred_at,
        note=note,
        details={"contact_made": contact_made, "contact_name": contact_name},
        expected_version=expected_version,
    )


def record_no_contact(
    session: Session, user: User, case: Case, *, expected_version: int | None = None
) -> ChronologyEntry:
    return apply(
        session,
        case,
        Action.RECORD_NO_CONTACT,
        user,
        summary="No contact made: the child needs triage",
        expected_version=expected_version,
    )


def triage(
    session: Session,
    user: User,
    case: Case,
    *,
    vulnerabilities: list[str],
    social_care_involved: bool,
    notes: str = "",
    social_worker: SocialWorker | None = None,
    expected_version: int | None = None,
) -> ChronologyEntry:
    """Record the vulnerability triage and regenerate the checklist from it."""
    unknown = sorted(set(vulnerabilities) - set(VULNERABILITIES))
    if unknown:
        raise ValidationFailed(
            "Unknown vulnerability.", fields={"vulnerabilities": [f"Unknown: {', '.join(unknown)}"]}
        )
    if expected_version is not None and expected_version != case.version:
        raise CaseChanged()
    if social_care_involved and social_worker is not None:
        link_social_worker(case.pupil, social_worker)
    case.vulnerabilities = [key for key in VULNERABILITIES if key in vulnerabilities]
    social_care_involved = social_care_involved or implies_social_care(vulnerabilities)
    case.social_care_involved = social_care_involved
    case.triage_notes = notes
    case.triaged_at = utcnow()
    due_day = referral_day_for(case)
    sync_checklist(case, due_day)
    sync_social_worker_item(case, school_day_today(session, case))
    if social_care_involved:
        summary = "Triaged: social care or child protection involvement; refer to the LA now"
    elif case.vulnerable:
        summary = f"Triaged as vulnerable: refer by school day {due_day}"
    else:
        summary = f"Triaged as not vulnerable: refer by school day {due_day}"
    return apply(
        session,
        case,
        Action.TRIAGE,
        user,
        summary=summary,
        note=notes,
        details={
            "vulnerabilities": case.vulnerabilities,
            "social_care_involved": social_care_involved,
            "referral_day": due_day,
            "social_worker": social_worker.name if social_worker else "",
        },
    )


@dataclass(frozen=True)
class SocialWorker:
    name: str
    phone: str = ""
    email: str = ""


def link_social_worker(pupil: Pupil, worker: SocialWorker) -> AgencyWorker:
    """Add the named social worker to the pupil, or update the one of that name."""
    for existing in pupil.agency_workers:
        if existing.is_social_worker and existing.name.strip().lower() == worker.name.lower():
            existing.phone = worker.phone or existing.phone
            existing.email = worker.email or existing.email
            return existing
    linked = AgencyWorker(
        agency="Children's social care",
        role="Social worker",
        name=worker.name,
        phone=worker.phone,
        email=worker.email,
    )
    pupil.agency_workers.append(linked)
    return linked


def social_worker_of(pupil: Pupil) -> AgencyWorker | None:
    return next((w for w in pupil.agency_workers if w.is_social_worker), None)


SAFEGUARDING_STEPS = (Action.INFORM_SOCIAL_WORKER, Action.REQUEST_POLICE_CHECK)


def record_safeguarding_step(
    session: Session,
    user: User,
    case: Case,
    action: Action,
    *,
    method: Method,
    who: str,
    occurred_at: datetime,
    reference: str = "",
    note: str = "",
    expected_version: int | None = None,
) -> ChronologyEntry:
    """Log informing the social worker or asking the police for a safe-and-well check."""
    if action not in SAFEGUARDING_STEPS:
        raise ValueError(f"{action} is not a safeguarding step")
    _not_in_future(occurred_at, "occurred_on")
    summary = f"{action.about.done} ({method.label.lower()}, {who})"
    if reference:
        summary += f", reference {reference}"
    if action == Action.INFORM_SOCIAL_WORKER:
        mark_done(case, (INFORM_SOCIAL_WORKER,), at=occurred_at, by_id=user.id, note=summary)
    return apply(
        session,
        case,
        action,
        user,
        summary=summary,
        method=method,
        occurred_at=occurred_at,
        note=note,
        details={"who": who, "reference": reference},
        expected_version=expected_version,
    )


def _not_in_future(moment: datetime, field: str) -> None:
    if moment > utcnow() + timedelta(minutes=5):
        raise ValidationFailed(
            "The date and time cannot be in the future.",
            fields={field: ["Enter a date and time that is now or in the past"]},
        )


def tick_checklist_item(
    session: Session,
    user: User,
    case: Case,
    item_id: int,
    *,
    note: str = "",
    expected_version: int | None = None,
) -> ChronologyEntry:
    item = session.get(ChecklistItem, item_id)
    if item is None or item.case_id != case.id:
        raise NotFound("That checklist item is not on this case.")
    if expected_version is not None and expected_version != case.version:
        raise CaseChanged()
    if item.done:
        raise ValidationFailed("That checklist item is already ticked.")
    if item.key == INFORM_SOCIAL_WORKER:
        raise ValidationFailed(
            "Record who was told, how and when on the 'Inform the social worker' page; "
            "that ticks this item."
        )
    item.done_at = utcnow()
    item.done_by_id = user.id
    item.note = note
    return apply(
        session,
        case,
        Action.TICK_CHECKLIST,
        user,
        summary=f"Checklist: {item.text}",
        note=note,
        details={"checklist_key": item.key},
        expected_version=expected_version,
    )


def untick_checklist_item(
    session: Session,
    user: User,
    case: Case,
    item_id: int,
    *,
    reason: str,
    expected_version: int | None = None,
) -> ChronologyEntry:
    """Take back a tick made by mistake: the item is due again, and the chronology keeps both
    the tick and why it was taken back."""
    item = session.get(ChecklistItem, item_id)
    if item is None or item.case_id != case.id:
        raise NotFound("That checklist item is not on this case.")
    if expected_version is not None and expected_version != case.version:
        raise CaseChanged()
    if not item.done:
        raise ValidationFailed("That checklist item is not ticked.")
    if not reason.strip():
        message = "Say why the tick was a mistake"
        raise ValidationFailed(message, fields={"reason": [message]})
    assert item.done_at is not None
    details = {
        "checklist_key": item.key,
        "ticked_at": item.done_at.isoformat(),
        "ticked_by_id": item.done_by_id,
    }
    item.done_at, item.done_by_id, item.note = None, None, ""
    return apply(
        session,
        case,
        Action.UNTICK_CHECKLIST,
        user,
        summary=f"Checklist item unticked: {item.text}",
        note=reason.strip(),
        details=details,
        expected_version=expected_version,
    )


def correct_entry(
    session: Session,
    user: User,
    case: Case,
    entry_id: int,
    *,
    correction: str,
    expected_version: int | None = None,
) -> ChronologyEntry:
    """Correct a chronology entry by a new one that points at it; nothing is rewritten, and
    both show, the corrected one marked as such."""
    entry = session.get(ChronologyEntry, entry_id)
    if entry is None or entry.case_id != case.id:
        raise NotFound("That chronology entry is not on this case.")
    if not correction.strip():
        message = "Write what the correct record is"
        raise ValidationFailed(message, fields={"correction": [message]})
    return apply(
        session,
        case,
        Action.CORRECT_ENTRY,
        user,
        summary=f"Correction to the entry of {format_datetime(entry.occurred_at)}: {entry.summary}"[
            :500
        ],
        note=correction.strip(),
        details={"corrects_seq": entry.seq},
        expected_version=expected_version,
        corrects=entry,
    )


def raise_concern(
    session: Session,
    user: User,
    case: Case,
    *,
    concern: str,
    occurred_at: datetime | None = None,
    source: str = "web",
) -> ChronologyEntry:
    """Raise a child protection concern: never gated, and the DSL and workers hear at once."""
    if not concern.strip():
        raise ValidationFailed(
            "Describe the concern.", fields={"concern": ["Describe the concern."]}
        )
    entry = apply(
        session,
        case,
        Action.RAISE_CONCERN,
        user,
        summary="Child protection concern raised",
        note=concern,
        occurred_at=occurred_at,
        details={"source": source},
    )
    notify_concern(session, case)
    return entry


def concern_recipients(session: Session, case: Case) -> list[mail.Recipient]:
    """Return the DSL, linked social workers and the case's LAAO."""
    recipients = [mail.Recipient("DSL", case.school.dsl_email)]
    recipients += [
        mail.Recipient("social worker", w.email)
        for w in case.pupil.agency_workers
        if w.is_social_worker
    ]
    involvement = facts.open_involvement.ask(session, case.id)
    if involvement is not None:
        recipients.append(mail.Recipient("LAAO", involvement.laao.email))
    return [r for r in recipients if r.address]


CONCERN_RAISED = mail.EmailKind(
    "concern_raised",
    "Child protection concern raised on case {{ case.reference }}",
    lambda session, case, **_: concern_recipients(session, case),
)


def notify_concern(session: Session, case: Case) -> None:
    mail.send(session, CONCERN_RAISED, case=case)


def school_day_today(session: Session, case: Case, today: date | None = None) -> int:
    from fieldvisit.schools.services import calendar_for

    calendar = calendar_for(session, case.school)
    return calendar.school_day_number(case.first_day_of_absence, today or today_in_uk())


def describe_vulnerability(case: Case) -> str:
    if case.triaged_at is None:
        return "Not triaged yet"
    if case.social_care_involved:
        return "Social care or child protection involvement"
    if case.vulnerabilities:
        return "Vulnerable: " + "; ".join(VULNERABILITIES[k] for k in case.vulnerabilities)
    return "Not vulnerable"
