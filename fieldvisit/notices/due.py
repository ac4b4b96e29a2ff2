"""When each notice is due, counted in the school's calendar (SI 2024/208, regulation 13).

- A pupil added to the admission register: within five school days of the entry (the fifth
  school day after the day of entry).
- A deletion: no later than the time the name is deleted, so on the day of deletion.
- Continuous absence without permission: as soon as it reaches 10 school days, so by the
  school day after the tenth.
- Absence through illness: once it reaches 15 school days, by the school day after the
  fifteenth (consecutive days of illness, as LAs summarise the return).

A calendar with no term dates that far ahead counts weekdays instead, rather than refuse a
notice the school must send.
"""

from __future__ import annotations

from datetime import date, timedelta

from fieldvisit.core.calendar import SchoolCalendar

NEW_ENTRY_SCHOOL_DAYS = 5
ABSENCE_SCHOOL_DAYS = 10
SICKNESS_SCHOOL_DAYS = 15


def school_days_after(calendar: SchoolCalendar, day: date, n: int) -> date:
    """The n-th school day after `day` (the day itself not counted)."""
    try:
        return calendar.date_of_school_day(calendar.next_school_day(day), n)
    except ValueError:
        on, left = day, n
        while left:
            on += timedelta(days=1)
            left -= on.weekday() < 5
        return on


def nth_school_day(calendar: SchoolCalendar, first_day: date, n: int) -> date:
    """School day n of a run that started on `first_day` (day 1)."""
    try:
        return calendar.date_of_school_day(first_day, n)
    except ValueError:
        return school_days_after(calendar, first_day, n - 1)


def new_entry_due(calendar: SchoolCalendar, entered_on: date) -> date:
    return school_days_after(calendar, entered_on, NEW_ENTRY_SCHOOL_DAYS)


def deletion_due(deleted_on: date) -> date:
    return deleted_on


def continuous_absence_due(calendar: SchoolCalendar, first_day: date) -> date:
    tenth = nth_school_day(calendar, first_day, ABSENCE_SCHOOL_DAYS)
    return school_days_after(calendar, tenth, 1)


def sickness_due(calendar: SchoolCalendar, first_day: date) -> date:
    fifteenth = nth_school_day(calendar, first_day, SICKNESS_SCHOOL_DAYS)
    return school_days_after(calendar, fifteenth, 1)
