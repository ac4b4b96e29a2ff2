"""The school's roll: find a pupil, add one by hand, import a roll file keyed by UPN."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from fieldvisit.accounts.models import User
from fieldvisit.core.audit import audit
from fieldvisit.core.dates import today_in_uk
from fieldvisit.core.errors import NotAllowed, NotFound, ValidationFailed
from fieldvisit.core.forms import load_data
from fieldvisit.core.permissions import Permission
from fieldvisit.pupils.models import Contact, ContactKind, Pupil
from fieldvisit.pupils.schemas import LABELS, PupilSchema
from fieldvisit.schools.models import School

log = logging.getLogger("fieldvisit.pupils")

PUPIL_FIELDS = (
    "forename",
    "surname",
    "date_of_birth",
    "sex",
    "year_group",
    "address_lines",
    "postcode",
    "expected_start_on",
    "admitted_on",
)
# Set from a roll file only where the file holds them: an import without these columns keeps
# what the school recorded by hand.
CHARACTERISTICS = (
    "sen_provision",
    "ethnicity",
    "first_language",
    "language_spoken",
    "interpreter_needed",
    "fsm_eligible",
    "service_child",
    "believed_country",
)


def _school_of(user: User) -> int:
    if not user.can(Permission.PUPILS_MANAGE) or user.school_id is None:
        raise NotAllowed("Only school staff can manage their school's roll.")
    return user.school_id


def roll_for(user: User) -> Select[Pupil]:
    """Select the pupils of the user's school; every roll query starts here."""
    return select(Pupil).where(Pupil.school_id == _school_of(user))


def matches_search(text: str) -> Any:
    """SQL: every word is in the pupil's names, or the whole text is their UPN."""
    by_name = and_(
        *(
            or_(
                func.lower(Pupil.forename).contains(word.lower(), autoescape=True),
                func.lower(Pupil.surname).contains(word.lower(), autoescape=True),
            )
            for word in text.split()
        )
    )
    return or_(by_name, Pupil.upn == text.strip().upper())


def get_pupil(session: Session, user: User, pupil_id: int) -> Pupil:
    """Load a pupil on the user's school's roll, or raise NotFound."""
    pupil = session.scalar(roll_for(user).where(Pupil.id == pupil_id))
    if pupil is None:
        raise NotFound("There is no pupil with that number on your school's roll.")
    return pupil


def update_characteristics(
    session: Session, user: User, pupil: Pupil, data: dict[str, Any]
) -> list[str]:
    """Record what the school knows of the pupil's characteristics; return the names of
    those that changed (the audit log keeps the names, never the values)."""
    if not user.can(Permission.PUPILS_MANAGE) or pupil.school_id != user.school_id:
        raise NotAllowed("Only the pupil's school can change what is recorded about them.")
    changed = [name for name in CHARACTERISTICS if getattr(pupil, name) != data[name]]
    for name in changed:
        setattr(pupil, name, data[name])
    audit(session, user.id, "update", "pupil", pupil.id, {"characteristics": changed})
    return changed


def _contacts(rows: list[dict[str, Any]]) -> list[Contact]:
    contacts = []
    for priority, row in enumerate(rows, start=1):
        kind = row.get("kind") or (
            ContactKind.PARENT if row["parental_responsibility"] else ContactKind.EMERGENCY
        )
        contacts.append(
            Contact(
                kind=ContactKind(kind),
                priority=priority,
                title=row["title"],
                forename=row["forename"],
                surname=row["surname"],
                relationship_to_pupil=row["relationship"],
                parental_responsibility=row["parental_responsibility"],
                lives_with_pupil=kind == ContactKind.PARENT,
                phones=row["phones"],
                email=row["email"],
            )
        )
    return contacts


def _same_contacts(pupil: Pupil, rows: list[dict[str, Any]]) -> bool:
    def key(c: Contact) -> tuple:
        return (c.forename, c.surname, c.relationship_to_pupil, tuple(c.phones), c.email)

    new = [key(c) for c in _contacts(rows)]
    return new == [key(c) for c in pupil.contacts]


def upsert_pupil(session: Session, school_id: int, data: dict[str, Any]) -> tuple[Pupil, str]:
    """Add the pupil or update the one with this UPN; say "added", "updated" or "unchanged".

    Contacts in the data replace the pupil's contacts; data without contacts keeps them.
    """
    pupil = session.scalar(
        select(Pupil)
        .options(selectinload(Pupil.contacts))
        .where(Pupil.school_id == school_id, Pupil.upn == data["upn"])
    )
    if pupil is None:
        pupil = Pupil(school_id=school_id, upn=data["upn"])
        pupil.contacts = _contacts(data["contacts"])
        for name in PUPIL_FIELDS:
            setattr(pupil, name, data[name])
        for name in CHARACTERISTICS:
            if name in data:
                setattr(pupil, name, data[name])
        session.add(pupil)
        session.flush()
        return pupil, "added"
    changed = False
    for name in (*PUPIL_FIELDS, *(n for n in CHARACTERISTICS if n in data)):
        if getattr(pupil, name) != data[name]:
            setattr(pupil, name, data[name])
            changed = True
    if data["contacts"] and not _same_contacts(pupil, data["contacts"]):
        pupil.contacts = _contacts(data["contacts"])
        changed = True
    session.flush()
    return pupil, "updated" if changed else "unchanged"


def add_pupil(session: Session, user: User, data: dict[str, Any]) -> Pupil:
    """Add one pupil typed in by hand; a UPN already on the roll is refused."""
    school_id = _school_of(user)
    taken = session.scalar(
        select(Pupil.id).where(Pupil.school_id == school_id, Pupil.upn == data["upn"])
    )
    if taken:
        raise ValidationFailed(
            "A pupil with this UPN is already on the roll.",
            fields={"upn": ["A pupil with this UPN is already on your school's roll"]},
        )
    pupil, _ = upsert_pupil(session, school_id, data)
    log.info("pupil added id=%s school=%s", pupil.id, school_id)
    return pupil


@dataclass(frozen=True)
class RowError:
    line: int
    message: str


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    off_roll: int = 0
    # Whether the file was taken as the whole roll (asked, and every row good).
    whole_roll: bool = False
    # Each part of IMPORT_PART rows is committed on its own (see import_roll).
    parts: int = 0
    seen: dict[str, int] = field(default_factory=dict, repr=False)

    @property
    def imported(self) -> int:
        return self.added + self.updated + self.unchanged


def _row_errors(line: int, errors: dict[str, list[str]]) -> list[RowError]:
    found = []
    for name, messages in errors.items():
        parts = name.split("-")
        label = LABELS.get(parts[0], parts[0])
        if parts[0] == "contacts" and len(parts) > 1 and parts[1].isdigit():
            label = f"Contact {int(parts[1]) + 1}"
        found.append(RowError(line, f"{label}: {messages[0]}"))
    return found


# Rows written per transaction: a roll of any size never holds the database's write lock
# (SQLite's is the whole database) for longer than one part takes.
IMPORT_PART = 500


def import_roll(
    session: Session,
    user: User,
    rows: list[tuple[int, dict[str, Any]]],
    report: ImportReport,
    *,
    whole_roll: bool = False,
) -> Iterator[ImportReport]:
    """Validate every row, then add or update each good one whole; bad rows change nothing.

    The rows are written IMPORT_PART at a time: after each part this yields the report so
    far and the caller commits that part. A file imported again, whole or after a part
    failed, updates the rows already written rather than adding them twice. Each row is
    written in its own savepoint, so a row the database refuses is reported and leaves no
    trace.
    """
    school_id = _school_of(user)
    for start in range(0, len(rows), IMPORT_PART):
        for line, raw in rows[start : start + IMPORT_PART]:
            _import_row(session, school_id, line, raw, report)
        report.parts += 1
        yield report
    report.errors.sort(key=lambda e: e.line)
    # The whole roll, every row good: pupils it no longer holds have left the register.
    if whole_roll and not report.errors:
        school = session.get(School, school_id)
        assert school is not None
        school.roll_imported_on = today_in_uk()
        report.whole_roll = True
        session.flush()
    log.info(
        "roll import school=%s added=%d updated=%d unchanged=%d errors=%d parts=%d",
        school_id,
        report.added,
        report.updated,
        report.unchanged,
        len(report.errors),
        report.parts,
    )


def _import_row(
    session: Session, school_id: int, line: int, raw: dict[str, Any], report: ImportReport
) -> None:
    result = load_data(PupilSchema(), raw, raw)
    if not result.ok:
        report.errors.extend(_row_errors(line, result.errors))
        return
    assert result.data is not None
    upn = result.data["upn"]
    if upn in report.seen:
        report.errors.append(
            RowError(line, f"UPN: {upn} is also on line {report.seen[upn]}; this row was skipped")
        )
        return
    report.seen[upn] = line
    try:
        with session.begin_nested():
            pupil, what = upsert_pupil(session, school_id, result.data)
    except IntegrityError:
        report.errors.append(RowError(line, "The database refused this row; it was skipped"))
        return
    setattr(report, what, getattr(report, what) + 1)
    report.off_roll += not pupil.on_roll
    today = today_in_uk()
    if pupil.last_imported_on != today:
        pupil.last_imported_on = today
