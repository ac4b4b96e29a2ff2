"""A database error's message names the statement, never the values it carried."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from fieldvisit.pupils.models import Pupil
from tests.support.factories import make_pupil


def test_a_failed_write_does_not_carry_the_childs_details(session, world):
    first = make_pupil(session, world.school)
    session.flush()
    twin = Pupil(
        school_id=first.school_id,
        upn=first.upn,  # the same UPN at the same school: refused by the database
        forename="Zebedee-Unique",
        surname="Quartermain-Unique",
        date_of_birth=first.date_of_birth,
        sex=first.sex,
        address_lines=["1 Secret Lane"],
        postcode="CB1 1AA",
    )
    session.add(twin)
    with pytest.raises(IntegrityError) as failed:
        session.flush()
    message = str(failed.value)
    assert "INSERT INTO pupils" in message
    assert "Quartermain-Unique" not in message and "Secret Lane" not in message
    assert "hidden due to hide_parameters" in message
