"""The dashboard: the user's open cases, most urgent first."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from fieldvisit.cases.dashboard import SORTS, Filters, dashboard
from fieldvisit.cases.models import OPEN_STATES, Case, CaseState
from fieldvisit.cases.views import bp
from fieldvisit.core.audit import audited_read, searched
from fieldvisit.core.dates import today_in_uk
from fieldvisit.core.db import db
from fieldvisit.core.listing import list_query
from fieldvisit.core.permissions import Permission
from fieldvisit.core.web import home_url
from fieldvisit.pupils.attendance import not_in_today


def _filters() -> tuple[Filters, dict[str, Any]]:
    """Read the filters from the address, or from the posted search form; unknown values fall
    back to the defaults. Only a posted form carries a search (see core/listing.py)."""
    source = request.form if request.method == "POST" else request.args
    listed = list_query()
    status = source.get("status", "")
    states = tuple(s for s in CaseState if s.value == status and s in OPEN_STATES)
    sort = source.get("sort", "urgency")
    filters = Filters(
        states=states,
        overdue_only=source.get("overdue") == "1",
        search=listed["q"],
        sort=sort if sort in SORTS else "urgency",
        closed=status == "closed",
        page=listed["page"],
    )
    args = {
        "status": status if states or filters.closed else "",
        "overdue": "1" if filters.overdue_only else "",
        "sort": filters.sort,
    }
    return filters, {k: v for k, v in args.items() if v}


@bp.route("/", methods=["GET", "POST"])
@audited_read("case_list", detail=searched, methods=("GET", "POST"))
@login_required
def index() -> Any:
    if not current_user.can(Permission.CASES_OPEN):
        return redirect(home_url(current_user))  # the LA's, the officer's or the admin's home
    filters, args = _filters()
    if request.method == "POST" and not filters.search:
        return redirect(url_for("cases.index", **args))  # without a name, filters can be linked
    board = dashboard(db.session, current_user, filters, today_in_uk())
    return render_template(
        "cases/index.html",
        board=board,
        filters=filters,
        args=args,
        states=[s for s in CaseState if s in OPEN_STATES],
        sorts=SORTS,
        page_url=lambda page: url_for("cases.index", page=page, **args),
        search_post={"action": url_for("cases.index"), "fields": {**args, "q": filters.search}}
        if filters.search
        else None,
        can_manage_pupils=current_user.can(Permission.PUPILS_MANAGE),
        **_not_in_today(),
    )


def _not_in_today() -> dict[str, Any]:
    """The register's pupils not in today with no reason given and no open case yet (those
    with one are in the list below)."""
    if not current_user.can(Permission.PUPILS_MANAGE) or current_user.school_id is None:
        return {"absences": []}
    absences = not_in_today(db.session, current_user.school_id, today_in_uk())
    with_case = set(
        db.session.scalars(
            select(Case.pupil_id).where(
                Case.pupil_id.in_([a.pupil.id for a in absences]), Case.state.in_(OPEN_STATES)
            )
        )
    )
    return {"absences": [a for a in absences if a.pupil.id not in with_case]}
