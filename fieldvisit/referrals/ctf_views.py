"""The leaver's CTF download, and where the pages offer it."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, flash, redirect, url_for
from flask_login import current_user, login_required

from fieldvisit.cases.access import get_case
from fieldvisit.cases.models import Case, CaseState, Outcome
from fieldvisit.core.audit import audit
from fieldvisit.core.db import db
from fieldvisit.core.errors import NotFound
from fieldvisit.core.permissions import Permission as P
from fieldvisit.core.web import commit
from fieldvisit.referrals.ctf import CTFRefused, Destination
from fieldvisit.referrals.ctf_files import ctf_destination, ctf_left_on, leaver_ctf
from fieldvisit.referrals.views import require

bp = Blueprint("ctf", __name__)


def _page_offering_it(case: Case) -> str:
    if case.state == CaseState.OFF_ROLL:
        return url_for("referrals.involvement", case_id=case.id, _anchor="ctf")
    return url_for("cases.show", case_id=case.id, _anchor="ctf")


@bp.get("/cases/<int:case_id>/ctf")
@login_required
def download(case_id: int) -> Any:
    case = get_case(db.session, current_user, case_id)
    require(P.CASES_EDIT)
    left_on = ctf_left_on(db.session, case)
    if left_on is None:
        raise NotFound("The CTF is available once the pupil is off roll as missing or abroad.")
    try:
        name, data = leaver_ctf(
            db.session,
            current_user,
            case,
            left_on=left_on,
            version=current_app.config["CTF_VERSION"],
        )
    except CTFRefused as error:
        flash(error.message, "error")
        return redirect(_page_offering_it(case))
    audit(db.session, current_user.id, "download", "ctf", case.id)
    commit()
    return Response(
        data,
        mimetype="application/xml",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.app_context_processor
def _ctf_helpers() -> dict[str, Any]:
    """Let the case page's outcome panel offer the CTF of a pupil gone abroad."""

    def abroad_ctf_for(case: Case) -> Destination | None:
        if case.outcome != Outcome.MOVED_ABROAD or not current_user.can(P.CASES_EDIT):
            return None
        return ctf_destination(case) if ctf_left_on(db.session, case) else None

    return {"abroad_ctf_for": abroad_ctf_for}
