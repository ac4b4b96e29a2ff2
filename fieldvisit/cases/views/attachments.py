"""Attachments on chronology entries: taken from a form, served only to those who see the case."""

from __future__ import annotations

from typing import Any

from flask import Response, request
from flask_login import current_user, login_required

from fieldvisit.cases.access import get_case
from fieldvisit.cases.views import bp
from fieldvisit.chronology.attachments import (
    ChronologyAttachment,
    attach,
    check_attachment,
)
from fieldvisit.chronology.models import ChronologyEntry
from fieldvisit.core.audit import audit
from fieldvisit.core.db import db
from fieldvisit.core.errors import NotFound
from fieldvisit.core.storage import storage
from fieldvisit.core.uploads import MAX_BYTES, CheckedFile
from fieldvisit.core.web import commit


def uploaded_attachment() -> CheckedFile | None:
    """Return the form's checked attachment, None if none was chosen; refuse a bad file."""
    upload = request.files.get("attachment")
    if upload is None or not upload.filename:
        return None
    return check_attachment(upload.read(MAX_BYTES + 1))


def with_attachment(
    checked: CheckedFile | None, description: str, entry: ChronologyEntry
) -> ChronologyEntry:
    """Keep the checked file with the entry just made, described in the form's words."""
    if checked is not None:
        attach(db.session, current_user, entry, checked, description)
    return entry


@bp.get("/cases/<int:case_id>/attachments/<int:attachment_id>")
@login_required
def attachment(case_id: int, attachment_id: int) -> Any:
    case = get_case(db.session, current_user, case_id)
    kept = db.session.get(ChronologyAttachment, attachment_id)
    if kept is None or kept.case_id != case.id:
        raise NotFound("There is no such attachment on this case.")
    audit(db.session, current_user.id, "download", "attachment", kept.id)
    commit()
    return Response(
        storage().get(kept.storage_key),
        mimetype=kept.content_type,
        headers={
            # Always downloaded, never shown inline: a saved email or text is not run as a page.
            "Content-Disposition": f"attachment; filename=attachment-{case.reference}-{kept.id}"
            f".{kept.extension}",
            "X-Content-Type-Options": "nosniff",
        },
    )
