"""Triage: the seed's vulnerabilities, social care involvement, and what follows from them."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from fieldvisit.cases import services
from fieldvisit.cases.access import get_case
from fieldvisit.cases.engine import Action, guards_pending
from fieldvisit.cases.guards import GuardContext
from fieldvisit.cases.models import VULNERABILITIES, Case, CaseState
from fieldvisit.cases.schemas import SafeguardingStepSchema, TriageSchema
from fieldvisit.cases.views import bp
from fieldvisit.cases.views.case_page import action_url
from fieldvisit.cases.views.common import now_fields, require
from fieldvisit.chronology.models import ChronologyEntry, Method
from fieldvisit.core.audit import audited_read
from fieldvisit.core.dates import today_in_uk, uk_moment
from fieldvisit.core.db import db
from fieldvisit.core.forms import errors_context, load_form
from fieldvisit.core.web import save
from fieldvisit.schools.services import calendar_for

STEPS = {"social-worker": Action.INFORM_SOCIAL_WORKER, "police": Action.REQUEST_POLICE_CHECK}


def _referral_dates(case: Case) -> dict[str, Any]:
    """Say when the referral falls due for a child who is, and who is not, vulnerable."""
    la = case.school.local_authority
    calendar = calendar_for(db.session, case.school)
    dates = {}
    for key, day in (
        ("usual", la.referral_school_day),
        ("vulnerable", la.vulnerable_referral_school_day),
    ):
        try:
            on = calendar.date_of_school_day(case.first_day_of_absence, day)
        except ValueError:
            on = None
        dates[key] = {"day": day, "on": on}
    return dates


def _current(case: Case) -> dict[str, Any]:
    worker = services.social_worker_of(case.pupil)
    values: dict[str, Any] = {
        "vulnerabilities": list(case.vulnerabilities),
        "notes": case.triage_notes,
    }
    if case.triaged_at:
        values["social_care_involved"] = "yes" if case.social_care_involved else "no"
    if worker:
        values.update(
            social_worker_name=worker.name,
            social_worker_phone=worker.phone,
            social_worker_email=worker.email,
        )
    return values


@bp.route("/cases/<int:case_id>/triage", methods=["GET", "POST"])
@audited_read("case", "case_id")
@login_required
def triage(case_id: int) -> Any:
    case = get_case(db.session, current_user, case_id)
    require(case, Action.TRIAGE)
    values, errors = _current(case), {}
    if request.method == "POST":
        result = load_form(TriageSchema(), request.form, list_fields=("vulnerabilities",))
        values, errors = result.raw, result.errors
        values.setdefault("vulnerabilities", [])
        if result.ok:
            assert result.data is not None
            data = result.data
            involved = data["social_care_involved"] == "yes"
            worker = (
                services.SocialWorker(
                    data["social_worker_name"].strip(),
                    data["social_worker_phone"].strip(),
                    data["social_worker_email"].strip(),
                )
                if involved
                else None
            )
            saved = save(
                lambda: services.triage(
                    db.session,
                    current_user,
                    case,
                    vulnerabilities=data["vulnerabilities"],
                    social_care_involved=involved,
                    notes=data["notes"].strip(),
                    social_worker=worker,
                    expected_version=data["expected_version"],
                )
            )
            if saved.ok:
                flash("Triage recorded. The checklist now follows it.", "success")
                return redirect(url_for("cases.next_steps", case_id=case.id))
            errors = saved.errors
    return render_template(
        "cases/triage.html",
        case=case,
        vulnerabilities=list(VULNERABILITIES.items()),
        referral=_referral_dates(case),
        values=values,
        **errors_context(errors),
    ), (400 if errors else 200)


@bp.get("/cases/<int:case_id>/triage/next-steps")
@audited_read("case", "case_id")
@login_required
def next_steps(case_id: int) -> Any:
    case = get_case(db.session, current_user, case_id)
    done = set(
        db.session.scalars(
            select(ChronologyEntry.kind).where(
                ChronologyEntry.case_id == case.id,
                ChronologyEntry.kind.in_([a.value for a in STEPS.values()]),
            )
        )
    )
    ctx = GuardContext(db.session, case, today_in_uk())
    return render_template(
        "cases/next_steps.html",
        case=case,
        referral=_referral_dates(case),
        vulnerability=services.describe_vulnerability(case),
        social_worker=services.social_worker_of(case.pupil),
        done=done,
        refer_url=action_url(case, Action.SUBMIT_REFERRAL),
        # The engine's own guards, so what the page says is unlocked is what the engine allows.
        refer_blocked=guards_pending(ctx, CaseState.LOCATING, Action.SUBMIT_REFERRAL),
        accept_needs=guards_pending(ctx, CaseState.REFERRED, Action.ACCEPT_REFERRAL),
        new_items=[item for item in case.checklist if not item.done and item.required],
    )


@bp.route("/cases/<int:case_id>/safeguarding/<step>", methods=["GET", "POST"])
@audited_read("case", "case_id")
@login_required
def safeguarding_step(case_id: int, step: str) -> Any:
    action = STEPS.get(step)
    if action is None:
        abort(404)
    case = get_case(db.session, current_user, case_id)
    require(case, action)
    worker = services.social_worker_of(case.pupil)
    values: dict[str, Any] = {
        "method": Method.PHONE.value,
        **now_fields("occurred_on", "occurred_time"),
    }
    if action == Action.INFORM_SOCIAL_WORKER and worker:
        values["who"] = worker.name
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        result = load_form(SafeguardingStepSchema(), request.form, date_fields=("occurred_on",))
        values, errors = result.raw, result.errors
        if result.ok:
            assert result.data is not None
            data = result.data
            saved = save(
                lambda: services.record_safeguarding_step(
                    db.session,
                    current_user,
                    case,
                    action,
                    method=Method(data["method"]),
                    who=data["who"].strip(),
                    reference=data["reference"].strip(),
                    occurred_at=uk_moment(data["occurred_on"], data["occurred_time"]),
                    note=data["note"].strip(),
                    expected_version=data["expected_version"],
                )
            )
            if saved.ok:
                flash(f"{action.about.done}: logged in the chronology.", "success")
                return redirect(url_for("cases.next_steps", case_id=case.id))
            errors = saved.errors
    return render_template(
        "cases/safeguarding_step.html",
        case=case,
        step=step,
        action=action,
        worker=worker,
        today=today_in_uk(),
        values=values,
        **errors_context(errors),
    ), (400 if errors else 200)
