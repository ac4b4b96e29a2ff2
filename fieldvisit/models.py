"""Import every domain's models so the metadata is complete (for Alembic and tests)."""

from fieldvisit.accounts.models import User, UserRole
from fieldvisit.areas.models import AreaReferral
from fieldvisit.cases.models import Case, ChecklistItem
from fieldvisit.chronology.attachments import ChronologyAttachment
from fieldvisit.chronology.models import ChronologyEntry
from fieldvisit.core.audit import AuditEvent
from fieldvisit.core.db import Base
from fieldvisit.core.jobs import DailyRun, Job
from fieldvisit.core.outbox import OutboxEmail
from fieldvisit.core.ratelimit import RateHit
from fieldvisit.letters.models import Letter, LetterBatch, LetterLink, LetterNumber, LetterWording
from fieldvisit.notices.models import Notice
from fieldvisit.outcomes.models import (
    DestinationConfirmation,
    HomeEducationReferral,
    MovedAbroad,
    MovedOtherArea,
    OutcomeRecord,
)
from fieldvisit.pupils.attendance import AttendanceMark
from fieldvisit.pupils.models import AgencyWorker, Contact, Pupil, Sibling
from fieldvisit.referrals.ctf_files import CtfFile
from fieldvisit.referrals.models import Involvement, Referral
from fieldvisit.schools.models import Closure, LocalAuthority, School, Term
from fieldvisit.visits.models import HomeVisit, NeighbourEnquiry, VisitAssignment, VisitPhoto

metadata = Base.metadata

__all__ = [
    "AgencyWorker",
    "AreaReferral",
    "AttendanceMark",
    "AuditEvent",
    "Base",
    "Case",
    "ChecklistItem",
    "ChronologyAttachment",
    "ChronologyEntry",
    "Closure",
    "Contact",
    "DailyRun",
    "CtfFile",
    "DestinationConfirmation",
    "HomeEducationReferral",
    "HomeVisit",
    "Involvement",
    "Job",
    "Letter",
    "LetterBatch",
    "LetterLink",
    "LetterNumber",
    "LetterWording",
    "LocalAuthority",
    "MovedAbroad",
    "MovedOtherArea",
    "NeighbourEnquiry",
    "Notice",
    "OutboxEmail",
    "RateHit",
    "OutcomeRecord",
    "Pupil",
    "Referral",
    "School",
    "Sibling",
    "Term",
    "User",
    "UserRole",
    "VisitAssignment",
    "VisitPhoto",
    "metadata",
]
