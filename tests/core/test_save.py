"""The one post cycle every form uses (core/web.py `save`): commit once, or roll back and say
what to fix."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fieldvisit.core.errors import (
    Blocked,
    CaseChanged,
    NotAllowed,
    NotFound,
    TransitionRefused,
    ValidationFailed,
)
from fieldvisit.core.forms import error_list
from fieldvisit.core.web import save
from fieldvisit.schools.models import Term
from tests.support.factories import World


def _terms(session: Session) -> int:
    """Count the terms, once what the test set up is committed (as a request finds it)."""
    session.commit()
    return session.scalar(select(func.count()).select_from(Term)) or 0


def _add_term_then(session: Session, world: World, error: Exception) -> None:
    """A service that writes a row, then refuses."""
    start, end = date(2030, 1, 6), date(2030, 3, 28)
    session.add(Term(local_authority_id=world.la.id, name="Refused", starts_on=start, ends_on=end))
    session.flush()
    raise error


def test_the_services_result_comes_back_plainly(session: Session) -> None:
    saved = save(lambda: 42)
    assert saved.ok and saved.value == 42 and saved.errors == {} and saved.status == 200


def test_a_refusal_rolls_back_and_names_its_fields(session: Session, world: World) -> None:
    before = _terms(session)
    refusal = ValidationFailed("Bad", fields={"name": ["Enter a name"]})
    saved = save(lambda: _add_term_then(session, world, refusal))
    assert not saved.ok and saved.value is None
    assert saved.errors == {"name": ["Enter a name"]} and saved.status == 422
    assert _terms(session) == before


def test_a_refusal_without_fields_goes_on_the_field_asked(session: Session) -> None:
    def refuse() -> None:
        raise ValidationFailed("No officer can take this visit.")

    assert save(refuse, field="officer_id").errors == {
        "officer_id": ["No officer can take this visit."]
    }


def test_every_blocking_reason_is_listed_on_top(session: Session) -> None:
    def refuse() -> None:
        raise TransitionRefused("agree_removal", [Blocked("a", "First."), Blocked("b", "Second.")])

    saved = save(refuse)
    assert saved.errors == {"_schema": ["First.", "Second."]} and saved.status == 409
    assert [item["text"] for item in error_list(saved.errors)] == ["First.", "Second."]


def test_a_case_changed_meanwhile_keeps_what_was_typed(session: Session) -> None:
    def refuse() -> None:
        raise CaseChanged()

    assert "What you entered is kept below." in save(refuse).errors["_schema"][0]


@pytest.mark.parametrize("error", [NotAllowed("No."), NotFound("Gone.")])
def test_access_refusals_go_on_to_their_error_page(
    session: Session, world: World, error: Exception
) -> None:
    before = _terms(session)
    with pytest.raises(type(error)):
        save(lambda: _add_term_then(session, world, error))
    assert _terms(session) == before
