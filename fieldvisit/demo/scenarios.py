"""The demo's cases: one or more in every state, each with a realistic chronology."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from fieldvisit.areas import services as areas
from fieldvisit.areas.models import AreaAnswer
from fieldvisit.cases import services as cases
from fieldvisit.cases.engine import Action
from fieldvisit.core import mail
from fieldvisit.demo import visits as visits_demo
from fieldvisit.demo.referrals import seed_referral_outcomes
from fieldvisit.outcomes import services as outcomes
from fieldvisit.outcomes.models import NoticeForm
from fieldvisit.referrals import involvements
from fieldvisit.referrals import services as referrals

if TYPE_CHECKING:
    from fieldvisit.demo.seeder import Seeder


def add_cases(s: Seeder) -> None:
    """Write the demo's cases, dated from today."""
    days_ago = s._days_ago
    # Absent today, first calls made.
    s._open(1)
    # No contact after two days: triage needed.
    case = s._open(2)
    cases.record_no_contact(s.session, s.school_user, case)
    # Locating, not vulnerable: visit done, referral locked until day 10.
    case = s._open(6)
    s._triage(case)
    s._visit(case, days_ago(2))
    s._assign(case)
    # Locating, vulnerable: no visit yet; referral needs a visit and day 5.
    case = s._open(3)
    s._triage(case, vulnerable=["bullying", "medical"])
    s._assign(case)
    # Locating, day 12 with a completed visit: the referral is open.
    case = s._open(12)
    s._triage(case)
    s._visit(case, days_ago(5))
    # Social care involvement: the referral opens at once.
    case = s._open(2, social_worker=True)
    s._triage(case, vulnerable=["cp_cin"], social_care=True)
    s._visit(case, days_ago(0))
    # Referred, awaiting the LA.
    case = s._open(14)
    s._triage(case)
    s._visit(case, days_ago(6))
    s._refer(case, days_ago(1))
    # CME involvement open for ten days.
    case = s._open(25)
    s._triage(case, vulnerable=["running_away"])
    s._visit(case, days_ago(20))
    referral = s._refer(case, days_ago(15))
    s._accept(case, referral, s.today - timedelta(days=10))
    # Moved to another area: referred to Peterborough's CME team, which answered that the
    # family lives there; the lost pupil database had nothing. The LAAO can close the case.
    case = s._open(30)
    s._triage(case)
    s._visit(case, days_ago(24))
    referral = s._refer(case, days_ago(20))
    s._accept(case, referral, s.today - timedelta(days=21))
    areas.record_lost_pupil_search(
        s.session,
        s.school_user,
        case,
        searched_on=s.today - timedelta(days=14),
        found=False,
        note="",
    )
    moved = areas.refer_to_area(
        s.session,
        s.laao,
        case,
        area="874",
        sent_to="Peterborough CME team, by secure email",
        sent_on=s.today - timedelta(days=7),
        reasons="A neighbour says the family moved to Peterborough to live near the mother's "
        "sister; the GP surgery had a request to transfer records to a Peterborough practice.",
    )
    areas.record_answer(
        s.session,
        s.laao,
        case,
        moved,
        answer=AreaAnswer.RESIDENT,
        answered_on=s.today - timedelta(days=2),
        note="Known to us: the family is in temporary housing in Peterborough since last month; "
        "an application for a school place is with our admissions team.",
    )
    # CME involvement open for five weeks: removal can be agreed.
    case = s._open(40)
    s._triage(case)
    s._visit(case, days_ago(32))
    referral = s._refer(case, days_ago(30))
    s._accept(case, referral, s.today - timedelta(days=35))
    # Removal agreed; the school to record it.
    case = s._open(45)
    s._triage(case)
    s._visit(case, days_ago(38))
    referral = s._refer(case, days_ago(36))
    s._accept(case, referral, s.today - timedelta(days=40))
    involvements.agree_removal(s.session, s.laao, case, today=s.today)
    # Off roll, involvement still open.
    case = s._open(55)
    s._triage(case)
    s._visit(case, days_ago(50))
    referral = s._refer(case, days_ago(45))
    s._accept(case, referral, s.today - timedelta(days=60))
    agreed_on = s.today - timedelta(days=30)
    involvements.agree_removal(s.session, s.laao, case, today=agreed_on, at=s._at(agreed_on, 10))
    involvements.record_removal(
        s.session,
        s.school_user,
        case,
        off_roll_on=s.today - timedelta(days=28),
        today=s.today,
    )
    # Closed with each contact-made outcome, and a child found.
    for action, note in (
        (Action.CHILD_RETURNED, "Mother called back; child returned on the third day."),
        (
            Action.ATTENDING_OTHER_SCHOOL,
            "On roll at Demotown High School, confirmed by their office.",
        ),
        (Action.ELECTIVE_HOME_EDUCATION, "Written notice of home education received."),
        (Action.RESIDING_IN_LA, "Family still in the area; attendance policy applies."),
    ):
        case = s._open(3)
        s._close(case, action, note)
    case = s._open(8)
    s._triage(case)
    s._close(case, Action.CHILD_FOUND, "Found staying with grandparents in Norfolk.")
    # Home education said on the phone: the case stays open until the written notice comes.
    case = s._open(4)
    outcomes.record_home_education(
        s.session,
        s.school_user,
        case,
        notice_received_on=s.today,
        notice_form=NoticeForm.VERBAL,
        parent_name=case.pupil.contacts[0].full_name,
        note="Father phoned: they will educate at home; asked to confirm in writing.",
    )
    seed_referral_outcomes(s)
    # Fenland Academy: a case for the second school's user.
    case = s._open(4, school=s.fenland)
    s._triage(case)
    visits_demo.seed(s)
    # Seed line 27: a child on the CP register referred on day 1, the home visit to follow;
    # the LA can accept it only once a completed visit is recorded (seed line 83).
    case = s._open(1, social_worker=True)
    s._triage(case, vulnerable=["cp_cin"], social_care=True)
    referrals.submit_referral(
        s.session,
        s.school_user,
        case,
        summary_of_enquiries="Calls to both parents and the emergency contact; the child is on "
        "the CP register, so referred at once. Home visit to follow.",
        today=s.today,
        at=s._at(s.today, 11),
    )
    mail.discard(s.session)  # seeded history: nobody is emailed
    # Gone abroad on the parent's word: closed, off roll, the CTF to MMMMMMM.
    case = s._open(6)
    s._triage(case)
    s._close(case, Action.MOVED_ABROAD, "Mother emailed: the family has moved back to Poland.")
    # Moved to Norfolk, as Norfolk's CME team confirmed: closed, off roll, the deletion due.
    case = s._open(5)
    s._triage(case)
    s._close(case, Action.MOVED_OTHER_LA, "Norfolk's CME team: the family lives in King's Lynn.")
