"""A batch of letters is a background job: queued at once, made by the worker a letter at a
time with its progress shown, carried on after a crash; the daily jobs run once a day."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from fieldvisit.cases import engine
from fieldvisit.cases.engine import Action
from fieldvisit.core import jobs
from fieldvisit.core.jobs import DailyRun, Job, JobStatus
from fieldvisit.core.permissions import Role
from fieldvisit.letters import batches
from fieldvisit.letters.models import Letter, LetterBatch
from tests.letters.helpers import locating_case
from tests.support.factories import make_user


def _start(client, cases) -> str:
    response = client.post(
        "/letters/batch",
        data={
            "letter_kind": "absence",
            "letter_delivery": "post",
            "which": "selected",
            "case_ids": [str(case.id) for case in cases],
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def test_the_page_shows_progress_until_the_letters_are_ready(session, world, signed_in):
    chosen = [locating_case(session, world) for _ in range(2)]
    session.commit()
    client = signed_in(world.school_user)

    job_page = _start(client, chosen)
    waiting = client.get(job_page).get_data(as_text=True)
    status = client.get(f"{job_page}.json").get_json()
    assert session.scalar(select(func.count()).select_from(Letter)) == 0  # nothing made yet
    jobs.run_due()
    ready = client.get(job_page).get_data(as_text=True)

    assert "Waiting to start: 2 letters to make." in waiting and "<progress" in waiting
    assert status == {
        "status": "queued",
        "finished": False,
        "done": 0,
        "total": 2,
        "message": "Waiting to start: 2 letters to make.",
    }
    batch = session.scalar(select(LetterBatch))
    assert "Letters ready to print" in ready and f"/letters/batches/{batch.id}" in ready
    listed = client.get("/letters/batch?kind=absence").get_data(as_text=True)
    assert f'href="{job_page}"' in listed and "2 letters</a>, ready" in listed
    assert sorted(letter.case_id for letter in batch.letters) == sorted(c.id for c in chosen)


def test_only_who_asked_sees_the_job(session, world, signed_in):
    chosen = [locating_case(session, world)]
    colleague = make_user(session, "colleague@school.test", {Role.SCHOOL}, world.school)
    session.commit()
    job_page = _start(signed_in(world.school_user), chosen)
    other = signed_in(colleague)

    assert other.get(job_page).status_code == 404
    assert other.get(f"{job_page}.json").status_code == 404


def test_a_case_closed_meanwhile_is_left_out_and_named(session, world, signed_in):
    kept, closed = locating_case(session, world), locating_case(session, world)
    session.commit()
    client = signed_in(world.school_user)
    job_page = _start(client, [kept, closed])
    engine.apply(session, closed, Action.CHILD_RETURNED, world.school_user)
    session.commit()

    jobs.run_due()
    page = client.get(job_page).get_data(as_text=True)

    batch = session.scalar(select(LetterBatch))
    assert [letter.case_id for letter in batch.letters] == [kept.id]
    assert "Left out" in page and closed.reference in page


def test_a_batch_carries_on_after_a_crash_without_making_a_letter_twice(
    session, world, signed_in, monkeypatch
):
    chosen = [locating_case(session, world) for _ in range(3)]
    session.commit()
    _start(signed_in(world.school_user), chosen)
    real = batches._make_one
    calls = []

    def dies_on_the_second(*args, **kwargs):
        calls.append(args[2].id)
        if len(calls) == 2:
            raise OSError("the worker's disk filled up")
        return real(*args, **kwargs)

    monkeypatch.setattr(batches, "_make_one", dies_on_the_second)
    jobs.run_due()
    job = session.scalar(select(Job))
    session.refresh(job)
    assert job.status == JobStatus.QUEUED and job.done == 1 and "disk filled" in job.error

    monkeypatch.setattr(batches, "_make_one", real)
    jobs.run_due(now=job.run_after)
    session.refresh(job)

    assert job.status == JobStatus.DONE and job.done == 3
    letters = session.scalars(select(Letter)).all()
    assert sorted(letter.case_id for letter in letters) == sorted(c.id for c in chosen)
    assert {letter.batch_id for letter in letters} == {job.result_id}


def test_daily_jobs_are_queued_once_a_day_after_their_time(app, session, monkeypatch):
    monkeypatch.setitem(app.config, "DAILY_JOBS_AT", "06:00")
    early = datetime(2026, 12, 3, 5, 59, tzinfo=UTC)
    later = datetime(2026, 12, 3, 6, 30, tzinfo=UTC)

    assert jobs.queue_daily(early) == []
    first = jobs.queue_daily(later)
    again = jobs.queue_daily(later)

    assert first == ["daily_reminders", "daily_late_notices", "daily_retention"] and again == []
    assert session.scalar(select(func.count()).select_from(DailyRun)) == 3
    assert jobs.run_due(now=later) == 3
    assert {j.status for j in session.scalars(select(Job))} == {JobStatus.DONE}


def test_daily_jobs_can_be_turned_off(app, session):
    assert app.config["DAILY_JOBS_AT"] == ""  # as in the tests: cron may run them instead
    assert jobs.queue_daily(datetime(2026, 12, 3, 12, 0, tzinfo=UTC)) == []


@pytest.mark.parametrize("kind", ["nonsense"])
def test_an_unknown_kind_of_job_is_refused(session, kind):
    with pytest.raises(ValueError, match="No job is called"):
        jobs.enqueue(session, kind, {}, None)
