"""One open case per pupil: said by the service, held by the database."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fieldvisit.cases import engine, services
from fieldvisit.cases.engine import Action
from fieldvisit.cases.models import Case
from fieldvisit.core.dates import today_in_uk, utcnow
from fieldvisit.core.errors import ValidationFailed
from tests.support.factories import World, make_case, make_pupil


def test_a_second_case_is_refused_with_the_first_ones_reference(
    session: Session, world: World
) -> None:
    first = make_case(session, world)
    with pytest.raises(ValidationFailed, match=rf"already has an open case \({first.reference}\)"):
        services.open_case(session, world.school_user, first.pupil, today_in_uk())


def test_a_pupil_whose_case_closed_can_have_a_new_one(session: Session, world: World) -> None:
    first = make_case(session, world)
    engine.apply(session, first, Action.CHILD_RETURNED, world.school_user)
    second = services.open_case(session, world.school_user, first.pupil, today_in_uk())
    assert second.id != first.id


def test_the_database_refuses_a_second_open_case(session: Session, world: World) -> None:
    first = make_case(session, world)
    now = utcnow()
    twin = Case(
        school_id=first.school_id,
        pupil_id=first.pupil_id,
        first_day_of_absence=first.first_day_of_absence,
        opened_by_id=world.school_user.id,
        opened_at=now,
        updated_at=now,
    )
    session.add(twin)
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_two_offices_opening_at_once_get_a_clear_refusal(
    session: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The other office's case lands between this one's check and its insert."""
    pupil = make_pupil(session, world.school)
    services.open_case(session, world.school_user, pupil, today_in_uk())
    monkeypatch.setattr(services, "OPEN_STATES", ())  # this office's check saw no open case
    with pytest.raises(ValidationFailed, match="opened by someone else a moment ago"):
        services.open_case(session, world.school_user, pupil, today_in_uk())
