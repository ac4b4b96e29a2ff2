"""Visit pages: the officer's list, the case's visits panel, assigning a visit, the app shell."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import select

from fieldvisit.chronology.models import ChronologyEntry
from fieldvisit.core.permissions import Role
from fieldvisit.visits.models import VisitAssignment
from tests.support.factories import make_case, make_user
from tests.support.visits import (
    assigned_case,
    case_letter,
    jpeg_bytes,
    send,
    sha256,
    visit_item,
)


def test_an_officer_sees_their_assigned_visits_online(client, session, world, signed_in):
    case = assigned_case(session, world)
    session.commit()
    signed_in(world.officer)
    page = client.get("/visits/").get_data(as_text=True)
    assert case.pupil.full_name in page
    assert "Leave the letter if nobody answers." in page
    assert 'href="/app/"' in page


def test_the_visits_list_is_for_officers(client, world, signed_in):
    signed_in(world.school_user)
    assert client.get("/visits/").status_code == 403


def test_the_case_panel_shows_each_visit_with_gps_enquiries_and_photos(
    app, client, session, world, signed_in
):
    case = assigned_case(session, world)
    session.commit()
    reference = case_letter(session, world, case)
    signed_in(world.officer)
    photo = jpeg_bytes()
    item = visit_item(case, photos=[sha256(photo), "f" * 64], letter_reference=reference)
    send(client, item)
    client.put(f"/api/v1/visits/{item['client_uuid']}/photos/{sha256(photo)}", data=photo)
    client.post("/logout")
    signed_in(world.school_user)
    page = client.get(f"/cases/{case.id}/visits").get_data(as_text=True)
    assert "No answer" in page and "Completed" in page
    assert "52.20530, 0.12180 (to within 12 m)" in page
    assert "Number 12" in page and "Heard a car leave at night." in page
    assert reference in page
    assert f"/visits/{item['client_uuid']}/photos/{sha256(photo)}/thumbnail.jpg" in page
    assert "1 photo not yet received" in page


def test_school_staff_assign_a_visit_to_an_officer(client, session, world, signed_in, queued_mail):
    case = make_case(session, world)
    session.commit()
    signed_in(world.school_user)
    page = client.get(f"/cases/{case.id}/visits").get_data(as_text=True)
    assert "Assign a home visit" in page and world.officer.name in page
    response = client.post(
        f"/cases/{case.id}/visits/assign",
        data={
            "officer_id": str(world.officer.id),
            "due_on": "2026-12-01",
            "instructions": "Ring twice.",
        },
    )
    assert response.status_code == 302
    assignment = session.scalars(select(VisitAssignment)).one()
    assert (assignment.officer_id, assignment.instructions) == (world.officer.id, "Ring twice.")
    assert assignment.due_on == date(2026, 12, 1)
    last = session.scalars(
        select(ChronologyEntry)
        .where(ChronologyEntry.case_id == case.id)
        .order_by(ChronologyEntry.seq.desc())
    ).first()
    assert last.kind == "assign_visit" and world.officer.name in last.summary
    assert [m.to for m in queued_mail] == [(world.officer.email,)]
    assert case.pupil.surname not in queued_mail[0].subject
    shown = client.get(f"/cases/{case.id}/visits").get_data(as_text=True)
    assert "Visits assigned and not yet made" in shown and "Ring twice." in shown


def test_assigning_without_an_officer_shows_the_error_and_keeps_what_was_typed(
    client, session, world, signed_in
):
    case = make_case(session, world)
    other_school_officer = make_user(session, "o@other.test", {Role.OFFICER}, world.other_school)
    session.commit()
    signed_in(world.school_user)
    response = client.post(
        f"/cases/{case.id}/visits/assign", data={"officer_id": "", "instructions": "Typed this."}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'href="#officer_id"' in page and "Select the officer who will visit." in page
    assert "Typed this." in page
    response = client.post(
        f"/cases/{case.id}/visits/assign", data={"officer_id": str(other_school_officer.id)}
    )
    assert response.status_code == 400
    assert "Select an officer who can visit for this school." in response.get_data(as_text=True)
    assert session.scalars(select(VisitAssignment)).all() == []


def test_another_schools_user_cannot_see_or_assign_visits(client, session, world, signed_in):
    case = make_case(session, world)
    session.commit()
    signed_in(world.other_school_user)
    assert client.get(f"/cases/{case.id}/visits").status_code == 404
    response = client.post(
        f"/cases/{case.id}/visits/assign", data={"officer_id": str(world.officer.id)}
    )
    assert response.status_code == 404


def test_an_officer_sees_the_panel_without_the_assign_form(client, session, world, signed_in):
    case = assigned_case(session, world)
    session.commit()
    signed_in(world.officer)
    page = client.get(f"/cases/{case.id}/visits").get_data(as_text=True)
    assert "Home visits" in page and "Assign a home visit" not in page


def test_the_app_shell_is_installable_and_holds_no_personal_data(client, session, world, signed_in):
    case = assigned_case(session, world)
    session.commit()
    signed_in(world.officer)
    page = client.get("/app/").get_data(as_text=True)
    assert case.pupil.surname not in page and world.officer.name not in page
    assert "csrf" not in page.lower()
    assert '<link rel="manifest" href="/app/manifest.webmanifest">' in page
    manifest = json.loads(client.get("/app/manifest.webmanifest").get_data())
    assert manifest["start_url"] == manifest["scope"] == "/app/"
    assert manifest["display"] == "standalone"
    sizes = {(i["sizes"], i.get("purpose", "any")) for i in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    for icon in manifest["icons"]:
        with client.get(icon["src"]) as response:
            assert response.status_code == 200


def test_the_service_worker_precaches_a_versioned_shell(client):
    response = client.get("/app/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    body = response.get_data(as_text=True)
    shell = json.loads(body.split("const SHELL = ", 1)[1].split(";\n", 1)[0])
    assert shell[0] == "/app/"
    assert not any(url.startswith("/api/") for url in shell)
    for url in shell:
        with client.get(url) as shell_file:
            assert shell_file.status_code == 200, url
    assert "const CACHE = `fieldvisit-shell-${VERSION}`" in body


def test_the_case_panel_says_why_a_visit_with_a_made_up_letter_is_not_completed(
    client, session, world, signed_in
):
    case = assigned_case(session, world)
    session.commit()
    signed_in(world.officer)
    send(client, visit_item(case, letter_reference="FV-2026-999999"))
    client.post("/logout")
    signed_in(world.school_user)
    page = client.get(f"/cases/{case.id}/visits").get_data(as_text=True)
    assert "Not completed" in page
    assert "letter reference FV-2026-999999 is not one of this case&#39;s letters" in page
