"""Emails about referrals and involvements: a case reference and a link, never a child's name."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldvisit.accounts.models import User, UserRole
from fieldvisit.cases.models import Case
from fieldvisit.core import mail
from fieldvisit.core.mail import EmailKind, Recipient
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


# The emails about referrals and involvements (templates/emails/<key>.txt).
REFERRAL_SUBMITTED = EmailKind(
    "referral_submitted",
    "New CME referral {{ referral.reference }} (case {{ case.reference }})",
    lambda session, case, **_: laao_team(session, case),
)
REFERRAL_RETURNED = EmailKind(
    "referral_returned",
    "CME referral {{ referral.reference }} returned (case {{ case.reference }})",
    lambda referral, **_: school_office(referral),
)
REFERRAL_ACCEPTED = EmailKind(
    "referral_accepted",
    "CME referral {{ referral.reference }} accepted (case {{ case.reference }})",
    lambda referral, involvement, **_: [*school_office(referral), laao(involvement)],
)
LAAO_REASSIGNED = EmailKind(
    "laao_reassigned",
    "CME involvement on case {{ case.reference }} assigned to you",
    lambda involvement, **_: [laao(involvement)],
)
REMOVAL_AGREED = EmailKind(
    "removal_agreed",
    "Removal from roll agreed (case {{ case.reference }})",
    lambda involvement, **_: school_and_dsl(involvement),
)
REMOVAL_WITHDRAWN = EmailKind(
    "removal_withdrawn",
    "Removal from roll no longer agreed (case {{ case.reference }})",
    lambda involvement, **_: school_and_dsl(involvement),
)
ENTRY_AFTER_REMOVAL = EmailKind(
    "entry_after_removal",
    "New information on case {{ case.reference }} (off roll, involvement open)",
    lambda involvement, **_: [laao(involvement)],
)
INVOLVEMENT_CLOSED = EmailKind(
    "involvement_closed",
    "CME involvement closed (case {{ case.reference }})",
    lambda involvement, case, **_: [
        laao(involvement),
        Recipient("school office", case.school.email),
    ],
)


def school_and_dsl(involvement: Involvement) -> list[Recipient]:
    school = involvement.case.school
    return [*school_office(involvement.referral), Recipient("DSL", school.dsl_email)]


def referral_submitted(session: Session, referral: Referral) -> None:
    mail.send(session, REFERRAL_SUBMITTED, referral=referral, case=referral.case)


def referral_returned(session: Session, referral: Referral) -> None:
    mail.send(session, REFERRAL_RETURNED, referral=referral, case=referral.case)


def referral_accepted(session: Session, referral: Referral, involvement: Involvement) -> None:
    case = referral.case
    period = waiting_period(case.school.local_authority)
    mail.send(
        session,
        REFERRAL_ACCEPTED,
        referral=referral,
        involvement=involvement,
        case=case,
        period=period,
    )


def laao_reassigned(session: Session, involvement: Involvement) -> None:
    mail.send(session, LAAO_REASSIGNED, involvement=involvement, case=involvement.case)


def removal_agreed(session: Session, involvement: Involvement, letter_reference: str) -> None:
    mail.send(
        session,
        REMOVAL_AGREED,
        involvement=involvement,
        case=involvement.case,
        letter_reference=letter_reference,
    )


def removal_withdrawn(
    session: Session, involvement: Involvement, letter_reference: str | None
) -> None:
    mail.send(
        session,
        REMOVAL_WITHDRAWN,
        involvement=involvement,
        case=involvement.case,
        letter_reference=letter_reference,
    )


def entry_after_removal(session: Session, involvement: Involvement) -> None:
    mail.send(session, ENTRY_AFTER_REMOVAL, involvement=involvement, case=involvement.case)


def involvement_closed(session: Session, involvement: Involvement) -> None:
    mail.send(session, INVOLVEMENT_CLOSED, involvement=involvement, case=involvement.case)
