"""Terms and closures are changed on their own page and removed only after an "Are you sure"."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from fieldvisit.core.audit import AuditEvent
from fieldvisit.schools.models import Closure, Term
from tests.support.factories import date_fields


def _term(session, world, name: str = "Autumn 1 2026/27") -> Term:
    return session.scalar(select(Term).where(Term.name == name))


def test_removing_a_term_asks_first_and_says_what_it_does(session, world, signed_in):
    client = signed_in(world.admin)
    term = _term(session, world)
    page = client.get("/admin/calendar").get_data(as_text=True)
    assert f'href="/admin/calendar/terms/{term.id}/delete"' in page
    assert f'action="/admin/calendar/terms/{term.id}/delete"' not in page  # no one-click form
    confirm = client.get(f"/admin/calendar/terms/{term.id}/delete").get_data(as_text=True)
    assert f"Are you sure you want to remove {term.name}?" in confirm
    assert "stop being school days" in confirm and "No, keep it" in confirm
    assert _term(session, world) is not None  # asking changed nothing
    answer = client.post(f"/admin/calendar/terms/{term.id}/delete")
    assert answer.status_code == 302
    session.expire_all()
    assert _term(session, world) is None


def test_a_term_is_changed_on_its_own_page_and_may_not_overlap(session, world, signed_in):
    client = signed_in(world.admin)
    term = _term(session, world)
    version = world.la.calendar_version
    page = client.get(f"/admin/calendar/terms/{term.id}").get_data(as_text=True)
    assert f'value="{term.name}"' in page and f'value="{term.starts_on.day}"' in page
    other = next(t for t in session.scalars(select(Term)) if t.id != term.id and not t.school_id)
    clash = {
        "name": term.name,
        **date_fields("starts_on", other.starts_on),
        **date_fields("ends_on", other.ends_on),
    }
    refused = client.post(f"/admin/calendar/terms/{term.id}", data=clash)
    assert refused.status_code == 400 and f"overlap {other.name}" in refused.get_data(as_text=True)
    changed = {
        "name": "Autumn 1 (changed)",
        **date_fields("starts_on", term.starts_on),
        **date_fields("ends_on", term.ends_on.replace(day=term.ends_on.day - 1)),
    }
    assert client.post(f"/admin/calendar/terms/{term.id}", data=changed).status_code == 302
    session.expire_all()
    term = session.get(Term, term.id)
    assert term.name == "Autumn 1 (changed)"
    assert world.la.calendar_version > version  # every cached calendar is built again
    assert session.scalar(
        select(AuditEvent).where(AuditEvent.object_type == "term", AuditEvent.action == "update")
    )


def test_a_closure_is_changed_and_removed_after_asking(session, world, signed_in):
    client = signed_in(world.admin)
    client.post(
        "/admin/calendar/closures",
        data={**date_fields("on", date(2026, 11, 10)), "reason": "INSET day"},
    )
    closure = session.scalar(select(Closure).where(Closure.on == date(2026, 11, 10)))
    moved = {**date_fields("on", date(2026, 11, 11)), "reason": "Polling station"}
    assert client.post(f"/admin/calendar/closures/{closure.id}", data=moved).status_code == 302
    session.expire_all()
    closure = session.get(Closure, closure.id)
    assert (closure.on, closure.reason) == (date(2026, 11, 11), "Polling station")
    confirm = client.get(f"/admin/calendar/closures/{closure.id}/delete").get_data(as_text=True)
    assert "Are you sure you want to remove the closure on 11 November 2026?" in confirm
    closure_id = closure.id
    assert client.post(f"/admin/calendar/closures/{closure_id}/delete").status_code == 302
    session.expire_all()
    assert session.scalar(select(Closure).where(Closure.id == closure_id)) is None
