"""Which CTFs were made, so each file's serial is unique per school and destination."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from fieldvisit.accounts.models import User
from fieldvisit.cases.models import Case, CaseState, Outcome
from fieldvisit.core.dates import utcnow
from fieldvisit.core.db import Base
from fieldvisit.referrals.ctf import (
    ABROAD,
    LOST,
    CtfRequest,
    Destination,
    ctf_filename,
    missing_ctf,
)
from fieldvisit.referrals.models import Involvement

SERIAL_ATTEMPTS = 3


class CtfFile(Base):
    """One CTF made for a case; downloading it again keeps its serial."""

    __tablename__ = "ctf_files"
    __table_args__ = (
        UniqueConstraint("school_id", "destination", "serial"),
        UniqueConstraint("case_id", "destination"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    # LEA and Estab run together, as in the file name: XXXXXXX (lost) or MMMMMMM (abroad).
    destination: Mapped[str] = mapped_column(String(7))
    serial: Mapped[int]
    made_at: Mapped[datetime]
    made_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


def ctf_serial(session: Session, user: User, case: Case, destination: str) -> int:
    """Return this case's serial for the destination, taking the school's next one if new."""
    for _ in range(SERIAL_ATTEMPTS):
        made = session.scalar(
            select(CtfFile).where(CtfFile.case_id == case.id, CtfFile.destination == destination)
        )
        if made is not None:
            return made.serial
        last = session.scalar(
            select(func.max(CtfFile.serial)).where(
                CtfFile.school_id == case.school_id, CtfFile.destination == destination
            )
        )
        made = CtfFile(
            school_id=case.school_id,
            case_id=case.id,
            destination=destination,
            serial=(last or 0) + 1,
            made_at=utcnow(),
            made_by_id=user.id,
        )
        try:
            with session.begin_nested():
                session.add(made)
        except IntegrityError:
            continue  # Another download took that serial at the same moment: look again.
        return made.serial
    raise RuntimeError("Could not take a CTF serial after several attempts.")


def ctf_destination(case: Case) -> Destination:
    """Return where the pupil's CTF goes: the Lost Pupil Database unless known to be abroad."""
    return ABROAD if case.outcome == Outcome.MOVED_ABROAD else LOST


def ctf_left_on(session: Session, case: Case) -> date | None:
    """Return the day the pupil left the roll if this case makes a leaver's CTF, else None.

    That is a removal recorded after joint enquiries (XXXXXXX), or a child gone abroad
    (MMMMMMM), whether the school or the LA learned it, before or after the removal.
    """
    if case.state == CaseState.OFF_ROLL:
        return session.scalar(
            select(Involvement.removed_from_roll_on)
            .where(Involvement.case_id == case.id, Involvement.removed_from_roll_on.is_not(None))
            .order_by(Involvement.opened_at.desc())
            .limit(1)
        )
    if case.outcome == Outcome.MOVED_ABROAD and not case.pupil.on_roll:
        return case.pupil.left_on
    return None


def leaver_ctf(
    session: Session, user: User, case: Case, *, left_on: date, version: str
) -> tuple[str, bytes]:
    """Return the file name and content of the case's leaver CTF, refusing an invalid record."""
    destination = ctf_destination(case)
    request = CtfRequest(left_on=left_on, now=utcnow(), version=version, destination=destination)
    data = missing_ctf(case, request)
    serial = ctf_serial(session, user, case, destination.code)
    return ctf_filename(case.school, destination, serial), data
