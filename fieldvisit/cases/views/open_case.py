"""Open a case for a pupil on roll who has not attended, or not arrived."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from fieldvisit.cases import services
from fieldvisit.cases.models import OPEN_STATES, Case
from fieldvisit.cases.schemas import OpenCaseSchema
from fieldvisit.cases.views import bp
from fieldvisit.core.audit import audited_read
from fieldvisit.core.dates import parse_iso_date, today_in_uk
from fieldvisit.core.db import db
from fieldvisit.core.forms import date_values, errors_context, load_form
from fieldvisit.core.web import save
from fieldvisit.pupils.services import get_pupil


@bp.route("/pupils/<int:pupil_id>/open-case", methods=["GET", "POST"])
@audited_read("pupil", "pupil_id")
@login_required
def open_case(pupil_id: int) -> Any:
    pupil = get_pupil(db.session, current_user, pupil_id)
    already = db.session.scalar(
        select(Case.id).where(Case.pupil_id == pupil.id, Case.state.in_(OPEN_STATES))
    )
    if already:
        flash("This pupil already has an open case.", "info")
        return redirect(url_for("cases.show", case_id=already))
    today = today_in_uk()
    # From the register's "not in today" list: the run's first day and the last day in.
    first_day = _iso_or(request.args.get("first_day"), today)
    values: dict[str, Any] = date_values("first_day_of_absence", first_day)
    if last_attended := _iso_or(request.args.get("last_attended"), None):
        values.update(date_values("last_attended_on", last_attended))
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        result = load_form(
            OpenCaseSchema(), request.form, date_fields=("first_day_of_absence", "last_attended_on")
        )
        values, errors = result.raw, result.errors
        if result.ok:
            assert result.data is not None
            data = result.data
            saved = save(
                lambda: services.open_case(
                    db.session,
                    current_user,
                    pupil,
                    data["first_day_of_absence"],
                    not_arrived=data["not_arrived"],
                    last_attended_on=data["last_attended_on"],
                    last_attended_confirmed=data["confirm_last_attended"],
                    today=today,
                )
            )
            if saved.value is not None:
                flash("Case opened. Try to contact the family today.", "success")
                return redirect(url_for("cases.show", case_id=saved.value.id))
            errors = saved.errors
    return render_template(
        "cases/open.html", pupil=pupil, values=values, **errors_context(errors)
    ), (400 if errors else 200)


def _iso_or(text: str | None, default: date | None) -> date | None:
    """A date from the address (YYYY-MM-DD), if it is one and not in the future."""
    try:
        day = parse_iso_date(text) if text else None
    except ValueError:
        return default
    return day if day is not None and day <= today_in_uk() else default
