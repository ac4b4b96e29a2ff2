"""The fieldvisit command, as scripts and deployments use it."""

from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import func, select

from fieldvisit.accounts.models import User
from fieldvisit.cases.models import Case, CaseState, Outcome, chronology_heads
from fieldvisit.chronology.services import verify_all
from fieldvisit.cli import cli
from fieldvisit.core.dates import today_in_uk
from fieldvisit.core.outbox import OutboxEmail
from fieldvisit.core.permissions import Role
from fieldvisit.pupils.models import Pupil
from fieldvisit.pupils.year_groups import year_group_problem
from fieldvisit.schools.services import calendar_for


def run(app, *args):
    return CliRunner().invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app))


def test_seed_demo_loads_every_state_and_is_safe_to_run_twice(app, session):
    first = run(app, "seed-demo")
    assert first.exit_code == 0, first.output
    assert "school@demo.test" in first.output and "fieldvisit-demo" in first.output
    counts = dict(session.execute(select(Case.state, func.count()).group_by(Case.state)).all())
    assert set(counts) == set(CaseState)
    outcomes = set(session.scalars(select(Case.outcome).where(Case.outcome.is_not(None))))
    assert outcomes == set(Outcome)
    # The demo obeys the office-slip checks: year groups fit the dates of birth, and the
    # last day attended is a school day.
    for pupil in session.scalars(select(Pupil)):
        assert year_group_problem(pupil.year_group, pupil.date_of_birth, today_in_uk()) is None
        assert pupil.year_group
    for case in session.scalars(select(Case).where(Case.last_attended_on.is_not(None))):
        assert calendar_for(session, case.school).is_school_day(case.last_attended_on)
    # The seeding backdates events nobody should hear of: it queues no email.
    assert session.scalar(select(func.count()).select_from(OutboxEmail)) == 0
    users = session.scalar(select(func.count()).select_from(User))
    second = run(app, "seed-demo")
    assert second.exit_code == 0 and "already loaded" in second.output
    assert session.scalar(select(func.count()).select_from(User)) == users
    assert list(verify_all(session, chronology_heads(session))) == []


def test_create_user_adds_a_user_with_roles(app, session, world):
    result = run(
        app,
        "create-user",
        "--email",
        "New@School.test",
        "--role",
        "school",
        "--role",
        "officer",
        "--school",
        world.school.urn,
        "--password",
        "a long enough password",
    )
    assert result.exit_code == 0, result.output
    user = session.scalar(select(User).where(User.email == "new@school.test"))
    assert user.roles == {Role.SCHOOL, Role.OFFICER} and user.school_id == world.school.id


def test_create_user_names_an_unknown_school(app, session, world):
    result = run(
        app,
        "create-user",
        "--email",
        "x@school.test",
        "--role",
        "school",
        "--school",
        "999999",
        "--password",
        "a long enough password",
    )
    assert result.exit_code == 2
    assert "No school has the URN 999999" in result.output


def test_create_user_refuses_a_short_password(app, session, world):
    result = run(
        app, "create-user", "--email", "x@la.test", "--role", "laao", "--password", "short"
    )
    assert result.exit_code == 2 and "at least 12 characters" in result.output
