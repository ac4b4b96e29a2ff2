"""Attachments on contact attempts: checked by content, kept with a SHA-256, served only to
those who may see the case, and listed in the chronology and its PDF."""

import hashlib
import io

from PIL import Image
from sqlalchemy import select

from fieldvisit.cases.pdf import chronology_pdf
from fieldvisit.chronology.attachments import ChronologyAttachment
from fieldvisit.core.storage import storage
from tests.cases.test_case_forms import now_fields
from tests.support.casework import case_on_day
from tests.support.factories import make_case
from tests.test_chronology_pdf import pdf_text

EMAIL = (
    b"From: parent@example.invalid\r\nTo: office@school.invalid\r\nSubject: Away\r\n"
    b"\r\nWe are away.\r\n"
)


def post_contact(client, case, attachment, description="Email from the mother"):
    contact = case.pupil.contacts[0]  # the mother emailed back: her address, typed
    return client.post(
        f"/cases/{case.id}/contacts/new",
        data={
            "expected_version": case.version,
            "method": "email",
            "target": "other",
            "target_other": contact.email or "parent@example.invalid",
            "contact_made": "no",
            **now_fields(),
            "attachment": (io.BytesIO(attachment[0]), attachment[1]),
            "attachment_description": description,
        },
        content_type="multipart/form-data",
    )


def kept(session, case):
    session.expire_all()
    return session.scalars(
        select(ChronologyAttachment).where(ChronologyAttachment.case_id == case.id)
    ).all()


def test_a_saved_email_is_kept_listed_and_served_to_the_case_s_users(
    session, world, signed_in, tmp_path
):
    case = case_on_day(session, world, 1)
    client = signed_in(world.school_user)
    response = post_contact(client, case, (EMAIL, "mum.eml"))
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    [attachment] = kept(session, case)
    assert attachment.content_type == "message/rfc822"
    assert attachment.sha256 == hashlib.sha256(EMAIL).hexdigest()
    assert "mum" not in attachment.storage_key and f"case-{case.id}/" in attachment.storage_key
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    url = f"/cases/{case.id}/attachments/{attachment.id}"
    assert f'href="{url}"' in page and "Email from the mother" in page
    download = client.get(url)
    assert download.status_code == 200 and download.data == EMAIL
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    text = pdf_text(chronology_pdf(session, case), tmp_path)
    assert "Email from the mother" in text
    assert attachment.sha256[:32] in text.replace("\n", "").replace(" ", "")
    # Not for another school's user, nor by another case's address.
    assert signed_in(world.other_school_user).get(url).status_code == 404
    client = signed_in(world.school_user)
    theirs = make_case(session, world, school=world.other_school)
    assert client.get(f"/cases/{theirs.id}/attachments/{attachment.id}").status_code == 404


def test_a_screenshot_is_saved_again_without_its_metadata(session, world, signed_in):
    case = case_on_day(session, world, 1)
    image = Image.new("RGB", (30, 20), "blue")
    exif = Image.Exif()
    exif[0x010F] = "SecretCameraMaker"
    raw = io.BytesIO()
    image.save(raw, "PNG", exif=exif.tobytes())
    client = signed_in(world.school_user)
    assert post_contact(client, case, (raw.getvalue(), "x.png"), "").status_code == 302
    [attachment] = kept(session, case)
    stored = storage().get(attachment.storage_key)
    assert attachment.content_type == "image/png" and b"SecretCameraMaker" not in stored
    assert attachment.sha256 == hashlib.sha256(stored).hexdigest()


def test_other_files_are_refused_and_nothing_is_logged(session, world, signed_in):
    case = case_on_day(session, world, 1)
    client = signed_in(world.school_user)
    for data, name in ((b"MZ\x90\x00\x03binary", "v.exe"), (b"<svg onload=x>\x00", "s.svg")):
        response = post_contact(client, case, (data, name))
        page = response.get_data(as_text=True)
        assert response.status_code == 400
        assert "must be a PDF, JPG, PNG, text file or saved email" in page
    assert kept(session, case) == []
