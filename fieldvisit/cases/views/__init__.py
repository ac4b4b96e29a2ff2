"""The case pages: dashboard, case page, the forms that act on a case, the chronology
PDF, and the pupil roll with each pupil's cases."""

from flask import Blueprint

bp = Blueprint("cases", __name__)

from fieldvisit.cases.views import (  # noqa: E402,F401 - each module adds its routes to bp
    attachments,
    case_page,
    checklist,
    chronology,
    concern,
    contacts,
    corrections,
    dashboard,
    open_case,
    pupils,
    triage,
)
