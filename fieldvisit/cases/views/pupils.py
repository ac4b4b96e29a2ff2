"""The pupil roll with each pupil's cases: list and search it, and one pupil's page."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from fieldvisit.cases.models import OPEN_STATES, Case
from fieldvisit.cases.views import bp
from fieldvisit.core.audit import audit, audited_read, searched
from fieldvisit.core.db import db
from fieldvisit.core.listing import list_query
from fieldvisit.core.web import commit
from fieldvisit.pupils import services as roll
from fieldvisit.pupils.models import Pupil

PUPILS_PER_PAGE = 50


@bp.route("/pupils", methods=["GET", "POST"])
@audited_read("pupil_roll", detail=searched, methods=("GET", "POST"))
@login_required
def pupil_list() -> Any:
    query = roll.roll_for(current_user)
    listed = list_query()  # a search by name is only ever posted
    search = listed["q"]
    if request.method == "POST" and not search:
        return redirect(url_for("cases.pupil_list"))
    if search:
        query = query.where(roll.matches_search(search))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max((total + PUPILS_PER_PAGE - 1) // PUPILS_PER_PAGE, 1)
    page = min(listed["page"], pages)
    pupils = db.session.scalars(
        query.order_by(Pupil.surname, Pupil.forename, Pupil.id)
        .limit(PUPILS_PER_PAGE)
        .offset((page - 1) * PUPILS_PER_PAGE)
    ).all()
    open_cases = dict(
        db.session.execute(
            select(Case.pupil_id, Case.id).where(
                Case.pupil_id.in_([p.id for p in pupils]), Case.state.in_(OPEN_STATES)
            )
        ).all()
    )
    return render_template(
        "pupils/index.html",
        pupils=pupils,
        open_cases=open_cases,
        search=search,
        total=total,
        page=page,
        pages=pages,
        page_url=lambda n: url_for("cases.pupil_list", page=n),
        search_post={"action": url_for("cases.pupil_list"), "fields": {"q": search}}
        if search
        else None,
    )


@bp.get("/pupils/<int:pupil_id>")
@login_required
def pupil_page(pupil_id: int) -> Any:
    pupil = roll.get_pupil(db.session, current_user, pupil_id)
    cases = db.session.scalars(
        select(Case).where(Case.pupil_id == pupil.id).order_by(Case.opened_at.desc())
    ).all()
    audit(db.session, current_user.id, "view", "pupil", pupil.id)
    commit()
    return render_template("pupils/show.html", pupil=pupil, cases=cases)
