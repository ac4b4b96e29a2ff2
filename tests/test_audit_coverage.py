"""Every page that shows a child's data writes an audit row: a walk over `app.url_map`.

Each GET route is either declared here as showing no child data (with the reason), or it is
an audited read: the walk opens it on the demo data with every role, with every id the demo
holds filled into its URL, until a user may see it, and fails unless that answer wrote an
audit row. A new page therefore fails this test until it is audited (`audited_read` in
fieldvisit/core/audit.py) or declared below.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import date
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.routing import Rule

from fieldvisit.accounts.models import User
from fieldvisit.areas.models import AreaReferral
from fieldvisit.cases.access import cases_for
from fieldvisit.cases.models import OPEN_STATES, Case, ChecklistItem
from fieldvisit.cases.services import log_contact_attempt
from fieldvisit.cases.views.triage import STEPS
from fieldvisit.chronology.attachments import ChronologyAttachment, attach, check_attachment
from fieldvisit.chronology.models import ChronologyEntry, Method
from fieldvisit.core.audit import AuditEvent
from fieldvisit.core.dates import today_in_uk, utcnow
from fieldvisit.core.errors import DomainError
from fieldvisit.demo.data import PASSWORD
from fieldvisit.demo.seeder import Seeder
from fieldvisit.letters import batches
from fieldvisit.letters import services as letters
from fieldvisit.letters.models import Delivery, Letter, LetterBatch, LetterLink
from fieldvisit.notices.models import Notice, NoticeKind
from fieldvisit.outcomes.models import NoticeForm
from fieldvisit.outcomes.services import record_home_education
from fieldvisit.outcomes.uploads import check_notice
from fieldvisit.outcomes.views import KINDS as OUTCOME_KINDS
from fieldvisit.pupils.models import Pupil
from fieldvisit.referrals.models import Referral
from fieldvisit.visits.models import VisitAssignment, VisitPhoto
from tests.conftest import sign_in

NO_CHILD_DATA = {
    "static": "the app's own files",
    "health.healthz": "the service's health",
    "observe_metrics": "counts by endpoint and state, never a record",
    "accounts.login": "the sign-in form",
    "accounts.second_factor": "the authenticator code form",
    "account.account": "the user's own account",
    "account.password": "the user's own password form",
    "account.authenticator": "the user's own second factor",
    "account.new_authenticator": "the user's own second factor",
    "account.remove_authenticator": "the user's own second factor",
    "admin.index": "admin pages hold users, schools and settings, never cases",
    "admin.users": "staff accounts",
    "admin.new_user": "staff accounts",
    "admin.edit_user": "staff accounts",
    "admin.schools": "schools",
    "admin.edit_school": "schools",
    "admin.settings": "the LA's settings",
    "admin.calendar": "term dates and closures",
    "admin.edit_term": "a term's dates",
    "admin.remove_term": "asks before removing a term",
    "admin.edit_closure": "a closure's date",
    "admin.remove_closure": "asks before removing a closure",
    "admin.audit_log": "the audit log holds ids and actions, never names",
    "admin.audit_export": "the audit log as CSV; the export itself is audited",
    "admin.emails": "queued emails by kind and recipient role, never their text",
    "letters.wording_index": "the LA's letter wordings",
    "letters.batch_job": "a batch's progress: counts, and case references left out",
    "letters.batch_job_status": "a batch's progress as counts",
    "letters.wording_edit": "a letter wording, previewed on a made-up child",
    "letters.follow": "a QR link's landing shows the school only; each follow is audited",
    "la.case_referral": "only redirects to the referral review (la.review), which is audited",
    "pupils.new": "an empty form",
    "pupils.import_roll": "the import form; an import is audited when it is made",
    "pupils.import_template": "a CSV of column headings",
    "pupils.import_attendance": "the import form and the DfE's codes; an import is audited",
    "api.openapi": "the API's description",
    "api.session": "who is signed in",
    "pwa.page": "the phone app's shell; its data comes from visits_api.assigned",
    "pwa.manifest": "the phone app's manifest",
    "pwa.service_worker": "the phone app's service worker",
}


def _one(query: Any, session: Session) -> list[dict[str, Any]]:
    return [dict(row._mapping) for row in session.execute(query)]


def _candidates(session: Session, rule: Rule) -> list[dict[str, Any]]:
    """Every set of URL values the demo holds for this rule's arguments."""
    names = set(rule.arguments)
    if not names:
        return [{}]
    if names == {"case_id", "item_id"}:
        return _one(select(ChecklistItem.case_id, ChecklistItem.id.label("item_id")), session)
    if names == {"case_id", "entry_id"}:
        entry_id = ChronologyEntry.id.label("entry_id")
        return _one(
            select(ChronologyEntry.case_id, entry_id).order_by(entry_id).limit(200), session
        )
    if names == {"case_id", "assignment_id"}:
        assignment_id = VisitAssignment.id.label("assignment_id")
        return _one(select(VisitAssignment.case_id, assignment_id), session)
    if names == {"figure"}:  # the LA overview's numbers, each with its cases
        figures = ["located", "out-of-area", "repeat", "outcome-found", "cohort-0"]
        return [{"figure": f} for f in [*figures, f"month-{date.today():%Y-%m}"]]
    if names == {"case_id", "area_referral_id"}:
        moved = AreaReferral.id.label("area_referral_id")
        return _one(select(AreaReferral.case_id, moved), session)
    if names == {"case_id", "letter_id"}:
        return _one(select(Letter.case_id, Letter.id.label("letter_id")), session)
    if names == {"case_id", "attachment_id"}:
        attachment_id = ChronologyAttachment.id.label("attachment_id")
        return _one(select(ChronologyAttachment.case_id, attachment_id), session)
    if names == {"visit_uuid", "sha256"}:
        return _one(select(VisitPhoto.visit_uuid, VisitPhoto.sha256), session)
    cases = [{"case_id": i} for i in session.scalars(select(Case.id).order_by(Case.id))]
    if names == {"case_id", "step"}:
        return [{**c, "step": s} for c, s in itertools.product(cases, STEPS)]
    if names == {"case_id", "kind"}:
        return [{**c, "kind": k} for c, k in itertools.product(cases, OUTCOME_KINDS)]
    single = {
        "case_id": cases,
        "pupil_id": _one(select(Pupil.id.label("pupil_id")), session),
        "referral_id": _one(select(Referral.id.label("referral_id")), session),
        "batch_id": _one(select(LetterBatch.id.label("batch_id")), session),
        "notice_id": _one(select(Notice.id.label("notice_id")), session),
        "token": _one(select(LetterLink.token), session),
    }
    (name,) = names if len(names) == 1 else (None,)
    assert name in single, (
        f"{rule.endpoint} ({rule.rule}): teach this test where the demo holds {sorted(names)}"
    )
    return single[name]


def _audit_rows(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEvent)) or 0


def _first_page_shown(
    app: Flask, session: Session, clients: list[FlaskClient], rule: Rule
) -> Iterator[tuple[str, int, int]]:
    """Open the rule with each user and each set of values until one is shown."""
    for values in _candidates(session, rule):
        with app.test_request_context():
            url = app.url_for(rule.endpoint, **values)
        for client in clients:
            before = _audit_rows(session)
            response = client.get(url)
            if response.status_code == 200:
                yield url, before, _audit_rows(session)
                return


def _add_what_the_demo_lacks(session: Session) -> None:
    """Print a batch of letters, keep an attachment with a contact attempt and upload a
    written notice of home education."""
    school = session.scalar(select(User).where(User.email == "school@demo.test"))
    first = session.scalar(cases_for(school).order_by(Case.id).limit(1))
    contact = log_contact_attempt(
        session,
        school,
        first,
        method=Method.EMAIL,
        target="parent@example.invalid",
        contact_name="Pat Parent",
        occurred_at=utcnow(),
        contact_made=False,
    )
    attach(session, school, contact, check_attachment(b"Voicemail left at 9:05."), "Voicemail")
    absence = letters.kind_named("absence")
    due = [case for case, is_due in letters.cases_with_letter_due(session, school, absence)]
    batches.generate_batch(session, school, due[:1], "absence", delivery=Delivery.POST)
    session.add(  # a notice of continuous absence, whatever day of the week the test runs
        Notice(
            kind=NoticeKind.CONTINUOUS_ABSENCE,
            school_id=first.school_id,
            pupil_id=first.pupil_id,
            details={"first_day": "2026-11-02", "school_days": 10, "what_school_did": "Calls."},
            since=date(2026, 11, 2),
            due_on=date(2026, 11, 16),
            sent_by_id=school.id,
            sent_at=utcnow(),
        )
    )
    for case in session.scalars(cases_for(school).where(Case.state.in_(OPEN_STATES))):
        try:
            with session.begin_nested():
                record_home_education(
                    session,
                    school,
                    case,
                    notice_received_on=today_in_uk(),
                    notice_form=NoticeForm.LETTER,
                    parent_name="Pat Parent",
                    notice=check_notice(b"%PDF-1.4\n1 0 obj\n%%EOF\n"),
                )
            return
        except DomainError:
            continue


def demo_clients(app: Flask, session: Session, network: str) -> list[FlaskClient]:
    """Load the demo with what it lacks, and sign every demo user in from their own address."""
    Seeder(session).run()
    _add_what_the_demo_lacks(session)
    session.commit()
    clients = []
    for n, user in enumerate(session.scalars(select(User).order_by(User.id))):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"{network}.{n + 1}"
        assert sign_in(client, user, PASSWORD).status_code == 302
        clients.append(client)
    return clients


def test_every_page_that_shows_a_child_writes_an_audit_row(app, session):
    clients = demo_clients(app, session, "10.12.0")
    routes = [r for r in app.url_map.iter_rules() if "GET" in (r.methods or ())]
    stale = set(NO_CHILD_DATA) - {r.endpoint for r in routes}
    assert not stale, f"declared but no longer routes: {sorted(stale)}"
    unaudited, never_shown = [], []
    for rule in routes:
        if rule.endpoint in NO_CHILD_DATA:
            continue
        shown = list(_first_page_shown(app, session, clients, rule))
        if not shown:
            never_shown.append(rule.rule)
        elif shown[0][2] <= shown[0][1]:
            unaudited.append(shown[0][0])
    assert not never_shown, f"no demo user could open these pages: {never_shown}"
    assert not unaudited, f"these pages showed a child's data without an audit row: {unaudited}"
