"""Tick a checklist item with a note; the tick is a chronology entry."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from fieldvisit.cases import services
from fieldvisit.cases.access import get_case
from fieldvisit.cases.checklist import INFORM_SOCIAL_WORKER
from fieldvisit.cases.engine import TRANSITIONS, Action, may_ever
from fieldvisit.cases.models import Case, ChecklistItem
from fieldvisit.cases.schemas import TickSchema, UntickSchema
from fieldvisit.cases.views import bp
from fieldvisit.cases.views.common import require
from fieldvisit.core.audit import audited_read
from fieldvisit.core.db import db
from fieldvisit.core.errors import NotFound
from fieldvisit.core.forms import errors_context, load_form
from fieldvisit.core.web import save


@bp.route("/cases/<int:case_id>/checklist/<int:item_id>", methods=["GET", "POST"])
@audited_read("case", "case_id")
@login_required
def checklist_item(case_id: int, item_id: int) -> Any:
    case, item = _item(case_id, item_id)
    if item.key == INFORM_SOCIAL_WORKER and not item.done:
        # Ticked by recording who was told, how and when, not by a bare tick.
        return redirect(url_for("cases.safeguarding_step", case_id=case.id, step="social-worker"))
    require(case, Action.TICK_CHECKLIST)
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        result = load_form(TickSchema(), request.form)
        values, errors = result.raw, result.errors
        if result.ok:
            assert result.data is not None
            data = result.data
            saved = save(
                lambda: services.tick_checklist_item(
                    db.session,
                    current_user,
                    case,
                    item.id,
                    note=data["note"].strip(),
                    expected_version=data["expected_version"],
                )
            )
            if saved.ok:
                flash(f"Ticked: {item.text}", "success")
                return redirect(url_for("cases.show", case_id=case.id, _anchor="checklist"))
            errors = saved.errors
    return _page(case, item, values, errors)


@bp.post("/cases/<int:case_id>/checklist/<int:item_id>/untick")
@login_required
def untick_checklist_item(case_id: int, item_id: int) -> Any:
    """Take back a tick made by mistake, with the reason; the item is due again."""
    case, item = _item(case_id, item_id)
    require(case, Action.UNTICK_CHECKLIST)
    result = load_form(UntickSchema(), request.form)
    errors = result.errors
    if result.ok:
        assert result.data is not None
        data = result.data
        saved = save(
            lambda: services.untick_checklist_item(
                db.session,
                current_user,
                case,
                item.id,
                reason=data["reason"],
                expected_version=data["expected_version"],
            )
        )
        if saved.ok:
            flash(f"Unticked: {item.text}", "success")
            return redirect(url_for("cases.show", case_id=case.id, _anchor="checklist"))
        errors = saved.errors
    return _page(case, item, result.raw, errors)


def _item(case_id: int, item_id: int) -> tuple[Case, ChecklistItem]:
    case = get_case(db.session, current_user, case_id)
    item = db.session.get(ChecklistItem, item_id)
    if item is None or item.case_id != case.id:
        raise NotFound("That checklist item is not on this case.")
    return case, item


def _page(
    case: Case, item: ChecklistItem, values: dict[str, Any], errors: dict[str, list[str]]
) -> Any:
    can_untick = (
        item.done
        and may_ever(current_user, Action.UNTICK_CHECKLIST)
        and (case.state, Action.UNTICK_CHECKLIST) in TRANSITIONS
    )
    return render_template(
        "cases/checklist_item.html",
        case=case,
        item=item,
        values=values,
        can_untick=can_untick,
        **errors_context(errors),
    ), (400 if errors else 200)
