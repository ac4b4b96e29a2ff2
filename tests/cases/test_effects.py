"""Every action on a case goes through the engine, which publishes it to the installed effects."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from fieldvisit import effects as wiring
from fieldvisit.cases import effects, engine, services
from fieldvisit.cases.engine import RECORDS, Action
from fieldvisit.cases.models import CaseState
from fieldvisit.chronology.models import Method
from fieldvisit.chronology.services import NewEntry
from fieldvisit.core.dates import utcnow
from fieldvisit.core.errors import NotAllowed, TransitionRefused
from fieldvisit.letters import services as letters
from tests.support.factories import World, make_case, make_letter

PACKAGE = Path(wiring.__file__).parent
# The engine writes the chronology; the demo writes a made-up history for the demo only.
WRITERS = {PACKAGE / "cases" / "engine.py"}
CHRONOLOGY_WRITES = {"append", "append_all"}


def _writes_outside_the_engine(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module == "fieldvisit.chronology.services":
            found += [f"imports {a.name}" for a in node.names if a.name in CHRONOLOGY_WRITES]
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in CHRONOLOGY_WRITES
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in {"chronology", "chains"}
        ):
            found.append(f"line {node.lineno}: {node.func.value.id}.{node.func.attr}")
    return found


def test_only_the_engine_writes_the_chronology() -> None:
    offenders = {
        str(path.relative_to(PACKAGE)): found
        for path in PACKAGE.rglob("*.py")
        if path not in WRITERS
        and PACKAGE / "demo" not in path.parents
        and PACKAGE / "chronology" not in path.parents
        and (found := _writes_outside_the_engine(path))
    }
    assert offenders == {}


def test_the_check_finds_a_write(tmp_path: Path) -> None:
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text("def f(session, case):\n    chronology.append(session, case, kind='x')\n")
    assert _writes_outside_the_engine(sneaky) == ["line 2: chronology.append"]


@pytest.fixture
def published(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[effects.Happened]]:
    """Record what the engine publishes, after the installed handlers have run."""
    seen: list[effects.Happened] = []
    monkeypatch.setattr(
        effects, "_handlers", (*wiring.HANDLERS, lambda _session, happened: seen.append(happened))
    )
    yield seen


def test_publishing_with_nothing_installed_is_refused(
    session: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(effects, "_handlers", None)
    with pytest.raises(RuntimeError, match="No effects are installed"):
        make_case(session, world)


def test_each_kind_of_action_is_published_once_with_its_entries(
    session: Session, world: World, published: list[effects.Happened]
) -> None:
    case = make_case(session, world)
    services.log_contact_attempt(
        session,
        world.school_user,
        case,
        method=Method.PHONE,
        target="07700 900001",
        contact_name="Pat Parent",
        occurred_at=utcnow(),
        contact_made=False,
    )
    letter = make_letter(session, case, world.school_user)
    letters.revoke_link(session, world.school_user, case, letter)

    assert [(h.action, h.before, [e.kind for e in h.entries]) for h in published] == [
        ("case_opened", CaseState.FIRST_DAY, ["case_opened"]),
        ("log_contact", CaseState.FIRST_DAY, ["log_contact"]),
        ("letter_link_revoked", CaseState.FIRST_DAY, ["letter_link_revoked"]),
    ]
    assert all(h.actor is world.school_user and h.case is case for h in published)


def test_a_closing_action_closes_the_case_once(
    session: Session, world: World, published: list[effects.Happened]
) -> None:
    case = make_case(session, world)
    engine.apply(session, case, Action.CHILD_RETURNED, world.school_user)
    engine.apply(session, case, Action.RAISE_CONCERN, world.school_user)
    assert [h.closed_the_case for h in published] == [False, True, False]


def test_a_record_is_checked_like_a_transition(session: Session, world: World) -> None:
    case = make_case(session, world)
    entry = NewEntry(kind=Action.RECORD_VISIT.value, summary="Home visit", actor=world.officer)
    with pytest.raises(NotAllowed):
        engine.record(session, case, Action.RECORD_VISIT, world.school_user, [entry])
    engine.apply(session, case, Action.CHILD_RETURNED, world.school_user)
    with pytest.raises(TransitionRefused, match="not possible while the case is"):
        engine.record(session, case, Action.RECORD_VISIT, world.officer, [entry])


def test_records_and_transitions_are_different_actions() -> None:
    moving = {action for _, action in engine.TRANSITIONS}
    assert moving.isdisjoint(RECORDS)
    assert moving | set(RECORDS) == set(Action)
