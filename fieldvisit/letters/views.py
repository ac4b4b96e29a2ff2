"""Letters on a case, batch printing, and the QR link's landing page."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from fieldvisit.cases.access import cases_for, get_case
from fieldvisit.cases.models import Case
from fieldvisit.core.audit import audit, audited_read
from fieldvisit.core.dates import utcnow
from fieldvisit.core.db import db
from fieldvisit.core.errors import NotFound, ValidationFailed
from fieldvisit.core.forms import error_list, form_errors, load_form
from fieldvisit.core.jobs import Job, JobStatus
from fieldvisit.core.outbox import wake
from fieldvisit.core.permissions import Permission
from fieldvisit.core.ratelimit import RateLimiter
from fieldvisit.core.references import case_reference
from fieldvisit.core.web import commit, permission_required, save
from fieldvisit.letters import batches, services
from fieldvisit.letters.kinds import KINDS, Audience, LetterKind, kinds_for
from fieldvisit.letters.models import Delivery, LetterBatch
from fieldvisit.letters.schemas import BatchSchema, MakeLetterSchema, WordingSchema
from fieldvisit.letters.wording import (
    current_wording,
    default_wording,
    preview_pdf,
    save_wording,
    wording_history,
)
from fieldvisit.schools.models import LocalAuthority

bp = Blueprint("letters", __name__)

link_limiter = RateLimiter("letter_link", limit=30, window_seconds=60)
DELIVERIES = [(delivery.value, delivery.label) for delivery in Delivery]
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


@bp.app_context_processor
def _letters_panel() -> dict[str, Any]:
    return {"letters_panel": panel}


def panel(case: Case) -> dict[str, Any]:
    """Return what templates/letters/_case_panel.html shows for a case and the signed-in user."""
    refusals = [(kind, kind.refusal(db.session, case)) for kind in kinds_for(current_user)]
    makeable = [(kind.key, kind.label) for kind, refusal in refusals if not refusal]
    return {
        "letters": services.letters_for_case(db.session, case),
        "makeable": makeable,
        "unavailable": [refusal for _kind, refusal in refusals if refusal],
        "defaults": {"letter_kind": makeable[0][0] if makeable else "", "letter_delivery": "post"},
        "labels": {key: kind.label for key, kind in KINDS.items()},
        "may_revoke": {key for key, kind in KINDS.items() if current_user.can(kind.permission)},
        "deliveries": DELIVERIES,
    }


def _pdf(data: bytes, filename: str) -> Response:
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/cases/<int:case_id>/letters")
@login_required
def case_letters(case_id: int) -> Any:
    case = get_case(db.session, current_user, case_id)
    audit(db.session, current_user.id, "view_letters", "case", case.id)
    commit()
    return render_template("letters/case.html", case=case)


@bp.post("/cases/<int:case_id>/letters")
@login_required
def make(case_id: int) -> Any:
    case = get_case(db.session, current_user, case_id)
    result = load_form(MakeLetterSchema(), request.form)
    errors = result.errors
    if result.ok:
        assert result.data is not None
        data = result.data
        made = save(
            lambda: services.generate_letter(
                db.session,
                current_user,
                case,
                data["letter_kind"],
                delivery=data["letter_delivery"],
            ),
            field="letter_kind",
        )
        if made.value is not None:
            flash(f"Letter {made.value.reference} is ready: download it to print.", "success")
            if data["return_to"] == "case":
                return redirect(url_for("cases.show", case_id=case.id) + "#letters")
            return redirect(url_for("letters.case_letters", case_id=case.id))
        errors = made.errors
    return render_template(
        "letters/case.html",
        case=case,
        letter_errors=errors,
        error_list=error_list(errors),
        letter_values=result.raw,
    ), 400


@bp.get("/cases/<int:case_id>/letters/<int:letter_id>.pdf")
@login_required
def download(case_id: int, letter_id: int) -> Any:
    case = get_case(db.session, current_user, case_id)
    letter = services.get_letter(db.session, case, letter_id)
    data = services.read_copy(db.session, current_user, letter)
    commit()
    return _pdf(data, letter.filename)


@bp.post("/cases/<int:case_id>/letters/<int:letter_id>/revoke")
@login_required
def revoke(case_id: int, letter_id: int) -> Any:
    case = get_case(db.session, current_user, case_id)
    letter = services.get_letter(db.session, case, letter_id)
    services.revoke_link(db.session, current_user, case, letter)
    commit()
    flash(f"The QR code on letter {letter.reference} no longer opens the case.", "success")
    return redirect(url_for("letters.case_letters", case_id=case.id))


def _batch_kinds() -> list[LetterKind]:
    kinds = kinds_for(current_user, Audience.FAMILY)
    if not kinds:
        abort(403, "Your role does not allow printing letters.")
    return kinds


@bp.get("/letters/batch")
@audited_read("letters_due")
@login_required
def batch() -> Any:
    kinds = _batch_kinds()
    chosen = KINDS.get(request.args.get("kind", ""), kinds[0])
    if chosen not in kinds:
        chosen = kinds[0]
    return _batch_page(kinds, chosen, {}, {})


def _batch_page(
    kinds: list[LetterKind],
    chosen: LetterKind,
    errors: dict[str, list[str]],
    values: dict[str, Any],
    status: int = 200,
) -> Any:
    rows = services.cases_with_letter_due(db.session, current_user, chosen)
    recent_jobs = db.session.scalars(
        select(Job)
        .where(
            Job.kind == batches.JOB,
            Job.created_by_id == current_user.id,
            Job.created_at >= utcnow() - timedelta(days=7),
        )
        .order_by(Job.id.desc())
        .limit(10)
    ).all()
    return render_template(
        "letters/batch.html",
        recent_jobs=recent_jobs,
        kinds=kinds,
        chosen=chosen,
        rows=rows,
        deliveries=DELIVERIES,
        errors=errors,
        error_list=error_list(errors),
        values=values,
        selected={str(v) for v in values.get("case_ids", [])},
    ), status


@bp.post("/letters/batch")
@login_required
def print_batch() -> Any:
    kinds = _batch_kinds()
    result = load_form(BatchSchema(), request.form, list_fields=("case_ids",))
    chosen = KINDS.get(result.raw.get("letter_kind", ""), kinds[0])
    if not result.ok:
        return _batch_page(kinds, chosen, result.errors, result.raw, 400)
    assert result.data is not None
    if result.data["which"] == "due":
        rows = services.cases_with_letter_due(db.session, current_user, chosen)
        cases = [case for case, due in rows if due]
    else:
        ids = set(result.data["case_ids"])
        cases = list(
            db.session.scalars(
                cases_for(current_user)
                .options(joinedload(Case.pupil))
                .where(Case.id.in_(ids))
                .order_by(Case.first_day_of_absence, Case.id)
            )
        )
        if len(cases) != len(ids):
            raise NotFound("There is no case with that number that you can see.")
    delivery = result.data["letter_delivery"]
    started = save(
        lambda: batches.start_batch(db.session, current_user, cases, chosen.key, delivery=delivery),
        field="case_ids",
    )
    if started.value is None:
        return _batch_page(kinds, chosen, started.errors, result.raw, 400)
    wake()  # this process's worker starts on it at once
    return redirect(url_for("letters.batch_job", job_id=started.value.id))


def _job(job_id: int) -> Job:
    """The user's own batch job, or 404: a job page shows only to who asked for it."""
    job = db.session.get(Job, job_id)
    if job is None or job.kind != batches.JOB or job.created_by_id != current_user.id:
        raise NotFound("There is no batch of letters with that number that you asked for.")
    return job


def _progress_message(job: Job) -> str:
    if job.status == JobStatus.QUEUED and job.attempts == 0:
        return f"Waiting to start: {job.total} letters to make."
    return f"{job.done} of {job.total} letters made."


@bp.get("/letters/jobs/<int:job_id>")
@login_required
def batch_job(job_id: int) -> Any:
    """How far a batch of letters has got; once made, the letters to download."""
    job = _job(job_id)
    left_out = [
        (case_reference(int(case_id)), reason)
        for case_id, reason in job.params.get("left_out", {}).items()
    ]
    return render_template(
        "letters/batch_job.html",
        job=job,
        kind=job.params["kind"],
        message=_progress_message(job),
        left_out=left_out,
    )


@bp.get("/letters/jobs/<int:job_id>.json")
@login_required
def batch_job_status(job_id: int) -> Any:
    job = _job(job_id)
    return {
        "status": job.status.value,
        "finished": job.finished,
        "done": job.done,
        "total": job.total,
        "message": _progress_message(job),
    }


@bp.get("/letters/batches/<int:batch_id>")
@login_required
def batch_made(batch_id: int) -> Any:
    made = services.get_batch(db.session, current_user, batch_id)
    audit(db.session, current_user.id, "view", "letter_batch", made.id)
    commit()
    return render_template("letters/batch_made.html", batch=made)


@bp.get("/letters/batches/<int:batch_id>.pdf")
@login_required
def batch_download(batch_id: int) -> Any:
    made: LetterBatch = services.get_batch(db.session, current_user, batch_id)
    data = services.read_copy(db.session, current_user, made)
    commit()
    return _pdf(data, f"letters-batch-{made.id}.pdf")


@bp.get("/l/<token>")
def follow(token: str) -> Any:
    user = current_user._get_current_object() if current_user.is_authenticated else None
    # Only follows without a sign-in are counted: staff at the same address (an office
    # behind one proxy) never use up a family's allowance, nor the family theirs.
    if user is None and not link_limiter.allow(db.session, request.remote_addr or "unknown"):
        abort(429, "Too many letter links opened from this address. Wait a minute and try again.")
    if _TOKEN.fullmatch(token):
        landing = services.follow_link(db.session, user, token)
    else:
        audit(db.session, user.id if user else None, "follow_link_unknown", "letter", None)
        landing = services.Landing("unknown")
    commit()
    if landing.to == "case":
        response = redirect(url_for("cases.show", case_id=landing.case_id))
    elif landing.to == "app":
        response = redirect(f"/app/#letter/{landing.reference}")
    else:
        response = Response(
            render_template(
                "letters/link.html",
                school=landing.school,
                sign_in=url_for("accounts.login", next=request.path),
            )
        )
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/admin/letters")
@permission_required(Permission.ADMIN_TEMPLATES)
def wording_index() -> Any:
    authorities = db.session.scalars(select(LocalAuthority).order_by(LocalAuthority.name)).all()
    rows = [
        (la, kind, current_wording(db.session, la.id, kind)[1])
        for la in authorities
        for kind in KINDS.values()
    ]
    return render_template("letters/wording_index.html", rows=rows)


@bp.route("/admin/letters/<int:la_id>/<kind>", methods=["GET", "POST"])
@permission_required(Permission.ADMIN_TEMPLATES)
def wording_edit(la_id: int, kind: str) -> Any:
    la = db.session.get(LocalAuthority, la_id)
    letter_kind = KINDS.get(kind)
    if la is None or letter_kind is None:
        abort(404)
    source, saved = current_wording(db.session, la.id, letter_kind)
    values: dict[str, Any] = {"body": source}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        form = request.form.copy()
        action = form.pop("action", "save")
        if action == "restore":
            form["body"] = default_wording(letter_kind)
        result = load_form(WordingSchema(), form)
        values, errors = result.raw, result.errors
        if result.ok:
            assert result.data is not None
            body = result.data["body"]
            if action == "preview":
                try:  # nothing is stored: the example is only laid out
                    return _pdf(preview_pdf(letter_kind, la, body), f"example-{kind}.pdf")
                except ValidationFailed as error:
                    errors = form_errors(error, "body")
            else:
                stored = save(
                    lambda: save_wording(db.session, current_user, la, letter_kind, body),
                    field="body",
                )
                if stored.ok:
                    flash("The wording is saved: letters made from now on use it.", "success")
                    return redirect(url_for("letters.wording_edit", la_id=la.id, kind=kind))
                errors = stored.errors
    return render_template(
        "letters/wording_edit.html",
        la=la,
        kind=letter_kind,
        saved=saved,
        history=wording_history(db.session, la.id, letter_kind),
        values=values,
        errors=errors,
        error_list=error_list(errors),
    ), 400 if errors else 200
