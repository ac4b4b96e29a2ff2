"""The letters panel, reprints of the kept copy, and batch printing through the pages."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from fieldvisit.core import jobs
from fieldvisit.core.audit import AuditEvent
from fieldvisit.core.dates import utcnow
from fieldvisit.core.permissions import Role
from fieldvisit.core.storage import storage
from fieldvisit.letters import batches, services
from fieldvisit.letters.models import Delivery, Letter, LetterBatch
from fieldvisit.visits.models import VisitAssignment
from tests.letters.helpers import locating_case, pdf_pages, qr_codes
from tests.support.factories import make_user


def test_the_school_makes_a_letter_from_the_case_and_reprints_the_kept_copy(
    session, world, signed_in
):
    case = locating_case(session, world)
    session.commit()
    client = signed_in(world.school_user)

    page = client.get(f"/cases/{case.id}/letters").get_data(as_text=True)
    assert "No letters have been made for this case yet." in page
    made = client.post(
        f"/cases/{case.id}/letters",
        data={"letter_kind": "absence", "letter_delivery": "post", "return_to": "letters"},
    )
    assert made.status_code == 302
    letter = session.scalar(select(Letter).where(Letter.case_id == case.id))
    page = client.get(made.headers["Location"]).get_data(as_text=True)
    assert f"Letter {letter.reference} is ready" in page
    assert letter.reference in page

    download = client.get(f"/cases/{case.id}/letters/{letter.id}.pdf")

    assert download.status_code == 200
    assert download.mimetype == "application/pdf"
    assert (
        download.headers["Content-Disposition"] == f'attachment; filename="{letter.reference}.pdf"'
    )
    assert download.data == storage().get(letter.storage_key)
    assert hashlib.sha256(download.data).hexdigest() == letter.sha256
    downloads = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "download", AuditEvent.object_id == letter.id)
    ).all()
    assert [(d.user_id, d.object_type) for d in downloads] == [(world.school_user.id, "letter")]


def test_returning_to_the_case_page_after_making_a_letter(session, world, signed_in):
    case = locating_case(session, world)
    session.commit()

    made = signed_in(world.school_user).post(
        f"/cases/{case.id}/letters",
        data={"letter_kind": "missed_visit", "return_to": "case"},
    )

    assert made.headers["Location"] == f"/cases/{case.id}#letters"


def test_a_letter_the_case_cannot_have_is_refused_on_the_page(session, world, signed_in):
    case = locating_case(session, world)
    session.commit()

    response = signed_in(world.school_user).post(
        f"/cases/{case.id}/letters", data={"letter_kind": "removal_confirmation"}
    )

    assert response.status_code == 403
    assert session.scalar(select(Letter).where(Letter.case_id == case.id)) is None


def test_a_missing_choice_is_shown_in_the_error_summary(session, world, signed_in):
    case = locating_case(session, world)
    session.commit()

    response = signed_in(world.school_user).post(f"/cases/{case.id}/letters", data={})

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert '<a href="#letter_kind">Choose a kind of letter.</a>' in page


def test_a_stored_copy_that_changed_is_not_served(session, world, signed_in):
    case = locating_case(session, world)
    letter = services.generate_letter(session, world.school_user, case, "absence")
    session.commit()
    storage().put(letter.storage_key, b"%PDF-1.7 tampered")

    response = signed_in(world.school_user).get(f"/cases/{case.id}/letters/{letter.id}.pdf")

    assert response.status_code == 500
    assert b"tampered" not in response.data


def test_another_school_cannot_see_or_download_the_letters(session, world, signed_in):
    case = locating_case(session, world)
    letter = services.generate_letter(session, world.school_user, case, "absence")
    session.commit()
    client = signed_in(world.other_school_user)

    assert client.get(f"/cases/{case.id}/letters").status_code == 404
    assert client.get(f"/cases/{case.id}/letters/{letter.id}.pdf").status_code == 404
    assert client.post(f"/cases/{case.id}/letters/{letter.id}/revoke").status_code == 404
    other_case = locating_case(session, world, school=world.other_school)
    session.commit()
    assert client.get(f"/cases/{other_case.id}/letters/{letter.id}.pdf").status_code == 404


def test_a_batch_prints_one_letter_per_page_each_with_its_own_qr_code(
    session, world, signed_in, tmp_path
):
    chosen = [locating_case(session, world) for _ in range(3)]
    session.commit()
    client = signed_in(world.school_user)
    page = client.get("/letters/batch?kind=absence").get_data(as_text=True)
    assert all(case.pupil.full_name in page for case in chosen)

    response = client.post(
        "/letters/batch",
        data={
            "letter_kind": "absence",
            "letter_delivery": "post",
            "which": "selected",
            "case_ids": [str(case.id) for case in chosen],
        },
    )

    assert response.status_code == 302
    jobs.run_due()
    batch = session.scalar(select(LetterBatch).order_by(LetterBatch.id.desc()))
    assert f"/letters/batches/{batch.id}" in client.get(response.headers["Location"]).text
    assert client.get(f"/letters/batches/{batch.id}").status_code == 200
    pdf = client.get(f"/letters/batches/{batch.id}.pdf").data
    assert pdf == storage().get(batch.storage_key)
    assert pdf_pages(pdf, tmp_path) == 3
    codes = qr_codes(pdf, tmp_path)
    assert len(set(codes)) == 3
    landed = {
        services.follow_link(session, world.school_user, code.rsplit("/", 1)[1]).case_id
        for code in codes
    }
    assert landed == {case.id for case in chosen}
    letters = session.scalars(
        select(Letter).where(Letter.batch_id == batch.id).order_by(Letter.reference)
    ).all()
    assert len({letter.reference for letter in letters}) == 3
    kept = [
        qr_codes(storage().get(letter.storage_key), tmp_path / letter.reference)
        for letter in letters
    ]
    assert [code for (code,) in kept] == codes  # each page is its letter's kept copy


def test_print_every_case_with_a_letter_due(session, world, signed_in, tmp_path):
    done = locating_case(session, world)
    services.generate_letter(session, world.school_user, done, "absence")
    due = [locating_case(session, world) for _ in range(2)]
    locating_case(session, world, school=world.other_school)
    session.commit()
    client = signed_in(world.school_user)

    response = client.post("/letters/batch", data={"letter_kind": "absence", "which": "due"})
    jobs.run_due()

    assert response.status_code == 302
    batch = session.scalar(select(LetterBatch).order_by(LetterBatch.id.desc()))
    assert sorted(letter.case_id for letter in batch.letters) == sorted(c.id for c in due)


def test_a_batch_cannot_include_another_schools_case(session, world, signed_in):
    mine = locating_case(session, world)
    theirs = locating_case(session, world, school=world.other_school)
    session.commit()

    response = signed_in(world.school_user).post(
        "/letters/batch",
        data={"letter_kind": "absence", "case_ids": [str(mine.id), str(theirs.id)]},
    )

    assert response.status_code == 404
    assert session.scalar(select(Letter)) is None


def test_another_school_cannot_download_a_batch(session, world, signed_in):
    batch = batches.generate_batch(
        session,
        world.school_user,
        [locating_case(session, world)],
        "absence",
        delivery=Delivery.POST,
    )
    session.commit()
    client = signed_in(world.other_school_user)

    assert client.get(f"/letters/batches/{batch.id}").status_code == 404
    assert client.get(f"/letters/batches/{batch.id}.pdf").status_code == 404


def test_an_empty_batch_is_refused(session, world, signed_in):
    locating_case(session, world)
    session.commit()

    response = signed_in(world.school_user).post(
        "/letters/batch", data={"letter_kind": "absence", "which": "selected"}
    )

    assert response.status_code == 400
    assert "Choose at least one case." in response.get_data(as_text=True)


def test_officers_and_admins_do_not_print_batches(world, signed_in, client):
    for user in (world.officer, world.admin):
        signed_in(user)
        assert client.get("/letters/batch").status_code == 403
        client.post("/logout")


ROUTES = {
    "letters page": ("get", "/cases/{case}/letters"),
    "kept copy": ("get", "/cases/{case}/letters/{letter}.pdf"),
    "make a letter": ("post", "/cases/{case}/letters"),
    "stop the QR code": ("post", "/cases/{case}/letters/{letter}/revoke"),
}
ACCESS = {
    "school_user": (200, 200, 302, 302),
    "assigned_officer": (200, 200, 403, 403),
    "other_school_user": (404, 404, 404, 404),
    "officer": (404, 404, 404, 404),
    "laao": (404, 404, 404, 404),
    "admin": (404, 404, 404, 404),
}


@pytest.mark.parametrize("who", sorted(ACCESS))
def test_the_letter_pages_answer_each_role_as_the_access_table_says(session, world, signed_in, who):
    case = locating_case(session, world)
    letter = services.generate_letter(session, world.school_user, case, "absence")
    if who == "assigned_officer":
        user = make_user(session, "assigned@la.test", {Role.OFFICER})
        session.add(
            VisitAssignment(
                case_id=case.id,
                officer_id=user.id,
                assigned_by_id=world.school_user.id,
                assigned_at=utcnow(),
            )
        )
    else:
        user = getattr(world, who)
    session.commit()
    client = signed_in(user)

    statuses = []
    for method, path in ROUTES.values():
        url = path.format(case=case.id, letter=letter.id)
        response = getattr(client, method)(url, data={"letter_kind": "absence"})
        statuses.append(response.status_code)

    assert tuple(statuses) == ACCESS[who], dict(zip(ROUTES, statuses, strict=True))


def test_a_letter_the_case_cannot_have_now_is_explained_on_the_page(session, world, signed_in):
    from fieldvisit.cases.engine import Action, apply

    case = locating_case(session, world)
    apply(session, case, Action.CHILD_RETURNED, world.school_user)
    session.commit()

    response = signed_in(world.school_user).post(
        f"/cases/{case.id}/letters", data={"letter_kind": "absence"}
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "cannot be made while the case is &#39;Closed&#39;" in page
    assert session.scalar(select(Letter).where(Letter.case_id == case.id)) is None


def test_the_panel_renders_inside_the_case_page_with_only_the_case(app, session, world):
    from flask import render_template_string
    from flask_login import login_user

    case = locating_case(session, world)
    letter = services.generate_letter(session, world.school_user, case, "absence")
    with app.test_request_context(f"/cases/{case.id}"):
        app.preprocess_request()
        login_user(world.school_user)
        html = render_template_string(
            '{% include "letters/_case_panel.html" ignore missing %}', case=case
        )

    assert letter.reference in html
    assert f'action="/cases/{case.id}/letters"' in html
    assert 'name="return_to" value="case"' in html
