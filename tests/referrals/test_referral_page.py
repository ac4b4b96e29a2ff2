"""The school's referral page: locked with its reason and date, the form, the downloads."""

from __future__ import annotations

from sqlalchemy import select

from fieldvisit.cases.models import CaseState
from fieldvisit.core.audit import AuditEvent
from fieldvisit.core.dates import format_date
from fieldvisit.referrals.models import Referral
from fieldvisit.schools.services import calendar_for
from tests.referrals.helpers import locating_case, referred_case
from tests.support.factories import make_case


def test_locked_until_day_ten_with_the_date_it_opens(client_for, session, world):
    case = locating_case(session, world, school_day=3)
    session.commit()
    unlocks = calendar_for(session, case.school).date_of_school_day(case.first_day_of_absence, 10)
    page = client_for(world.school_user).get(f"/cases/{case.id}/referral").get_data(as_text=True)
    assert "You cannot submit the referral yet" in page
    assert f"opens on school day 10 ({format_date(unlocks)})" in page
    assert f"The earliest it can open is <strong>{format_date(unlocks)}</strong>" in page
    assert 'name="summary_of_enquiries"' not in page


def test_a_vulnerable_child_unlocks_on_day_five(client_for, session, world):
    case = locating_case(session, world, school_day=6, vulnerabilities=["bullying"])
    session.commit()
    page = client_for(world.school_user).get(f"/cases/{case.id}/referral").get_data(as_text=True)
    assert 'name="summary_of_enquiries"' in page
    assert "You cannot submit" not in page


def test_not_available_before_triage(client_for, session, world):
    case = make_case(session, world)
    session.commit()
    page = client_for(world.school_user).get(f"/cases/{case.id}/referral").get_data(as_text=True)
    assert "The referral is not available" in page


def test_the_form_keeps_what_was_typed(client_for, session, world):
    case = locating_case(session, world, school_day=12)
    session.commit()
    response = client_for(world.school_user).post(
        f"/cases/{case.id}/referral",
        data={"summary_of_enquiries": "", "possible_whereabouts": "Maybe Leeds"},
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'href="#summary_of_enquiries"' in page
    assert "Confirm the enquiries above have been made." in page
    assert "Maybe Leeds" in page
    assert session.scalar(select(Referral)) is None


def test_prefilled_with_what_regulation_13_asks(client_for, session, world):
    case = locating_case(session, world, school_day=12)
    session.commit()
    page = client_for(world.school_user).get(f"/cases/{case.id}/referral").get_data(as_text=True)
    pupil = case.pupil
    for text in (pupil.full_name, pupil.upn, pupil.address_lines[0], pupil.postcode):
        assert text in page
    assert "Pat Parent" in page and "07700 900001" in page  # parent lived with, and a number
    assert "Phone contact attempt" in page  # the drafted summary of enquiries
    # Dates read as GOV.UK writes them, never as ISO text.
    assert format_date(pupil.date_of_birth) in page
    assert format_date(case.first_day_of_absence) in page
    assert pupil.date_of_birth.isoformat() not in page


def test_submission_snapshots_the_case(session, world):
    case, referral = referred_case(session, world, school_day=12)
    content = referral.content
    assert content["title"] == "Request for Children Missing from Education Investigation"
    assert content["pupil"]["address"] == [*case.pupil.address_lines, case.pupil.postcode]
    assert content["parents"][0]["lives_with_pupil"] is True
    assert content["parents"][0]["address"] == content["pupil"]["address"]
    assert content["absence"]["first_day_of_absence"] == case.first_day_of_absence.isoformat()
    assert content["home_visits"][0]["letter_left"] is True
    assert "regulation 9" in content["deletion_ground_if_not_found"]
    assert next(i for i in case.checklist if i.key == "referral").done
    assert case.state == CaseState.REFERRED


def test_chronology_pdf_download_is_audited(client_for, session, world):
    case, referral = referred_case(session, world, school_day=12)
    session.commit()
    response = client_for(world.laao).get(f"/referrals/{referral.id}/chronology.pdf")
    assert response.status_code == 200
    assert response.data.startswith(b"%PDF")
    assert (
        f"chronology-{case.reference}-{referral.reference}.pdf"
        in response.headers["Content-Disposition"]
    )
    assert session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "download", AuditEvent.object_id == referral.id
        )
    )


def test_case_page_shows_the_referral_panel(client_for, session, world):
    case, referral = referred_case(session, world, school_day=12)
    session.commit()
    page = client_for(world.school_user).get(f"/cases/{case.id}").get_data(as_text=True)
    assert "CME referral" in page and referral.reference in page
    page = client_for(world.laao).get(f"/cases/{case.id}").get_data(as_text=True)
    assert f"/la/referrals/{referral.id}" in page


def test_the_case_page_links_each_la_action_to_its_page(client_for, session, world):
    case, referral = referred_case(session, world, school_day=12)
    session.commit()
    laao = client_for(world.laao)
    page = laao.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f'href="/la/cases/{case.id}/referral#decision"' in page
    response = laao.get(f"/la/cases/{case.id}/referral")
    assert response.headers["Location"].endswith(f"/la/referrals/{referral.id}")
    ready = locating_case(session, world, school_day=12)
    session.commit()
    page = client_for(world.school_user).get(f"/cases/{ready.id}").get_data(as_text=True)
    assert f'href="/cases/{ready.id}/referral">Submit the CME referral</a>' in page
