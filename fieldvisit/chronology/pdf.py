"""The case chronology as a printable PDF, the same content the CME referral carries."""

from __future__ import annotations

from flask import render_template
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from fieldvisit.cases.models import Case
from fieldvisit.chronology.models import ChronologyEntry
from fieldvisit.core.dates import utcnow
from fieldvisit.core.pdf import render_pdf


def chronology_pdf(session: Session, case: Case) -> bytes:
    """Render the case's details and its whole chronology, oldest entry first, as a PDF."""
    entries = session.scalars(
        select(ChronologyEntry)
        .options(joinedload(ChronologyEntry.actor))
        .where(ChronologyEntry.case_id == case.id)
        .order_by(ChronologyEntry.seq)
    ).all()
    html = render_template(
        "chronology/pdf.html", case=case, pupil=case.pupil, entries=entries, printed_at=utcnow()
    )
    return render_pdf(html)
