"""Correct a chronology entry: a new entry that points at the wrong one, both kept."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from fieldvisit.cases import services
from fieldvisit.cases.access import get_case
from fieldvisit.cases.engine import Action
from fieldvisit.cases.schemas import CorrectionSchema
from fieldvisit.cases.views import bp
from fieldvisit.cases.views.common import require
from fieldvisit.chronology.models import ChronologyEntry
from fieldvisit.core.audit import audited_read
from fieldvisit.core.db import db
from fieldvisit.core.errors import NotFound
from fieldvisit.core.forms import errors_context, load_form
from fieldvisit.core.web import save


@bp.route("/cases/<int:case_id>/chronology/<int:entry_id>/correct", methods=["GET", "POST"])
@audited_read("case", "case_id")
@login_required
def correct_entry(case_id: int, entry_id: int) -> Any:
    case = get_case(db.session, current_user, case_id)
    entry = db.session.get(ChronologyEntry, entry_id)
    if entry is None or entry.case_id != case.id:
        raise NotFound("That chronology entry is not on this case.")
    require(case, Action.CORRECT_ENTRY)
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        result = load_form(CorrectionSchema(), request.form)
        values, errors = result.raw, result.errors
        if result.ok:
            assert result.data is not None
            data = result.data
            saved = save(
                lambda: services.correct_entry(
                    db.session,
                    current_user,
                    case,
                    entry.id,
                    correction=data["correction"],
                    expected_version=data["expected_version"],
                )
            )
            if saved.ok:
                flash("Correction added to the chronology.", "success")
                return redirect(url_for("cases.show", case_id=case.id, _anchor=f"entry-{entry.id}"))
            errors = saved.errors
    return render_template(
        "cases/correct_entry.html", case=case, entry=entry, values=values, **errors_context(errors)
    ), (400 if errors else 200)
