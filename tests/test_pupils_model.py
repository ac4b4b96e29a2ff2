"""Bad pupil data is refused with the field and the rule, and nothing is saved."""

from datetime import date, timedelta

import pytest

from fieldvisit.core.errors import ValidationFailed
from fieldvisit.pupils.models import Pupil, Sex


@pytest.mark.parametrize(
    ("upn", "message"),
    [
        ("A801200005001", "check letter should be B"),
        ("B80120000500", "13 characters"),
        ("", "Enter"),
    ],
)
def test_an_invalid_upn_is_refused(world, upn, message):
    with pytest.raises(ValidationFailed) as refused:
        Pupil(
            school_id=world.school.id,
            upn=upn,
            forename="A",
            surname="B",
            date_of_birth=date(2015, 1, 1),
            sex=Sex.MALE,
        )
    assert "upn" in refused.value.fields
    assert message in refused.value.message


def test_a_valid_and_a_temporary_upn_are_accepted(world):
    assert Pupil(upn=" b801200005001 ").upn == "B801200005001"


def test_a_date_of_birth_in_the_future_is_refused(world):
    with pytest.raises(ValidationFailed) as refused:
        Pupil(upn="B801200005001", date_of_birth=date.today() + timedelta(days=2))
    assert refused.value.fields == {"date_of_birth": ["Date of birth must be in the past."]}
