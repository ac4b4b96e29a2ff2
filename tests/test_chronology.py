"""The chronology is append-only and any later edit of the database is detected."""

from datetime import date

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text

from fieldvisit.cases.models import chronology_heads
from fieldvisit.chronology.models import ChronologyEntry, ChronologyIsAppendOnly
from fieldvisit.chronology.services import append, verify_all
from fieldvisit.cli import cli
from tests.support.factories import make_case


@pytest.fixture
def case(session, world):
    case = make_case(session, world, first_day=date(2026, 11, 3))
    for n in range(3):
        append(
            session,
            case,
            kind="note",
            summary=f"Entry {n}",
            actor=world.school_user,
            note="Spoke to the school nurse.",
            details={"n": n},
        )
    session.flush()
    return case


def entries(session, case):
    return session.scalars(
        select(ChronologyEntry)
        .where(ChronologyEntry.case_id == case.id)
        .order_by(ChronologyEntry.seq)
    ).all()


def test_an_untouched_chain_verifies(session, case):
    assert list(verify_all(session, chronology_heads(session))) == []
    chain = entries(session, case)
    assert [e.seq for e in chain] == [1, 2, 3, 4]
    assert all(b.prev_hash == a.hash for a, b in zip(chain, chain[1:], strict=False))


def test_entries_cannot_be_changed_through_the_app(session, case):
    entry = entries(session, case)[1]
    entry.summary = "Rewritten"
    with pytest.raises(ChronologyIsAppendOnly):
        session.flush()


def test_a_correction_is_a_new_entry_pointing_at_the_old(session, world, case):
    wrong = entries(session, case)[1]
    fix = append(
        session,
        case,
        kind="correction",
        summary="Correction: it was the GP",
        actor=world.school_user,
        corrects=wrong,
    )
    assert fix.corrects_id == wrong.id
    assert list(verify_all(session, chronology_heads(session))) == []


@pytest.mark.parametrize(
    ("tamper", "problem"),
    [
        (
            "UPDATE chronology_entries SET note = 'edited' WHERE case_id = :case AND seq = 2",
            "content changed",
        ),
        (
            "UPDATE chronology_entries SET actor_id = NULL WHERE case_id = :case AND seq = 3",
            "content changed",
        ),
        ("DELETE FROM chronology_entries WHERE case_id = :case AND seq = 2", "missing"),
        ("DELETE FROM chronology_entries WHERE case_id = :case AND seq = 4", "missing"),
        ("DELETE FROM chronology_entries WHERE case_id = :case", "missing"),
    ],
)
def test_editing_the_database_is_detected(session, case, tamper, problem):
    session.commit()
    session.execute(text(tamper), {"case": case.id})
    [broken] = list(verify_all(session, chronology_heads(session)))
    assert broken.case_id == case.id
    assert problem in broken.problem


def test_verify_chronology_command_names_the_first_broken_entry(app, session, case):
    session.commit()
    runner = CliRunner()
    result = runner.invoke(cli, ["verify-chronology"], obj=_script_info(app))
    assert result.exit_code == 0, result.output
    assert "intact" in result.output
    second = entries(session, case)[1]
    session.execute(
        text("UPDATE chronology_entries SET summary = 'x' WHERE id = :id"), {"id": second.id}
    )
    result = runner.invoke(cli, ["verify-chronology"], obj=_script_info(app))
    assert result.exit_code == 1
    assert f"case {case.id}, entry {second.id} at position 2" in result.output


def _script_info(app):
    from flask.cli import ScriptInfo

    return ScriptInfo(create_app=lambda: app)
