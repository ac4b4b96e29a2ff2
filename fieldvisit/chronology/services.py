"""Append to a case's chronology and verify its hash chain."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from fieldvisit.chronology.models import ChronologyEntry, Method
from fieldvisit.core.dates import utcnow
from fieldvisit.core.errors import CaseChanged

if TYPE_CHECKING:
    from fieldvisit.accounts.models import User
    from fieldvisit.cases.models import Case

GENESIS = "0" * 64


def entry_hash(entry: ChronologyEntry) -> str:
    """Hash the entry's content together with the previous entry's hash."""
    content = {
        "case_id": entry.case_id,
        "seq": entry.seq,
        "kind": entry.kind,
        "method": str(entry.method),
        "occurred_at": _iso(entry.occurred_at),
        "recorded_at": _iso(entry.recorded_at),
        "actor_id": entry.actor_id,
        "target": entry.target,
        "summary": entry.summary,
        "note": entry.note,
        "details": entry.details,
        "corrects_id": entry.corrects_id,
        "prev_hash": entry.prev_hash,
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _iso(value: datetime) -> str:
    return value.isoformat(timespec="microseconds")


def append(
    session: Session,
    case: Case,
    *,
    kind: str,
    summary: str,
    actor: User | None,
    method: Method = Method.SYSTEM,
    occurred_at: datetime | None = None,
    target: str = "",
    note: str = "",
    details: dict[str, Any] | None = None,
    corrects: ChronologyEntry | None = None,
) -> ChronologyEntry:
    """Add an entry at the end of the case's chain and touch the case so edits serialise."""
    entry = NewEntry(kind, summary, actor, method, occurred_at, target, note, details, corrects)
    return append_all(session, case, [entry])[0]


def append_all(session: Session, case: Case, new: list[NewEntry]) -> list[ChronologyEntry]:
    """Add entries in order at the end of one case's chain and flush them."""
    entries = Chains(session, [case]).append(case, new)
    try:
        session.flush()
    except StaleDataError:
        raise CaseChanged() from None
    return entries


@dataclass(frozen=True)
class NewEntry:
    """One entry for Chains.append: the same fields as append's keywords."""

    kind: str
    summary: str
    actor: User | None
    method: Method = Method.SYSTEM
    occurred_at: datetime | None = None
    target: str = ""
    note: str = ""
    details: dict[str, Any] | None = None
    corrects: ChronologyEntry | None = None


class Chains:
    """Append to the chains of many cases at once (a phone's batch of visits): one read of
    their ends, no flush of its own. A chain that grew elsewhere meanwhile is read again."""

    def __init__(self, session: Session, cases: Iterable[Case]) -> None:
        self.session = session
        ids = {case.id for case in cases}
        last = (
            select(ChronologyEntry.case_id, func.max(ChronologyEntry.seq).label("seq"))
            .where(ChronologyEntry.case_id.in_(ids))
            .group_by(ChronologyEntry.case_id)
            .subquery()
        )
        rows = session.execute(
            select(ChronologyEntry.case_id, ChronologyEntry.seq, ChronologyEntry.hash).join(
                last,
                and_(ChronologyEntry.case_id == last.c.case_id, ChronologyEntry.seq == last.c.seq),
            )
        )
        self._ends = {row.case_id: (row.seq, row.hash) for row in rows}

    def _end(self, case: Case) -> tuple[int, str]:
        end = self._ends.get(case.id, (0, GENESIS))
        if end[1] == (case.chronology_head or GENESIS):
            return end
        last = self.session.execute(
            select(ChronologyEntry.seq, ChronologyEntry.hash)
            .where(ChronologyEntry.case_id == case.id)
            .order_by(ChronologyEntry.seq.desc())
            .limit(1)
        ).first()
        return (last.seq, last.hash) if last else (0, GENESIS)

    def append(self, case: Case, new: list[NewEntry]) -> list[ChronologyEntry]:
        """Add entries in order at the end of the case's chain and touch the case."""
        seq, prev_hash = self._end(case)
        now = utcnow()
        entries = []
        for spec in new:
            seq += 1
            entry = ChronologyEntry(
                case_id=case.id,
                seq=seq,
                kind=spec.kind,
                method=spec.method,
                occurred_at=spec.occurred_at or now,
                recorded_at=now,
                actor_id=spec.actor.id if spec.actor else None,
                target=spec.target,
                summary=spec.summary,
                note=spec.note,
                details=spec.details or {},
                corrects_id=spec.corrects.id if spec.corrects else None,
                prev_hash=prev_hash,
            )
            entry.hash = prev_hash = entry_hash(entry)
            entries.append(entry)
        self.session.add_all(entries)
        self._ends[case.id] = (seq, prev_hash)
        case.chronology_head = prev_hash
        case.updated_at = now  # bumps the case's version: concurrent writers conflict
        return entries


@dataclass(frozen=True)
class ChainBreak:
    case_id: int
    seq: int
    entry_id: int | None
    problem: str


def verify_case(entries: list[ChronologyEntry], head: str | None) -> ChainBreak | None:
    """Return the first broken link in one case's entries (ordered by seq), if any."""
    prev = GENESIS
    case_id = entries[0].case_id if entries else 0
    for expected_seq, entry in enumerate(entries, start=1):
        if entry.seq != expected_seq:
            return ChainBreak(case_id, expected_seq, None, "entry missing (deleted)")
        if entry.prev_hash != prev:
            return ChainBreak(case_id, entry.seq, entry.id, "link to the previous entry broken")
        if entry_hash(entry) != entry.hash:
            return ChainBreak(case_id, entry.seq, entry.id, "content changed after it was written")
        prev = entry.hash
    if head is not None and prev != head:
        return ChainBreak(case_id, len(entries) + 1, None, "latest entries missing (deleted)")
    return None


def verify_all(session: Session, heads: Mapping[int, str | None]) -> Iterator[ChainBreak]:
    """Verify every case's chain, one case at a time, in case order.

    `heads` maps every case's id to the hash its latest entry must have
    (`cases.models.chronology_heads`), so deleted latest entries are found too.
    """
    query = select(ChronologyEntry).order_by(ChronologyEntry.case_id, ChronologyEntry.seq)
    current: list[ChronologyEntry] = []
    seen: set[int] = set()
    for entry in session.scalars(query.execution_options(yield_per=2000, populate_existing=True)):
        if current and entry.case_id != current[0].case_id:
            seen.add(current[0].case_id)
            if broken := verify_case(current, heads.get(current[0].case_id)):
                yield broken
            current = []
        current.append(entry)
    if current:
        seen.add(current[0].case_id)
        if broken := verify_case(current, heads.get(current[0].case_id)):
            yield broken
    for case_id, head in sorted(heads.items()):
        if case_id not in seen and head:
            yield ChainBreak(case_id, 1, None, "all entries missing (deleted)")
