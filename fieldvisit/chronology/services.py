"""Append to a case's chronology and verify its hash chain."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
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
    last = session.execute(
        select(ChronologyEntry.seq, ChronologyEntry.hash)
        .where(ChronologyEntry.case_id == case.id)
        .order_by(ChronologyEntry.seq.desc())
        .limit(1)
    ).first()
    now = utcnow()
    entry = ChronologyEntry(
        case_id=case.id,
        seq=(last.seq + 1) if last else 1,
        kind=kind,
        method=method,
        occurred_at=occurred_at or now,
        recorded_at=now,
        actor_id=actor.id if actor else None,
        target=target,
        summary=summary,
        note=note,
        details=details or {},
        corrects_id=corrects.id if corrects else None,
        prev_hash=last.hash if last else GENESIS,
    )
    entry.hash = entry_hash(entry)
    session.add(entry)
    case.chronology_head = entry.hash
    case.updated_at = now  # bumps the case's version: concurrent writers conflict
    try:
        session.flush()
    except StaleDataError:
        raise CaseChanged() from None
    return entry


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


def verify_all(session: Session) -> Iterator[ChainBreak]:
    """Verify every case's chain, one case at a time, in case order."""
    from fieldvisit.cases.models import Case

    heads = {
        row.id: row.chronology_head
        for row in session.execute(select(Case.id, Case.chronology_head))
    }
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
