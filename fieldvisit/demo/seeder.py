"""Build the demo: the LA, its schools and users, pupils, and helpers to write cases."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fieldvisit.accounts.models import User
from fieldvisit.accounts.services import create_user
from fieldvisit.cases import services as cases
from fieldvisit.cases.engine import Action
from fieldvisit.cases.models import OPEN_STATES, Case, CaseState
from fieldvisit.chronology import services as chronology
from fieldvisit.chronology.models import Method
from fieldvisit.core.addresses import one_line
from fieldvisit.core.calendar import academic_year_start
from fieldvisit.core.dates import UK_TIME, today_in_uk, utcnow
from fieldvisit.core.ncyear import expected_year
from fieldvisit.core.permissions import Role
from fieldvisit.core.upn import make_upn
from fieldvisit.demo import letters as letters_demo
from fieldvisit.demo.data import FORENAMES, LA_CODE, PASSWORD, STREETS, SURNAMES, TOTP_KEYS
from fieldvisit.demo.outcomes import close_with_outcome
from fieldvisit.demo.scenarios import add_cases
from fieldvisit.demo.terms import demo_terms
from fieldvisit.letters.models import Delivery
from fieldvisit.letters.services import generate_letter
from fieldvisit.notices.models import TWENTY_DAYS
from fieldvisit.notices.services import send_continuous_absence, send_deletion, send_new_entry
from fieldvisit.pupils.attendance import AttendanceMark, RegisterSession, not_in_today
from fieldvisit.pupils.models import AgencyWorker, Contact, ContactKind, Pupil, Sex, Sibling
from fieldvisit.referrals import involvements
from fieldvisit.referrals import services as referrals
from fieldvisit.referrals.models import Involvement, Referral
from fieldvisit.schools.models import Closure, LocalAuthority, School, Term
from fieldvisit.schools.services import calendar_for
from fieldvisit.visits.models import (
    AssignmentStatus,
    HomeVisit,
    NeighbourEnquiry,
    VisitAssignment,
    VisitOutcome,
)


class Seeder:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.rng = random.Random(2026)
        self.today = today_in_uk()
        self.serial = 0

    def run(self) -> None:
        self.la = LocalAuthority(
            name="Demo County Council", la_code=LA_CODE, cme_team_email="cme-team@demo.test"
        )
        self.session.add(self.la)
        self.session.flush()
        terms, inset_days = demo_terms()
        for term in terms:
            self.session.add(
                Term(
                    local_authority_id=self.la.id,
                    name=term.name,
                    starts_on=term.starts_on,
                    ends_on=term.ends_on,
                )
            )
        for day in inset_days:
            self.session.add(Closure(local_authority_id=self.la.id, on=day))
        self.riverside = self._school("Riverside Primary School", "110001", "2001", "Mill Road")
        self.fenland = self._school("Fenland Academy", "137002", "4002", "Ely Road")
        self.session.flush()
        self.calendar = calendar_for(self.session, self.riverside)
        self.school_user = self._user(
            "school@demo.test", "Sam Office", {Role.SCHOOL}, self.riverside
        )
        self.school2_user = self._user(
            "school2@demo.test", "Pat Office", {Role.SCHOOL}, self.fenland
        )
        self.officer = self._user("officer@demo.test", "Olu Officer", {Role.OFFICER}, None)
        self.laao = self._user("laao@demo.test", "Lee Laao", {Role.LAAO}, None)
        self._user("laao2@demo.test", "Lou Laao", {Role.LAAO}, None)
        self._user("admin@demo.test", "Ada Admin", {Role.ADMIN}, None)
        add_cases(self)
        letters_demo.seed(self.session)
        self._register()
        self._notices()

    def _notices(self) -> None:
        """Riverside has told the LA of its pupil absent for 11 school days (on a school day:
        the notice is made from that day's register)."""
        for absence in not_in_today(self.session, self.riverside.id, self.today):
            if absence.tell_the_la:
                send_continuous_absence(
                    self.session,
                    self.school_user,
                    absence.pupil,
                    what_school_did="Phoned both parents on three days, letter sent, home "
                    "visit with no answer; a neighbour thinks the family went away.",
                )
        # Two pupils joined Riverside this week: the LA has been told of one; the other is due.
        # The pupil taken off roll on the 20-day ground: the deletion notice names the case.
        newcomers = [self._pupil(self.riverside), self._pupil(self.riverside)]
        self.session.flush()
        entered = self.calendar.school_day_back(self.today, 3) or self.today
        for pupil in newcomers:
            pupil.admitted_on = entered
        told = send_new_entry(
            self.session,
            self.school_user,
            newcomers[0],
            entered_on=entered,
            previous_school="St Ives Primary School, Cambridgeshire",
            note="",
        )
        told.sent_at = self._at(entered, 16)  # the day the pupil joined
        removed = self.session.scalar(
            select(Case).where(
                Case.school_id == self.riverside.id, Case.state == CaseState.OFF_ROLL
            )
        )
        if removed is not None and removed.pupil.left_on is not None:
            deleted = send_deletion(
                self.session,
                self.school_user,
                removed.pupil,
                deleted_on=removed.pupil.left_on,
                ground=TWENTY_DAYS,
                destination="",
                future_address="",
                note="Removed with the LA attendance officer's written agreement.",
            )
            deleted.sent_at = self._at(removed.pupil.left_on, 15)  # sent the day it was made

    def _register(self, days: int = 15) -> None:
        """The last three weeks of each school's register: everyone in, except the pupils
        with a case (absent without permission since their first day) and, at each school,
        one pupil not in today with no reason and one absent for 11 school days (the LA must
        be told at 10)."""
        school_days: list[date] = []
        day = self.today
        while len(school_days) < days and self.calendar.covers(day):
            if self.calendar.is_school_day(day):
                school_days.append(day)
            day -= timedelta(days=1)
        if not school_days:
            return  # seeded outside the demo's terms: no register to show
        first_days = dict(
            self.session.execute(
                select(Case.pupil_id, func.min(Case.first_day_of_absence))
                .where(Case.state.in_(OPEN_STATES))
                .group_by(Case.pupil_id)
            ).all()
        )
        for school in (self.riverside, self.fenland):
            pupils = self.session.scalars(
                select(Pupil).where(Pupil.school_id == school.id, Pupil.on_roll.is_(True))
            ).all()
            quiet = [p for p in pupils if p.id not in first_days]
            while len(quiet) < 2:  # pupils with no case, for the register's own story
                quiet.append(self._pupil(school))
            pupils = [*pupils, *(p for p in quiet if p not in pupils)]
            away_from = {
                quiet[0].id: self.today,
                quiet[1].id: school_days[min(10, len(school_days) - 1)],
            }
            for pupil in pupils:
                since = first_days.get(pupil.id) or away_from.get(pupil.id)
                for on in school_days:
                    absent = since is not None and on >= since
                    for session in RegisterSession:
                        code = (
                            ("N" if since == self.today else "O")
                            if absent
                            else ("/" if session == RegisterSession.AM else "\\")
                        )
                        self.session.add(
                            AttendanceMark(
                                school_id=school.id,
                                pupil_id=pupil.id,
                                on=on,
                                session=session,
                                code=code,
                            )
                        )
        self.session.flush()

    def _school(self, name: str, urn: str, estab: str, street: str) -> School:
        slug = name.split()[0].lower()
        school = School(
            local_authority_id=self.la.id,
            name=name,
            urn=urn,
            la_code=LA_CODE,
            estab=estab,
            address=f"{self.rng.randint(1, 99)} {street}, Demotown",
            postcode="CB1 2AB",
            phone="01223 000000",
            email=f"office@{slug}.demo.test",
            dsl_name="Dee Lead",
            dsl_email=f"dsl@{slug}.demo.test",
            signatory_name="Hayley Head",
            signatory_role="Headteacher",
        )
        self.session.add(school)
        return school

    def _user(self, email: str, name: str, roles: set[Role], school: School | None) -> User:
        user = create_user(
            self.session, email=email, name=name, password=PASSWORD, roles=roles, school=school
        )
        user.totp_secret = TOTP_KEYS.get(email)
        return user

    def _pupil(self, school: School, *, social_worker: bool = False) -> Pupil:
        self.serial += 1
        forename, surname = self.rng.choice(FORENAMES), self.rng.choice(SURNAMES)
        age = self.rng.randint(5, 15)
        # A primary school's pupils are 5 to 10, the academy's 11 to 15 (same draws as before).
        age = 5 + (age - 5) % 6 if "Primary" in school.name else 11 + (age - 5) % 5
        street = f"{self.rng.randint(1, 120)} {self.rng.choice(STREETS)}"
        born = date(self.today.year - age, self.rng.randint(1, 12), self.rng.randint(1, 28))
        pupil = Pupil(
            school=school,
            upn=make_upn(LA_CODE, school.estab, "19", f"{self.serial:03d}"),
            forename=forename,
            surname=surname,
            date_of_birth=born,
            sex=self.rng.choice(list(Sex)),
            year_group=expected_year(born, self.today) or "R",
            admitted_on=date(academic_year_start(self.today) - self.serial % 4, 9, 4),
            address_lines=[street, "Demotown"],
            postcode=f"CB{self.rng.randint(1, 9)} "
            f"{self.rng.randint(1, 9)}{self.rng.choice('ABDEFGH')}{self.rng.choice('JLNPQRS')}",
        )
        # What the LA triages on, as a school's system holds it: a few of each, by serial so
        # the random draws (names, addresses) stay as they were.
        pupil.sen_provision = ("N", "N", "K", "N", "E")[self.serial % 5]
        pupil.ethnicity = ("WBRI", "WBRI", "BAFR", "WOTH", "WROM", "AIND", "WBRI")[self.serial % 7]
        pupil.first_language = "OTH" if pupil.ethnicity in ("WOTH", "WROM") else "ENG"
        pupil.language_spoken = {"WOTH": "Polish", "WROM": "Romanian"}.get(pupil.ethnicity, "")
        pupil.interpreter_needed = pupil.ethnicity == "WROM"
        pupil.fsm_eligible = self.serial % 3 == 1
        pupil.service_child = self.serial % 11 == 0
        parent = self.rng.choice(FORENAMES)
        pupil.contacts = [
            Contact(
                kind=ContactKind.PARENT,
                priority=1,
                forename=parent,
                surname=surname,
                relationship_to_pupil="Mother",
                parental_responsibility=True,
                lives_with_pupil=True,
                phones=[f"07700 900{self.serial:03d}"],
                email=f"parent{self.serial}@example.invalid",
            ),
            Contact(
                kind=ContactKind.EMERGENCY,
                priority=2,
                forename=self.rng.choice(FORENAMES),
                surname=self.rng.choice(SURNAMES),
                relationship_to_pupil="Aunt",
                phones=[f"07700 901{self.serial:03d}"],
            ),
        ]
        if self.serial % 3 == 0:
            pupil.siblings = [
                Sibling(
                    forename=self.rng.choice(FORENAMES),
                    surname=surname,
                    school_name="Demotown High School",
                    school_urn="137999",
                )
            ]
        if social_worker:
            pupil.agency_workers = [
                AgencyWorker(
                    agency="Children's social care",
                    role="Social worker",
                    name="Sol Worker",
                    phone="01223 111111",
                    email="social.worker@demo.test",
                )
            ]
        self.session.add(pupil)
        self.session.flush()
        return pupil

    def _first_day(self, school_day: int) -> date:
        """Return the first day of absence that makes today school day N."""
        day = self.today
        count = 1 if self.calendar.is_school_day(day) else 0
        while count < school_day or not self.calendar.is_school_day(day):
            day -= timedelta(days=1)
            if self.calendar.is_school_day(day):
                count += 1
        return day

    def _school_day_before(self, day: date) -> date:
        """Return the last school day before a date: the day the pupil last attended."""
        day -= timedelta(days=1)
        while self.calendar.covers(day) and not self.calendar.is_school_day(day):
            day -= timedelta(days=1)
        return day

    def _at(self, on: date, hour: int, minute: int = 0) -> datetime:
        """Return that UK time, or a moment ago if it is still to come (an early seed)."""
        at = datetime.combine(on, time(hour, minute), UK_TIME).astimezone(UTC)
        return min(at, utcnow() - timedelta(minutes=1))

    def _open(self, school_day: int, school: School | None = None, **kwargs: bool) -> Case:
        school = school or self.riverside
        user = self.school_user if school is self.riverside else self.school2_user
        first = self._first_day(school_day)
        pupil = self._pupil(school, **kwargs)
        case = cases.open_case(
            self.session,
            user,
            pupil,
            first,
            today=self.today,
            last_attended_on=self._school_day_before(first),
        )
        case.opened_at = self._at(first, 9, 30)
        self._attempt(case, user, first, 9, 40, "phone")
        self._attempt(case, user, first, 10, 15, "emergency")
        return case

    def _attempt(self, case: Case, user: User, on: date, hour: int, minute: int, who: str) -> None:
        contact = case.pupil.contacts[0 if who == "phone" else 1]
        cases.log_contact_attempt(
            self.session,
            user,
            case,
            method=Method.PHONE,
            target=contact.phones[0],
            contact_name=contact.full_name,
            occurred_at=self._at(on, hour, minute),
            contact_made=False,
            note="No answer; voicemail left asking them to call the school.",
        )

    def _triage(
        self, case: Case, *, vulnerable: list[str] | None = None, social_care: bool = False
    ) -> None:
        user = self._school_user(case)
        cases.record_no_contact(self.session, user, case)
        cases.triage(
            self.session,
            user,
            case,
            vulnerabilities=vulnerable or [],
            social_care_involved=social_care,
            notes="Triage agreed with the DSL.",
        )
        for item in case.checklist[:3]:
            cases.tick_checklist_item(
                self.session, user, case, item.id, note="Done; nothing new learned."
            )

    def _school_user(self, case: Case) -> User:
        return self.school_user if case.school_id == self.riverside.id else self.school2_user

    def _visit(self, case: Case, on: date, *, answered: bool = False) -> HomeVisit:
        self.session.add(
            VisitAssignment(
                case_id=case.id,
                officer_id=self.officer.id,
                assigned_by_id=self._school_user(case).id,
                assigned_at=self._at(on, 8),
                due_on=on,
                status=AssignmentStatus.DONE,
                done_at=self._at(on, 11, 45),
            )
        )
        outcome = VisitOutcome.CHILD_NOT_SEEN if answered else VisitOutcome.NO_ANSWER
        # Nobody answered: the officer leaves one of this case's letters (a completed visit).
        letter = (
            None
            if answered
            else generate_letter(
                self.session,
                self._school_user(case),
                case,
                "missed_visit",
                delivery=Delivery.HAND,
                at=self._at(on, 8, 30),
            )
        )
        visit = HomeVisit(
            case_id=case.id,
            officer_id=self.officer.id,
            arrived_at=self._at(on, 11, 20),
            outcome=outcome,
            latitude=52.2053,
            longitude=0.1218,
            accuracy_m=12.0,
            letter_left=letter is not None,
            letter_reference=letter.reference if letter else "",
            letter_id=letter.id if letter else None,
            notes="Curtains drawn; post building up behind the door.",
            received_at=self._at(on, 11, 45),
            neighbour_enquiries=[
                NeighbourEnquiry(
                    position=1,
                    neighbour="Next door, number 12",
                    spoke_to="Resident",
                    said="Has not seen the family for about a week.",
                ),
            ],
        )
        self.session.add(visit)
        self.session.flush()
        chronology.append(
            self.session,
            case,
            kind="home_visit",
            actor=self.officer,
            method=Method.VISIT,
            occurred_at=visit.arrived_at,
            target=one_line(case.pupil.address_lines, case.pupil.postcode),
            summary=f"Home visit: {outcome.label.lower()}"
            + (f"; letter {visit.letter_reference} left" if visit.letter_left else ""),
            note=visit.notes,
            details={"visit_id": visit.id},
        )
        return visit

    def _refer(self, case: Case, on: date) -> Referral:
        return referrals.submit_referral(
            self.session,
            self._school_user(case),
            case,
            summary_of_enquiries="Calls to both parents and the emergency contact; home visit "
            "with a letter left; neighbours asked; siblings' school checked.",
            today=self.today,
            at=self._at(on, 14),
        )

    def _accept(self, case: Case, referral: Referral, on: date) -> Involvement:
        """Accept the referral; the LAAO's first joint enquiry follows within two days."""
        involvement = referrals.accept_referral(
            self.session, self.laao, referral, laao=self.laao, today=self.today, at=self._at(on, 10)
        )
        enquired_on = min(on + timedelta(days=2), self.today)
        involvements.log_enquiry(
            self.session,
            self.laao,
            case,
            enquiry_with=involvements.EnquiryWith.HEALTH,
            contacted="GP surgery, Demotown Health Centre",
            result="Registered with the practice; no appointment or new address since the "
            "absence began.",
            occurred_at=self._at(enquired_on, 11),
        )
        return involvement

    def _close(self, case: Case, action: Action, note: str) -> None:
        close_with_outcome(self.session, self._school_user(case), case, action, note, self.today)

    def _days_ago(self, school_days: int) -> date:
        return self._first_day(school_days + 1)

    def _assign(self, case: Case) -> None:
        self.session.add(
            VisitAssignment(
                case_id=case.id,
                officer_id=self.officer.id,
                assigned_by_id=self._school_user(case).id,
                assigned_at=utcnow(),
                due_on=self.today,
                instructions="Visit and leave the letter.",
            )
        )
