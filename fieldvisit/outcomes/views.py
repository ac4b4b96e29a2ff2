"""Record how a case ended: choose the outcome, then complete its form."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from fieldvisit.cases.access import get_case
from fieldvisit.cases.engine import Action, actions_for
from fieldvisit.cases.models import CaseState
from fieldvisit.cases.views.common import require
from fieldvisit.core.audit import audit, audited_read
from fieldvisit.core.dates import today_in_uk
from fieldvisit.core.db import db
from fieldvisit.core.errors import DomainError, NotFound
from fieldvisit.core.forms import errors_context, form_errors, load_form
from fieldvisit.core.schema import Schema
from fieldvisit.core.storage import storage
from fieldvisit.core.web import commit, save
from fieldvisit.outcomes import schemas, services
from fieldvisit.outcomes.models import AbroadEvidence, ConfirmedHow, NoticeForm, OutcomeRecord
from fieldvisit.outcomes.uploads import CheckedFile, check_notice
from fieldvisit.schools.authorities import AREAS, area_choices, area_name

bp = Blueprint("outcomes", __name__)


@dataclass(frozen=True)
class Kind:
    action: Action
    schema: type[Schema]
    title: str
    hint: str
    record: Callable[..., OutcomeRecord]
    date_fields: tuple[str, ...] = ("effective_on",)


KINDS = {
    "returned": Kind(
        Action.CHILD_RETURNED,
        schemas.ReturnedSchema,
        "Child returned to school",
        "The case closes.",
        services.record_returned,
    ),
    "other-school": Kind(
        Action.ATTENDING_OTHER_SCHOOL,
        schemas.DestinationSchema,
        "Deletion from Register - Destination Confirmed",
        "The pupil is on roll at another school. They leave your roll and the LA is told.",
        services.record_destination,
    ),
    "home-education": Kind(
        Action.ELECTIVE_HOME_EDUCATION,
        schemas.HomeEducationSchema,
        "Elective home education deregistration referral",
        "The parent is educating the child at home. A written notice takes the pupil off roll.",
        services.record_home_education,
        ("notice_received_on",),
    ),
    "residing-in-la": Kind(
        Action.RESIDING_IN_LA,
        schemas.ResidingSchema,
        "Still residing in the LA",
        "The family is still in the area: the school's attendance policy applies.",
        services.record_residing_in_la,
    ),
    "moved-abroad": Kind(
        Action.MOVED_ABROAD,
        schemas.MovedAbroadSchema,
        "Moved abroad",
        "The child has left England. The case closes, the pupil leaves your roll and their "
        "CTF goes to the abroad destination (MMMMMMM).",
        services.record_moved_abroad,
    ),
    "moved-other-la": Kind(
        Action.MOVED_OTHER_LA,
        schemas.MovedOtherAreaSchema,
        "Moved to another local authority",
        "The council where the child now lives has confirmed it, and its CME duty takes over. "
        "The case closes and the pupil leaves your roll.",
        services.record_moved_other_area,
    ),
    "found": Kind(
        Action.CHILD_FOUND,
        schemas.FoundSchema,
        "Child found",
        "The child has been located. The case closes.",
        services.record_found,
    ),
}


def _available(case: Any) -> list[tuple[str, Kind]]:
    allowed = {s.action for s in actions_for(db.session, case, current_user) if s.allowed}
    return [(key, kind) for key, kind in KINDS.items() if kind.action in allowed]


@bp.route("/cases/<int:case_id>/outcome", methods=["GET", "POST"])
@audited_read("case", "case_id")
@login_required
def choose(case_id: int) -> Any:
    case = get_case(db.session, current_user, case_id)
    options = _available(case)
    if not options:
        require(case, Action.CHILD_FOUND)  # says why: the role, or the case's state
        raise NotFound("No outcome can be recorded on this case now.")
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        chosen = request.form.get("outcome", "")
        if chosen in dict(options):
            return redirect(url_for("outcomes.record", case_id=case.id, kind=chosen))
        errors = {"outcome": ["Select what happened"]}
    return render_template(
        "outcomes/choose.html",
        case=case,
        options=[(key, kind.title, kind.hint) for key, kind in options],
        values={"outcome": request.form.get("outcome", "")},
        **errors_context(errors),
    ), (400 if errors else 200)


def _notice_upload(kind: str) -> CheckedFile | None:
    upload = request.files.get("notice_file")
    if kind != "home-education" or upload is None or not upload.filename:
        return None
    return check_notice(upload.read(10 * 1024 * 1024 + 1))


@bp.route("/cases/<int:case_id>/outcome/<kind>", methods=["GET", "POST"])
@audited_read("case", "case_id")
@login_required
def record(case_id: int, kind: str) -> Any:
    spec = KINDS.get(kind)
    if spec is None:
        abort(404)
    case = get_case(db.session, current_user, case_id)
    require(case, spec.action)
    today = today_in_uk()
    values: dict[str, Any] = {
        f"{spec.date_fields[0]}-{part}": str(getattr(today, part))
        for part in ("day", "month", "year")
    }
    if kind == "moved-other-la" and request.args.get("area") in AREAS:
        values["area"] = request.args["area"]  # from the other LA's answer
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        result = load_form(spec.schema(), request.form, date_fields=spec.date_fields)
        values, errors = result.raw, result.errors
        try:
            notice = _notice_upload(kind)
        except DomainError as error:
            notice, errors = None, {**errors, **form_errors(error)}
        if result.ok and not errors:
            assert result.data is not None
            data = dict(result.data)
            if kind == "other-school":
                data["confirmed_how"] = ConfirmedHow(data["confirmed_how"])
            if kind == "moved-abroad":
                data["evidence"] = AbroadEvidence(data["evidence"])
            if kind == "home-education":
                data["notice_form"] = NoticeForm(data["notice_form"])
                data["notice"] = notice
                data["special_school"] = data["special_school"] == "yes"
                data["attendance_order"] = data["attendance_order"] == "yes"
            saved = save(lambda: spec.record(db.session, current_user, case, **data))
            if saved.ok:
                closed = case.state == CaseState.CLOSED
                flash(
                    f"{spec.title}: recorded. "
                    + (
                        "The case is closed."
                        if closed
                        else "The case stays open until the written notice comes."
                    ),
                    "success",
                )
                return redirect(url_for("cases.show", case_id=case.id))
            errors = saved.errors
    return render_template(
        "outcomes/record.html",
        case=case,
        kind=kind,
        spec=spec,
        confirmed_how=[(c.value, c.label) for c in ConfirmedHow],
        notice_forms=[(n.value, n.label) for n in NoticeForm],
        yes_no=[("yes", "Yes"), ("no", "No")],
        abroad_evidence=[(e.value, e.label) for e in AbroadEvidence],
        areas=area_choices(),
        values=values,
        **errors_context(errors),
    ), (400 if errors else 200)


def _record_of(case_id: int) -> OutcomeRecord:
    case = get_case(db.session, current_user, case_id)
    record = db.session.scalar(select(OutcomeRecord).where(OutcomeRecord.case_id == case.id))
    if record is None:
        raise NotFound("This case has no outcome recorded.")
    return record


@bp.get("/cases/<int:case_id>/outcome/notice")
@login_required
def notice(case_id: int) -> Any:
    record = _record_of(case_id)
    referral = record.home_education
    if referral is None or not referral.notice_file_key:
        raise NotFound("No written notice was uploaded for this case.")
    audit(db.session, current_user.id, "download", "home_education_notice", referral.id)
    commit()
    return Response(
        storage().get(referral.notice_file_key),
        mimetype=referral.notice_file_type,
        headers={
            "Content-Disposition": f"attachment; filename=notice-{record.case.reference}"
            f".{referral.notice_file_key.rsplit('.', 1)[-1]}",
            "X-Content-Type-Options": "nosniff",
        },
    )


@bp.route("/cases/<int:case_id>/outcome/written-notice", methods=["GET", "POST"])
@audited_read("case", "case_id")
@login_required
def written_notice(case_id: int) -> Any:
    record = _record_of(case_id)
    case = record.case
    if record.home_education is None or record.home_education.notice_form.written:
        raise NotFound("This case has no home education referral waiting for a written notice.")
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        result = load_form(
            schemas.WrittenNoticeSchema(), request.form, date_fields=("received_on",)
        )
        values, errors = result.raw, result.errors
        try:
            notice = _notice_upload("home-education")
        except DomainError as error:
            notice, errors = None, {**errors, **form_errors(error)}
        if result.ok and not errors:
            assert result.data is not None
            data = result.data
            saved = save(
                lambda: services.add_written_notice(
                    db.session,
                    current_user,
                    record,
                    notice_form=NoticeForm(data["notice_form"]),
                    received_on=data["received_on"],
                    notice=notice,
                    expected_version=data["expected_version"],
                )
            )
            if saved.ok:
                flash("Written notice recorded. The pupil is off roll.", "success")
                return redirect(url_for("cases.show", case_id=case.id))
            errors = saved.errors
    return render_template(
        "outcomes/written_notice.html",
        case=case,
        notice_forms=[(n.value, n.label) for n in NoticeForm if n.written],
        values=values,
        **errors_context(errors),
    ), (400 if errors else 200)


@bp.app_context_processor
def _panel_helpers() -> dict[str, Any]:
    """Let the case page's outcome panel find the case's record."""

    def outcome_record_for(case: Any) -> OutcomeRecord | None:
        if case.outcome is None and case.state != CaseState.EHE_NOTICE_AWAITED:
            return None
        return db.session.scalar(select(OutcomeRecord).where(OutcomeRecord.case_id == case.id))

    return {"outcome_record_for": outcome_record_for, "area_name": area_name}
