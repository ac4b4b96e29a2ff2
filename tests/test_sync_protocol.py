"""The sync protocol's guarantees: versions by content hash, per-item answers, limits."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from fieldvisit.visits.models import HomeVisit
from fieldvisit.visits.schemas import MAX_PHOTOS
from tests.support.visits import assigned_case, send, visit_item

VERSION_A = "a" * 64
VERSION_B = "b" * 64


def manifest(client, *items):
    return client.post("/api/v1/visits/manifest", json={"visits": list(items)})


def signed_in_officer(session, world, signed_in):
    case = assigned_case(session, world)
    session.commit()
    signed_in(world.officer)
    return case


def test_the_session_publishes_the_limits_the_phone_must_respect(client, world, signed_in):
    signed_in(world.officer)
    limits = client.get("/api/v1/session").get_json()["limits"]
    assert limits["photos_per_visit"] == MAX_PHOTOS
    assert limits["batch_max_visits"] == 50
    assert limits["manifest_max_visits"] >= 50
    assert limits["photo_max_bytes"] > 0
    assert limits["neighbours_per_visit"] > 0
    assert limits["text_max"]["notes"] >= 1000


def test_an_answer_names_the_visit_and_its_version(client, session, world, signed_in):
    case = signed_in_officer(session, world, signed_in)
    item = visit_item(case, content_sha256=VERSION_A)
    result = send(client, item).get_json()["results"][0]
    assert (result["status"], result["client_uuid"], result["content_sha256"]) == (
        "created",
        item["client_uuid"],
        VERSION_A,
    )
    again = send(client, item).get_json()["results"][0]
    assert (again["status"], again["content_sha256"]) == ("duplicate", VERSION_A)


def test_another_version_of_a_stored_visit_is_a_conflict_never_stored(
    client, session, world, signed_in
):
    case = signed_in_officer(session, world, signed_in)
    item = visit_item(case, content_sha256=VERSION_A)
    send(client, item)
    other = {**item, "notes": "Written on the second phone.", "content_sha256": VERSION_B}
    result = send(client, other).get_json()["results"][0]
    assert (result["status"], result["error"]["code"]) == ("rejected", "conflict")
    answer = manifest(
        client, {"client_uuid": item["client_uuid"], "content_sha256": VERSION_B, "photos": []}
    ).get_json()["visits"][0]
    assert (answer["visit"], answer["content_sha256"]) == ("conflict", VERSION_A)
    same = manifest(
        client, {"client_uuid": item["client_uuid"], "content_sha256": VERSION_A}
    ).get_json()["visits"][0]
    assert same["visit"] == "stored"
    notes = session.scalars(select(HomeVisit.notes)).all()
    assert notes == [item["notes"]]


def test_a_manifest_item_over_a_limit_is_answered_alone(client, session, world, signed_in):
    case = signed_in_officer(session, world, signed_in)
    big = str(uuid.uuid4())
    small = visit_item(case)
    send(client, small)
    response = manifest(
        client,
        {"client_uuid": big, "photos": [f"{n:064x}" for n in range(MAX_PHOTOS + 1)]},
        {"client_uuid": small["client_uuid"], "photos": []},
        "not an object",
    )
    assert response.status_code == 200
    first, second, third = response.get_json()["visits"]
    assert (first["client_uuid"], first["visit"]) == (big, "rejected")
    assert "photos" in first["error"]["fields"]
    assert second["visit"] == "stored"
    assert (third["client_uuid"], third["visit"]) == (None, "rejected")


def test_a_hostile_item_is_rejected_alone_and_the_others_land(client, session, world, signed_in):
    case = signed_in_officer(session, world, signed_in)
    good = visit_item(case)
    nul = visit_item(case, notes="Curtains\x00 drawn")
    nul_in_enquiry = visit_item(
        case, neighbour_enquiries=[{"neighbour": "No. 3\x00", "spoke_to": "", "said": ""}]
    )
    huge_id = visit_item(2**63)
    response = send(client, nul, good, huge_id, nul_in_enquiry)
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert [r["status"] for r in results] == ["rejected", "created", "rejected", "rejected"]
    assert "notes" in results[0]["error"]["fields"]
    assert "control character" in results[0]["error"]["message"]
    assert "case_id" in results[2]["error"]["fields"]
    assert "neighbour_enquiries-0-neighbour" in results[3]["error"]["fields"]
    assert session.scalar(select(func.count()).select_from(HomeVisit)) == 1
