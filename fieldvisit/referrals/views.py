"""The school's CME referral page, the shared involvement page, and their downloads."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from fieldvisit.accounts.models import User
from fieldvisit.cases.access import get_case
from fieldvisit.cases.checklist import referral_day_for
from fieldvisit.cases.engine import Action, actions_for
from fieldvisit.cases.models import Case
from fieldvisit.cases.services import describe_vulnerability, school_day_today
from fieldvisit.cases.views.attachments import uploaded_attachment, with_attachment
from fieldvisit.chronology.attachments import attachments_of_entries
from fieldvisit.core.audit import audit, audited_read
from fieldvisit.core.dates import format_date, today_in_uk, uk_date
from fieldvisit.core.db import db
from fieldvisit.core.errors import (
    NotAllowed,
    NotFound,
    ValidationFailed,
)
from fieldvisit.core.forms import date_values, error_list, load_form
from fieldvisit.core.permissions import Permission as P
from fieldvisit.core.schema import Schema
from fieldvisit.core.storage import storage
from fieldvisit.core.web import commit, save
from fieldvisit.letters.models import Letter
from fieldvisit.referrals import involvements, schemas, services
from fieldvisit.referrals.content import (
    REMOVAL_GROUND,
    build_content,
    suggested_summary,
)
from fieldvisit.referrals.ctf_files import ctf_destination
from fieldvisit.referrals.evidence import ENQUIRY, entries_of_kind, gather
from fieldvisit.referrals.models import Referral
from fieldvisit.referrals.notify import active_laaos
from fieldvisit.referrals.panel import referral_panel, returned_referrals
from fieldvisit.schools.authorities import area_choices

A_AGREE = Action.AGREE_REMOVAL

bp = Blueprint("referrals", __name__)
bp.add_app_template_global(referral_panel)
bp.add_app_template_global(returned_referrals)
bp.add_app_template_filter(lambda moment: format_date(uk_date(moment)), "on_day")


def require(permission: P) -> None:
    if not current_user.can(permission):
        raise NotAllowed("Your role cannot use this page.")


# --- the referral ----------------------------------------------------------------------------


@bp.route("/cases/<int:case_id>/referral", methods=["GET", "POST"])
@login_required
def referral(case_id: int) -> Any:
    case = get_case(db.session, current_user, case_id)
    require(P.CASES_REFER)
    if request.method == "GET":
        return _referral_page(case, {}, {})
    result = load_form(schemas.ReferralSchema(), request.form, list_fields=("declaration",))
    if not result.ok:
        return _referral_page(case, result.raw, result.errors, 400)
    data = result.data or {}

    def submit() -> Referral:
        submitted = services.submit_referral(
            db.session,
            current_user,
            case,
            summary_of_enquiries=data["summary_of_enquiries"],
            possible_whereabouts=data["possible_whereabouts"],
            additional_information=data["additional_information"],
        )
        audit(db.session, current_user.id, "submit", "referral", submitted.id)
        return submitted

    saved = save(submit)
    if saved.value is None:
        return _referral_page(case, result.raw, saved.errors, saved.status)
    flash(f"Referral {saved.value.reference} sent to the local authority's CME team.", "success")
    return redirect(url_for(".referral", case_id=case.id))


def _referral_page(
    case: Case, values: dict[str, Any], errors: dict[str, list[str]], status: int = 200
) -> Any:
    statuses = {s.action: s for s in actions_for(db.session, case, current_user)}
    evidence = gather(db.session, case)
    if not values:
        values = {"summary_of_enquiries": suggested_summary(evidence)}
    school_day = school_day_today(db.session, case)
    preview = build_content(
        evidence,
        submitted_by=current_user,
        school_day=school_day,
        referral_day=referral_day_for(case),
        summary_of_enquiries=values.get("summary_of_enquiries", ""),
        possible_whereabouts=values.get("possible_whereabouts", ""),
        additional_information=values.get("additional_information", ""),
    )
    audit(db.session, current_user.id, "view", "case", case.id)
    history = services.referral_history(db.session, case)
    commit()
    return render_template(
        "referrals/referral.html",
        case=case,
        submit=statuses.get(Action.SUBMIT_REFERRAL),
        latest=history[-1] if history else None,
        history=history,
        preview=preview,
        school_day=school_day,
        values=values,
        errors=errors,
        error_list=error_list(errors),
    ), status


@bp.get("/referrals/<int:referral_id>/chronology.pdf")
@login_required
def chronology_pdf(referral_id: int) -> Any:
    referral = db.session.get(Referral, referral_id)
    if referral is None:
        raise NotFound("There is no referral with that number that you can see.")
    case = get_case(db.session, current_user, referral.case_id)
    if not (current_user.can(P.CASES_REFER) or current_user.can(P.REFERRALS_DECIDE)):
        raise NotAllowed("Your role cannot download referrals.")
    data = storage().get(referral.chronology_pdf_key)
    audit(db.session, current_user.id, "download", "referral_chronology", referral.id)
    commit()
    name = f"chronology-{case.reference}-{referral.reference}.pdf"
    return Response(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# --- the involvement -------------------------------------------------------------------------


@bp.get("/cases/<int:case_id>/involvement")
@login_required
def involvement(case_id: int) -> Any:
    case = get_case(db.session, current_user, case_id)
    require(P.INVOLVEMENT_MANAGE)
    return _involvement_page(case)


def _involvement_page(
    case: Case,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> Any:
    involvement = involvements.latest_involvement(db.session, case)
    if involvement is None:
        raise NotFound("There is no CME involvement on this case.")
    today = today_in_uk()
    statuses = {s.action: s for s in actions_for(db.session, case, current_user, today)}
    audit(db.session, current_user.id, "view", "case", case.id)
    enquiries = entries_of_kind(db.session, case, ENQUIRY)
    others = [u for u in active_laaos(db.session) if u.id != involvement.laao_id]
    confirmation = (
        db.session.get(Letter, involvement.confirmation_letter_id)
        if involvement.confirmation_letter_id
        else None
    )
    commit()
    errors = errors or {}
    return render_template(
        "referrals/involvement.html",
        case=case,
        involvement=involvement,
        confirmation=confirmation,
        clock=involvements.involvement_clock(case, involvement, today),
        statuses=statuses,
        Action=Action,
        enquiries=enquiries,
        entry_attachments=attachments_of_entries(db.session, enquiries),
        enquiry_options=[(e.value, e.label) for e in involvements.ENQUIRIES_ASKED],
        areas=area_choices(),
        laao_options=[(u.id, u.name) for u in others],
        can_decide=current_user.can(P.REFERRALS_DECIDE),
        can_refer=current_user.can(P.CASES_REFER),
        can_edit=current_user.can(P.CASES_EDIT),
        vulnerability=describe_vulnerability(case),
        removal_ground=REMOVAL_GROUND,
        ctf_destination=ctf_destination(case),
        values={
            **date_values("occurred_on", today),
            **date_values("off_roll_on", today),
            **(values or {}),
        },
        errors=errors,
        error_list=error_list(errors),
        today=today,
    ), status


def _act(
    case_id: int,
    schema: Schema,
    call: Callable[[Case, dict[str, Any]], str],
    *,
    anchor: str,
    permission: P = P.INVOLVEMENT_MANAGE,
    list_fields: tuple[str, ...] = (),
    date_fields: tuple[str, ...] = (),
) -> Any:
    """Run one involvement action from a posted form: load, act, commit once, redirect."""
    case = get_case(db.session, current_user, case_id)
    require(P.INVOLVEMENT_MANAGE)
    require(permission)
    result = load_form(schema, request.form, list_fields=list_fields, date_fields=date_fields)
    if not result.ok:
        return _involvement_page(case, values=result.raw, errors=result.errors, status=400)
    saved = save(lambda: call(case, result.data or {}))
    if saved.value is None:
        return _involvement_page(case, values=result.raw, errors=saved.errors, status=saved.status)
    flash(saved.value, "success")
    return redirect(url_for(".involvement", case_id=case.id, _anchor=anchor))


def _laao(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        message = "Choose an LA attendance officer."
        raise ValidationFailed(message, fields={"laao": [message]})
    return user


@bp.post("/cases/<int:case_id>/involvement/enquiries")
@login_required
def log_enquiry(case_id: int) -> Any:
    def call(case: Case, data: dict[str, Any]) -> str:
        checked = uploaded_attachment()  # refused before anything is logged
        entry = involvements.log_enquiry(
            db.session,
            current_user,
            case,
            enquiry_with=involvements.EnquiryWith(data["enquiry_with"]),
            contacted=data["contacted"],
            result=data["result"],
            occurred_at=involvements.moment_on(data["occurred_on"]),
            area=data["area"] if data["enquiry_with"] == involvements.EnquiryWith.OTHER_LA else "",
        )
        with_attachment(checked, data["attachment_description"], entry)
        return "Enquiry logged on the case."

    return _act(
        case_id, schemas.EnquirySchema(), call, anchor="enquiries", date_fields=("occurred_on",)
    )


@bp.post("/cases/<int:case_id>/involvement/reassign")
@login_required
def reassign(case_id: int) -> Any:
    def call(case: Case, data: dict[str, Any]) -> str:
        laao = _laao(data["laao"])
        involvements.reassign_laao(
            db.session,
            current_user,
            case,
            laao=laao,
            note=data["note"],
            expected_version=data["version"],
        )
        return f"The involvement is now assigned to {laao.name}."

    return _act(
        case_id, schemas.ReassignSchema(), call, anchor="involvement", permission=P.REFERRALS_DECIDE
    )


@bp.get("/cases/<int:case_id>/involvement/agree-removal")
@audited_read("case", "case_id")
@login_required
def confirm_removal(case_id: int) -> Any:
    """Ask 'Are you sure?' and say what agreeing will do, before anything is agreed."""
    case = get_case(db.session, current_user, case_id)
    require(P.INVOLVEMENT_MANAGE)
    require(P.REFERRALS_DECIDE)
    involvement = involvements.require_involvement(db.session, case)
    today = today_in_uk()
    status = next(
        (s for s in actions_for(db.session, case, current_user, today) if s.action == A_AGREE),
        None,
    )
    if status is None or not status.allowed:
        return redirect(url_for(".involvement", case_id=case.id, _anchor="removal"))
    absent = involvements.absent_school_days(db.session, case, today)
    enquiries = entries_of_kind(db.session, case, ENQUIRY)
    commit()
    return render_template(
        "referrals/agree_removal.html",
        case=case,
        involvement=involvement,
        clock=involvements.involvement_clock(case, involvement, today),
        absent=absent,
        enquiries=enquiries,
        removal_ground=REMOVAL_GROUND,
    )


@bp.post("/cases/<int:case_id>/involvement/agree-removal")
@login_required
def agree_removal(case_id: int) -> Any:
    def call(case: Case, data: dict[str, Any]) -> str:
        involvements.agree_removal(
            db.session, current_user, case, expected_version=data["expected_version"]
        )
        return "Removal from roll agreed. The school has been told by email."

    return _act(
        case_id, schemas.AgreeRemovalSchema(), call, anchor="removal", permission=P.REFERRALS_DECIDE
    )


@bp.post("/cases/<int:case_id>/involvement/withdraw-removal")
@login_required
def withdraw_removal(case_id: int) -> Any:
    def call(case: Case, data: dict[str, Any]) -> str:
        involvements.withdraw_removal(
            db.session,
            current_user,
            case,
            note=data["note"],
            expected_version=data["expected_version"],
        )
        return "Agreement to remove from roll withdrawn. The school has been told by email."

    return _act(
        case_id,
        schemas.WithdrawRemovalSchema(),
        call,
        anchor="removal",
        permission=P.REFERRALS_DECIDE,
    )


@bp.post("/cases/<int:case_id>/involvement/record-removal")
@login_required
def record_removal(case_id: int) -> Any:
    def call(case: Case, data: dict[str, Any]) -> str:
        involvements.record_removal(
            db.session,
            current_user,
            case,
            off_roll_on=data["off_roll_on"],
            expected_version=data["expected_version"],
        )
        return "Removal from roll recorded. Download the missing pupil CTF below."

    return _act(
        case_id,
        schemas.RecordRemovalSchema(),
        call,
        anchor="removal",
        permission=P.CASES_EDIT,
        list_fields=("confirm",),
        date_fields=("off_roll_on",),
    )
