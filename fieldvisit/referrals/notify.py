"""Emails about referrals and involvements: a case reference and a link, never a child's name."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldvisit.accounts.models import User, UserRole
from fieldvisit.cases.models import Case
from fieldvisit.core import mail
from fieldvisit.core.dates import format_date
from fieldvisit.core.mail import SIGN_OFF, Recipient, link
from fieldvisit.core.permissions import Role
from fieldvisit.referrals.models import Involvement, Referral
from fieldvisit.schools.services import waiting_period


def active_laaos(session: Session) -> list[User]:
    """Return the active LA attendance officers, by name."""
    return list(
        session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.LAAO, User.active.is_(True))
            .order_by(User.name)
        )
    )


def laao_team(session: Session, case: Case) -> list[Recipient]:
    """Return the LA's CME team mailbox and every active LAAO."""
    laaos = [Recipient("LAAO", user.email) for user in active_laaos(session)]
    return [Recipient("CME team", case.school.local_authority.cme_team_email or ""), *laaos]


def school_office(referral: Referral) -> list[Recipient]:
    """Return the school's office mailbox and whoever submitted the referral."""
    return [
        Recipient("school office", referral.case.school.email),
        Recipient("school user", referral.submitted_by.email),
    ]


def laao(involvement: Involvement) -> Recipient:
    return Recipient("LAAO", involvement.laao.email)


def referral_submitted(session: Session, referral: Referral) -> None:
    case = referral.case
    mail.queue(
        session,
        "referral_submitted",
        laao_team(session, case),
        f"New CME referral {referral.reference} (case {case.reference})",
        f"{case.school.name} has submitted a Request for Children Missing from Education "
        f"Investigation, referral {referral.reference} for case {case.reference}.\n\n"
        f"Review the evidence and accept or return it: "
        f"{link('la.review', referral_id=referral.id)}" + SIGN_OFF,
    )


def referral_returned(session: Session, referral: Referral) -> None:
    case = referral.case
    mail.queue(
        session,
        "referral_returned",
        school_office(referral),
        f"CME referral {referral.reference} returned (case {case.reference})",
        f"The local authority has returned CME referral {referral.reference} for case "
        f"{case.reference} to {case.school.name}. The case is back with the school to keep "
        "locating the child.\n\nRead the reason and resubmit when the enquiries are done: "
        f"{link('referrals.referral', case_id=case.id)}" + SIGN_OFF,
    )


def referral_accepted(session: Session, referral: Referral, involvement: Involvement) -> None:
    case = referral.case
    period = waiting_period(case.school.local_authority)
    mail.queue(
        session,
        "referral_accepted",
        [*school_office(referral), laao(involvement)],
        f"CME referral {referral.reference} accepted (case {case.reference})",
        f"The local authority has accepted CME referral {referral.reference} for case "
        f"{case.reference} at {case.school.name}. A CME involvement is open, assigned to "
        f"{involvement.laao.name}.\n\nSchool and LA now make enquiries together. Removal from "
        f"roll can be considered {period} after acceptance if the child is not found.\n\n"
        f"{link('referrals.involvement', case_id=case.id)}" + SIGN_OFF,
    )


def laao_reassigned(session: Session, involvement: Involvement) -> None:
    case = involvement.case
    mail.queue(
        session,
        "laao_reassigned",
        [laao(involvement)],
        f"CME involvement on case {case.reference} assigned to you",
        f"The CME involvement on case {case.reference} at {case.school.name} is now assigned "
        f"to you.\n\n{link('referrals.involvement', case_id=case.id)}" + SIGN_OFF,
    )


def removal_agreed(session: Session, involvement: Involvement, letter_reference: str) -> None:
    case = involvement.case
    mail.queue(
        session,
        "removal_agreed",
        [*school_office(involvement.referral), Recipient("DSL", case.school.dsl_email)],
        f"Removal from roll agreed (case {case.reference})",
        f"{involvement.laao.name}, LA attendance officer, has agreed that the pupil on case "
        f"{case.reference} may be removed from {case.school.name}'s roll: joint enquiries have "
        f"not found the child. The written confirmation, letter {letter_reference}, is on the "
        "case.\n\n"
        "Record the removal and download the missing pupil CTF (destination XXXXXXX) here: "
        f"{link('referrals.involvement', case_id=case.id)}\n\n"
        "The CME involvement stays open: tell the LAAO anything you learn later by logging "
        "it on the case." + SIGN_OFF,
    )


def removal_withdrawn(
    session: Session, involvement: Involvement, letter_reference: str | None
) -> None:
    case = involvement.case
    letter = f" Letter {letter_reference} no longer stands." if letter_reference else ""
    mail.queue(
        session,
        "removal_withdrawn",
        [*school_office(involvement.referral), Recipient("DSL", case.school.dsl_email)],
        f"Removal from roll no longer agreed (case {case.reference})",
        f"{involvement.laao.name}, LA attendance officer, has withdrawn the agreement that the "
        f"pupil on case {case.reference} may be removed from {case.school.name}'s roll.{letter} "
        "Keep the pupil on roll; joint enquiries continue.\n\n"
        f"{link('referrals.involvement', case_id=case.id)}" + SIGN_OFF,
    )


def entry_after_removal(session: Session, involvement: Involvement, school_name: str) -> None:
    case = involvement.case
    left_on = involvement.removed_from_roll_on or case.first_day_of_absence
    mail.queue(
        session,
        "entry_after_removal",
        [laao(involvement)],
        f"New information on case {case.reference} (off roll, involvement open)",
        f"{school_name} has recorded something new on case {case.reference}, after the pupil "
        f"left the roll on {format_date(left_on)}.\n\n"
        f"Read it on the case: {link('referrals.involvement', case_id=case.id)}" + SIGN_OFF,
    )


def involvement_closed(session: Session, involvement: Involvement) -> None:
    case = involvement.case
    mail.queue(
        session,
        "involvement_closed",
        [laao(involvement), Recipient("school office", case.school.email)],
        f"CME involvement closed (case {case.reference})",
        f"The CME involvement on case {case.reference} at {case.school.name} is closed: "
        f"{case.outcome.label.lower() if case.outcome else 'case closed'}.\n\n"
        f"{link('referrals.involvement', case_id=case.id)}" + SIGN_OFF,
    )
