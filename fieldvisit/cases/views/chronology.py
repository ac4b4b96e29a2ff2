"""Download a case's chronology as PDF."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask_login import current_user, login_required

from fieldvisit.cases import pdf
from fieldvisit.cases.access import get_case
from fieldvisit.cases.views import bp
from fieldvisit.core.audit import audit
from fieldvisit.core.db import db
from fieldvisit.core.web import commit


@bp.get("/cases/<int:case_id>/chronology.pdf")
@login_required
def chronology_pdf(case_id: int) -> Any:
    case = get_case(db.session, current_user, case_id)
    body = pdf.chronology_pdf(db.session, case)
    audit(db.session, current_user.id, "download", "chronology", case.id)
    commit()
    return Response(
        body,
        mimetype="application/pdf",
        headers={"Content-Disposition": f"attachment; filename=chronology-{case.reference}.pdf"},
    )
