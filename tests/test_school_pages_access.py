"""Every school page and form, as every other user: none sees or changes what it may not."""

import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from fieldvisit.chronology.models import ChronologyEntry
from fieldvisit.core.dates import today_in_uk
from fieldvisit.outcomes.models import NoticeForm
from fieldvisit.outcomes.services import record_home_education
from fieldvisit.outcomes.uploads import check_notice
from fieldvisit.referrals.models import Referral
from fieldvisit.visits.models import VisitAssignment
from tests.support.casework import case_on_day, triaged
from tests.support.factories import make_pupil

CASE_PAGES = [
    "/cases/{case}",
    "/cases/{case}/contacts/new",
    "/cases/{case}/triage",
    "/cases/{case}/triage/next-steps",
    "/cases/{case}/safeguarding/social-worker",
    "/cases/{case}/safeguarding/police",
    "/cases/{case}/checklist/{item}",
    "/cases/{case}/concern",
    "/cases/{case}/outcome",
    "/cases/{case}/outcome/returned",
    "/cases/{case}/outcome/other-school",
    "/cases/{case}/outcome/home-education",
    "/cases/{case}/outcome/residing-in-la",
    "/cases/{case}/chronology.pdf",
    "/cases/{written}/outcome/notice",
    "/cases/{spoken}/outcome/written-notice",
    "/pupils/{pupil}",
    "/pupils/{free_pupil}/open-case",
]
FORMS = [
    "/cases/{case}/no-contact",
    "/cases/{case}/contacts/new",
    "/cases/{case}/triage",
    "/cases/{case}/safeguarding/police",
    "/cases/{case}/checklist/{item}",
    "/cases/{case}/concern",
    "/cases/{case}/outcome",
    "/cases/{case}/outcome/returned",
    "/cases/{spoken}/outcome/written-notice",
    "/pupils/{free_pupil}/open-case",
]
ROLL_PAGES = ["/pupils", "/pupils/new", "/pupils/import", "/pupils/import/template.csv"]
# Pages an officer assigned to the case, or an LAAO once it is referred, may open.
SEEN_ON_THE_CASE = {
    "/cases/{case}",
    "/cases/{case}/contacts/new",
    "/cases/{case}/triage/next-steps",
    "/cases/{case}/concern",
    "/cases/{case}/chronology.pdf",
}


@pytest.fixture
def ids(session, world):
    case = triaged(session, world, case_on_day(session, world, 2), social_care=True)
    written = case_on_day(session, world, 1)
    notice = check_notice(b"%PDF-1.4\n1 0 obj\n%%EOF\n")
    record_home_education(
        session,
        world.school_user,
        written,
        notice_received_on=today_in_uk(),
        notice_form=NoticeForm.LETTER,
        parent_name="Pat Parent",
        notice=notice,
    )
    spoken = case_on_day(session, world, 1)
    record_home_education(
        session,
        world.school_user,
        spoken,
        notice_received_on=today_in_uk(),
        notice_form=NoticeForm.VERBAL,
        parent_name="Pat Parent",
    )
    session.flush()
    return {
        "case": case.id,
        "item": case.checklist[0].id,
        "written": written.id,
        "spoken": spoken.id,
        "pupil": case.pupil_id,
        "free_pupil": make_pupil(session, world.school).id,
    }


def entry_count(session):
    return session.scalar(select(func.count()).select_from(ChronologyEntry))


@pytest.mark.parametrize("page", CASE_PAGES + ROLL_PAGES)
def test_the_school_opens_every_page(world, ids, signed_in, page):
    assert signed_in(world.school_user).get(page.format(**ids)).status_code == 200


@pytest.mark.parametrize("who", ["other_school_user", "officer", "laao", "admin"])
def test_nobody_else_sees_the_school_pages(session, world, ids, signed_in, who):
    client = signed_in(getattr(world, who))
    for page in CASE_PAGES:
        status = client.get(page.format(**ids)).status_code
        expected = {404} if page.startswith("/cases") or who == "other_school_user" else {403}
        assert status in expected, (page, status)
    before = entry_count(session)
    for form in FORMS:
        response = client.post(form.format(**ids), data={"concern": "x", "expected_version": 1})
        assert response.status_code in {403, 404}, (form, response.status_code)
    assert entry_count(session) == before


@pytest.mark.parametrize("who", ["officer", "laao", "admin"])
def test_the_roll_is_for_school_staff_only(world, signed_in, who):
    client = signed_in(getattr(world, who))
    for page in ROLL_PAGES:
        assert client.get(page).status_code == 403, page
    upload = client.post(
        "/pupils/import",
        data={"roll": (io.BytesIO(b"UPN\n"), "r.csv")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 403


@pytest.mark.parametrize("who", ["officer", "laao"])
def test_an_officer_or_laao_on_the_case_sees_it_but_cannot_act_for_the_school(
    session, world, ids, signed_in, who
):
    if who == "officer":
        session.add(
            VisitAssignment(
                case_id=ids["case"],
                officer_id=world.officer.id,
                assigned_by_id=world.school_user.id,
                assigned_at=datetime.now(UTC),
            )
        )
    else:
        session.add(
            Referral(
                case_id=ids["case"],
                submitted_by_id=world.school_user.id,
                submitted_at=datetime.now(UTC),
            )
        )
    session.flush()
    client = signed_in(getattr(world, who))
    # The engine lets the LA record that a child was found, at any stage.
    seen = SEEN_ON_THE_CASE | ({"/cases/{case}/outcome"} if who == "laao" else set())
    for page in CASE_PAGES:
        if not page.startswith("/cases/{case}"):
            continue
        status = client.get(page.format(**ids)).status_code
        assert status == (200 if page in seen else 403), (page, status)
