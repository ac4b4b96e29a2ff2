"""Visit pages: an officer's list, the case's visits panel, assigning a visit, photos."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from fieldvisit.accounts.models import User
from fieldvisit.cases.access import get_case
from fieldvisit.cases.engine import TRANSITIONS, Action
from fieldvisit.cases.models import Case
from fieldvisit.core.audit import audit
from fieldvisit.core.db import db
from fieldvisit.core.errors import NotFound
from fieldvisit.core.forms import error_list, load_form
from fieldvisit.core.permissions import Permission
from fieldvisit.core.storage import storage
from fieldvisit.core.web import commit, save
from fieldvisit.visits import services
from fieldvisit.visits.models import AssignmentStatus, HomeVisit, VisitAssignment, VisitPhoto
from fieldvisit.visits.photos import photos_of
from fieldvisit.visits.schemas import AssignVisitFormSchema, CancelAssignmentSchema, is_sha256

bp = Blueprint("visits", __name__)


@dataclass
class VisitRow:
    visit: HomeVisit
    photos: list[VisitPhoto]
    photos_missing: int


@dataclass
class VisitPanel:
    """What the case page's visits panel shows."""

    visits: list[VisitRow]
    assignments: list[VisitAssignment]
    officers: list[User] = field(default_factory=list)
    can_assign: bool = False
    can_cancel: bool = False


@bp.app_template_global()
def visit_panel(case: Case) -> VisitPanel:
    """Gather the case's visits and open assignments for templates/visits/_case_panel.html."""
    session = db.session
    rows = []
    for visit in services.visits_of(session, case):
        photos = photos_of(session, visit)
        rows.append(VisitRow(visit, photos, len(visit.photos) - len(photos)))
    assignments = session.scalars(
        select(VisitAssignment)
        .where(VisitAssignment.case_id == case.id, VisitAssignment.status == AssignmentStatus.OPEN)
        .order_by(VisitAssignment.assigned_at)
    ).all()
    can_assign = (
        current_user.can(Permission.VISITS_ASSIGN)
        and (case.state, Action.ASSIGN_VISIT) in TRANSITIONS
    )
    officers = services.officers_for(session, case) if can_assign else []
    can_cancel = (
        current_user.can(Permission.VISITS_ASSIGN)
        and (case.state, Action.CANCEL_VISIT) in TRANSITIONS
    )
    return VisitPanel(rows, list(assignments), officers, can_assign, can_cancel)


@bp.get("/visits/")
@login_required
def index() -> Any:
    if not current_user.can(Permission.VISITS_RECORD):
        abort(403, "This page lists the home visits assigned to an officer.")
    visits = services.assigned_visits(db.session, current_user)
    audit(db.session, current_user.id, "view", "assigned_visits", current_user.id)
    commit()
    return render_template("visits/index.html", visits=visits)


@bp.get("/cases/<int:case_id>/visits")
@login_required
def case_visits(case_id: int) -> Any:
    case = get_case(db.session, current_user, case_id)
    audit(db.session, current_user.id, "view", "case_visits", case.id)
    commit()
    return render_template("visits/case_visits.html", case=case)


@bp.post("/cases/<int:case_id>/visits/assign")
@login_required
def assign(case_id: int) -> Any:
    case = get_case(db.session, current_user, case_id)
    result = load_form(AssignVisitFormSchema(), request.form, date_fields=("due_on",))
    errors = result.errors
    if result.ok:
        assert result.data is not None
        data = result.data
        assigned = save(
            lambda: services.assign_visit(db.session, current_user, case, **data),
            field="officer_id",
        )
        if assigned.value is not None:
            flash(f"Home visit assigned to {assigned.value.officer.name}.", "success")
            return redirect(url_for("cases.show", case_id=case.id, _anchor="visits-heading"))
        errors = assigned.errors
    return render_template(
        "visits/case_visits.html",
        case=case,
        assign_errors=errors,
        errors=errors,
        error_list=error_list(errors),
        assign_values=result.raw,
    ), 400


@bp.route("/cases/<int:case_id>/visits/<int:assignment_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(case_id: int, assignment_id: int) -> Any:
    """Cancel a visit assignment or move it to another officer, after saying why."""
    case = get_case(db.session, current_user, case_id)
    if not current_user.can(Permission.VISITS_ASSIGN):
        abort(403, "Your role does not allow cancelling home visits.")
    assignment = db.session.get(VisitAssignment, assignment_id)
    if assignment is None or assignment.case_id != case.id:
        raise NotFound("That visit assignment is not on this case.")
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        result = load_form(CancelAssignmentSchema(), request.form)
        values, errors = result.raw, result.errors
        if result.ok:
            assert result.data is not None
            data = result.data
            done = save(
                lambda: services.cancel_assignment(
                    db.session, current_user, case, assignment.id, **data
                ),
                field="reason",
            )
            if done.ok:
                moved = done.value
                flash(
                    f"Home visit moved to {moved.officer.name}."
                    if moved
                    else "Home visit cancelled.",
                    "success",
                )
                return redirect(url_for("cases.show", case_id=case.id, _anchor="visits-heading"))
            errors = done.errors
    audit(db.session, current_user.id, "view", "case", case.id)
    commit()
    officers = services.officers_for(db.session, case)
    return render_template(
        "visits/cancel.html",
        case=case,
        assignment=assignment,
        officer_options=[(o.id, o.name) for o in officers if o.id != assignment.officer_id],
        values=values,
        errors=errors,
        error_list=error_list(errors),
    ), (400 if errors else 200)


def _photo(visit_uuid: uuid.UUID, sha256: str) -> VisitPhoto:
    """Load a photo of a visit on a case the user may see, or 404."""
    visit = db.session.scalar(select(HomeVisit).where(HomeVisit.client_uuid == visit_uuid))
    if visit is None or not is_sha256(sha256) or sha256 not in visit.photos:
        raise NotFound("There is no such photo that you can see.")
    get_case(db.session, current_user, visit.case_id)
    photo = next((p for p in photos_of(db.session, visit) if p.sha256 == sha256), None)
    if photo is None:
        raise NotFound("That photo has not arrived from the officer's phone yet.")
    return photo


@bp.get("/visits/<uuid:visit_uuid>/photos/<sha256>.jpg")
@login_required
def photo(visit_uuid: uuid.UUID, sha256: str) -> Any:
    found = _photo(visit_uuid, sha256)
    audit(db.session, current_user.id, "download", "visit_photo", found.id)
    commit()
    return _jpeg(storage().get(found.storage_key))


@bp.get("/visits/<uuid:visit_uuid>/photos/<sha256>/thumbnail.jpg")
@login_required
def thumbnail(visit_uuid: uuid.UUID, sha256: str) -> Any:
    found = _photo(visit_uuid, sha256)
    audit(db.session, current_user.id, "view", "visit_photo", found.id)
    commit()
    return _jpeg(storage().get(found.thumbnail_key))


def _jpeg(data: bytes) -> Response:
    response = Response(data, mimetype="image/jpeg")
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Disposition"] = "inline"
    return response
