"""The chronology PDF: the case details and every entry, the same content the referral carries."""

import shutil
import subprocess

import pytest
from sqlalchemy import select

from fieldvisit.cases import pdf as pdf_module
from fieldvisit.cases.pdf import chronology_pdf
from fieldvisit.chronology import services as chronology
from fieldvisit.core.audit import AuditEvent
from tests.support.casework import case_on_day, triaged


def pdf_text(data: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext (poppler-utils) is needed: scripts/setup-system.sh installs it")
    path = tmp_path / "c.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def test_the_pdf_holds_the_case_and_every_entry(session, world, tmp_path):
    case = triaged(
        session, world, case_on_day(session, world, 3, surname="Kowalski"), vulnerable=True
    )
    text = pdf_text(chronology_pdf(session, case), tmp_path)
    assert "Chronology: Alex Kowalski" in text
    assert case.pupil.upn in text
    assert "Case opened" in text
    assert "Phone contact attempt (Pat Parent): no contact" in text
    assert "Tried: 07700 900001" in text
    assert "Triaged as vulnerable" in text
    assert "Is a victim of bullying" in text


def test_the_pdf_download_is_audited(session, world, signed_in):
    case = case_on_day(session, world, 1)
    response = signed_in(world.school_user).get(f"/cases/{case.id}/chronology.pdf")
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF")
    assert case.pupil.surname not in response.headers["Content-Disposition"]
    assert case.reference in response.headers["Content-Disposition"]
    event = session.scalar(select(AuditEvent).where(AuditEvent.object_type == "chronology"))
    assert (event.action, event.object_id) == ("download", case.id)


def test_an_unchanged_chronology_is_not_laid_out_again(session, world, monkeypatch):
    case = case_on_day(session, world, 2)
    first = chronology_pdf(session, case)
    monkeypatch.setattr(pdf_module, "render_pdf", lambda html: pytest.fail("rendered again"))
    assert chronology_pdf(session, case) == first


def test_a_new_entry_or_changed_pupil_details_give_a_new_pdf(session, world, tmp_path):
    case = case_on_day(session, world, 2, surname="Nowak")
    first = chronology_pdf(session, case)
    chronology.append(
        session, case, kind="note", summary="Spoke to the neighbour", actor=world.school_user
    )
    second = chronology_pdf(session, case)
    assert second != first and "Spoke to the neighbour" in pdf_text(second, tmp_path)
    case.pupil.surname = "Nowakowska"
    session.flush()
    third = chronology_pdf(session, case)
    assert third != second and "Nowakowska" in pdf_text(third, tmp_path)
