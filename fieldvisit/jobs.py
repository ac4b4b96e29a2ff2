"""Every kind of background job, in one list, and the ones the worker queues each day.

The worker (core/outbox.py's loop, core/jobs.py) runs them; the app installs this list
when it is created.
"""

from __future__ import annotations

from fieldvisit.admin import retention
from fieldvisit.cases import reminders
from fieldvisit.core import jobs
from fieldvisit.letters import batches
from fieldvisit.notices import reminders as notices

HANDLERS: dict[str, jobs.Handler] = {
    # A batch of letters asked for on the print letters page.
    batches.JOB: batches.run_batch,
    # Each morning: the schools' overdue checklist items, by email.
    reminders.JOB: reminders.run_daily,
    # Each morning: the schools' notices to the LA past their due day, by email.
    notices.JOB: notices.run_daily,
    # Each morning: closed cases past the LA's retention period, deleted with their files.
    retention.JOB: retention.run_daily,
}
DAILY = (reminders.JOB, notices.JOB, retention.JOB)


def install() -> None:
    jobs.install(HANDLERS, DAILY)
