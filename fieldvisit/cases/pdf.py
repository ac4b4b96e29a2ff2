"""The chronology as a printable PDF: the case details and every entry, oldest first,
with the photos taken at visits and the SHA-256 that identifies each."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from flask import render_template
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from fieldvisit.cases import facts
from fieldvisit.cases.checklist import referral_day_for
from fieldvisit.cases.models import VULNERABILITIES, Case
from fieldvisit.chronology.attachments import attachments_of_entries
from fieldvisit.chronology.models import ChronologyEntry
from fieldvisit.core.dates import today_in_uk, utcnow
from fieldvisit.core.pdf import RenderedPdfs, render_pdf
from fieldvisit.core.storage import storage
from fieldvisit.schools.services import calendar_for

# About 32 MiB of recent chronologies per process.
rendered = RenderedPdfs(max_bytes=32 * 1024 * 1024)
# The print time is left out of the cache key: a PDF whose content has not changed since it
# was printed is returned as it was, with the time it was printed.
_KEY_TIME = datetime(2000, 1, 1, tzinfo=UTC)


def chronology_pdf(session: Session, case: Case) -> bytes:
    """Render the case's details and whole chronology to PDF bytes (the referral attaches it)."""
    entries = session.scalars(
        select(ChronologyEntry)
        .options(joinedload(ChronologyEntry.actor))
        .where(ChronologyEntry.case_id == case.id)
        .order_by(ChronologyEntry.seq)
    ).all()
    calendar = calendar_for(session, case.school)
    photos = facts.entry_photos.ask(session, entries)
    store = storage()
    images = {
        photo.id: "data:image/jpeg;base64,"
        + base64.b64encode(store.get(photo.storage_key)).decode()
        for shown in photos.values()
        for photo in shown.arrived
    }
    context = {
        "case": case,
        "pupil": case.pupil,
        "entries": entries,
        "entry_photos": photos,
        "entry_attachments": attachments_of_entries(session, entries),
        "seq_of": {entry.id: entry.seq for entry in entries},
        "corrected_by": {
            entry.corrects_id: [c.seq for c in entries if c.corrects_id == entry.corrects_id]
            for entry in entries
            if entry.corrects_id is not None
        },
        "images": images,
        "school_day": calendar.school_day_number(case.first_day_of_absence, today_in_uk()),
        "referral_day": referral_day_for(case),
        "vulnerabilities": [VULNERABILITIES[key] for key in case.vulnerabilities],
    }
    key_html = render_template("chronology/pdf.html", generated_at=_KEY_TIME, **context)
    return rendered.get_or_render(
        key_html,
        lambda: render_pdf(
            render_template("chronology/pdf.html", generated_at=utcnow(), **context)
        ),
    )
