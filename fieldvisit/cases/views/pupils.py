"""The pupil roll with each pupil's cases: list and search it, and one pupil's page."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from fieldvisit.cases.models import OPEN_STATES, Case
from fieldvisit.cases.views import bp
from fieldvisit.core.audit import audit, audited_read, searched
from fieldvisit.core.db import db
from fieldvisit.core.forms import errors_context, load_form
from fieldvisit.core.listing import list_query
from fieldvisit.core.permissions import Permission
from fieldvisit.core.web import commit, permission_required, save
from fieldvisit.pupils import characteristics
from fieldvisit.pupils import services as roll
from fieldvisit.pupils.models import Pupil
from fieldvisit.pupils.schemas import CharacteristicsSchema

PUPILS_PER_PAGE = 50
# What the LA triages on, in words, for any page that shows a pupil (pupils/_characteristics.html).
bp.add_app_template_global(characteristics.described, "characteristics")


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
    change_url = (
        url_for("cases.pupil_characteristics", pupil_id=pupil.id)
        if current_user.can(Permission.PUPILS_MANAGE)
        else None
    )
    return render_template("pupils/show.html", pupil=pupil, cases=cases, change_url=change_url)


@bp.route("/pupils/<int:pupil_id>/characteristics", methods=["GET", "POST"])
@permission_required(Permission.PUPILS_MANAGE)
def pupil_characteristics(pupil_id: int) -> Any:
    """Record what the LA triages on: SEN, ethnicity, language, FSM, a service family."""
    pupil = roll.get_pupil(db.session, current_user, pupil_id)
    values: dict[str, Any] = dict(characteristics.as_values(pupil))
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        result = load_form(CharacteristicsSchema(), request.form)
        values, errors = result.raw, result.errors
        if result.ok:
            data = result.data or {}
            saved = save(lambda: roll.update_characteristics(db.session, current_user, pupil, data))
            if saved.ok:
                flash("Saved: the LA sees this with any referral.", "success")
                return redirect(url_for("cases.pupil_page", pupil_id=pupil.id))
            errors = saved.errors
    else:
        audit(db.session, current_user.id, "view", "pupil", pupil.id)
        commit()
    return render_template(
        "pupils/characteristics.html",
        pupil=pupil,
        values=values,
        **errors_context(errors),
        sen_options=list(characteristics.SEN_PROVISION.items()),
        ethnicity_options=list(characteristics.ETHNICITY.items()),
        language_options=list(characteristics.FIRST_LANGUAGE.items()),
        yes_no=[("yes", "Yes"), ("no", "No"), ("", "Not known")],
    ), (400 if errors else 200)
