"""Refer a child to another area's CME team, record its answer, and search the lost pupil
database. Each takes the acting user, writes the chronology through the case engine (as a
joint enquiry), flushes and never commits."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldvisit.accounts.models import User
from fieldvisit.areas.models import AreaAnswer, AreaReferral
from fieldvisit.cases.models import VULNERABILITIES, Case
from fieldvisit.chronology.models import ChronologyEntry
from fieldvisit.core.addresses import address_lines
from fieldvisit.core.dates import format_date, format_datetime, utcnow
from fieldvisit.core.errors import CaseChanged, NotFound, ValidationFailed
from fieldvisit.pupils.characteristics import described
from fieldvisit.pupils.models import ContactKind
from fieldvisit.referrals.content import contact_details
from fieldvisit.referrals.evidence import ENQUIRY, entries_of_kind
from fieldvisit.referrals.involvements import (
    EnquiryWith,
    log_enquiry,
    moment_on,
    require_involvement,
)
from fieldvisit.referrals.models import Involvement, Referral
from fieldvisit.schools.authorities import area_name

LOST_PUPIL_DATABASE = "School to school (S2S) lost pupil database"


def build_content(
    session: Session,
    case: Case,
    involvement: Involvement,
    user: User,
    *,
    area: str,
    reasons: str,
) -> dict[str, Any]:
    """Snapshot what the other LA needs (regulation 13 details and the CME picture): the
    child, the last address, the school, the dates, why we think the child is there, what
    has been tried, and whom to answer."""
    pupil, school = case.pupil, case.school
    la = school.local_authority
    address = address_lines(pupil.address_lines, pupil.postcode)
    first_referral = session.scalar(
        select(Referral.submitted_at).where(
            Referral.case_id == case.id, Referral.first_submission.is_(True)
        )
    )
    return {
        "to": area_name(area),
        "from_la": la.name,
        "pupil": {
            "name": pupil.full_name,
            "upn": pupil.upn,
            "date_of_birth": format_date(pupil.date_of_birth),
            "sex": pupil.sex.value,
            "year_group": pupil.year_group,
            "address": address,
        },
        "parents": [
            contact_details(c, address) for c in pupil.contacts if c.kind == ContactKind.PARENT
        ],
        "school": {
            "name": school.name,
            "urn": school.urn,
            "dfe_number": school.dfe_number,
            "phone": school.phone,
        },
        "dates": {
            "last_attended_on": format_date(case.last_attended_on) if case.last_attended_on else "",
            "first_day_of_absence": format_date(case.first_day_of_absence),
            "referred_to_la_on": format_date(first_referral.date()) if first_referral else "",
            "involvement_opened_on": format_date(involvement.opened_at.date()),
            "off_roll_on": format_date(pupil.left_on)
            if not pupil.on_roll and pupil.left_on
            else "",
        },
        "vulnerability": {
            "social_care_involved": case.social_care_involved,
            "vulnerabilities": [VULNERABILITIES[k] for k in case.vulnerabilities],
        },
        "characteristics": [
            {"label": c.label, "value": c.value} for c in described(pupil) if c.flag
        ],
        "reasons": reasons.strip(),
        "enquiries": [
            {"when": format_datetime(e.occurred_at), "summary": e.summary, "note": e.note}
            for e in entries_of_kind(session, case, ENQUIRY)
        ],
        "contact": {"name": user.name, "email": user.email, "team_email": la.cme_team_email or ""},
        "case_reference": case.reference,
    }


def refer_to_area(
    session: Session,
    user: User,
    case: Case,
    *,
    area: str,
    sent_to: str,
    sent_on: date,
    reasons: str,
) -> AreaReferral:
    """Record a CME referral sent to another area's council, with what it said."""
    involvement = require_involvement(session, case)
    referral = AreaReferral(
        case_id=case.id,
        area=area,
        sent_to=sent_to.strip(),
        sent_on=sent_on,
        sent_by_id=user.id,
        sent_at=utcnow(),
        content=build_content(session, case, involvement, user, area=area, reasons=reasons),
    )
    session.add(referral)
    session.flush()
    log_enquiry(
        session,
        user,
        case,
        enquiry_with=EnquiryWith.OTHER_LA,
        area=area,
        contacted=sent_to,
        result=f"CME referral sent to {area_name(area)}, asking whether the child is known "
        f"there. Why: {reasons.strip()}",
        occurred_at=moment_on(sent_on),
        details={"area_referral_id": referral.id},
    )
    return referral


def area_referral(session: Session, case: Case, referral_id: int) -> AreaReferral:
    referral = session.get(AreaReferral, referral_id)
    if referral is None or referral.case_id != case.id:
        raise NotFound("There is no such referral to another area on this case.")
    return referral


def record_answer(
    session: Session,
    user: User,
    case: Case,
    referral: AreaReferral,
    *,
    answer: AreaAnswer,
    answered_on: date,
    note: str,
    expected_version: int | None = None,
) -> AreaReferral:
    """Record what the other area's council answered (once; a later word is an enquiry)."""
    require_involvement(session, case)
    if expected_version is not None and expected_version != referral.version:
        raise CaseChanged()
    if referral.answer is not None:
        raise ValidationFailed(
            f"The answer from {referral.area_name} is already recorded: log anything more as "
            "an enquiry."
        )
    if answered_on < referral.sent_on:
        sent = format_date(referral.sent_on)
        message = f"The answer cannot come before the referral was sent ({sent})."
        raise ValidationFailed(message, fields={"answered_on": [message]})
    referral.answer = answer
    referral.answered_on = answered_on
    referral.answer_note = note.strip()
    referral.answered_by_id = user.id
    log_enquiry(
        session,
        user,
        case,
        enquiry_with=EnquiryWith.OTHER_LA,
        area=referral.area,
        contacted=referral.sent_to,
        result=f"Answer to the CME referral: {answer.label}. {note.strip()}",
        occurred_at=moment_on(answered_on),
        details={"area_referral_id": referral.id, "answer": answer.value},
    )
    session.flush()
    return referral


def record_lost_pupil_search(
    session: Session,
    user: User,
    case: Case,
    *,
    searched_on: date,
    found: bool,
    note: str,
) -> ChronologyEntry:
    """Record a search of the lost pupil database: when, by whom (the user), and the result."""
    result = "A record was found. " if found else "No record found. "
    return log_enquiry(
        session,
        user,
        case,
        enquiry_with=EnquiryWith.LOST_PUPIL_DATABASE,
        contacted=LOST_PUPIL_DATABASE,
        result=result + note.strip(),
        occurred_at=moment_on(searched_on),
        details={"found": found},
    )


def lost_pupil_searches(session: Session, case: Case) -> list[ChronologyEntry]:
    return [
        e
        for e in entries_of_kind(session, case, ENQUIRY)
        if (e.details or {}).get("enquiry_with") == EnquiryWith.LOST_PUPIL_DATABASE
    ]


def area_referrals(session: Session, case: Case) -> list[AreaReferral]:
    return list(
        session.scalars(
            select(AreaReferral)
            .where(AreaReferral.case_id == case.id)
            .order_by(AreaReferral.sent_on.desc(), AreaReferral.id.desc())
        )
    )
