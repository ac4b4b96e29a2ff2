"""The school sends a notice from the register; the LA reads, filters and acknowledges."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from fieldvisit.core.audit import audited_read
from fieldvisit.core.dates import today_in_uk
from fieldvisit.core.db import db
from fieldvisit.core.forms import errors_context, load_form
from fieldvisit.core.permissions import Permission
from fieldvisit.core.web import permission_required, save
from fieldvisit.notices import services
from fieldvisit.notices.schemas import ContinuousAbsenceSchema
from fieldvisit.pupils.attendance import absence_of
from fieldvisit.pupils.services import get_pupil
from fieldvisit.schools.models import School

bp = Blueprint("notices", __name__)

STATES = {"unread": False, "acknowledged": True, "all": None}


@bp.route("/pupils/<int:pupil_id>/notices/continuous-absence", methods=["GET", "POST"])
@audited_read("pupil", "pupil_id")
@permission_required(Permission.PUPILS_MANAGE)
def continuous_absence(pupil_id: int) -> Any:
    """Tell the LA of 10 school days absent without permission, from the register."""
    pupil = get_pupil(db.session, current_user, pupil_id)
    absence = absence_of(db.session, pupil, today_in_uk())
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        result = load_form(ContinuousAbsenceSchema(), request.form)
        values, errors = result.raw, result.errors
        if result.ok:
            said = (result.data or {})["what_school_did"]
            sent = save(
                lambda: services.send_continuous_absence(
                    db.session, current_user, pupil, what_school_did=said
                )
            )
            if sent.ok:
                flash("Notice sent to the local authority.", "success")
                return redirect(url_for("cases.index"))
            errors = sent.errors
    return render_template(
        "notices/continuous_absence.html",
        pupil=pupil,
        absence=absence,
        values=values,
        **errors_context(errors),
    ), (400 if errors else 200)


@bp.get("/la/notices")
@audited_read("school_notices")
@login_required
def inbox() -> Any:
    """The notices from schools: unread first by default, filtered by school."""
    state = request.args.get("state", "unread")
    state = state if state in STATES else "unread"
    school_id = request.args.get("school", type=int)
    notices = db.session.scalars(
        services.inbox(current_user, acknowledged=STATES[state], school_id=school_id).limit(200)
    ).all()
    schools = db.session.scalars(select(School).order_by(School.name)).all()
    return render_template(
        "notices/inbox.html", notices=notices, state=state, school_id=school_id, schools=schools
    )


@bp.get("/la/notices/<int:notice_id>")
@audited_read("school_notice", "notice_id")
@login_required
def show(notice_id: int) -> Any:
    notice = services.get_notice(db.session, current_user, notice_id)
    return render_template("notices/show.html", notice=notice)


@bp.post("/la/notices/<int:notice_id>/acknowledge")
@login_required
def acknowledge(notice_id: int) -> Any:
    notice = services.get_notice(db.session, current_user, notice_id)
    done = save(lambda: services.acknowledge(db.session, current_user, notice))
    if done.ok:
        flash("Acknowledged: the notice is marked read, with your name and the time.", "success")
    return redirect(url_for("notices.show", notice_id=notice.id))
