"""The demo school's term dates (the tests' calendar too)."""

from __future__ import annotations

from datetime import date

from fieldvisit.core.calendar import Term


def demo_terms() -> tuple[list[Term], list[date]]:
    """Return the demo school's terms and INSET days, summer 2026 to autumn 2027.

    2026/27 follows Cambridgeshire's proposed dates: 196 weekdays in term,
    less May Day and five INSET days, leaves 190 days open to pupils.
    """
    terms = [
        Term("Summer 1 2025/26", date(2026, 4, 13), date(2026, 5, 22)),
        Term("Summer 2 2025/26", date(2026, 6, 1), date(2026, 7, 22)),
        Term("Autumn 1 2026/27", date(2026, 9, 1), date(2026, 10, 23)),
        Term("Autumn 2 2026/27", date(2026, 11, 2), date(2026, 12, 18)),
        Term("Spring 1 2026/27", date(2027, 1, 4), date(2027, 2, 12)),
        Term("Spring 2 2026/27", date(2027, 2, 22), date(2027, 3, 25)),
        Term("Summer 1 2026/27", date(2027, 4, 12), date(2027, 5, 28)),
        Term("Summer 2 2026/27", date(2027, 6, 7), date(2027, 7, 21)),
        Term("Autumn 1 2027/28", date(2027, 9, 1), date(2027, 10, 22)),
        Term("Autumn 2 2027/28", date(2027, 11, 1), date(2027, 12, 17)),
    ]
    inset_days = [
        date(2026, 9, 1),
        date(2026, 11, 2),
        date(2027, 1, 4),
        date(2027, 2, 22),
        date(2027, 4, 12),
        date(2027, 9, 1),
    ]
    return terms, inset_days
