"""Before a home education deregistration referral: alerts to the LA, and to social care."""

from __future__ import annotations

from fieldvisit.core.dates import today_in_uk
from tests.outcomes.test_outcome_forms import post, record_of
from tests.support.casework import case_on_day, triaged
from tests.support.factories import date_fields


def _refer(client, case, *, special: str, order: str):
    return post(
        client,
        case,
        "home-education",
        {
            **date_fields("notice_received_on", today_in_uk()),
            "notice_form": "verbal",
            "parent_name": "Pat Parent",
            "special_school": special,
            "attendance_order": order,
        },
    )


def test_each_alert_is_shown_and_emailed(session, world, signed_in, queued_mail):
    case = triaged(session, world, case_on_day(session, world, 2), social_care=True)
    case.vulnerabilities = ["cp_cin"]
    session.commit()
    client = signed_in(world.school_user)
    missing = post(client, case, "home-education", {"notice_form": "verbal"})
    assert "Select whether a school attendance order is in force" in missing.get_data(as_text=True)
    queued_mail.clear()
    assert _refer(client, case, special="yes", order="yes").status_code == 302
    referral = record_of(session, case).home_education
    assert referral.alerts == ["special_school", "attendance_order", "cp_cin"]
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Alerts to the LA" in page and "the LA must consent" in page
    assert "school attendance order is in force" in page
    [email] = queued_mail
    assert set(email.to) == {"cme@la.test", "sol@council.test"}
    assert case.reference in email.subject and case.pupil.surname not in email.body
    assert "child protection or child in need plan" in email.body
    forms = signed_in(world.laao).get("/la/forms").get_data(as_text=True)
    assert "ALERT: Special school place arranged by the LA" in forms


def test_no_alert_no_email(session, world, signed_in, queued_mail):
    case = triaged(session, world, case_on_day(session, world, 2))
    session.commit()
    queued_mail.clear()
    assert _refer(signed_in(world.school_user), case, special="no", order="no").status_code == 302
    assert record_of(session, case).home_education.alerts == []
    assert len(queued_mail) == 0
