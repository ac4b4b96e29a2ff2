"""Background jobs: work too long for a request (a batch of letters), and the daily ones.

A job is a row in `jobs`; the worker that sends the outbox's emails (core/outbox.py, a
thread of `fieldvisit serve` or `fieldvisit worker` processes) claims due jobs one at a
time, `SKIP LOCKED` on PostgreSQL, and runs each in short transactions of its own, so on
SQLite it never holds the write lock for long. A job reports its progress as it goes. One
that fails is tried again after a minute, up to three times; one whose worker died is taken
up again when its lease ends, and carries on where it stopped.

The daily jobs (reminders, retention) are queued by the first worker round after
DAILY_JOBS_AT each day in England; a unique (kind, day) row makes that once per day
whatever the number of workers. The kinds and their handlers are listed in
fieldvisit/jobs.py.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from fieldvisit.core.dates import UK_TIME, utcnow
from fieldvisit.core.db import Base, own_session, str_enum, writing

log = logging.getLogger("fieldvisit.jobs")

LEASE = timedelta(minutes=10)
RETRY_AFTER = timedelta(minutes=1)
MAX_ATTEMPTS = 3


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Job(Base):
    """One piece of background work: who asked, how far it has got, what it made."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_due", "status", "run_after"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[JobStatus] = str_enum(JobStatus, default=JobStatus.QUEUED)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]
    run_after: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    # What the job made, for its page to offer (a letter batch's id).
    result_id: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(String(500))

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)


class DailyRun(Base):
    """That a daily job was queued for a day: the unique row that makes it once a day."""

    __tablename__ = "daily_runs"
    __table_args__ = (UniqueConstraint("kind", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    day: Mapped[date]
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"))


class Progress:
    """What a running job uses to say how far it has got, in a transaction of its own."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id

    def __call__(self, done: int, total: int) -> None:
        with writing(), own_session() as session:
            job = session.get(Job, self.job_id)
            if job is not None:
                job.done, job.total = done, total
                session.commit()


# A handler runs a job: it reads the job's params and returns the id of what it made, if
# anything. It commits its own work, in short transactions, and may be run again after a
# crash: it must carry on where it stopped.
Handler = Callable[[Job, Progress], int | None]
_handlers: dict[str, Handler] = {}
_daily: tuple[str, ...] = ()


def install(handlers: dict[str, Handler], daily: tuple[str, ...]) -> None:
    """Set the kinds of job and which of them run daily (the app does this at creation)."""
    global _handlers, _daily
    _handlers, _daily = dict(handlers), daily


def enqueue(
    session: Session,
    kind: str,
    params: dict[str, Any],
    by_id: int | None,
    now: datetime | None = None,
) -> Job:
    """Queue a job in the session's transaction: it runs once that commits."""
    if kind not in _handlers:
        raise ValueError(f"No job is called {kind!r}.")
    now = now or utcnow()
    job = Job(
        kind=kind,
        params=params,
        created_by_id=by_id,
        created_at=now,
        run_after=now,
        status=JobStatus.QUEUED,
        attempts=0,
        done=0,
        total=0,
    )
    session.add(job)
    session.flush()
    return job


def run_due(now: datetime | None = None, limit: int = 5) -> int:
    """Queue today's daily jobs if it is time, then run up to `limit` due jobs; say how many."""
    queue_daily(now or utcnow())
    ran = 0
    for _ in range(limit):
        claimed = _claim(now or utcnow())
        if claimed is None:
            break
        _run(*claimed)
        ran += 1
    return ran


def queue_daily(now: datetime) -> list[str]:
    """Queue each daily job once a day, after DAILY_JOBS_AT (England); say which were."""
    setting = current_app.config["DAILY_JOBS_AT"]
    local = now.astimezone(UK_TIME)
    if not setting or local.time() < time.fromisoformat(setting):
        return []  # turned off (cron runs them), or not yet
    queued = []
    for kind in _daily:
        with writing(), own_session() as session:
            if session.scalar(
                select(DailyRun.id).where(DailyRun.kind == kind, DailyRun.day == local.date())
            ):
                continue
            job = enqueue(session, kind, {"day": local.date().isoformat()}, None, now)
            session.add(DailyRun(kind=kind, day=local.date(), job_id=job.id))
            try:
                session.commit()
            except IntegrityError:  # another worker queued it a moment ago
                session.rollback()
                continue
            queued.append(kind)
            log.info("daily job queued kind=%s job=%d", kind, job.id)
    return queued


def _claim(now: datetime) -> tuple[int, str] | None:
    with writing(), own_session() as session:
        job = session.scalars(
            select(Job)
            .where(Job.status.in_((JobStatus.QUEUED, JobStatus.RUNNING)), Job.run_after <= now)
            .order_by(Job.run_after, Job.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        if job is None:
            return None
        job.status = JobStatus.RUNNING
        job.attempts += 1
        job.started_at = job.started_at or now
        job.run_after = now + LEASE  # a worker that dies leaves it to be taken up again
        session.commit()
        return job.id, job.kind


def _run(job_id: int, kind: str) -> None:
    with own_session() as session:
        job = session.get(Job, job_id)
        assert job is not None
        session.expunge(job)
    try:
        result = _handlers[kind](job, Progress(job_id))
    except Exception as error:  # a job's failure must not stop the others
        log.exception("job=%d kind=%s attempt=%d failed", job_id, kind, job.attempts)
        _settle(job_id, None, f"{type(error).__name__}: {error}")
        return
    _settle(job_id, result, None)


def _settle(job_id: int, result: int | None, error: str | None) -> None:
    now = utcnow()
    with writing(), own_session() as session:
        job = session.get(Job, job_id)
        if job is None:
            return
        if error is None:
            job.status, job.result_id, job.error, job.finished_at = (
                JobStatus.DONE,
                result,
                None,
                now,
            )
            log.info("job=%d kind=%s done", job.id, job.kind)
        elif job.attempts >= MAX_ATTEMPTS:
            job.status, job.error, job.finished_at = JobStatus.FAILED, error[:500], now
        else:
            job.status, job.error, job.run_after = JobStatus.QUEUED, error[:500], now + RETRY_AFTER
        session.commit()
