"""The school's attendance register, as its system (SIMS, Arbor, Bromcom) exports it.

fieldvisit keeps a copy of each pupil's marks, a code a session, with the DfE's attendance
codes (School Attendance (Pupil Registration) (England) Regulations 2024). From them the
school office sees who is not in today with no reason given, and who has been absent
without permission for 10 school days in a row, the point at which the LA must be told.
The register stays the school's: a mark imported again replaces the one kept.
"""

from __future__ import annotations

import csv
import enum
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from fieldvisit.core.db import Base, str_enum
from fieldvisit.core.forms import GovDate
from fieldvisit.pupils.models import Pupil
from fieldvisit.pupils.roll_files import decode_text, normalise_header


class Category(enum.StrEnum):
    PRESENT = "present"
    AUTHORISED = "authorised"
    UNAUTHORISED = "unauthorised"
    NOT_COUNTED = "not counted"


# The DfE's attendance codes from August 2024: what each means, and how it counts.
CODES: dict[str, tuple[str, Category]] = {
    "/": ("Present (morning)", Category.PRESENT),
    "\\": ("Present (afternoon)", Category.PRESENT),
    "L": ("Late, before the register closed", Category.PRESENT),
    "K": ("Attending provision arranged by the LA", Category.PRESENT),
    "V": ("Educational visit or trip", Category.PRESENT),
    "P": ("Approved sporting activity", Category.PRESENT),
    "W": ("Work experience", Category.PRESENT),
    "B": ("Other approved educational activity", Category.PRESENT),
    "D": ("Dual registered: at the other school", Category.PRESENT),
    "C1": ("Leave for a regulated performance or employment abroad", Category.AUTHORISED),
    "M": ("Medical or dental appointment", Category.AUTHORISED),
    "J1": ("Interview", Category.AUTHORISED),
    "S": ("Study leave", Category.AUTHORISED),
    "C2": ("Part-time timetable", Category.AUTHORISED),
    "C": ("Leave for exceptional circumstances", Category.AUTHORISED),
    "E": ("Suspended or excluded, no alternative provision", Category.AUTHORISED),
    "T": ("Parent travelling for occupational purposes", Category.AUTHORISED),
    "R": ("Religious observance", Category.AUTHORISED),
    "I": ("Illness", Category.AUTHORISED),
    "Q": ("Unable to attend: lack of access arrangements", Category.AUTHORISED),
    "G": ("Holiday not granted by the school", Category.UNAUTHORISED),
    "N": ("Reason not yet provided", Category.UNAUTHORISED),
    "O": ("Absent in other or unknown circumstances", Category.UNAUTHORISED),
    "U": ("Arrived after the register closed", Category.UNAUTHORISED),
    "X": ("Not required to attend: not of compulsory school age", Category.NOT_COUNTED),
    "Y1": ("Unable to attend: transport not available", Category.NOT_COUNTED),
    "Y2": ("Unable to attend: widespread disruption to travel", Category.NOT_COUNTED),
    "Y3": ("Unable to attend: part of the school premises closed", Category.NOT_COUNTED),
    "Y4": ("Unable to attend: whole school site closed unexpectedly", Category.NOT_COUNTED),
    "Y5": ("Unable to attend: in criminal justice detention", Category.NOT_COUNTED),
    "Y6": ("Unable to attend: public health guidance or law", Category.NOT_COUNTED),
    "Y7": ("Unable to attend: any other unavoidable cause", Category.NOT_COUNTED),
    "Z": ("Prospective pupil not on roll", Category.NOT_COUNTED),
    "#": ("Planned whole-school closure", Category.NOT_COUNTED),
}
# Not in, and no reason given yet: what the office follows up the same morning.
NO_REASON = frozenset({"N", "O"})
# A school day counts towards continuous absence without permission when every mark that
# day is unauthorised (G, N, O, U); the LA must be told at 10 school days.
WITHOUT_PERMISSION = frozenset(c for c, (_, kind) in CODES.items() if kind == Category.UNAUTHORISED)
TELL_THE_LA_AFTER = 10
ILLNESS = frozenset({"I"})


class RegisterSession(enum.StrEnum):
    AM = "AM"
    PM = "PM"


class AttendanceMark(Base):
    """One pupil's mark for one session of one school day."""

    __tablename__ = "attendance_marks"
    __table_args__ = (
        UniqueConstraint("pupil_id", "on", "session"),
        Index("ix_attendance_marks_school_day", "school_id", "on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id"))
    on: Mapped[date]
    session: Mapped[RegisterSession] = str_enum(RegisterSession)
    code: Mapped[str] = mapped_column(String(2))


# Reading a register export --------------------------------------------------------------

HEADERS = {
    "upn": "upn",
    "date": "on",
    "session date": "on",
    "session": "session",
    "am pm": "session",
    "code": "code",
    "mark": "code",
    "attendance code": "code",
}
MAX_ROWS = 400_000  # a term's marks for a large secondary school
PART = 2_000


@dataclass
class MarksReport:
    """What an import did: marks kept, and each refused line with why."""

    kept: int = 0
    pupils: set[int] = field(default_factory=set)
    refused: list[tuple[int, str]] = field(default_factory=list)


class MarksFileError(ValueError):
    """The file cannot be read as a register export at all."""


_DATE = GovDate("the date")


def _date(text: str) -> date:
    """A date written 31/12/2026 or 2026-12-31, as the roll file reads it."""
    try:
        return _DATE.deserialize(text)
    except ValidationError:
        raise ValueError(f"The date {text!r} is not a date like 31/12/2026") from None


def read_marks(data: bytes) -> list[tuple[int, dict[str, str]]]:
    """Read a CSV export (UPN, Date, Session, Code), each row with its line number."""
    reader = csv.reader(io.StringIO(decode_text(data)))
    header = next(reader, None)
    if not header:
        raise MarksFileError("The file is empty")
    names = {
        i: HEADERS[normalise_header(h)]
        for i, h in enumerate(header)
        if normalise_header(h) in HEADERS
    }
    missing = {"upn", "on", "session", "code"} - set(names.values())
    if missing:
        wanted = {"upn": "UPN", "on": "Date", "session": "Session", "code": "Code"}
        raise MarksFileError(
            "The first line must name the columns UPN, Date, Session and Code; missing: "
            + ", ".join(wanted[m] for m in sorted(missing))
        )
    rows = []
    for line, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        rows.append(
            (line, {name: cells[i].strip() if i < len(cells) else "" for i, name in names.items()})
        )
        if len(rows) > MAX_ROWS:
            raise MarksFileError(
                f"The file holds more than {MAX_ROWS:,} marks: send a term at a time"
            )
    return rows


def import_marks(
    session: Session, school_id: int, rows: list[tuple[int, dict[str, str]]]
) -> MarksReport:
    """Keep each good mark (replacing the one kept for that pupil and session); name each
    bad line with why. Marks for pupils not on this school's roll are refused."""
    pupils = dict(
        session.execute(select(Pupil.upn, Pupil.id).where(Pupil.school_id == school_id)).all()
    )
    report, good = MarksReport(), []
    for line, row in rows:
        problem, mark = _checked(row, pupils)
        if problem:
            report.refused.append((line, problem))
        else:
            good.append({**mark, "school_id": school_id})
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    for start in range(0, len(good), PART):
        part = good[start : start + PART]
        statement = insert(AttendanceMark).values(part)
        session.execute(
            statement.on_conflict_do_update(
                index_elements=["pupil_id", "on", "session"],
                set_={"code": statement.excluded.code},
            )
        )
    report.kept = len(good)
    report.pupils = {mark["pupil_id"] for mark in good}
    return report


def _checked(row: dict[str, str], pupils: dict[str, int]) -> tuple[str, dict[str, Any]]:
    upn = row["upn"].upper()
    if upn not in pupils:
        return f"UPN {upn or '(blank)'} is not on your school's roll", {}
    try:
        on = _date(row["on"])
    except ValueError as error:
        return str(error), {}
    session_name = row["session"].upper()
    if session_name not in RegisterSession.__members__:
        return f"The session must be AM or PM, not {row['session']!r}", {}
    code = row["code"].upper() if row["code"] != "\\" else "\\"
    if code not in CODES:
        return f"{row['code']!r} is not one of the DfE's attendance codes", {}
    return "", {"pupil_id": pupils[upn], "on": on, "session": session_name, "code": code}


# What the marks say ----------------------------------------------------------------------


@dataclass(frozen=True)
class Absence:
    """A pupil not in today with no reason given, and the run of absence it belongs to."""

    pupil: Pupil
    today_codes: list[str]
    first_day: date  # of the present run of school days absent without permission
    school_days: int  # how many school days that run has lasted
    last_attended: date | None

    @property
    def tell_the_la(self) -> bool:
        return self.school_days >= TELL_THE_LA_AFTER


def _marked_today(
    session: Session, school_id: int, today: date, codes: frozenset[str]
) -> list[tuple[Pupil, dict[date, list[str]]]]:
    """The pupils on roll with one of `codes` today, each with every mark up to today."""
    flagged = set(
        session.scalars(
            select(AttendanceMark.pupil_id).where(
                AttendanceMark.school_id == school_id,
                AttendanceMark.on == today,
                AttendanceMark.code.in_(codes),
            )
        )
    )
    if not flagged:
        return []
    days: dict[int, dict[date, list[str]]] = defaultdict(lambda: defaultdict(list))
    for pupil_id, on, code in session.execute(
        select(AttendanceMark.pupil_id, AttendanceMark.on, AttendanceMark.code)
        .where(AttendanceMark.pupil_id.in_(flagged), AttendanceMark.on <= today)
        .order_by(AttendanceMark.on)
    ):
        days[pupil_id][on].append(code)
    pupils = session.scalars(select(Pupil).where(Pupil.id.in_(flagged), Pupil.on_roll.is_(True)))
    return [(pupil, days[pupil.id]) for pupil in pupils]


def _run_back(
    marked: dict[date, list[str]], today: date, codes: frozenset[str]
) -> tuple[date, int]:
    """Walk back over the school days the register has marks for (the register is only
    taken on school days) while every mark of the day is one of `codes`: the run's first day
    and its length."""
    first, run = today, 0
    for on in sorted(marked, reverse=True):
        if not all(code in codes for code in marked[on]):
            break
        first, run = on, run + 1
    return first, run


def not_in_today(session: Session, school_id: int, today: date) -> list[Absence]:
    """The pupils on roll marked today with no reason given (N or O), longest absent first."""
    found = [
        _absence(p, marked, today)
        for p, marked in _marked_today(session, school_id, today, NO_REASON)
    ]
    return sorted(found, key=lambda a: (-a.school_days, a.pupil.surname, a.pupil.forename))


def _absence(pupil: Pupil, marked: dict[date, list[str]], today: date) -> Absence:
    first, run = _run_back(marked, today, WITHOUT_PERMISSION)
    attended = [
        on
        for on in sorted(marked, reverse=True)
        if on < first and any(CODES[c][1] == Category.PRESENT for c in marked[on])
    ]
    return Absence(pupil, sorted(marked[today]), first, run, attended[0] if attended else None)


@dataclass(frozen=True)
class Illness:
    """A pupil marked ill (I) today, and the school days in a row all marked I."""

    pupil: Pupil
    first_day: date
    school_days: int


def ill_today(session: Session, school_id: int, today: date) -> list[Illness]:
    """The pupils on roll marked ill today, with their run of illness."""
    return [
        Illness(pupil, *_run_back(marked, today, ILLNESS))
        for pupil, marked in _marked_today(session, school_id, today, ILLNESS)
    ]


@dataclass(frozen=True)
class MarkedRun:
    """The school days in a row, back from a day, on which every mark was without permission.

    `unbroken` says the run reaches the earliest mark kept since the first day of absence:
    the register imported may start after the absence did, and the days before its first
    mark are then counted from the calendar."""

    school_days: int
    unbroken: bool
    earliest: date


def continuous_absence(
    session: Session, pupil_id: int, since: date, before: date
) -> MarkedRun | None:
    """Count the school days in a row, up to the day before `before` and back to `since` at
    the most, on which every mark is without permission (G, N, O or U). None when the
    register holds no marks for the pupil in that time: the school's calendar counts then."""
    marked: dict[date, list[str]] = defaultdict(list)
    for on, code in session.execute(
        select(AttendanceMark.on, AttendanceMark.code).where(
            AttendanceMark.pupil_id == pupil_id,
            AttendanceMark.on >= since,
            AttendanceMark.on < before,
        )
    ):
        marked[on].append(code)
    if not marked:
        return None
    run = 0
    for on in sorted(marked, reverse=True):
        if not all(code in WITHOUT_PERMISSION for code in marked[on]):
            return MarkedRun(run, unbroken=False, earliest=min(marked))
        run += 1
    return MarkedRun(run, unbroken=True, earliest=min(marked))


def absence_of(session: Session, pupil: Pupil, today: date) -> Absence | None:
    """The pupil's absence today with no reason given, if the register shows one."""
    return next(
        (a for a in not_in_today(session, pupil.school_id, today) if a.pupil.id == pupil.id), None
    )
