"""Retention: closed cases past the LA's period go whole, with their files; the rest stay."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select, update

from fieldvisit.cases.models import Case, CaseState, chronology_heads
from fieldvisit.chronology.models import ChronologyEntry
from fieldvisit.chronology.services import verify_all
from fieldvisit.core.audit import AuditEvent
from fieldvisit.core.dates import utcnow
from fieldvisit.core.storage import storage
from fieldvisit.letters.models import Letter
from fieldvisit.models import metadata
from fieldvisit.pupils.models import Pupil
from fieldvisit.referrals.models import Referral
from fieldvisit.visits.models import HomeVisit, VisitPhoto
from tests.test_cli import run


def count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


def case_files(session, case_ids) -> set[str]:
    photos = session.execute(
        select(VisitPhoto.storage_key, VisitPhoto.thumbnail_key)
        .join(HomeVisit, VisitPhoto.visit_uuid == HomeVisit.client_uuid)
        .where(HomeVisit.case_id.in_(case_ids))
    ).all()
    letters = session.scalars(select(Letter.storage_key).where(Letter.case_id.in_(case_ids)))
    referrals = session.scalars(
        select(Referral.chronology_pdf_key).where(Referral.case_id.in_(case_ids))
    )
    return {key for pair in photos for key in pair} | set(letters) | {k for k in referrals if k}


def test_closed_cases_past_the_period_are_deleted_whole(app, session):
    assert run(app, "seed-demo").exit_code == 0
    # The demo has photos, letters and referrals: close a case with photos and one with
    # letters, then every closed case but one over six years ago, that one five years ago.
    photo_case = session.scalar(
        select(HomeVisit.case_id)
        .join(VisitPhoto, VisitPhoto.visit_uuid == HomeVisit.client_uuid)
        .limit(1)
    )
    letter_case = session.scalar(select(Letter.case_id).limit(1))
    now = utcnow()
    session.execute(
        update(Case)
        .where(Case.id.in_({photo_case, letter_case}))
        .values(state=CaseState.CLOSED, closed_at=now - timedelta(days=7 * 366))
        .execution_options(synchronize_session=False)
    )
    closed = list(session.scalars(select(Case.id).where(Case.state == CaseState.CLOSED)))
    recent = max(set(closed) - {photo_case, letter_case})
    old = sorted(set(closed) - {recent})
    session.execute(
        update(Case)
        .where(Case.id.in_(set(old) - {photo_case, letter_case}))
        .values(closed_at=now - timedelta(days=6 * 366))
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Case)
        .where(Case.id == recent)
        .values(closed_at=now - timedelta(days=5 * 365))
        .execution_options(synchronize_session=False)
    )
    session.commit()
    files = case_files(session, old)
    assert any(key.startswith("visits/") for key in files)
    assert all(storage().exists(key) for key in files)
    kept = set(session.scalars(select(Case.id))) - set(old)
    kept_entries = count(session, ChronologyEntry, ChronologyEntry.case_id.in_(kept))
    names = {p.surname for p in session.scalars(select(Pupil).join(Case).where(Case.id.in_(old)))}
    rows_before = {t.name: count(session, t) for t in metadata.sorted_tables}

    listed = run(app, "apply-retention", "--dry-run")
    assert listed.exit_code == 0, listed.output
    assert f"Would delete {len(old)} case(s)" in listed.output
    assert all(f"C{case_id:06d}" in listed.output for case_id in old)
    assert not any(name in listed.output for name in names)
    assert {t.name: count(session, t) for t in metadata.sorted_tables} == rows_before
    assert all(storage().exists(key) for key in files)

    done = run(app, "apply-retention")
    assert done.exit_code == 0, done.output
    assert count(session, Case, Case.id.in_(old)) == 0
    assert set(session.scalars(select(Case.id))) == kept
    assert recent in kept
    for model in (ChronologyEntry, HomeVisit, Letter, Referral):
        assert count(session, model, model.case_id.in_(old)) == 0
    assert count(session, VisitPhoto) < rows_before["visit_photos"]
    assert not any(storage().exists(key) for key in files)
    assert count(session, ChronologyEntry, ChronologyEntry.case_id.in_(kept)) == kept_entries
    assert list(verify_all(session, chronology_heads(session))) == []
    checked = run(app, "verify-chronology")
    assert checked.exit_code == 0, checked.output

    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "retention")).one()
    assert event.detail["case_ids"] == old
    assert event.detail["rows"]["cases"] == len(old)
    assert event.detail["files"] == len(files)
    written = json.dumps(event.detail)
    assert not any(name in written for name in names)

    again = run(app, "apply-retention")
    assert again.exit_code == 0 and "No case was closed before" in again.output


def test_the_period_is_an_la_setting(app, session, world, signed_in):
    response = signed_in(world.admin).post(
        "/admin/settings",
        data={
            "name": world.la.name,
            "referral_school_day": "10",
            "vulnerable_referral_school_day": "5",
            "removal_after_days": "28",
            "retention_years": "10",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    session.refresh(world.la)
    assert world.la.retention_years == 10
    result = run(app, "apply-retention", "--dry-run")
    assert result.exit_code == 0 and "(10 years)" in result.output


def test_the_default_period_is_six_years(session, world):
    assert world.la.retention_years == 6
