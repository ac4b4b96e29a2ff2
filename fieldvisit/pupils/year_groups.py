"""National curriculum year groups from a date of birth (England: the school year starts in
September, and a child starts reception in the September after their fourth birthday)."""

from __future__ import annotations

import re
from datetime import date

NURSERY = {"N1": -2, "N2": -1}
_YEAR = re.compile(r"^(?:year|yr|y)?\s*(\d{1,2})$")
# A pupil may be taught a year out of their age group; further is an office slip.
TOLERANCE = 1


def expected_year(born: date, on: date) -> int:
    """Return the year group a child born on `born` is in on `on`: 0 is reception."""
    start = on.year if on.month >= 9 else on.year - 1
    cutoff = date(start, 8, 31)
    age = cutoff.year - born.year - ((cutoff.month, cutoff.day) < (born.month, born.day))
    return age - 4


def year_label(year: int) -> str:
    """Write a year group as a school would: R, N1, N2 or the number."""
    if year == 0:
        return "R"
    return next((k for k, v in NURSERY.items() if v == year), str(year))


def year_number(text: str) -> int | None:
    """Read 'R', 'Reception', 'N2', '7', 'Year 7' or 'Y7'; None for anything else (e.g. 'X')."""
    value = text.strip().lower()
    if value in ("r", "reception", "rec"):
        return 0
    if value.upper() in NURSERY:
        return NURSERY[value.upper()]
    match = _YEAR.match(value)
    return int(match.group(1)) if match else None


def year_group_problem(text: str, born: date, on: date) -> str | None:
    """Say why a year group cannot be right for this date of birth, or None if it fits."""
    given = year_number(text) if text.strip() else None
    if given is None:
        return None
    expected = expected_year(born, on)
    if abs(given - expected) <= TOLERANCE:
        return None
    return (
        f"A child born on {born.day} {born:%B %Y} is in year {year_label(expected)} this "
        f"school year, not {text.strip()}: check the year group and the date of birth"
    )
