"""The LA's calendar: terms and closures, each changed on its own page and removed only after
an "Are you sure" page that says what the change does to the school-day clocks."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from fieldvisit.admin import services
from fieldvisit.admin.schemas import ClosureSchema, TermSchema
from fieldvisit.admin.views import _la, _page, _save, _schools, bp
from fieldvisit.core.dates import format_date
from fieldvisit.core.db import db
from fieldvisit.core.forms import load_form
from fieldvisit.core.permissions import Permission
from fieldvisit.core.web import commit, permission_required
from fieldvisit.schools.models import Closure, Term

CLOCKS = (
    "Every case's school days, deadlines and reminders are counted again from the calendar "
    "as it will be."
)


@bp.route("/calendar", methods=["GET"])
@permission_required(Permission.ADMIN_CALENDAR)
def calendar() -> Any:
    return _calendar_page({}, {}, {}, {})


def _calendar_page(
    term_values: dict, term_errors: dict, closure_values: dict, closure_errors: dict
) -> Any:
    la = _la()
    if la is None:
        return redirect(url_for("admin.settings"))
    terms = db.session.scalars(
        select(Term).where(Term.local_authority_id == la.id).order_by(Term.starts_on)
    ).all()
    closures = db.session.scalars(
        select(Closure).where(Closure.local_authority_id == la.id).order_by(Closure.on)
    ).all()
    errors = {**term_errors, **closure_errors}
    return _page(
        "admin/calendar.html",
        la=la,
        terms=terms,
        closures=closures,
        schools={s.id: s for s in _schools()},
        term_values=term_values,
        term_errors=term_errors,
        closure_values=closure_values,
        closure_errors=closure_errors,
        errors=errors,
    )


@bp.post("/calendar/terms")
@permission_required(Permission.ADMIN_CALENDAR)
def add_term() -> Any:
    la = _la() or abort(404)
    result = load_form(TermSchema(), request.form, date_fields=("starts_on", "ends_on"))
    done, errors = _save(
        result,
        lambda data: services.add_term(db.session, current_user, la, data),
        "Term added.",
        url_for("admin.calendar"),
    )
    if done:
        return done
    return _calendar_page(result.raw, errors, {}, {})


def _term(term_id: int) -> tuple[Any, Term]:
    la = _la() or abort(404)
    term = db.session.get(Term, term_id)
    if term is None or term.local_authority_id != la.id:
        abort(404)
    return la, term


@bp.route("/calendar/terms/<int:term_id>", methods=["GET", "POST"])
@permission_required(Permission.ADMIN_CALENDAR)
def edit_term(term_id: int) -> Any:
    la, term = _term(term_id)
    values: dict[str, Any] = {
        "name": term.name,
        "school_id": term.school_id,
        **_date_parts("starts_on", term.starts_on),
        **_date_parts("ends_on", term.ends_on),
    }
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        result = load_form(TermSchema(), request.form, date_fields=("starts_on", "ends_on"))
        values = result.raw
        done, errors = _save(
            result,
            lambda data: services.edit_term(db.session, current_user, la, term, data),
            f"{term.name} changed.",
            url_for("admin.calendar"),
        )
        if done:
            return done
    return _page(
        "admin/calendar_edit.html",
        title=f"Change {term.name}",
        term=term,
        remove_url=url_for("admin.remove_term", term_id=term.id),
        values=values,
        errors=errors,
        schools={s.id: s for s in _schools()},
        clocks=CLOCKS,
    )


@bp.route("/calendar/terms/<int:term_id>/delete", methods=["GET", "POST"])
@permission_required(Permission.ADMIN_CALENDAR)
def remove_term(term_id: int) -> Any:
    la, term = _term(term_id)
    if request.method == "GET":
        return _page(
            "admin/confirm_remove.html",
            title=f"Are you sure you want to remove {term.name}?",
            what=f"{term.name}, from {format_date(term.starts_on)} to {format_date(term.ends_on)}",
            consequence="Its days stop being school days. " + CLOCKS,
            button="Yes, remove the term",
        )
    name = term.name
    services.remove_term(db.session, current_user, la, term)
    commit()
    flash(f"{name} removed.", "success")
    return redirect(url_for("admin.calendar"))


@bp.post("/calendar/closures")
@permission_required(Permission.ADMIN_CALENDAR)
def add_closure() -> Any:
    la = _la() or abort(404)
    result = load_form(ClosureSchema(), request.form, date_fields=("on",))
    done, errors = _save(
        result,
        lambda data: services.add_closure(db.session, current_user, la, data),
        "Closure added.",
        url_for("admin.calendar"),
    )
    if done:
        return done
    return _calendar_page({}, {}, result.raw, errors)


def _closure(closure_id: int) -> tuple[Any, Closure]:
    la = _la() or abort(404)
    closure = db.session.get(Closure, closure_id)
    if closure is None or closure.local_authority_id != la.id:
        abort(404)
    return la, closure


@bp.route("/calendar/closures/<int:closure_id>", methods=["GET", "POST"])
@permission_required(Permission.ADMIN_CALENDAR)
def edit_closure(closure_id: int) -> Any:
    la, closure = _closure(closure_id)
    values: dict[str, Any] = {
        "reason": closure.reason,
        "school_id": closure.school_id,
        **_date_parts("on", closure.on),
    }
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        result = load_form(ClosureSchema(), request.form, date_fields=("on",))
        values = result.raw
        done, errors = _save(
            result,
            lambda data: services.edit_closure(db.session, current_user, la, closure, data),
            "Closure changed.",
            url_for("admin.calendar"),
        )
        if done:
            return done
    return _page(
        "admin/calendar_edit.html",
        title=f"Change the closure on {format_date(closure.on)}",
        closure=closure,
        remove_url=url_for("admin.remove_closure", closure_id=closure.id),
        values=values,
        errors=errors,
        schools={s.id: s for s in _schools()},
        clocks=CLOCKS,
    )


@bp.route("/calendar/closures/<int:closure_id>/delete", methods=["GET", "POST"])
@permission_required(Permission.ADMIN_CALENDAR)
def remove_closure(closure_id: int) -> Any:
    la, closure = _closure(closure_id)
    if request.method == "GET":
        return _page(
            "admin/confirm_remove.html",
            title=f"Are you sure you want to remove the closure on {format_date(closure.on)}?",
            what=f"{closure.reason} on {format_date(closure.on)}",
            consequence="The day becomes a school day again if it falls in term. " + CLOCKS,
            button="Yes, remove the closure",
        )
    services.remove_closure(db.session, current_user, la, closure)
    commit()
    flash("Closure removed.", "success")
    return redirect(url_for("admin.calendar"))


def _date_parts(name: str, value: Any) -> dict[str, str]:
    """A stored date as the three fields of a GOV.UK date input."""
    return {
        f"{name}-day": str(value.day),
        f"{name}-month": str(value.month),
        f"{name}-year": str(value.year),
    }
