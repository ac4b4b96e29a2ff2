"""The case page: summary, clock, checklist, chronology, and what can be done now."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from fieldvisit.cases import facts, services
from fieldvisit.cases.access import get_case
from fieldvisit.cases.checklist import is_overdue, referral_day_for
from fieldvisit.cases.engine import Action, ActionStatus, actions_for
from fieldvisit.cases.models import Case
from fieldvisit.cases.primary import Lead, lead_for
from fieldvisit.cases.views import bp
from fieldvisit.cases.views.common import require
from fieldvisit.chronology.attachments import attachments_of_entries
from fieldvisit.chronology.models import ChronologyEntry
from fieldvisit.core.audit import audit
from fieldvisit.core.dates import today_in_uk
from fieldvisit.core.db import db
from fieldvisit.core.web import commit, save
from fieldvisit.schools.services import calendar_for

# The chronology shows this many entries, newest first; the rest open under "Show all".
RECENT_ENTRIES = 5


def action_url(case: Case, action: Action) -> str | None:
    """The page (or the part of the case page) that carries the action out, if any."""
    about = action.about
    if about.page is None or about.page.startswith("#"):
        return about.page
    if about.page not in current_app.view_functions:
        return None
    return url_for(about.page, case_id=case.id, **about.page_args)


@dataclass(frozen=True)
class ChecklistRow:
    item: Any
    due_on: date | None
    overdue: bool


def checklist_rows(case: Case, calendar: Any, school_day: int) -> list[ChecklistRow]:
    rows = []
    for item in case.checklist:
        try:
            due_on = calendar.date_of_school_day(case.first_day_of_absence, item.due_day)
        except ValueError:
            due_on = None
        overdue = (
            not item.done
            and item.required
            and is_overdue(case.state, item.key, item.due_day, school_day)
        )
        rows.append(ChecklistRow(item, due_on, overdue))
    return rows


def _clock(case: Case, calendar: Any, today: date) -> dict[str, Any]:
    school_day = calendar.school_day_number(case.first_day_of_absence, today)
    referral_day = referral_day_for(case)
    try:
        referral_on = calendar.date_of_school_day(case.first_day_of_absence, referral_day)
    except ValueError:
        referral_on = None
    return {
        "school_day": school_day,
        "referral_day": referral_day,
        "referral_on": referral_on,
        "is_school_day": calendar.is_school_day(today),
        "calendar_covers_today": calendar.covers(today),
    }


# Offered where their object is (a tick, an entry, an assignment) or as the page's own red
# button, so not listed again among the actions.
IN_CONTEXT = frozenset(
    {
        Action.UNTICK_CHECKLIST,
        Action.CORRECT_ENTRY,
        Action.CANCEL_VISIT,
        Action.RAISE_CONCERN,
    }
)


def _grouped(statuses: list[ActionStatus], lead: Lead | None) -> dict[str, list[ActionStatus]]:
    """The actions besides the lead: the others the user may take, and the locked ones."""
    led = lead.action if lead else None
    return {
        "allowed": [
            s for s in statuses if s.allowed and s.action != led and s.action not in IN_CONTEXT
        ],
        "blocked": [s for s in statuses if not s.allowed],
    }


def _corrections(entries: Sequence[ChronologyEntry]) -> dict[int, list[ChronologyEntry]]:
    """Map each corrected entry's id to the entries that correct it."""
    corrected: dict[int, list[ChronologyEntry]] = {}
    for entry in entries:
        if entry.corrects_id is not None:
            corrected.setdefault(entry.corrects_id, []).append(entry)
    return corrected


@bp.get("/cases/<int:case_id>")
@login_required
def show(case_id: int) -> Any:
    case = get_case(db.session, current_user, case_id)
    entries = db.session.scalars(
        select(ChronologyEntry)
        .options(joinedload(ChronologyEntry.actor))
        .where(ChronologyEntry.case_id == case.id)
        .order_by(ChronologyEntry.seq.desc())
    ).all()
    today = today_in_uk()
    calendar = calendar_for(db.session, case.school)
    clock = _clock(case, calendar, today)
    statuses = actions_for(db.session, case, current_user, today)
    checklist = checklist_rows(case, calendar, clock["school_day"])
    lead = lead_for(
        case.state,
        statuses,
        overdue_items=[row.item for row in checklist if row.overdue],
        visit_arranged=bool(db.session.scalar(select(facts.visit_arranged.ask(case.id)))),
    )
    audit(db.session, current_user.id, "view", "case", case.id)
    commit()
    return render_template(
        "cases/show.html",
        case=case,
        pupil=case.pupil,
        entries=entries,
        entry_photos=facts.entry_photos.ask(db.session, entries),
        entry_attachments=attachments_of_entries(db.session, entries),
        statuses=statuses,
        grouped=_grouped(statuses, lead),
        lead=lead,
        recent=RECENT_ENTRIES,
        action_url=action_url,
        checklist=checklist,
        can_tick=any(s.action == Action.TICK_CHECKLIST for s in statuses),
        can_correct=any(s.action == Action.CORRECT_ENTRY for s in statuses),
        corrected_by=_corrections(entries),
        can_raise_concern=any(s.action == Action.RAISE_CONCERN for s in statuses),
        vulnerability=services.describe_vulnerability(case),
        social_worker=services.social_worker_of(case.pupil),
        **clock,
    )


@bp.post("/cases/<int:case_id>/no-contact")
@login_required
def no_contact(case_id: int) -> Any:
    case = get_case(db.session, current_user, case_id)
    require(case, Action.RECORD_NO_CONTACT)
    version = request.form.get("expected_version", type=int)
    saved = save(
        lambda: services.record_no_contact(db.session, current_user, case, expected_version=version)
    )
    if not saved.ok:
        flash(
            " ".join(message for messages in saved.errors.values() for message in messages), "error"
        )
        return redirect(url_for("cases.show", case_id=case.id))
    flash("No contact recorded. Now triage the child.", "success")
    return redirect(url_for("cases.triage", case_id=case.id))
