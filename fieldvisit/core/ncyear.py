"""National-curriculum year codes, as CTF's NCyearActual takes them: N1, N2, R, 1-14, X."""

from __future__ import annotations

import re
from datetime import date

from fieldvisit.core.calendar import academic_year_start

NURSERY_1, NURSERY_2, RECEPTION, NOT_FOLLOWING = "N1", "N2", "R", "X"
CODES = (NURSERY_1, NURSERY_2, RECEPTION, *(str(n) for n in range(1, 15)), NOT_FOLLOWING)
# The same order as a number: N1 is two years below reception, year 1 is one above.
_RANK = {code: rank for rank, code in enumerate(CODES[:-1], start=-2)}
_WORDS = {"reception": RECEPTION, "rec": RECEPTION, "nursery 1": NURSERY_1, "nursery 2": NURSERY_2}


class InvalidYear(ValueError):
    """A year group that is not a national-curriculum year code."""


def nc_year_code(value: str) -> str:
    """Return the code for "5", "Year 5", "Y5", "Reception", "N2"...; raise InvalidYear if none."""
    text = " ".join(value.strip().lower().replace("-", " ").split())
    text = re.sub(r"^(year|yr|y)\s*(?=\d)", "", text)
    code = _WORDS.get(text, text.upper())
    if code.isdigit():
        code = str(int(code))
    if code not in CODES:
        raise InvalidYear(
            f"'{value.strip()}' is not a national-curriculum year: write N1, N2, R, "
            "a year from 1 to 14, or X for a pupil not following the national curriculum."
        )
    return code


def expected_year(date_of_birth: date, on: date) -> str | None:
    """Return the year a child born on `date_of_birth` is in by age on `on`, or None if none."""
    start = academic_year_start(on)
    age_at_31_august = start - date_of_birth.year - (date_of_birth.month >= 9)
    rank = age_at_31_august - 4
    return next((code for code, r in _RANK.items() if r == rank), None)


def fits_date_of_birth(code: str, date_of_birth: date, on: date) -> bool:
    """Say whether `code` is the child's year by age, or one either side (taught out of cohort)."""
    if code == NOT_FOLLOWING:
        return True
    expected = expected_year(date_of_birth, on)
    if expected is None:
        return False
    return abs(_RANK[code] - _RANK[expected]) <= 1
