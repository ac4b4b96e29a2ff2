"""A case: one pupil's episode of absence without contact at one school."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from fieldvisit.accounts.models import User
from fieldvisit.core.db import Base, str_enum
from fieldvisit.core.references import case_reference
from fieldvisit.pupils.models import Pupil
from fieldvisit.schools.models import School


class CaseState(enum.StrEnum):
    FIRST_DAY = "first_day"
    NO_CONTACT = "no_contact"
    LOCATING = "locating"
    REFERRED = "referred"
    JOINT_ENQUIRIES = "joint_enquiries"
    REMOVAL_AGREED = "removal_agreed"
    OFF_ROLL = "off_roll"
    EHE_NOTICE_AWAITED = "ehe_notice_awaited"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return STATE_LABELS[self]


STATE_LABELS = {
    CaseState.FIRST_DAY: "Absent: trying contact",
    CaseState.NO_CONTACT: "No contact: triage needed",
    CaseState.LOCATING: "Locating the child",
    CaseState.REFERRED: "Referred to the LA",
    CaseState.JOINT_ENQUIRIES: "CME involvement open",
    CaseState.REMOVAL_AGREED: "Removal from roll agreed",
    CaseState.OFF_ROLL: "Off roll, involvement open",
    CaseState.EHE_NOTICE_AWAITED: "Home education: written notice awaited",
    CaseState.CLOSED: "Closed",
}

# The sets of states the rules name, each defined here once, in the order of the process.
# Before the school removes the pupil from its roll, with no home-education notice pending.
BEFORE_REMOVAL = (
    CaseState.FIRST_DAY,
    CaseState.NO_CONTACT,
    CaseState.LOCATING,
    CaseState.REFERRED,
    CaseState.JOINT_ENQUIRIES,
    CaseState.REMOVAL_AGREED,
)
# The pupil is on the roll: a spoken notice of home education keeps the case open until written.
ON_ROLL = (*BEFORE_REMOVAL, CaseState.EHE_NOTICE_AWAITED)
# Not closed: after the removal from roll the LA keeps looking.
OPEN_STATES = (*ON_ROLL, CaseState.OFF_ROLL)


class Outcome(enum.StrEnum):
    RETURNED = "returned"
    OTHER_SCHOOL = "other_school"
    ELECTIVE_HOME_EDUCATION = "elective_home_education"
    RESIDING_IN_LA = "residing_in_la"
    FOUND = "found"
    MOVED_ABROAD = "moved_abroad"
    MOVED_OTHER_LA = "moved_other_la"

    @property
    def label(self) -> str:
        return OUTCOME_LABELS[self]


OUTCOME_LABELS = {
    Outcome.RETURNED: "Child returned to school",
    Outcome.OTHER_SCHOOL: "Attending another school",
    Outcome.ELECTIVE_HOME_EDUCATION: "Elective home education",
    Outcome.RESIDING_IN_LA: "Still residing in the LA: attendance policy",
    Outcome.FOUND: "Child found",
    Outcome.MOVED_ABROAD: "Moved abroad",
    Outcome.MOVED_OTHER_LA: "Moved to another local authority",
}

VULNERABILITIES: dict[str, str] = {
    "looked_after": "Looked after child or accommodated child",
    "cp_cin": "CP or CIN register or subject of a CP investigation",
    "mash": "Has been, or is being, referred to MASH",
    "additional_needs": "Has significant additional support or learning needs",
    "medical": "Has medical issues including mental health",
    "bullying": "Is a victim of bullying",
    "cultural": "Has cultural issues",
    "custody_dispute": "Is at the centre of a custody dispute",
    "domestic_violence": "A house where you are aware of domestic violence",
    "early_help": "Is open to Early Help",
    "running_away": "Has a history of running away",
    "young_carer": "Is a young carer",
    "substance_misuse": "History of substance misuse personally or within the family",
}

# A tick on these means social care is involved, whatever the "involvement" answer says.
SOCIAL_CARE_VULNERABILITIES = frozenset({"looked_after", "cp_cin"})


def implies_social_care(vulnerabilities: list[str]) -> bool:
    return bool(SOCIAL_CARE_VULNERABILITIES.intersection(vulnerabilities))


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_school_state", "school_id", "state"),
        Index("ix_cases_state_first_day", "state", "first_day_of_absence"),
        # The LA figures read the cases closed in the last year.
        Index("ix_cases_closed_at", "closed_at"),
        # One open case per pupil: the service refuses a second with the first's reference,
        # and the database holds the rule against two offices opening one at once.
        Index(
            "uq_cases_one_open_per_pupil",
            "pupil_id",
            unique=True,
            sqlite_where=text("state <> 'closed'"),
            postgresql_where=text("state <> 'closed'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id"), index=True)
    state: Mapped[CaseState] = str_enum(CaseState, default=CaseState.FIRST_DAY)
    outcome: Mapped[Outcome | None] = str_enum(Outcome, nullable=True)
    first_day_of_absence: Mapped[date]
    last_attended_on: Mapped[date | None]
    not_arrived: Mapped[bool] = mapped_column(default=False)
    triaged_at: Mapped[datetime | None]
    vulnerabilities: Mapped[list[str]] = mapped_column(default=list)
    social_care_involved: Mapped[bool] = mapped_column(default=False)
    triage_notes: Mapped[str] = mapped_column(Text, default="")
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    chronology_head: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    school: Mapped[School] = relationship()
    pupil: Mapped[Pupil] = relationship()
    opened_by: Mapped[User] = relationship()
    checklist: Mapped[list[ChecklistItem]] = relationship(
        back_populates="case",
        cascade="all, delete-orphan",
        order_by="(ChecklistItem.due_day, ChecklistItem.position)",
    )

    @property
    def vulnerable(self) -> bool:
        return bool(self.vulnerabilities) or self.social_care_involved

    @property
    def is_open(self) -> bool:
        return self.state != CaseState.CLOSED

    @property
    def reference(self) -> str:
        return case_reference(self.id)


class ChecklistItem(Base):
    """One step of the seed's school checklist, due by a school day of the case."""

    __tablename__ = "checklist_items"
    __table_args__ = (UniqueConstraint("case_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(50))
    section: Mapped[str] = mapped_column(String(50))
    text: Mapped[str] = mapped_column(String(500))
    position: Mapped[int]
    from_day: Mapped[int]
    due_day: Mapped[int]
    required: Mapped[bool] = mapped_column(default=True)
    done_at: Mapped[datetime | None]
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, default="")

    case: Mapped[Case] = relationship(back_populates="checklist")

    @property
    def done(self) -> bool:
        return self.done_at is not None


def chronology_heads(session: Session) -> dict[int, str | None]:
    """Return each case's id and the hash of its latest chronology entry (to verify chains)."""
    return {
        row.id: row.chronology_head
        for row in session.execute(select(Case.id, Case.chronology_head))
    }
