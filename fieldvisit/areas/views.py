"""Moves between areas: the case's referrals to other LAs, their answers, the PDF sent, and
the searches of the lost pupil database."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from fieldvisit.areas import services
from fieldvisit.areas.models import AreaAnswer, AreaReferral
from fieldvisit.areas.pdf import area_referral_pdf
from fieldvisit.areas.schemas import AreaAnswerSchema, AreaReferralSchema, LostPupilSearchSchema
from fieldvisit.cases.access import get_case
from fieldvisit.cases.models import Case
from fieldvisit.core.audit import audit
from fieldvisit.core.dates import today_in_uk
from fieldvisit.core.db import db
from fieldvisit.core.errors import NotAllowed, NotFound
from fieldvisit.core.forms import date_values, errors_context, load_form
from fieldvisit.core.permissions import Permission as P
from fieldvisit.core.web import commit, save
from fieldvisit.referrals.involvements import latest_involvement
from fieldvisit.schools.authorities import area_choices

bp = Blueprint("areas", __name__)


def _case(case_id: int, permission: P = P.INVOLVEMENT_MANAGE) -> Case:
    case = get_case(db.session, current_user, case_id)
    if not current_user.can(permission):
        raise NotAllowed("Your role cannot use this page.")
    if latest_involvement(db.session, case) is None:
        raise NotFound("There is no CME involvement on this case.")
    return case


def _page(
    case: Case,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> Any:
    today = today_in_uk()
    involvement = latest_involvement(db.session, case)
    assert involvement is not None
    audit(db.session, current_user.id, "view", "case", case.id)
    referrals = services.area_referrals(db.session, case)
    searches = services.lost_pupil_searches(db.session, case)
    commit()
    return render_template(
        "areas/moves.html",
        case=case,
        involvement=involvement,
        referrals=referrals,
        searches=searches,
        areas=area_choices(),
        can_refer=current_user.can(P.REFERRALS_DECIDE) and involvement.is_open,
        can_search=involvement.is_open,
        values={
            **date_values("sent_on", today),
            **date_values("searched_on", today),
            **(values or {}),
        },
        **errors_context(errors or {}),
    ), status


@bp.get("/cases/<int:case_id>/moves")
@login_required
def moves(case_id: int) -> Any:
    return _page(_case(case_id))


@bp.post("/cases/<int:case_id>/moves/referrals")
@login_required
def refer(case_id: int) -> Any:
    case = _case(case_id, P.REFERRALS_DECIDE)
    result = load_form(AreaReferralSchema(), request.form, date_fields=("sent_on",))
    if not result.ok:
        return _page(case, values=result.raw, errors=result.errors, status=400)
    data = result.data or {}
    saved = save(lambda: services.refer_to_area(db.session, current_user, case, **data))
    if not saved.ok:
        return _page(case, values=result.raw, errors=saved.errors, status=saved.status)
    referral = saved.value
    assert referral is not None
    flash(
        f"Referral to {referral.area_name} recorded. Download the PDF to send, and record "
        "their answer when it comes.",
        "success",
    )
    return redirect(url_for(".moves", case_id=case.id, _anchor=f"referral-{referral.id}"))


@bp.get("/cases/<int:case_id>/moves/referrals/<int:area_referral_id>.pdf")
@login_required
def referral_pdf(case_id: int, area_referral_id: int) -> Any:
    case = _case(case_id)
    referral = services.area_referral(db.session, case, area_referral_id)
    data = area_referral_pdf(referral)
    audit(db.session, current_user.id, "download", "area_referral", referral.id)
    commit()
    name = f"cme-referral-{case.reference}-{referral.area}.pdf"
    return Response(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _answer_page(
    case: Case,
    referral: AreaReferral,
    values: dict[str, Any],
    errors: dict[str, list[str]],
    status: int = 200,
) -> Any:
    return render_template(
        "areas/answer.html",
        case=case,
        referral=referral,
        answers=[(a.value, a.label) for a in AreaAnswer],
        values=values,
        **errors_context(errors),
    ), status


@bp.route(
    "/cases/<int:case_id>/moves/referrals/<int:area_referral_id>/answer", methods=["GET", "POST"]
)
@login_required
def answer(case_id: int, area_referral_id: int) -> Any:
    case = _case(case_id, P.REFERRALS_DECIDE)
    referral = services.area_referral(db.session, case, area_referral_id)
    if request.method == "GET":
        audit(db.session, current_user.id, "view", "case", case.id)
        commit()
        return _answer_page(case, referral, date_values("answered_on", today_in_uk()), {})
    result = load_form(AreaAnswerSchema(), request.form, date_fields=("answered_on",))
    if not result.ok:
        return _answer_page(case, referral, result.raw, result.errors, 400)
    data = dict(result.data or {})
    saved = save(
        lambda: services.record_answer(
            db.session,
            current_user,
            case,
            referral,
            answer=AreaAnswer(data["answer"]),
            answered_on=data["answered_on"],
            note=data["note"],
            expected_version=data["version"],
        )
    )
    if not saved.ok:
        return _answer_page(case, referral, result.raw, saved.errors, saved.status)
    flash(f"Answer from {referral.area_name} recorded on the case.", "success")
    return redirect(url_for(".moves", case_id=case.id, _anchor=f"referral-{referral.id}"))


@bp.post("/cases/<int:case_id>/moves/lost-pupil-searches")
@login_required
def lost_pupil_search(case_id: int) -> Any:
    case = _case(case_id)
    result = load_form(LostPupilSearchSchema(), request.form, date_fields=("searched_on",))
    if not result.ok:
        return _page(case, values=result.raw, errors=result.errors, status=400)
    data = result.data or {}
    saved = save(
        lambda: services.record_lost_pupil_search(
            db.session,
            current_user,
            case,
            searched_on=data["searched_on"],
            found=data["found"] == "yes",
            note=data["note"],
        )
    )
    if not saved.ok:
        return _page(case, values=result.raw, errors=saved.errors, status=saved.status)
    flash("Search of the lost pupil database recorded on the case.", "success")
    return redirect(url_for(".moves", case_id=case.id, _anchor="lost-pupil-database"))
