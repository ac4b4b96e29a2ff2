"""What other pages show of the referral: the case page's panel and the dashboard's returns.

Registered as template globals, so `{% include "referrals/_case_panel.html" %}`
needs nothing but `case` in its context.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import aliased, contains_eager

from fieldvisit.cases.access import visible_to
from fieldvisit.cases.models import Case, CaseState
from fieldvisit.core.db import db
from fieldvisit.core.permissions import Permission as P
from fieldvisit.referrals.involvements import Clock, involvement_clock, latest_involvement
from fieldvisit.referrals.models import Involvement, Referral, ReferralStatus
from fieldvisit.referrals.services import latest_referral


@dataclass(frozen=True)
class Panel:
    referral: Referral | None
    involvement: Involvement | None
    clock: Clock | None
    can_refer: bool
    can_review: bool
    can_manage: bool


def referral_panel(case: Case) -> Panel:
    """Return the referral and involvement of a case, and which of their pages the user may use."""
    session = db.session
    referral = latest_referral(session, case)
    involvement = latest_involvement(session, case) if referral else None
    return Panel(
        referral=referral,
        involvement=involvement,
        clock=involvement_clock(case, involvement) if involvement else None,
        can_refer=current_user.can(P.CASES_REFER),
        can_review=current_user.can(P.REFERRALS_DECIDE),
        can_manage=current_user.can(P.INVOLVEMENT_MANAGE),
    )


def returned_referrals() -> list[Referral]:
    """Return the referrals the LA sent back that the user's school still has to act on."""
    if not current_user.is_authenticated or not current_user.can(P.CASES_REFER):
        return []
    returned = aliased(Referral, name="returned")
    return list(
        db.session.scalars(
            select(returned)
            .join(Case, Case.id == returned.case_id)
            .options(contains_eager(returned.case))
            .where(
                returned.latest.is_(True),
                returned.status == ReferralStatus.RETURNED,
                Case.state == CaseState.LOCATING,
                visible_to(current_user),
            )
            .order_by(returned.decided_at.desc())
            .limit(20)
        )
    )
