"""Record how a case ended: close it through the engine, keep the form, take off roll by law."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldvisit.accounts.models import User
from fieldvisit.cases.checklist import EHE_WRITTEN_NOTICE, add_written_notice_item, mark_done
from fieldvisit.cases.engine import Action, apply
from fieldvisit.cases.models import Case, CaseState, Outcome
from fieldvisit.cases.services import school_day_today
from fieldvisit.core import mail
from fieldvisit.core.dates import format_date, utcnow
from fieldvisit.core.errors import NotAllowed, ValidationFailed
from fieldvisit.core.permissions import Permission
from fieldvisit.core.storage import storage
from fieldvisit.outcomes.models import (
    AbroadEvidence,
    ConfirmedHow,
    DestinationConfirmation,
    HomeEducationReferral,
    MovedAbroad,
    MovedOtherArea,
    NoticeForm,
    OutcomeRecord,
)
from fieldvisit.outcomes.uploads import CheckedFile, notice_key
from fieldvisit.schools.authorities import area_name

# Regulation 9 grounds for deleting a pupil from the admission register.
OTHER_SCHOOL_GROUND = "Registered at another school (destination confirmed)"
HOME_EDUCATION_GROUND = "Parent's written notice of elective home education"
ABROAD_GROUND = "Moved abroad: no longer ordinarily resident within reach of the school"
OTHER_AREA_GROUND = (
    "Moved to another local authority's area: no longer ordinarily resident within reach of "
    "the school"
)


def _close(
    session: Session,
    user: User,
    case: Case,
    action: Action,
    *,
    summary: str,
    effective_on: date,
    note: str,
    details: dict[str, Any],
    expected_version: int | None,
    current_address: str = "",
) -> OutcomeRecord:
    """Close the case with one outcome (or, for a spoken EHE notice, hold it open) and keep
    the record the LA reads."""
    entry = apply(
        session,
        case,
        action,
        user,
        summary=summary,
        note=note,
        details={"effective_on": effective_on.isoformat(), **details},
        expected_version=expected_version,
    )
    kind = case.outcome or Outcome.ELECTIVE_HOME_EDUCATION  # the referral a spoken notice makes
    # A case held open by a spoken notice of home education already has its record: the
    # outcome that ends the case (the child returned, say) takes it over; the chronology
    # keeps the history.
    record = session.scalar(select(OutcomeRecord).where(OutcomeRecord.case_id == case.id))
    if record is None:
        record = OutcomeRecord(case_id=case.id, school_id=case.school_id)
    record.kind = kind
    record.effective_on = effective_on
    record.note = note
    record.current_address = current_address
    record.recorded_by_id = user.id
    record.recorded_at = utcnow()
    record.chronology_entry_id = entry.id
    session.add(record)
    session.flush()
    return record


def _take_off_roll(record: OutcomeRecord, on: date, ground: str) -> None:
    pupil = record.case.pupil
    pupil.on_roll = False
    pupil.left_on = on
    pupil.leaving_reason = ground
    record.removed_from_roll = True


# The outcomes that need only a date and a note (and for a family still in the area, their
# current address if known), and what the chronology says of each.
_DATED_SUMMARIES = {
    Action.CHILD_RETURNED: "Contact made: child returned to school on {on}; case closed",
    Action.CHILD_FOUND: "Child found on {on}; case closed",
    Action.RESIDING_IN_LA: "Contact made: still residing in the LA; the school's attendance "
    "policy applies",
}


def _record_dated(
    action: Action,
    session: Session,
    user: User,
    case: Case,
    *,
    effective_on: date,
    note: str = "",
    current_address: str = "",
    expected_version: int | None = None,
) -> OutcomeRecord:
    return _close(
        session,
        user,
        case,
        action,
        summary=_DATED_SUMMARIES[action].format(on=format_date(effective_on)),
        effective_on=effective_on,
        note=note,
        current_address=current_address,
        details={"current_address": current_address} if action == Action.RESIDING_IN_LA else {},
        expected_version=expected_version,
    )


record_returned = partial(_record_dated, Action.CHILD_RETURNED)
record_found = partial(_record_dated, Action.CHILD_FOUND)
record_residing_in_la = partial(_record_dated, Action.RESIDING_IN_LA)


def record_destination(
    session: Session,
    user: User,
    case: Case,
    *,
    school_name: str,
    school_urn: str,
    local_authority: str,
    effective_on: date,
    confirmed_how: ConfirmedHow,
    confirmed_by: str = "",
    note: str = "",
    expected_version: int | None = None,
) -> OutcomeRecord:
    """Complete "Deletion from Register - Destination Confirmed"; the pupil leaves the roll."""
    urn = f", URN {school_urn}" if school_urn else ""
    record = _close(
        session,
        user,
        case,
        Action.ATTENDING_OTHER_SCHOOL,
        summary=f"Deletion from Register - Destination Confirmed: on roll at {school_name}"
        f"{urn} ({local_authority}) from {format_date(effective_on)}",
        effective_on=effective_on,
        note=note,
        details={
            "school_name": school_name,
            "school_urn": school_urn,
            "local_authority": local_authority,
            "confirmed_how": confirmed_how.value,
            "confirmed_by": confirmed_by,
        },
        expected_version=expected_version,
    )
    record.destination = DestinationConfirmation(
        school_name=school_name,
        school_urn=school_urn,
        local_authority=local_authority,
        on_roll_from=effective_on,
        confirmed_how=confirmed_how,
        confirmed_by=confirmed_by,
    )
    _take_off_roll(record, effective_on, OTHER_SCHOOL_GROUND)
    session.flush()
    return record


def record_moved_abroad(
    session: Session,
    user: User,
    case: Case,
    *,
    country: str,
    effective_on: date,
    evidence: AbroadEvidence,
    confirmed_by: str,
    new_school: str = "",
    note: str = "",
    expected_version: int | None = None,
) -> OutcomeRecord:
    """Close the case: the child has left England, on the evidence named; off roll if still on."""
    was_on_roll = case.state != CaseState.OFF_ROLL
    school = f", at {new_school}" if new_school else ""
    record = _close(
        session,
        user,
        case,
        Action.MOVED_ABROAD,
        summary=f"Moved abroad: to {country}{school} from {format_date(effective_on)} "
        f"({evidence.label.lower()}: {confirmed_by})",
        effective_on=effective_on,
        note=note,
        details={
            "country": country,
            "evidence": evidence.value,
            "confirmed_by": confirmed_by,
            "new_school": new_school,
        },
        expected_version=expected_version,
    )
    record.abroad = MovedAbroad(
        country=country, evidence=evidence, confirmed_by=confirmed_by, new_school=new_school
    )
    if was_on_roll:
        _take_off_roll(record, effective_on, ABROAD_GROUND)
    session.flush()
    return record


def record_moved_other_area(
    session: Session,
    user: User,
    case: Case,
    *,
    area: str,
    effective_on: date,
    confirmed_by: str,
    note: str = "",
    expected_version: int | None = None,
) -> OutcomeRecord:
    """Close the case: the child lives in another LA's area, as the council there confirmed;
    off roll if still on."""
    was_on_roll = case.state != CaseState.OFF_ROLL
    record = _close(
        session,
        user,
        case,
        Action.MOVED_OTHER_LA,
        summary=f"Moved to another local authority: {area_name(area)} from "
        f"{format_date(effective_on)} (confirmed by {confirmed_by})",
        effective_on=effective_on,
        note=note,
        details={"area": area, "confirmed_by": confirmed_by},
        expected_version=expected_version,
    )
    record.other_area = MovedOtherArea(area=area, confirmed_by=confirmed_by)
    if was_on_roll:
        _take_off_roll(record, effective_on, OTHER_AREA_GROUND)
    session.flush()
    return record


def _store_notice(referral: HomeEducationReferral, case: Case, notice: CheckedFile) -> None:
    key = notice_key(case.id, notice)
    referral.notice_file_sha256 = storage().put(key, notice.data)
    referral.notice_file_key = key
    referral.notice_file_type = notice.content_type
    referral.notice_file_size = len(notice.data)


def record_home_education(
    session: Session,
    user: User,
    case: Case,
    *,
    notice_received_on: date,
    notice_form: NoticeForm,
    parent_name: str,
    note: str = "",
    notice: CheckedFile | None = None,
    special_school: bool = False,
    attendance_order: bool = False,
    expected_version: int | None = None,
) -> OutcomeRecord:
    """Make the EHE deregistration referral; a written notice takes the pupil off roll.

    A special school place, a school attendance order or a CP/CIN plan raises an alert to
    the LA (and for the plan to social care), on the referral and by email.
    """
    if case.state == CaseState.EHE_NOTICE_AWAITED:
        raise ValidationFailed(
            "The home education referral is made and waits for the parent's written notice: "
            "record the written notice on the case page."
        )
    if notice is not None and not notice_form.written:
        raise ValidationFailed(
            "A notice given by word of mouth has no file.",
            fields={"notice_file": ["Choose letter or email if you have the written notice"]},
        )
    written = "in writing" if notice_form.written else "by word of mouth (not yet in writing)"
    # Only written notice is a ground to delete: a spoken one keeps the case open, waiting.
    action = Action.ELECTIVE_HOME_EDUCATION if notice_form.written else Action.EHE_SPOKEN_NOTICE
    record = _close(
        session,
        user,
        case,
        action,
        summary=f"Elective home education deregistration referral: notice given {written} on "
        f"{format_date(notice_received_on)}",
        effective_on=notice_received_on,
        note=note,
        details={
            "notice_form": notice_form.value,
            "parent_name": parent_name,
            "notice_uploaded": notice is not None,
        },
        expected_version=expected_version,
    )
    referral = HomeEducationReferral(
        notice_received_on=notice_received_on, notice_form=notice_form, parent_name=parent_name
    )
    if notice is not None:
        _store_notice(referral, case, notice)
    referral.alerts = [
        key
        for key, raised in (
            ("special_school", special_school),
            ("attendance_order", attendance_order),
            ("cp_cin", "cp_cin" in case.vulnerabilities),
        )
        if raised
    ]
    record.home_education = referral
    if referral.alerts:
        alert_home_education(session, case, referral)
    if notice_form.written:
        _take_off_roll(record, notice_received_on, HOME_EDUCATION_GROUND)
    else:
        add_written_notice_item(case, school_day_today(session, case))
    session.flush()
    return record


def _ehe_alert_recipients(
    case: Case, home_education: HomeEducationReferral
) -> list[mail.Recipient]:
    """The LA's CME team, and for a child with a CP or CIN plan, their social workers."""
    recipients = [mail.Recipient("LA CME team", case.school.local_authority.cme_team_email or "")]
    if "cp_cin" in home_education.alerts:
        recipients += [
            mail.Recipient("social worker", w.email)
            for w in case.pupil.agency_workers
            if w.is_social_worker
        ]
    return recipients


EHE_ALERT = mail.EmailKind(
    "ehe_alert",
    "Home education referral on case {{ case.reference }}: alerts before deregistration",
    lambda case, home_education, **_: _ehe_alert_recipients(case, home_education),
)


def alert_home_education(session: Session, case: Case, referral: HomeEducationReferral) -> None:
    """Email the LA's CME team (and for a CP/CIN plan, social care) the referral's alerts."""
    mail.send(session, EHE_ALERT, case=case, home_education=referral)


def add_written_notice(
    session: Session,
    user: User,
    record: OutcomeRecord,
    *,
    notice_form: NoticeForm,
    received_on: date,
    notice: CheckedFile | None,
    expected_version: int | None = None,
) -> None:
    """Record the written notice that follows a spoken one: now the pupil leaves the roll."""
    if not user.can(Permission.CASES_EDIT) or user.school_id != record.school_id:
        raise NotAllowed("Only the pupil's school can record the written notice.")
    referral = record.home_education
    if referral is None or referral.notice_form.written:
        raise ValidationFailed("This referral already has its written notice.")
    if not notice_form.written:
        raise ValidationFailed(
            "Choose letter or email.", fields={"notice_form": ["Select letter or email"]}
        )
    case = record.case
    # The written notice closes the case that the spoken one held open.
    apply(
        session,
        case,
        Action.ELECTIVE_HOME_EDUCATION,
        user,
        summary=f"Written notice of elective home education received "
        f"({notice_form.label.lower()}, {format_date(received_on)}); pupil taken off roll",
        details={"outcome_record_id": record.id, "notice_uploaded": notice is not None},
        expected_version=expected_version,
    )
    referral.notice_form = notice_form
    referral.notice_received_on = received_on
    if notice is not None:
        _store_notice(referral, case, notice)
    _take_off_roll(record, received_on, HOME_EDUCATION_GROUND)
    mark_done(
        case,
        (EHE_WRITTEN_NOTICE,),
        at=utcnow(),
        by_id=user.id,
        note=f"Written notice received ({notice_form.label.lower()}).",
    )
