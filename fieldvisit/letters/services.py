"""Make, keep, batch, reprint and follow letters: each takes the acting user and never commits."""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session, joinedload
from weasyprint import Document
from weasyprint.text.fonts import FontConfiguration

from fieldvisit.accounts.models import User
from fieldvisit.cases.access import cases_for, visible_to
from fieldvisit.cases.engine import Action, record
from fieldvisit.cases.models import Case, CaseState
from fieldvisit.chronology.models import Method
from fieldvisit.chronology.services import NewEntry
from fieldvisit.core.audit import audit
from fieldvisit.core.dates import today_in_uk, uk_date, utcnow
from fieldvisit.core.errors import DomainError, NotAllowed, NotFound, ValidationFailed
from fieldvisit.core.pdf import render_document
from fieldvisit.core.permissions import Role
from fieldvisit.core.storage import storage
from fieldvisit.letters.kinds import KINDS, Audience, LetterContext, LetterKind
from fieldvisit.letters.models import (
    Delivery,
    Letter,
    LetterBatch,
    LetterLink,
    LetterNumber,
)
from fieldvisit.letters.wording import current_wording, letter_html, link_url, render_wording
from fieldvisit.schools.models import School

log = logging.getLogger("fieldvisit.letters")

TOKEN_BYTES = 24  # 192 bits


class CopyDamaged(DomainError):
    code = "copy_damaged"
    status = 500


def kind_named(key: str) -> LetterKind:
    try:
        return KINDS[key]
    except KeyError:
        raise ValidationFailed(
            "Choose a kind of letter.", fields={"letter_kind": ["Choose a kind of letter."]}
        ) from None


def next_reference(session: Session, year: int) -> str:
    """Take the next letter number and return its reference, like FV-2026-000123."""
    number = LetterNumber(taken_at=utcnow())
    session.add(number)
    session.flush()
    return f"FV-{year}-{number.id:06d}"


def _require_permission(user: User, kind: LetterKind) -> None:
    if not user.can(kind.permission):
        raise NotAllowed(f"Your role does not allow making a '{kind.label}' letter.")


def check_may_make(session: Session, user: User, case: Case, kind: LetterKind) -> None:
    """Refuse a letter the user may not make, or that the case cannot have now."""
    _require_permission(user, kind)
    if not session.scalar(select(exists().where(Case.id == case.id, visible_to(user)))):
        raise NotFound("There is no case with that number that you can see.")
    if reason := kind.refusal(session, case):
        raise ValidationFailed(reason, fields={"letter_kind": [reason]})


def _lay_out(
    session: Session,
    user: User,
    case: Case,
    kind: LetterKind,
    delivery: Delivery,
    font_config: FontConfiguration | None,
) -> tuple[Letter, Document, LetterContext]:
    """Fill the letter in and lay it out, with its reference and a fresh QR link."""
    year = today_in_uk().year
    reference = next_reference(session, year)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    context = kind.build(session, case, delivery)
    context.fields["reference"] = reference
    source, wording = current_wording(session, case.school.local_authority_id, kind)
    try:
        body = render_wording(source, context.fields)
    except Exception as error:  # saved wording is checked, but report any failure
        raise ValidationFailed(
            f"The local authority's wording for this letter cannot be used ({error}). "
            "Ask an administrator to correct it."
        ) from None
    html = letter_html(kind, context, body, reference, link_url(token))
    letter = Letter(
        reference=reference,
        case_id=case.id,
        kind=kind.key,
        delivery=context.delivery,
        addressee=context.addressee[:300],
        address_known=context.address_known,
        created_by_id=user.id,
        created_at=utcnow(),
        wording_id=wording.id if wording else None,
        storage_key=f"letters/{year}/{reference.lower()}.pdf",
    )
    letter.link = LetterLink(token=token)
    return letter, render_document(html, font_config=font_config), context


def _keep(
    session: Session,
    user: User,
    case: Case,
    kind: LetterKind,
    letter: Letter,
    context: LetterContext,
    pdf: bytes,
    at: datetime | None = None,
) -> None:
    """Store the PDF as printed, record it, and add it to the case's chronology."""
    letter.sha256 = storage().put(letter.storage_key, pdf)
    letter.size = len(pdf)
    session.add(letter)
    session.flush()
    made = NewEntry(
        kind=Action.MAKE_LETTER.value,
        method=Method.LETTER,
        actor=user,
        occurred_at=at,
        summary=f"Letter {letter.reference} made ({letter.delivery.label.lower()}): {kind.label}",
        target=", ".join(context.address_lines) or "Address unknown: for hand delivery",
        details={
            "letter_id": letter.id,
            "reference": letter.reference,
            "kind": kind.key,
            "delivery": letter.delivery.value,
            "sha256": letter.sha256,
        },
    )
    record(session, case, Action.MAKE_LETTER, user, [made])
    audit(session, user.id, "create", "letter", letter.id)


def generate_letter(
    session: Session,
    user: User,
    case: Case,
    kind: str,
    *,
    delivery: Delivery = Delivery.POST,
    at: datetime | None = None,
) -> Letter:
    """Make one letter for a case: the kept copy, its QR link and a chronology entry.

    `at` backdates the record (the demo's story); the printed date stays today's.
    """
    letter_kind = kind_named(kind)
    check_may_make(session, user, case, letter_kind)
    letter, document, context = _lay_out(session, user, case, letter_kind, delivery, None)
    if at is not None:
        letter.created_at = at
    _keep(session, user, case, letter_kind, letter, context, document.write_pdf(), at)
    return letter


def read_copy(session: Session, user: User, kept: Letter | LetterBatch) -> bytes:
    """Return the stored PDF exactly as printed, after checking its SHA-256; audit it."""
    data = storage().get(kept.storage_key)
    if hashlib.sha256(data).hexdigest() != kept.sha256:
        log.error("kept copy hash mismatch %s=%s", type(kept).__name__, kept.id)
        raise CopyDamaged(
            "The kept copy of this letter does not match the fingerprint recorded when it was "
            "made, so it is not shown. Tell your administrator."
        )
    object_type = "letter" if isinstance(kept, Letter) else "letter_batch"
    audit(session, user.id, "download", object_type, kept.id)
    return data


def letters_for_case(session: Session, case: Case) -> list[Letter]:
    return list(
        session.scalars(
            select(Letter)
            .options(joinedload(Letter.created_by), joinedload(Letter.link))
            .where(Letter.case_id == case.id)
            .order_by(Letter.created_at.desc(), Letter.id.desc())
        )
    )


def letters_for_visit(session: Session, case: Case) -> list[dict[str, Any]]:
    """Return the case's letters to the family, newest first, for the phone app's visit data.

    `qr_token` lets the phone match a scanned QR code offline; a stopped link has none.
    """
    return [
        {
            "reference": letter.reference,
            "title": KINDS[letter.kind].label,
            "kind": letter.kind,
            "created_on": uk_date(letter.created_at).isoformat(),
            "delivery": letter.delivery.value,
            "qr_token": None if letter.link.revoked else letter.link.token,
        }
        for letter in letters_for_case(session, case)
        if letter.kind in KINDS and KINDS[letter.kind].audience == Audience.FAMILY
    ]


def get_letter(session: Session, case: Case, letter_id: int) -> Letter:
    letter = session.get(Letter, letter_id)
    if letter is None or letter.case_id != case.id:
        raise NotFound("There is no letter with that number on this case.")
    return letter


def get_batch(session: Session, user: User, batch_id: int) -> LetterBatch:
    """Load a batch only if the user may see every case in it (never say it exists)."""
    batch = session.get(LetterBatch, batch_id)
    if batch is not None:
        total = session.scalar(select(func.count()).where(Letter.batch_id == batch.id))
        visible = session.scalar(
            select(func.count())
            .select_from(Letter)
            .join(Case, Case.id == Letter.case_id)
            .where(Letter.batch_id == batch.id, visible_to(user))
        )
        if total and total == visible:
            return batch
    raise NotFound("There is no batch of letters with that number that you can see.")


def revoke_link(session: Session, user: User, case: Case, letter: Letter) -> None:
    """Stop the letter's QR link working, for a letter lost or sent to the wrong home."""
    kind = kind_named(letter.kind)
    if not user.can(kind.permission):
        raise NotAllowed("Your role does not allow stopping this letter's link.")
    if letter.link.revoked:
        return
    letter.link.revoked_at = utcnow()
    letter.link.revoked_by_id = user.id
    stopped = NewEntry(
        kind=Action.STOP_LETTER_LINK.value,
        actor=user,
        summary=f"QR link of letter {letter.reference} stopped",
        details={"letter_id": letter.id, "reference": letter.reference},
    )
    record(session, case, Action.STOP_LETTER_LINK, user, [stopped])
    audit(session, user.id, "revoke_link", "letter", letter.id)


def cases_with_letter_due(
    session: Session, user: User, kind: LetterKind
) -> list[tuple[Case, bool]]:
    """List the user's cases that may have this letter now, and whether it is due.

    A letter is due once the first day's calls have not made contact and the case has no
    letter of this kind yet.
    """
    already = exists().where(Letter.case_id == Case.id, Letter.kind == kind.key)
    rows = session.execute(
        cases_for(user)
        .add_columns(and_(Case.state != CaseState.FIRST_DAY, ~already))
        .options(joinedload(Case.pupil))
        .where(Case.state.in_(kind.states))
        .order_by(Case.first_day_of_absence, Case.id)
    ).all()
    return [(case, bool(due)) for case, due in rows]


@dataclass(frozen=True)
class Landing:
    """Where a followed QR link leads: a case page, the phone app, or the neutral page."""

    to: str  # "case", "app", "school" or "unknown"
    case_id: int | None = None
    reference: str | None = None
    school: School | None = None


def follow_link(session: Session, user: User | None, token: str) -> Landing:
    """Resolve a letter's token for this visitor; log every use by ids only."""
    user_id = user.id if user else None
    link = session.scalar(
        select(LetterLink).options(joinedload(LetterLink.letter)).where(LetterLink.token == token)
    )
    if link is None:
        audit(session, user_id, "follow_link_unknown", "letter", None)
        return Landing("unknown")
    letter = link.letter
    link.uses += 1
    link.last_used_at = utcnow()
    case = session.get(Case, letter.case_id)
    assert case is not None
    allowed = (
        user is not None
        and not link.revoked
        and session.scalar(select(exists().where(Case.id == case.id, visible_to(user))))
    )
    if not allowed:
        action = "follow_link_revoked" if link.revoked else "follow_link_refused"
        audit(session, user_id, action, "letter", letter.id)
        return Landing("school", school=case.school)
    audit(session, user_id, "follow_link", "letter", letter.id)
    assert user is not None
    officer_only = Role.OFFICER in user.roles and Role.SCHOOL not in user.roles
    return Landing("app" if officer_only else "case", case.id, letter.reference)
