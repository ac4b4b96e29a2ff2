"""The dashboard: the user's open cases, most urgent first."""

from __future__ import annotations

from typing import Any

from flask import render_template, request, url_for
from flask_login import current_user, login_required

from fieldvisit.cases.dashboard import SORTS, Filters, dashboard
from fieldvisit.cases.models import OPEN_STATES, CaseState
from fieldvisit.cases.views import bp
from fieldvisit.core.audit import audited_read, searched
from fieldvisit.core.dates import today_in_uk
from fieldvisit.core.db import db
from fieldvisit.core.permissions import Permission


def _filters() -> tuple[Filters, dict[str, str]]:
    """Read the filters from the query string; unknown values fall back to the defaults."""
    status = request.args.get("status", "")
    states = tuple(s for s in CaseState if s.value == status and s in OPEN_STATES)
    sort = request.args.get("sort", "urgency")
    filters = Filters(
        states=states,
        overdue_only=request.args.get("overdue") == "1",
        search=request.args.get("q", "").strip()[:100],
        sort=sort if sort in SORTS else "urgency",
        closed=status == "closed",
        page=request.args.get("page", 1, type=int),
    )
    args = {
        "status": status if states or filters.closed else "",
        "overdue": "1" if filters.overdue_only else "",
        "q": filters.search,
        "sort": filters.sort,
    }
    return filters, {k: v for k, v in args.items() if v}


@bp.get("/")
@audited_read("case_list", detail=searched)
@login_required
def index() -> Any:
    filters, args = _filters()
    board = dashboard(db.session, current_user, filters, today_in_uk())
    return render_template(
        "cases/index.html",
        board=board,
        filters=filters,
        args=args,
        states=[s for s in CaseState if s in OPEN_STATES],
        sorts=SORTS,
        page_url=lambda page: url_for("cases.index", page=page, **args),
        can_manage_pupils=current_user.can(Permission.PUPILS_MANAGE),
    )
