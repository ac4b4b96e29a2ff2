"""Printing letters for many cases at once: one letter per case, kept, and one PDF of them.

In the app a batch is a background job (core/jobs.py): the page queues it and shows its
progress, and the worker makes the letters one at a time, each in a short transaction of
its own, so a batch of hundreds never holds the database for long and a worker that dies
carries on where it stopped. `generate_batch` makes one in the caller's transaction, for
scripts and the benchmark.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from weasyprint.text.fonts import FontConfiguration

from fieldvisit.accounts.models import User
from fieldvisit.cases.models import Case
from fieldvisit.core import jobs
from fieldvisit.core.audit import audit
from fieldvisit.core.dates import utcnow
from fieldvisit.core.db import own_session, reading, writing
from fieldvisit.core.errors import NotFound, ValidationFailed
from fieldvisit.core.pdf import merge_pdfs
from fieldvisit.core.storage import storage
from fieldvisit.letters.kinds import LetterKind
from fieldvisit.letters.models import Delivery, Letter, LetterBatch
from fieldvisit.letters.services import (
    _keep,
    _lay_out,
    _require_permission,
    check_may_make,
    kind_named,
)

MAX_BATCH = 500
JOB = "letter_batch"


def check_batch(session: Session, user: User, cases: list[Case], kind: LetterKind) -> None:
    """Refuse a batch the user may not make, or that names a case that cannot have it now."""
    _require_permission(user, kind)
    if not cases:
        raise ValidationFailed(
            "Choose at least one case.", fields={"case_ids": ["Choose at least one case."]}
        )
    if len(cases) > MAX_BATCH:
        raise ValidationFailed(f"Print at most {MAX_BATCH} letters at a time.")
    refused = [c.reference for c in cases if kind.refusal(session, c)]
    if refused:
        raise ValidationFailed(
            f"A '{kind.label}' letter cannot be made now for: {', '.join(refused)}. "
            "Untick them and try again.",
            fields={"case_ids": ["Some chosen cases cannot have this letter now."]},
        )
    for case in cases:
        check_may_make(session, user, case, kind)


def _make_one(
    session: Session,
    user: User,
    case: Case,
    kind: LetterKind,
    delivery: Delivery,
    fonts: FontConfiguration,
) -> tuple[Letter, bytes]:
    letter, document, context = _lay_out(session, user, case, kind, delivery, fonts)
    pdf = document.write_pdf()
    _keep(session, user, case, kind, letter, context, pdf)
    return letter, pdf


def _bind(
    session: Session, user: User, kind: LetterKind, letters: list[Letter], pdf: bytes
) -> LetterBatch:
    """Keep the one PDF of the batch's letters and tie each letter to it."""
    batch = LetterBatch(
        kind=kind.key,
        created_by_id=user.id,
        created_at=utcnow(),
        storage_key=f"letters/batches/{uuid.uuid4().hex}.pdf",
        size=len(pdf),
    )
    batch.sha256 = storage().put(batch.storage_key, pdf)
    session.add(batch)
    session.flush()
    for letter in letters:
        letter.batch_id = batch.id
    audit(session, user.id, "create", "letter_batch", batch.id)
    return batch


def generate_batch(
    session: Session, user: User, cases: list[Case], kind: str, *, delivery: Delivery
) -> LetterBatch:
    """Make one letter per case and one PDF of them all, in the caller's transaction."""
    letter_kind = kind_named(kind)
    check_batch(session, user, cases, letter_kind)
    # Fonts are shared across the batch; each laid-out letter is dropped once written.
    fonts = FontConfiguration()
    made = [_make_one(session, user, case, letter_kind, delivery, fonts) for case in cases]
    pdf = merge_pdfs([pdf for _, pdf in made])
    return _bind(session, user, letter_kind, [letter for letter, _ in made], pdf)


def start_batch(
    session: Session, user: User, cases: list[Case], kind: str, *, delivery: Delivery
) -> jobs.Job:
    """Check a batch now and queue it: the worker makes it, its page shows how far it is."""
    letter_kind = kind_named(kind)
    check_batch(session, user, cases, letter_kind)
    params = {"case_ids": [c.id for c in cases], "kind": kind, "delivery": delivery.value}
    job = jobs.enqueue(session, JOB, params, user.id)
    job.total = len(cases)
    audit(session, user.id, "create", "job", job.id)
    return job


def run_batch(job: jobs.Job, progress: jobs.Progress) -> int | None:
    """Make the job's letters one at a time (skipping those made before a crash), then the
    one PDF; return the batch's id. A case that can no longer have the letter is left out,
    and the job says which."""
    params = dict(job.params)
    if "batch_id" in params:
        return int(params["batch_id"])
    kind, delivery = kind_named(params["kind"]), Delivery(params["delivery"])
    case_ids: list[int] = params["case_ids"]
    fonts = FontConfiguration()
    for case_id in case_ids:
        if str(case_id) in params.get("made", {}) or str(case_id) in params.get("left_out", {}):
            continue
        with writing(), own_session() as session:
            user, case = _user_and_case(session, job, case_id)
            stored = session.get(jobs.Job, job.id)
            assert stored is not None
            try:
                check_may_make(session, user, case, kind)
                letter, _ = _make_one(session, user, case, kind, delivery, fonts)
                params["made"] = {**params.get("made", {}), str(case_id): letter.id}
            except (ValidationFailed, NotFound) as refused:
                session.rollback()
                stored = session.get(jobs.Job, job.id)
                assert stored is not None
                params["left_out"] = {**params.get("left_out", {}), str(case_id): refused.message}
            stored.params = dict(params)
            stored.done, stored.total = len(params.get("made", {})), len(case_ids)
            session.commit()
    return _finish(job, params, kind)


def _user_and_case(session: Session, job: jobs.Job, case_id: int) -> tuple[User, Case]:
    user = session.get(User, job.created_by_id)
    case = session.get(Case, case_id)
    if user is None or not user.active or case is None:
        raise NotFound("The person who asked for these letters, or a case, is gone.")
    return user, case


def _finish(job: jobs.Job, params: dict[str, Any], kind: LetterKind) -> int | None:
    """Merge the letters made into one PDF, outside any write, then keep it (None if every
    case was left out: the job's page says why)."""
    made: dict[str, int] = params.get("made", {})
    if not made:
        return None
    order = [made[str(case_id)] for case_id in params["case_ids"] if str(case_id) in made]
    with reading(), own_session() as session:
        keys = dict(
            session.execute(select(Letter.id, Letter.storage_key).where(Letter.id.in_(order))).all()
        )
    pdf = merge_pdfs([storage().get(keys[letter_id]) for letter_id in order])
    with writing(), own_session() as session:
        user = session.get(User, job.created_by_id)
        assert user is not None
        letters = list(session.scalars(select(Letter).where(Letter.id.in_(order))))
        batch = _bind(session, user, kind, letters, pdf)
        stored = session.get(jobs.Job, job.id)
        assert stored is not None
        stored.params = {**params, "batch_id": batch.id}
        session.commit()
        return batch.id
