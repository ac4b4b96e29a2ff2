"""National-curriculum year codes and how they fit a date of birth."""

from datetime import date

import pytest

from fieldvisit.core.ncyear import InvalidYear, expected_year, fits_date_of_birth, nc_year_code


@pytest.mark.parametrize(
    ("written", "code"),
    [("5", "5"), ("05", "5"), ("Year 5", "5"), ("Y10", "10"), ("yr 14", "14"),
     ("Reception", "R"), ("r", "R"), ("n1", "N1"), ("Nursery 2", "N2"), ("x", "X")],
)  # fmt: skip
def test_written_years_become_codes(written, code):
    assert nc_year_code(written) == code


@pytest.mark.parametrize("written", ["15", "0", "Year 5b", "6A", "Nursery", ""])
def test_anything_else_is_refused(written):
    with pytest.raises(InvalidYear):
        nc_year_code(written)


def test_the_year_by_age_turns_on_the_first_of_september():
    on = date(2026, 12, 1)
    assert expected_year(date(2016, 8, 31), on) == "6"
    assert expected_year(date(2016, 9, 1), on) == "5"
    assert expected_year(date(2021, 10, 1), on) == "R"
    assert expected_year(date(2022, 10, 1), on) == "N2"
    assert expected_year(date(2023, 10, 1), on) == "N1"
    assert expected_year(date(2024, 10, 1), on) is None
    # Before September the child is still in last year's year group.
    assert expected_year(date(2016, 8, 31), date(2026, 7, 20)) == "5"


def test_one_year_either_side_fits_for_pupils_taught_out_of_their_cohort():
    born, on = date(2016, 5, 4), date(2026, 12, 1)
    assert [c for c in ("3", "4", "5", "6", "7", "8", "X") if fits_date_of_birth(c, born, on)] == [
        "5", "6", "7", "X",
    ]  # fmt: skip
