"""Factories for tests: real objects made through the services where one exists."""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

import pyotp
from sqlalchemy.orm import Session

from fieldvisit.accounts.models import User
from fieldvisit.accounts.services import create_user
from fieldvisit.cases import services as cases
from fieldvisit.cases.models import Case
from fieldvisit.core.dates import today_in_uk, utcnow
from fieldvisit.core.permissions import Role
from fieldvisit.core.storage import storage
from fieldvisit.core.upn import make_upn
from fieldvisit.demo.terms import demo_terms
from fieldvisit.letters.models import Delivery, Letter, LetterLink
from fieldvisit.letters.services import next_reference
from fieldvisit.pupils.models import Contact, ContactKind, Pupil, Sex
from fieldvisit.schools.models import Closure, LocalAuthority, School, Term
from fieldvisit.visits.models import HomeVisit, VisitOutcome

PASSWORD = "correct horse battery staple"
_serial = itertools.count(1)


@dataclass
class World:
    la: LocalAuthority
    school: School
    other_school: School
    school_user: User
    other_school_user: User
    officer: User
    laao: User
    admin: User


def make_world(session: Session) -> World:
    """An LA with the demo calendar (plus a term around today), two schools, every role."""
    la = LocalAuthority(name="Test County", la_code="873", cme_team_email="cme@la.test")
    session.add(la)
    session.flush()
    terms, inset_days = demo_terms()
    for term in terms:
        session.add(
            Term(
                local_authority_id=la.id,
                name=term.name,
                starts_on=term.starts_on,
                ends_on=term.ends_on,
            )
        )
    today = today_in_uk()
    if not any(t.starts_on <= today <= t.ends_on for t in terms):
        # Keep tests that use today's date meaningful after the demo calendar ends.
        session.add(
            Term(
                local_authority_id=la.id,
                name="Test term",
                starts_on=today - timedelta(days=120),
                ends_on=today + timedelta(days=120),
            )
        )
    for day in inset_days:
        session.add(Closure(local_authority_id=la.id, on=day))
    school = make_school(session, la, "Riverside Primary School", "110001", "2001")
    other = make_school(session, la, "Fenland Academy", "137002", "4002")
    return World(
        la=la,
        school=school,
        other_school=other,
        school_user=make_user(session, "school@school.test", {Role.SCHOOL}, school),
        other_school_user=make_user(session, "school2@other.test", {Role.SCHOOL}, other),
        officer=make_user(session, "officer@la.test", {Role.OFFICER}),
        laao=make_user(session, "laao@la.test", {Role.LAAO}),
        admin=make_user(session, "admin@la.test", {Role.ADMIN}),
    )


def make_school(session: Session, la: LocalAuthority, name: str, urn: str, estab: str) -> School:
    school = School(
        local_authority_id=la.id,
        name=name,
        urn=urn,
        la_code=la.la_code,
        estab=estab,
        address="1 School Lane, Testtown",
        postcode="CB1 1AA",
        phone="01223 000000",
        email=f"office{urn}@school.test",
        dsl_name="Dee Lead",
        dsl_email=f"dsl{urn}@school.test",
        signatory_name="Hayley Head",
    )
    session.add(school)
    session.flush()
    return school


def make_user(session: Session, email: str, roles: set[Role], school: School | None = None) -> User:
    user = create_user(
        session,
        email=email,
        name=email.split("@")[0].title(),
        password=PASSWORD,
        roles=roles,
        school=school,
    )
    if user.needs_second_factor:
        user.totp_secret = pyotp.random_base32()
        session.flush()
    return user


def make_pupil(session: Session, school: School, **fields: object) -> Pupil:
    serial = next(_serial)
    values: dict[str, object] = {
        "school_id": school.id,
        "upn": make_upn(school.la_code, school.estab, "20", f"{serial % 1000:03d}"),
        "forename": "Alex",
        "surname": f"Pupil{serial}",
        "date_of_birth": date(2016, 5, 4),
        "sex": Sex.FEMALE,
        "year_group": "5",
        "address_lines": [f"{serial} Mill Road", "Testtown"],
        "postcode": "CB1 2AB",
    }
    values.update(fields)
    pupil = Pupil(**values)
    pupil.contacts = [
        Contact(
            kind=ContactKind.PARENT,
            priority=1,
            forename="Pat",
            surname="Parent",
            relationship_to_pupil="Mother",
            parental_responsibility=True,
            lives_with_pupil=True,
            phones=["07700 900001"],
            email="parent@example.invalid",
        ),
        Contact(
            kind=ContactKind.EMERGENCY,
            priority=2,
            forename="Em",
            surname="Contact",
            relationship_to_pupil="Aunt",
            phones=["07700 900002"],
        ),
    ]
    session.add(pupil)
    session.flush()
    return pupil


def make_case(
    session: Session,
    world: World,
    *,
    first_day: date | None = None,
    school: School | None = None,
    pupil: Pupil | None = None,
) -> Case:
    """Open a case at the world's school (or another) through the real service."""
    school = school or world.school
    user = world.school_user if school.id == world.school.id else world.other_school_user
    pupil = pupil or make_pupil(session, school)
    first = first_day or today_in_uk()
    return cases.open_case(session, user, pupil, first, today=max(first, today_in_uk()))


def make_letter(session: Session, case: Case, user: User, kind: str = "missed_visit") -> Letter:
    """A kept letter of the case, without laying out a PDF (the letter tests do that)."""
    reference = next_reference(session, today_in_uk().year)
    pdf = b"%PDF-1.4 test letter " + reference.encode()
    key = f"letters/test/{reference.lower()}.pdf"
    letter = Letter(
        reference=reference,
        case_id=case.id,
        kind=kind,
        delivery=Delivery.HAND,
        addressee="The parent or carer",
        address_known=True,
        created_by_id=user.id,
        created_at=utcnow(),
        storage_key=key,
        sha256=storage().put(key, pdf),
        size=len(pdf),
    )
    letter.link = LetterLink(token=secrets.token_urlsafe(24))
    session.add(letter)
    session.flush()
    return letter


def make_visit(
    session: Session,
    case: Case,
    officer: User,
    *,
    completed: bool = True,
    outcome: VisitOutcome = VisitOutcome.NO_ANSWER,
) -> HomeVisit:
    """A visit nobody answered: completed with one of the case's letters left, else not."""
    letter = make_letter(session, case, officer) if completed else None
    visit = HomeVisit(
        case_id=case.id,
        officer_id=officer.id,
        arrived_at=utcnow(),
        outcome=outcome,
        letter_left=letter is not None,
        letter_reference=letter.reference if letter else "",
        letter_id=letter.id if letter else None,
        received_at=utcnow(),
    )
    session.add(visit)
    session.flush()
    return visit


def first_day_for(session: Session, school: School, school_day: int) -> date:
    """Return the first day of absence that makes today school day N at this school."""
    from fieldvisit.schools.services import calendar_for

    calendar = calendar_for(session, school)
    today = today_in_uk()
    day = today
    while calendar.school_day_number(day, today) < school_day or not calendar.is_school_day(day):
        day -= timedelta(days=1)
    return day


def date_fields(name: str, value: date) -> dict[str, str]:
    """The three fields a GOV.UK date input posts."""
    return {
        f"{name}-day": str(value.day),
        f"{name}-month": str(value.month),
        f"{name}-year": str(value.year),
    }
