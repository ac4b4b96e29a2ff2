"""Demo cases for the LA side that the main seeder does not make: a referral the LA returned,
a child found after removal from roll (the involvement closed), and photos of the letters
left at the referred cases' visits, for the LAAO's evidence review."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta
from typing import Any

from PIL import Image, ImageDraw
from sqlalchemy import select

from fieldvisit.core import mail
from fieldvisit.core.references import case_reference
from fieldvisit.outcomes import services as outcomes
from fieldvisit.referrals import involvements
from fieldvisit.referrals import services as referrals
from fieldvisit.referrals.models import Referral
from fieldvisit.visits.models import HomeVisit
from fieldvisit.visits.photos import receive_photo


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
    _photograph_letters(seeder)
    mail.discard(session)


def _photograph_letters(seeder: Any) -> None:
    """Attach a photo of the letter on the doormat to each referred case's visit with a letter."""
    session = seeder.session
    visits = session.scalars(
        select(HomeVisit)
        .join(Referral, Referral.case_id == HomeVisit.case_id)
        .where(HomeVisit.letter_left.is_(True))
        .order_by(HomeVisit.id)
    ).unique()
    for visit in visits:
        data = _letter_on_doormat(case_reference(visit.case_id))
        sha = hashlib.sha256(data).hexdigest()
        visit.photos = [sha]
        session.flush()
        receive_photo(session, visit.officer, visit.client_uuid, sha, data)


def _letter_on_doormat(reference: str) -> bytes:
    image = Image.new("RGB", (1200, 900), (121, 85, 61))
    draw = ImageDraw.Draw(image)
    draw.rectangle((300, 250, 900, 650), fill=(250, 250, 245), outline=(190, 190, 190), width=4)
    draw.text((340, 290), f"Letter for case {reference}", fill=(20, 20, 20))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()
