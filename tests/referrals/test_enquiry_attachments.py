"""A copy attached to a joint enquiry: kept with it, listed with it, refused if not a document."""

import io

from sqlalchemy import select

from fieldvisit.chronology.attachments import ChronologyAttachment
from fieldvisit.chronology.models import ChronologyEntry
from fieldvisit.core.dates import today_in_uk
from tests.referrals.helpers import accepted_case
from tests.support.factories import date_fields

NOTE = b"Voicemail from Housing Options, 2 Dec: no record of the family since October.\n"


def post_enquiry(client, case, data, name):
    return client.post(
        f"/cases/{case.id}/involvement/enquiries",
        data={
            "enquiry_with": "housing",
            "contacted": "Council housing",
            "result": "No trace",
            **date_fields("occurred_on", today_in_uk()),
            "attachment": (io.BytesIO(data), name),
            "attachment_description": "Voicemail note from housing",
        },
        content_type="multipart/form-data",
    )


def test_an_enquiry_keeps_its_voicemail_note(client_for, session, world):
    case, _, _ = accepted_case(session, world)
    session.commit()
    laao = client_for(world.laao)
    assert post_enquiry(laao, case, NOTE, "note.txt").status_code == 302
    [kept] = session.scalars(
        select(ChronologyAttachment).where(ChronologyAttachment.case_id == case.id)
    ).all()
    assert kept.content_type.startswith("text/plain") and kept.size == len(NOTE)
    page = laao.get(f"/cases/{case.id}/involvement").get_data(as_text=True)
    assert f"/cases/{case.id}/attachments/{kept.id}" in page
    assert "Voicemail note from housing" in page
    school = client_for(world.school_user)
    assert school.get(f"/cases/{case.id}/attachments/{kept.id}").data == NOTE


def test_a_file_that_is_not_a_document_logs_no_enquiry(client_for, session, world):
    case, _, _ = accepted_case(session, world)
    session.commit()
    logged = select(ChronologyEntry.id).where(
        ChronologyEntry.case_id == case.id, ChronologyEntry.kind == "log_enquiry"
    )
    before = session.scalars(logged).all()
    response = post_enquiry(client_for(world.laao), case, b"\x7fELF\x02\x01\x01\x00", "x.bin")
    assert response.status_code == 422
    assert "must be a PDF, JPG, PNG, text file or saved email" in response.get_data(as_text=True)
    session.expire_all()
    assert session.scalars(logged).all() == before
