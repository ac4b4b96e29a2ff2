"""Retention: closed cases past the LA's period are deleted whole, with their files.

What belongs to a case is found from the foreign keys, so a table added later that refers
to a case (or to something of a case) is deleted with it: its chronology, checklist, home
visits, letters and their links, referrals and involvements, outcome records. The visits'
photos name their visit by UUID, not by a foreign key, so they are added by name. The
pupil goes too once no other case refers to them and they are no longer on roll. A print
batch that holds a deleted letter is deleted (its PDF holds that letter's page); the
other letters in it keep their own copies. Each case's chronology is its own hash chain,
so the chains of the cases kept stay whole.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Table, delete, select, update
from sqlalchemy.orm import Session

from fieldvisit.accounts.models import User
from fieldvisit.cases.models import Case, CaseState
from fieldvisit.core.audit import audit
from fieldvisit.core.dates import utcnow
from fieldvisit.core.db import own_session, writing
from fieldvisit.core.jobs import Job, Progress
from fieldvisit.core.storage import storage
from fieldvisit.letters.models import Letter
from fieldvisit.models import metadata
from fieldvisit.pupils.models import Pupil
from fieldvisit.schools.models import RETENTION_YEARS
from fieldvisit.schools.services import current_la
from fieldvisit.visits.models import HomeVisit, VisitPhoto

# The columns that name a file in the store.
FILE_COLUMNS = {
    "visit_photos": ("storage_key", "thumbnail_key"),
    "letters": ("storage_key",),
    "letter_batches": ("storage_key",),
    "referrals": ("chronology_pdf_key",),
    "home_education_referrals": ("notice_file_key",),
    "chronology_attachments": ("storage_key",),
}


@dataclass
class RetentionPlan:
    closed_before: datetime
    years: int
    case_ids: list[int]
    rows: dict[str, set[int]] = field(default_factory=dict)
    file_keys: set[str] = field(default_factory=set)

    def counts(self) -> dict[str, int]:
        """Rows to delete per table, the tables with none left out."""
        return {name: len(ids) for name, ids in sorted(self.rows.items()) if ids}


def years_before(moment: datetime, years: int) -> datetime:
    """Return the same moment `years` earlier (29 February becomes 28 February)."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


def plan(session: Session, now: datetime | None = None) -> RetentionPlan:
    """Find the closed cases past the LA's period and everything that goes with them."""
    la = current_la(session)
    years = la.retention_years if la else RETENTION_YEARS
    cutoff = years_before(now or utcnow(), years)
    case_ids = list(
        session.scalars(
            select(Case.id)
            .where(Case.state == CaseState.CLOSED, Case.closed_at <= cutoff)
            .order_by(Case.id)
        )
    )
    found = RetentionPlan(cutoff, years, case_ids)
    if not case_ids:
        return found
    rows: dict[str, set[int]] = defaultdict(set)
    rows["cases"] = set(case_ids)
    pupil_ids = set(session.scalars(select(Case.pupil_id).where(Case.id.in_(case_ids))))
    kept_by = select(Case.pupil_id).where(Case.id.not_in(case_ids))
    rows["pupils"] = set(
        session.scalars(
            select(Pupil.id).where(
                Pupil.id.in_(pupil_ids), Pupil.on_roll.is_(False), Pupil.id.not_in(kept_by)
            )
        )
    )
    letter_ids = _dependents(session, rows)
    # Photos name their visit by its client UUID, not by a foreign key: they may come first.
    visit_uuids = select(HomeVisit.client_uuid).where(HomeVisit.id.in_(rows["home_visits"]))
    rows["visit_photos"] = set(
        session.scalars(select(VisitPhoto.id).where(VisitPhoto.visit_uuid.in_(visit_uuids)))
    )
    batch_query = select(Letter.batch_id).where(
        Letter.id.in_(letter_ids), Letter.batch_id.is_not(None)
    )
    rows["letter_batches"] = set(session.scalars(batch_query))
    found.rows = dict(rows)
    found.file_keys = _file_keys(session, found.rows)
    return found


def _dependents(session: Session, rows: dict[str, set[int]]) -> set[int]:
    """Add every row that refers, through foreign keys, to a row being deleted; return the
    letters' ids. Parents come before children in `sorted_tables`, so one pass is enough."""
    for table in metadata.sorted_tables:
        for key in table.foreign_keys:
            parent = key.column.table.name
            if parent == table.name or parent == "letter_batches" or not rows.get(parent):
                continue
            (primary,) = table.primary_key.columns
            rows[table.name] |= set(
                session.scalars(select(primary).where(key.parent.in_(rows[parent])))
            )
    return rows.get("letters", set())


def _file_keys(session: Session, rows: dict[str, set[int]]) -> set[str]:
    keys: set[str] = set()
    for name, columns in FILE_COLUMNS.items():
        if not rows.get(name):
            continue
        table = metadata.tables[name]
        (primary,) = table.primary_key.columns
        for column in columns:
            query = select(table.c[column]).where(primary.in_(rows[name]))
            keys |= {key for key in session.scalars(query) if key}
    return keys


def apply(session: Session, found: RetentionPlan, actor: User | None = None) -> None:
    """Delete the planned rows, children first, and write one audit row of ids and counts.

    The files are left to the caller to delete once the transaction is committed, so a
    rolled-back run never leaves rows whose files are gone.
    """
    if not found.case_ids:
        return
    # The batch goes; the other letters in it keep their own copies.
    session.execute(
        update(Letter)
        .where(Letter.batch_id.in_(found.rows["letter_batches"]))
        .values(batch_id=None)
        .execution_options(synchronize_session=False)
    )
    for table in reversed(metadata.sorted_tables):
        ids = found.rows.get(table.name)
        if ids:
            _delete(session, table, ids)
    audit(
        session,
        actor.id if actor else None,
        "retention",
        "case",
        None,
        {
            "case_ids": found.case_ids,
            "closed_before": found.closed_before.isoformat(),
            "years": found.years,
            "rows": found.counts(),
            "files": len(found.file_keys),
        },
    )
    session.flush()


def _delete(session: Session, table: Table, ids: set[int]) -> None:
    # A Core delete: the ORM refuses to delete chronology entries one by one, by design.
    # Newest first, so a correcting entry goes before the entry it corrects.
    (primary,) = table.primary_key.columns
    ordered = sorted(ids, reverse=True)
    for start in range(0, len(ordered), 500):
        session.execute(delete(table).where(primary.in_(ordered[start : start + 500])))


JOB = "daily_retention"


def run_daily(job: Job, progress: Progress) -> None:
    """The daily job: delete what is past the LA's period, then its files."""
    with writing(), own_session() as session:
        found = plan(session)
        if not found.case_ids:
            return
        apply(session, found)
        session.commit()
    store = storage()
    for key in sorted(found.file_keys):
        store.delete(key)
