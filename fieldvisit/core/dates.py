"""Dates and times: UTC now, ISO input, and GOV.UK-style display in UK time."""

import re
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

UK_TIME = ZoneInfo("Europe/London")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def utcnow() -> datetime:
    """Return the current time as a timezone-aware UTC datetime."""
    return datetime.now(UTC)


def parse_iso_date(value: str) -> date:
    """Return the date written as YYYY-MM-DD, or raise ValueError saying why not."""
    text = value.strip()
    if not _ISO_DATE.fullmatch(text):
        raise ValueError(f"{value!r} is not a date written as YYYY-MM-DD, such as 2026-09-01.")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{value!r} is not a real date.") from None


def format_date(d: date | str) -> str:
    """Return the date as GOV.UK writes it, like '1 September 2026'.

    A saved snapshot (a referral's content) keeps dates as ISO text; they read the same.
    """
    if isinstance(d, str):
        d = date.fromisoformat(d)
    return f"{d.day} {d:%B %Y}"


def format_due(d: date, today: date | None = None) -> str:
    """Return a due date as an office plans by it: 'Friday 4 December' (a year if not this one)."""
    today = today or today_in_uk()
    return f"{d:%A} {d.day} {d:%B}" + ("" if d.year == today.year else f" {d.year}")


def format_datetime(dt: datetime) -> str:
    """Return the moment in UK time, like '1 September 2026 at 9:05am' or 'at 10am'.

    A naive datetime is taken to be UTC, as every stored datetime is.
    """
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    local = dt.astimezone(UK_TIME)
    return f"{format_date(local.date())} at {_format_time(local.hour, local.minute)}"


def _format_time(hour: int, minute: int) -> str:
    if minute == 0 and hour == 12:
        return "midday"
    if minute == 0 and hour == 0:
        return "midnight"
    suffix = "am" if hour < 12 else "pm"
    clock = f"{hour % 12 or 12}" if minute == 0 else f"{hour % 12 or 12}:{minute:02d}"
    return clock + suffix


def today_in_uk() -> date:
    """Return today's date in England, which is what school days are counted in."""
    return utcnow().astimezone(UK_TIME).date()


def uk_date(moment: datetime) -> date:
    """Return the date in England at this moment."""
    return moment.astimezone(UK_TIME).date()


def uk_moment(on: date, at: time) -> datetime:
    """Return the UTC moment of a date and clock time as read in England."""
    return datetime.combine(on, at, UK_TIME).astimezone(UTC)
