"""Raise a child protection concern: on every case, in every state, never gated."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from fieldvisit.cases import services
from fieldvisit.cases.access import get_case
from fieldvisit.cases.engine import Action
from fieldvisit.cases.schemas import ConcernSchema
from fieldvisit.cases.views import bp
from fieldvisit.cases.views.common import require
from fieldvisit.core.audit import audited_read
from fieldvisit.core.db import db
from fieldvisit.core.errors import CaseChanged
from fieldvisit.core.forms import errors_context, load_form
from fieldvisit.core.web import save


@bp.route("/cases/<int:case_id>/concern", methods=["GET", "POST"])
@audited_read("case", "case_id")
@login_required
def concern(case_id: int) -> Any:
    case = get_case(db.session, current_user, case_id)
    require(case, Action.RAISE_CONCERN)
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        result = load_form(ConcernSchema(), request.form)
        values, errors = result.raw, result.errors
        if result.ok:
            assert result.data is not None
            text = result.data["concern"].strip()

            def raise_it() -> None:
                services.raise_concern(db.session, current_user, case, concern=text)

            # A concern carries no expected version: someone else's edit must never stop
            # it. If their edit lands at the same moment, the concern is simply retried.
            saved = save(raise_it)
            if isinstance(saved.refusal, CaseChanged):
                saved = save(raise_it)
            if saved.ok:
                flash(
                    "Concern recorded. The school's DSL and any linked social worker or LAAO "
                    "have been emailed. Follow your child protection procedures now.",
                    "success",
                )
                return redirect(url_for("cases.show", case_id=case.id))
            errors = saved.errors
    return render_template(
        "cases/concern.html",
        case=case,
        recipients=services.concern_recipients(db.session, case),
        values=values,
        **errors_context(errors),
    ), (400 if errors else 200)
