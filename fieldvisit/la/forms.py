"""The forms schools send the LA when a pupil leaves the roll, with the regulation 13 details.

"Deletion from Register - Destination Confirmed" and the "Elective home education
deregistration referral" are returns to the LA: it reads the form, not the case
(an LAAO sees cases only once they are referred), so the list carries what
regulation 13 asks for and nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, joinedload

from fieldvisit.cases.models import Case, Outcome
from fieldvisit.core.addresses import address_lines
from fieldvisit.core.dates import format_date
from fieldvisit.la.queries import PAGE_SIZE, CountedPage
from fieldvisit.outcomes.models import OutcomeRecord
from fieldvisit.pupils.models import ContactKind, Pupil

FORM_KINDS = {
    "destination": (Outcome.OTHER_SCHOOL, "Deletion from Register - Destination Confirmed"),
    "home_education": (
        Outcome.ELECTIVE_HOME_EDUCATION,
        "Elective home education deregistration referral",
    ),
}


@dataclass(frozen=True)
class Parent:
    name: str
    relationship: str
    address: list[str]
    phones: list[str]


@dataclass(frozen=True)
class FormRow:
    """One form as the LA reads it."""

    record: OutcomeRecord
    title: str
    pupil_name: str
    date_of_birth: date
    upn: str
    school_name: str
    address: list[str]
    parents: list[Parent]
    destination: str
    future_address: str
    ground: str
    deleted_on: date | None
    recorded_at: datetime
    recorded_by: str


def _destination(record: OutcomeRecord) -> str:
    if record.destination is not None:
        d = record.destination
        urn = f", URN {d.school_urn}" if d.school_urn else ""
        confirmed = f"{d.confirmed_how.label}" + (f" ({d.confirmed_by})" if d.confirmed_by else "")
        return (
            f"On roll at {d.school_name}{urn}, {d.local_authority}, from "
            f"{format_date(d.on_roll_from)}. Confirmed by: {confirmed}."
        )
    h = record.home_education
    assert h is not None
    notice = "in writing" if h.notice_form.written else "by word of mouth, not yet in writing"
    alerts = "".join(f" ALERT: {text}" for text in h.alert_texts)
    return (
        f"Educated at home. {h.parent_name} gave notice {notice} "
        f"({h.notice_form.label.lower()}) on {format_date(h.notice_received_on)}.{alerts}"
    )


def _row(record: OutcomeRecord) -> FormRow:
    pupil: Pupil = record.case.pupil
    address = address_lines(pupil.address_lines, pupil.postcode)
    parents = [
        Parent(
            name=c.full_name,
            relationship=c.relationship_to_pupil,
            address=address_lines(c.address_lines, c.postcode) if c.address_lines else address,
            phones=list(c.phones),
        )
        for c in pupil.contacts
        if c.kind == ContactKind.PARENT and c.lives_with_pupil
    ]
    kind = next(key for key, (outcome, _) in FORM_KINDS.items() if outcome == record.kind)
    return FormRow(
        record=record,
        title=FORM_KINDS[kind][1],
        pupil_name=pupil.full_name,
        date_of_birth=pupil.date_of_birth,
        upn=pupil.upn,
        school_name=record.case.school.name,
        address=address,
        parents=parents,
        destination=_destination(record),
        future_address=record.current_address,
        ground=(pupil.leaving_reason or "") if record.removed_from_roll else "",
        deleted_on=pupil.left_on if record.removed_from_roll else None,
        recorded_at=record.recorded_at,
        recorded_by=record.recorded_by.name,
    )


def forms_page(
    session: Session, *, kind: str | None, school_id: int | None, page: int
) -> CountedPage[FormRow]:
    """Return one page of the forms, newest first, with a count of each kind."""
    scope: list[ColumnElement[bool]] = [
        OutcomeRecord.kind.in_([outcome for outcome, _ in FORM_KINDS.values()])
    ]
    if school_id is not None:
        scope.append(OutcomeRecord.school_id == school_id)
    counts = {key: 0 for key in FORM_KINDS}
    found = dict(
        session.execute(
            select(OutcomeRecord.kind, func.count()).where(*scope).group_by(OutcomeRecord.kind)
        ).all()
    )
    for key, (outcome, _) in FORM_KINDS.items():
        counts[key] = found.get(outcome, 0)
    if kind in FORM_KINDS:
        scope.append(OutcomeRecord.kind == FORM_KINDS[kind][0])
    records = session.scalars(
        select(OutcomeRecord)
        .options(
            joinedload(OutcomeRecord.case).joinedload(Case.school),
            joinedload(OutcomeRecord.case).joinedload(Case.pupil).selectinload(Pupil.contacts),
            joinedload(OutcomeRecord.destination),
            joinedload(OutcomeRecord.home_education),
            joinedload(OutcomeRecord.recorded_by),
        )
        .where(*scope)
        .order_by(OutcomeRecord.recorded_at.desc(), OutcomeRecord.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).unique()
    total = counts[kind] if kind in FORM_KINDS else sum(counts.values())
    return CountedPage([_row(r) for r in records], total, counts, page)
