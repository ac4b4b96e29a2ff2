"""Demo cases for the LA side that the main seeder does not make: a referral the LA returned,
and a child found after removal from roll (the involvement closed)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fieldvisit.core import mail
from fieldvisit.outcomes import services as outcomes
from fieldvisit.referrals import involvements
from fieldvisit.referrals import services as referrals


def seed_referral_outcomes(seeder: Any) -> None:
    """Add the returned and found-after-removal cases; the seeding's own emails are not sent."""
    session, today = seeder.session, seeder.today
    # Returned: the LA wants the emergency contact tried and the siblings' school checked.
    case = seeder._open(13)
    seeder._triage(case)
    seeder._visit(case, seeder._days_ago(4))
    referral = seeder._refer(case, seeder._days_ago(2))
    referrals.return_referral(
        session,
        seeder.laao,
        referral,
        reason="Insufficient enquiries: the emergency contact has not been tried and the "
        "siblings' school has not been asked. Please do both, log them, and refer again.",
        today=today,
        at=seeder._at(seeder._days_ago(1), 11),
    )
    # Off roll, then found: the involvement closes with the outcome.
    case = seeder._open(60)
    seeder._triage(case)
    seeder._visit(case, seeder._days_ago(55))
    referral = seeder._refer(case, seeder._days_ago(50))
    seeder._accept(case, referral, today - timedelta(days=70))
    agreed_on = today - timedelta(days=40)
    involvements.agree_removal(
        session, seeder.laao, case, today=agreed_on, at=seeder._at(agreed_on, 10)
    )
    involvements.record_removal(
        session, seeder.school_user, case, off_roll_on=today - timedelta(days=38), today=today
    )
    outcomes.record_found(
        session,
        seeder.laao,
        case,
        effective_on=today - timedelta(days=3),
        note="On roll at a school in Norfolk; confirmed by Norfolk's CME officer.",
    )
    mail.discard(session)
