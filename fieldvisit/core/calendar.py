"""School-day calendar: which days a school is open to pupils, and day N of a case."""

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import holidays

ONE_DAY = timedelta(days=1)


def academic_year_start(on: date) -> int:
    """Return the calendar year the academic year holding `on` starts in (September)."""
    return on.year if on.month >= 9 else on.year - 1


@dataclass(frozen=True)
class Term:
    """One stretch of term time, first and last day included; half terms are the gaps."""

    name: str
    starts_on: date
    ends_on: date

    def __post_init__(self) -> None:
        if self.ends_on < self.starts_on:
            raise ValueError(
                f"Term {self.name!r} ends on {self.ends_on.isoformat()}, "
                f"before it starts on {self.starts_on.isoformat()}."
            )


def england_bank_holidays(years: Iterable[int]) -> frozenset[date]:
    """Return England's bank holidays in the given years."""
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=list(years)))


class SchoolCalendar:
    """A school's open days: weekdays in term that are not closures or bank holidays.

    The calendar knows nothing outside its terms: dates after the last term
    count like a holiday, so callers check `covers()` and warn when the term
    dates for a year are not set.
    """

    def __init__(
        self,
        terms: Iterable[Term],
        closures: Iterable[date] = (),
        bank_holidays: Iterable[date] | None = None,
    ) -> None:
        self.terms: tuple[Term, ...] = tuple(sorted(terms, key=lambda t: t.starts_on))
        self.closures: frozenset[date] = frozenset(closures)
        if bank_holidays is None:
            years = {
                year
                for term in self.terms
                for year in range(term.starts_on.year, term.ends_on.year + 1)
            }
            bank_holidays = england_bank_holidays(sorted(years))
        self.bank_holidays: frozenset[date] = frozenset(bank_holidays)
        self._school_days: tuple[date, ...] = tuple(sorted(self._open_days()))
        self._first_covered = self.terms[0].starts_on if self.terms else None
        self._last_covered = max((t.ends_on for t in self.terms), default=None)

    def _open_days(self) -> set[date]:
        closed = self.closures | self.bank_holidays
        days = set()
        for term in self.terms:
            day = term.starts_on
            while day <= term.ends_on:
                if day.weekday() < 5 and day not in closed:
                    days.add(day)
                day += ONE_DAY
        return days

    def covers(self, d: date) -> bool:
        """Say whether the calendar's term dates reach the given date."""
        if self._first_covered is None or self._last_covered is None:
            return False
        return self._first_covered <= d <= self._last_covered

    def is_school_day(self, d: date) -> bool:
        """Say whether the school is open to pupils on the given date."""
        i = bisect_left(self._school_days, d)
        return i < len(self._school_days) and self._school_days[i] == d

    def school_day_number(self, first_day: date, on: date) -> int:
        """Return the case's day count on a date, day 1 being the first school day from first_day.

        A date that is not a school day has the number of the school day before
        it; dates before day 1 give 0.
        """
        start = bisect_left(self._school_days, first_day)
        return max(0, bisect_right(self._school_days, on) - start)

    def date_of_school_day(self, first_day: date, n: int) -> date:
        """Return the date that school day n falls on, counting from first_day."""
        if n < 1:
            raise ValueError(f"School days are counted from 1, not {n}.")
        i = bisect_left(self._school_days, first_day) + n - 1
        if i >= len(self._school_days):
            raise ValueError(
                f"School day {n} from {first_day.isoformat()} falls after the last term "
                "in the calendar; add the next year's term dates."
            )
        return self._school_days[i]

    def school_day_back(self, on: date, n: int) -> date | None:
        """Return the n-th school day counting back from a date (the date counts if it is one).

        None when the calendar holds fewer than n school days up to that date.
        """
        i = bisect_right(self._school_days, on) - n
        return self._school_days[i] if n >= 1 and i >= 0 else None

    def next_school_day(self, d: date) -> date:
        """Return the first school day after the given date."""
        i = bisect_right(self._school_days, d)
        if i >= len(self._school_days):
            raise ValueError(
                f"No school day after {d.isoformat()} is in the calendar; "
                "add the next year's term dates."
            )
        return self._school_days[i]
