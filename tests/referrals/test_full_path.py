"""The seed's LA side end to end, through the pages: referral to missing CTF."""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from datetime import timedelta

from sqlalchemy import select

from fieldvisit.cases.models import CaseState
from fieldvisit.chronology.models import ChronologyEntry
from fieldvisit.core.dates import format_date, today_in_uk, utcnow
from fieldvisit.core.forms import date_values
from fieldvisit.core.storage import storage
from fieldvisit.core.upn import validate_upn
from fieldvisit.letters.models import Letter
from fieldvisit.referrals.models import Involvement, Referral, ReferralStatus
from tests.referrals.helpers import locating_case
from tests.support.factories import make_visit


def test_referral_to_missing_ctf(client_for, session, world, queued_mail):
    case = locating_case(session, world, school_day=30, visit=False)
    pupil = case.pupil
    session.commit()
    school, laao = client_for(world.school_user), client_for(world.laao)
    form = {"summary_of_enquiries": "Phoned both numbers; neighbours asked.", "declaration": "yes"}
    referral_url = f"/cases/{case.id}/referral"

    # Locked: no completed home visit yet; the page says so, and a stale post is refused.
    page = school.get(referral_url).get_data(as_text=True)
    assert "You cannot submit the referral yet" in page
    assert "needs a completed home visit" in page
    response = school.post(referral_url, data=form)
    assert response.status_code == 409
    assert "needs a completed home visit" in response.get_data(as_text=True)
    assert session.scalar(select(Referral).where(Referral.case_id == case.id)) is None

    # Open once the visit is in: submit, with the chronology attached as a PDF.
    make_visit(session, case, world.officer)
    session.commit()
    assert 'name="summary_of_enquiries"' in school.get(referral_url).get_data(as_text=True)
    assert school.post(referral_url, data=form).status_code == 302
    first = session.scalar(select(Referral).where(Referral.case_id == case.id))
    session.refresh(case)
    assert case.state == CaseState.REFERRED
    assert storage().get(first.chronology_pdf_key).startswith(b"%PDF")
    assert first.content["pupil"]["upn"] == pupil.upn
    assert any("cme@la.test" in m.to for m in queued_mail)

    # The LAAO sees it as new and returns it; the school sees why on its dashboard.
    queue = laao.get("/la/referrals").get_data(as_text=True)
    assert pupil.full_name in queue and "New" in queue
    reason = "Insufficient enquiries: the emergency contact was not tried."
    response = laao.post(
        f"/la/referrals/{first.id}/return", data={"reason": reason, "version": first.version}
    )
    assert response.status_code == 302
    session.refresh(case)
    assert case.state == CaseState.LOCATING
    assert reason in school.get("/").get_data(as_text=True)
    assert reason in school.get(referral_url).get_data(as_text=True)

    # Resubmitted, then accepted and assigned to an LAAO.
    assert school.post(referral_url, data=form).status_code == 302
    second = session.scalar(
        select(Referral).where(Referral.case_id == case.id, Referral.latest.is_(True))
    )
    assert second.id != first.id
    session.refresh(first)
    assert (first.status, first.latest) == (ReferralStatus.RETURNED, False)
    response = laao.post(
        f"/la/referrals/{second.id}/accept",
        data={"laao": world.laao.id, "version": second.version},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/cases/{case.id}/involvement")
    involvement = session.scalar(select(Involvement).where(Involvement.case_id == case.id))
    assert involvement.laao_id == world.laao.id

    # Both log enquiries on the involvement.
    involvement_url = f"/cases/{case.id}/involvement"
    today = today_in_uk().isoformat()
    for client, who in ((school, "police"), (laao, "other_la")):
        response = client.post(
            f"{involvement_url}/enquiries",
            data={
                "enquiry_with": who,
                "contacted": "Duty desk",
                "result": "No trace of the family.",
                "area": "874",  # another LA is named from the list; ignored for the police
                **date_values("occurred_on", today_in_uk()),
            },
        )
        assert response.status_code == 302
    enquiries = session.scalars(
        select(ChronologyEntry).where(
            ChronologyEntry.case_id == case.id, ChronologyEntry.kind == "log_enquiry"
        )
    ).all()
    assert {e.actor_id for e in enquiries} == {world.school_user.id, world.laao.id}

    # Removal: refused at three weeks with the date it becomes possible, agreed at four.
    session.refresh(case)
    involvement.opened_at = utcnow() - timedelta(weeks=3)
    session.commit()
    page = laao.get(involvement_url).get_data(as_text=True)
    assert "school days of enquiries" in page
    # The confirmation page is not offered while a guard blocks: it leads back.
    assert laao.get(f"{involvement_url}/agree-removal").status_code == 302
    response = laao.post(
        f"{involvement_url}/agree-removal",
        data={"expected_version": case.version, "confirmed": "yes"},
    )
    assert response.status_code == 409
    possible_from = format_date(today_in_uk() + timedelta(weeks=1))
    assert f"from {possible_from}" in response.get_data(as_text=True)
    involvement.opened_at = utcnow() - timedelta(weeks=4)
    session.commit()
    session.refresh(case)
    # A post without the "Are you sure" page's confirmation agrees nothing.
    response = laao.post(
        f"{involvement_url}/agree-removal", data={"expected_version": case.version}
    )
    assert response.status_code == 400
    session.refresh(case)
    assert case.state == CaseState.JOINT_ENQUIRIES
    page = laao.get(involvement_url).get_data(as_text=True)
    assert f'href="{involvement_url}/agree-removal"' in page
    sure = laao.get(f"{involvement_url}/agree-removal").get_data(as_text=True)
    assert "Are you sure you want to agree" in sure
    assert "regulation 9(1)(i)" in sure and "Joint enquiries logged" in sure
    assert 'name="confirmed" value="yes"' in sure
    response = laao.post(
        f"{involvement_url}/agree-removal",
        data={"expected_version": case.version, "confirmed": "yes"},
    )
    assert response.status_code == 302
    session.refresh(case)
    assert case.state == CaseState.REMOVAL_AGREED

    # Who agreed may withdraw it until the school records the removal, then agree again.
    page = laao.get(involvement_url).get_data(as_text=True)
    assert "Withdraw agreement to remove from roll" in page
    assert "Withdraw agreement" not in school.get(involvement_url).get_data(as_text=True)
    response = laao.post(
        f"{involvement_url}/withdraw-removal",
        data={"expected_version": case.version, "note": "New address reported by housing."},
    )
    assert response.status_code == 302
    session.refresh(case)
    session.refresh(involvement)
    assert case.state == CaseState.JOINT_ENQUIRIES
    assert involvement.removal_agreed_at is None and involvement.confirmation_letter_id is None
    response = laao.post(
        f"{involvement_url}/agree-removal",
        data={"expected_version": case.version, "confirmed": "yes"},
    )
    assert response.status_code == 302
    session.refresh(case)
    assert case.state == CaseState.REMOVAL_AGREED

    # The LAAO's written confirmation is made and kept as a copy on the case.
    session.refresh(involvement)
    letter = session.get(Letter, involvement.confirmation_letter_id)
    assert letter.kind == "removal_confirmation"
    kept = storage().get(letter.storage_key)
    assert kept.startswith(b"%PDF") and hashlib.sha256(kept).hexdigest() == letter.sha256
    assert session.scalar(
        select(ChronologyEntry).where(
            ChronologyEntry.case_id == case.id, ChronologyEntry.kind == "letter"
        )
    )
    page = school.get(involvement_url).get_data(as_text=True)
    assert f"Letter {letter.reference} (PDF)" in page
    assert school.get(f"/cases/{case.id}/letters/{letter.id}.pdf").data == kept

    # The school records the removal and downloads the missing CTF.
    response = school.post(
        f"{involvement_url}/record-removal",
        data={
            **date_values("off_roll_on", today_in_uk()),
            "confirm": "yes",
            "expected_version": case.version,
        },
    )
    assert response.status_code == 302
    session.refresh(case)
    assert case.state == CaseState.OFF_ROLL
    session.refresh(pupil)
    assert pupil.on_roll is False
    response = school.get(f"/cases/{case.id}/ctf")
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert re.search(r'filename="8732001_CTF_XXXXXXX_001\.xml"', disposition)
    root = ET.fromstring(response.data)
    assert root.tag == "CTfile"
    header = root.find("Header")
    assert header.findtext("DocumentName") == "Common Transfer File"
    assert header.findtext("CTFversion") == "26.0"
    assert header.findtext("DocumentQualifier") == "full"
    assert header.findtext("SourceSchool/LEA") == "873"
    assert header.findtext("SourceSchool/Estab") == "2001"
    assert header.findtext("SourceSchool/URN") == "110001"
    assert header.findtext("DestSchool/LEA") == "XXX"
    assert header.findtext("DestSchool/Estab") == "XXXX"
    pupils = root.findall("CTFpupilData/Pupil")
    assert len(pupils) == 1
    assert validate_upn(pupils[0].findtext("UPN")) == pupil.upn
    assert pupils[0].findtext("SchoolHistory/School/LeavingDate") == today

    # The involvement stays open; a later find closes it with the outcome.
    assert involvement.closed_at is None
    assert f"/cases/{case.id}/outcome/found" in laao.get(involvement_url).get_data(as_text=True)
    response = laao.post(
        f"/cases/{case.id}/outcome/found",
        data={
            **date_values("effective_on", today_in_uk()),
            "note": "On roll in Norfolk, confirmed by their CME officer.",
            "expected_version": case.version,
        },
    )
    assert response.status_code == 302
    session.refresh(involvement)
    session.refresh(case)
    assert case.state == CaseState.CLOSED
    assert involvement.closed_at is not None
    assert "Norfolk" in involvement.outcome
