"""Receiving visits from phones: per-item answers, idempotent by client UUID, and the
visits written into their cases' chronologies."""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from fieldvisit.accounts.models import User
from fieldvisit.cases.access import cases_for
from fieldvisit.cases.engine import RECORDS, Action, record
from fieldvisit.cases.models import Case, CaseState
from fieldvisit.cases.services import raise_concern
from fieldvisit.chronology.models import Method
from fieldvisit.chronology.services import Chains, NewEntry
from fieldvisit.core.addresses import one_line
from fieldvisit.core.audit import audit
from fieldvisit.core.dates import utcnow
from fieldvisit.core.errors import CaseChanged, DomainError, ValidationFailed
from fieldvisit.core.forms import flatten_errors
from fieldvisit.letters.models import Letter
from fieldvisit.visits.models import (
    AssignmentStatus,
    HomeVisit,
    NeighbourEnquiry,
    VisitAssignment,
    VisitOutcome,
)
from fieldvisit.visits.photos import received_photos
from fieldvisit.visits.schemas import ManifestQuerySchema, VisitRecordSchema

log = logging.getLogger(__name__)


def content_hash(data: dict[str, Any]) -> str:
    """Hash a loaded visit record canonically: equal content gives an equal hash."""

    def canonical(value: Any) -> Any:
        if isinstance(value, datetime):
            return value.astimezone(UTC).isoformat()
        if isinstance(value, uuid.UUID | VisitOutcome):
            return str(value)
        raise TypeError(f"cannot hash {type(value).__name__}")

    content = {key: value for key, value in data.items() if key != "content_sha256"}
    text = json.dumps(content, default=canonical, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _client_uuid(raw: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(raw.get("client_uuid"))) if isinstance(raw, dict) else None
    except ValueError:
        return None


def _rejected(index: int, client_uuid: uuid.UUID | None, error: DomainError) -> dict[str, Any]:
    return {
        "index": index,
        "client_uuid": client_uuid,
        "status": "rejected",
        "visit_id": None,
        "content_sha256": None,
        "photos_missing": [],
        "error": error.to_json()["error"],
    }


def _accepted(index: int, status: str, visit: HomeVisit, received: set[str]) -> dict[str, Any]:
    return {
        "index": index,
        "client_uuid": visit.client_uuid,
        "status": status,
        "visit_id": visit.id,
        "content_sha256": stored_version(visit),
        "photos_missing": [h for h in visit.photos if h not in received],
        "error": None,
    }


class Conflict(DomainError):
    code = "conflict"
    status = 409


class CaseNotOpen(DomainError):
    code = "case_not_open"
    status = 422


# A visit is added to a case only in these states (closed or removed cases refuse it): a
# refused visit is answered alone, with the reason.
OPEN_TO_VISITS = RECORDS[Action.RECORD_VISIT].states


def _case_not_open(case: Case) -> CaseNotOpen:
    why = "is closed" if case.state == CaseState.CLOSED else "is off the school's roll"
    return CaseNotOpen(
        f"Case {case.reference} {why}, so this visit was not added to it. "
        "Tell the school or the LA what you found.",
        fields={"case_id": [f"Case {case.reference} {why}."]},
    )


def _cancelled_after_visit(
    session: Session, officer: User, valid: list[dict[str, Any]], seen: dict[int, Case]
) -> tuple[dict[int, Case], set[uuid.UUID]]:
    """Find the visits the officer made before their assignment was cancelled or moved: they
    no longer see the case, but a visit recorded at the door before then is still taken in.

    Return those visits' cases and their client UUIDs.
    """
    late = [d for d in valid if d["case_id"] not in seen]
    if not late:
        return {}, set()
    cancelled: dict[int, list[datetime]] = {}
    for assignment in session.scalars(
        select(VisitAssignment).where(
            VisitAssignment.officer_id == officer.id,
            VisitAssignment.status == AssignmentStatus.CANCELLED,
            VisitAssignment.cancelled_at.is_not(None),
            VisitAssignment.case_id.in_({d["case_id"] for d in late}),
        )
    ):
        assert assignment.cancelled_at is not None
        cancelled.setdefault(assignment.case_id, []).append(_aware(assignment.cancelled_at))
    made_before = {
        d["client_uuid"]
        for d in late
        if any(_aware(d["arrived_at"]) <= at for at in cancelled.get(d["case_id"], []))
    }
    ids = {d["case_id"] for d in late if d["client_uuid"] in made_before}
    if not ids:
        return {}, set()
    cases = session.scalars(select(Case).where(Case.id.in_(ids)).options(joinedload(Case.pupil)))
    return {c.id: c for c in cases.unique()}, made_before


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class BatchRace(DomainError):
    code = "try_again"
    status = 409


def receive_batch(session: Session, officer: User, items: list[Any]) -> list[dict[str, Any]]:
    """Store each new visit once; answer each item created, duplicate or rejected, in order.

    The new visits of a batch are written together (one flush for the visits, one read of
    the cases' chronology ends, one flush for the entries), so a batch of 50 costs little
    more than a handful of statements per visit.
    """
    schema = VisitRecordSchema()
    loaded: list[tuple[dict[str, Any] | None, DomainError | None]] = []
    for raw in items:
        if not isinstance(raw, dict):
            loaded.append((None, ValidationFailed("Each visit is a JSON object.")))
            continue
        try:
            loaded.append((schema.load(raw), None))
        except ValidationError as error:
            fields = flatten_errors(error.messages)
            loaded.append((None, ValidationFailed(_first_message(fields), fields=fields)))
    valid = [d for d, _ in loaded if d is not None]
    uuids = [d["client_uuid"] for d in valid]
    stored = stored_visits(session, uuids)
    cases = {
        c.id: c
        for c in session.scalars(
            cases_for(officer)
            .where(Case.id.in_({d["case_id"] for d in valid}))
            .options(joinedload(Case.pupil))
        ).unique()
    }
    late_cases, made_before = _cancelled_after_visit(session, officer, valid, cases)
    letters = _letters_named(session, valid)
    answers: list[tuple[str, HomeVisit] | DomainError] = []
    created: list[HomeVisit] = []
    for data, problem in loaded:
        if data is None:
            assert problem is not None
            answers.append(problem)
        elif (visit := stored.get(data["client_uuid"])) is not None:
            answers.append(("duplicate", visit) if _same(visit, officer, data) else _conflict())
        elif (
            case := cases.get(data["case_id"])
            or (late_cases.get(data["case_id"]) if data["client_uuid"] in made_before else None)
        ) is None:
            answers.append(
                ValidationFailed(
                    "There is no case with that number that you can see: ask the school "
                    "whether the visit was reassigned.",
                    fields={"case_id": ["There is no case with that number that you can see."]},
                )
            )
        elif case.state not in OPEN_TO_VISITS:
            answers.append(_case_not_open(case))
        else:
            visit = _new_visit(officer, case, data, content_hash(data))
            if data["letter_left"]:
                visit.letter_id = letters.get((case.id, _reference(data)))
            session.add(visit)
            stored[visit.client_uuid] = visit
            created.append(visit)
            answers.append(("created", visit))
    if created:
        try:
            session.flush()
        except IntegrityError:
            # Another request stored one of these visits since we looked: the phone sends
            # the batch again and gets 'duplicate' for it. The failed flush spoils the
            # session, so it is rolled back here for the error page to use it.
            session.rollback()
            raise BatchRace(
                "Some of these visits arrived twice at the same moment. Send them again."
            ) from None
        _into_cases(session, officer, {**late_cases, **cases}, created)
    received = received_photos(session, uuids, officer.id)
    results = []
    for index, answer in enumerate(answers):
        if isinstance(answer, DomainError):
            results.append(_rejected(index, _client_uuid(items[index]), answer))
        else:
            status, visit = answer
            results.append(_accepted(index, status, visit, received[visit.client_uuid]))
    return results


def stored_version(visit: HomeVisit) -> str:
    """Return the version the phone knows the stored visit by: its own hash where it sent one."""
    return visit.client_content_sha256 or visit.content_hash


def _same(visit: HomeVisit, officer: User, data: dict[str, Any]) -> bool:
    """Say whether a record sent again is the stored visit, not another version of it."""
    if visit.officer_id != officer.id:
        return False
    if visit.client_content_sha256 and data.get("content_sha256"):
        return visit.client_content_sha256 == data["content_sha256"]
    return visit.content_hash == content_hash(data)


def stored_visits(session: Session, uuids: list[uuid.UUID]) -> dict[uuid.UUID, HomeVisit]:
    """Return the visits already stored under these client UUIDs, by UUID."""
    visits = session.scalars(select(HomeVisit).where(HomeVisit.client_uuid.in_(uuids)))
    return {v.client_uuid: v for v in visits}


def _first_message(fields: dict[str, list[str]]) -> str:
    name, messages = next(iter(fields.items()))
    return f"{name}: {messages[0]}" if name != "_schema" else messages[0]


def _conflict() -> Conflict:
    return Conflict(
        "A different record with this client id is already stored, and it is never "
        "overwritten. Send your version as a new visit.",
    )


def _new_visit(officer: User, case: Case, data: dict[str, Any], digest: str) -> HomeVisit:
    position = data["position"] or {}
    return HomeVisit(
        client_uuid=data["client_uuid"],
        case_id=case.id,
        officer_id=officer.id,
        arrived_at=data["arrived_at"],
        outcome=data["outcome"],
        latitude=position.get("latitude"),
        longitude=position.get("longitude"),
        accuracy_m=position.get("accuracy_m"),
        letter_left=data["letter_left"],
        letter_reference=data["letter_reference"],
        notes=data["notes"],
        concern=data["concern"],
        concern_details=data["concern_details"],
        photos=data["photos"],
        content_hash=digest,
        client_content_sha256=data.get("content_sha256"),
        received_at=utcnow(),
        neighbour_enquiries=[
            NeighbourEnquiry(position=i, **enquiry)
            for i, enquiry in enumerate(data["neighbour_enquiries"], start=1)
        ],
    )


def _letters_named(session: Session, items: list[dict[str, Any]]) -> dict[tuple[int, str], int]:
    """Return the letters the batch's references name, by (case id, reference): one query.

    A visit whose reference names no letter of its case is stored as recorded but is not
    completed (HomeVisit.completed).
    """
    references = {_reference(d) for d in items if d["letter_left"] and d["letter_reference"]}
    if not references:
        return {}
    rows = session.execute(
        select(Letter.id, Letter.case_id, Letter.reference).where(Letter.reference.in_(references))
    )
    return {(case_id, reference): letter_id for letter_id, case_id, reference in rows}


def _reference(data: dict[str, Any]) -> str:
    return str(data["letter_reference"]).strip().upper()


def _into_cases(
    session: Session, officer: User, cases: dict[int, Case], visits: list[HomeVisit]
) -> None:
    """Write new visits into their cases: chronology, concerns, assignments done, audit."""
    chains = Chains(session, [cases[v.case_id] for v in visits])
    if ticking := {v.case_id for v in visits if v.completed}:
        # A completed visit ticks checklist items: read those cases' checklists in one query.
        session.scalars(
            select(Case).where(Case.id.in_(ticking)).options(selectinload(Case.checklist))
        ).all()
    for visit in visits:
        case = cases[visit.case_id]
        record(session, case, Action.RECORD_VISIT, officer, _entries(officer, case, visit), chains)
        if visit.concern:
            raise_concern(
                session,
                officer,
                case,
                concern=visit.concern_details,
                occurred_at=visit.arrived_at,
                source="home_visit",
            )
        audit(session, officer.id, "create", "home_visit", visit.id)
        log.info("home visit stored visit=%s case=%s officer=%s", visit.id, case.id, officer.id)
    done = {v.case_id for v in visits if v.completed}
    for assignment in session.scalars(
        select(VisitAssignment).where(
            VisitAssignment.case_id.in_(done),
            VisitAssignment.officer_id == officer.id,
            VisitAssignment.status == AssignmentStatus.OPEN,
        )
    ):
        assignment.status = AssignmentStatus.DONE
        assignment.done_at = utcnow()
    try:
        session.flush()
    except StaleDataError:
        raise CaseChanged() from None  # the phone tries again later


def _entries(officer: User, case: Case, visit: HomeVisit) -> list[NewEntry]:
    """Return the chronology of a visit: the visit, each enquiry, the letter left."""
    address = one_line(case.pupil.address_lines, case.pupil.postcode)
    completed = "completed" if visit.completed else f"not completed: {visit.why_not_completed}"
    common = {"visit_id": visit.id, "client_uuid": str(visit.client_uuid)}
    position = None
    if visit.latitude is not None:
        position = {"lat": visit.latitude, "lon": visit.longitude, "accuracy_m": visit.accuracy_m}
    entries = [
        NewEntry(
            kind=Action.RECORD_VISIT.value,
            summary=f"Home visit: {visit.outcome.label.lower()} ({completed})",
            actor=officer,
            method=Method.VISIT,
            occurred_at=visit.arrived_at,
            target=address,
            note=visit.notes,
            details={
                **common,
                "outcome": visit.outcome.value,
                "completed": visit.completed,
                "letter_of_case": visit.letter_id is not None,
                "position": position,
                "photos": visit.photos,
            },
        )
    ]
    for enquiry in visit.neighbour_enquiries:
        spoke_to = f": spoke to {enquiry.spoke_to}" if enquiry.spoke_to else ""
        entries.append(
            NewEntry(
                kind="neighbour_enquiry",
                summary=f"Neighbour enquiry at the home visit{spoke_to}",
                actor=officer,
                method=Method.IN_PERSON,
                occurred_at=visit.arrived_at,
                target=enquiry.neighbour,
                note=enquiry.said,
                details={**common, "position": enquiry.position},
            )
        )
    if visit.letter_left:
        entries.append(
            NewEntry(
                kind="letter_delivered",
                summary=f"Letter {visit.letter_reference} hand-delivered at the home visit"
                if visit.letter_id is not None
                else f"Letter {visit.letter_reference} recorded as left at the home visit: "
                "no letter of this case has that reference",
                actor=officer,
                method=Method.LETTER,
                occurred_at=visit.arrived_at,
                target=address,
                details={
                    **common,
                    "letter_reference": visit.letter_reference,
                    "letter_id": visit.letter_id,
                    "photos": visit.photos,
                },
            )
        )
    return entries


def manifest(session: Session, officer: User, items: list[Any]) -> list[dict[str, Any]]:
    """Say, for each visit the phone holds, whether the server has that version of it and
    which photos it lacks; an item that cannot be read is answered alone."""
    schema = ManifestQuerySchema()
    queries: list[dict[str, Any] | DomainError] = []
    for raw in items:
        try:
            queries.append(schema.load(raw if isinstance(raw, dict) else {}))
        except ValidationError as error:
            fields = flatten_errors(error.messages)
            queries.append(ValidationFailed(_first_message(fields), fields=fields))
    uuids = [q["client_uuid"] for q in queries if not isinstance(q, DomainError)]
    stored = stored_visits(session, uuids)
    received = received_photos(session, uuids, officer.id)
    entries = []
    for raw, query in zip(items, queries, strict=True):
        if isinstance(query, DomainError):
            entries.append(
                {
                    "client_uuid": _client_uuid(raw),
                    "visit": "rejected",
                    "content_sha256": None,
                    "photos_missing": [],
                    "error": query.to_json()["error"],
                }
            )
            continue
        client_uuid = query["client_uuid"]
        visit = stored.get(client_uuid)
        if visit is None:
            state, wanted, version = "missing", query["photos"], None
        elif visit.officer_id != officer.id:
            state, wanted, version = "conflict", [], None
        else:
            version = stored_version(visit)
            asked = query["content_sha256"]
            state = "stored" if asked is None or asked == version else "conflict"
            wanted = visit.photos if state == "stored" else []
        entries.append(
            {
                "client_uuid": client_uuid,
                "visit": state,
                "content_sha256": version,
                "photos_missing": [h for h in wanted if h not in received[client_uuid]],
                "error": None,
            }
        )
    return entries
