"""Case list and case page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from fieldvisit.cases import services
from fieldvisit.cases.access import cases_for, get_case
from fieldvisit.cases.checklist import referral_day_for
from fieldvisit.cases.engine import actions_for
from fieldvisit.cases.models import OPEN_STATES, Case
from fieldvisit.chronology.models import ChronologyEntry
from fieldvisit.core.audit import audit
from fieldvisit.core.db import db
from fieldvisit.core.web import commit
from fieldvisit.pupils.models import Pupil

bp = Blueprint("cases", __name__)

PAGE_SIZE = 50


@bp.get("/")
@login_required
def index() -> Any:
    page = max(request.args.get("page", 1, type=int), 1)
    show_closed = request.args.get("closed") == "1"
    query = cases_for(current_user)
    if not show_closed:
        query = query.where(Case.state.in_(OPEN_STATES))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    cases = db.session.scalars(
        query.options(joinedload(Case.pupil), joinedload(Case.school))
        .order_by(Case.first_day_of_absence, Case.id)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    return render_template(
        "cases/index.html",
        cases=cases,
        total=total or 0,
        page=page,
        pages=max(((total or 0) + PAGE_SIZE - 1) // PAGE_SIZE, 1),
        show_closed=show_closed,
    )


@bp.get("/cases/<int:case_id>")
@login_required
def show(case_id: int) -> Any:
    case = get_case(db.session, current_user, case_id)
    entries = db.session.scalars(
        select(ChronologyEntry)
        .options(joinedload(ChronologyEntry.actor))
        .where(ChronologyEntry.case_id == case.id)
        .order_by(ChronologyEntry.seq.desc())
    ).all()
    audit(db.session, current_user.id, "view", "case", case.id)
    statuses = actions_for(db.session, case, current_user)
    school_day = services.school_day_today(db.session, case)
    commit()
    return render_template(
        "cases/show.html",
        case=case,
        pupil=db.session.get(Pupil, case.pupil_id),
        entries=entries,
        statuses=statuses,
        school_day=school_day,
        referral_day=referral_day_for(case),
        vulnerability=services.describe_vulnerability(case),
    )
