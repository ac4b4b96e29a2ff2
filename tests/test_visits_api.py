"""The phone API around the sync: session, download, CSRF, manifest, errors, OpenAPI."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from fieldvisit.core.audit import AuditEvent
from fieldvisit.core.permissions import Role
from fieldvisit.visits.models import (
    AssignmentStatus,
    HomeVisit,
    VisitAssignment,
    VisitOutcome,
)
from tests.support.factories import make_case, make_user
from tests.support.visits import assign, assigned_case, send, visit_item


def test_session_says_who_is_signed_in_and_gives_a_csrf_token(client, world, signed_in):
    assert client.get("/api/v1/session").status_code == 401
    signed_in(world.officer)
    body = client.get("/api/v1/session").get_json()
    assert body["user"] == {
        "id": world.officer.id,
        "name": world.officer.name,
        "roles": ["officer"],
    }
    assert len(body["csrf_token"]) > 20


def test_officer_downloads_only_their_open_visits_with_what_the_visit_needs(
    client, session, world, signed_in
):
    mine = assigned_case(session, world)
    other_officer = make_user(session, "officer2@la.test", {Role.OFFICER})
    theirs = make_case(session, world)
    assign(session, world, theirs, other_officer)
    done = assigned_case(session, world)
    session.scalars(
        select(VisitAssignment).where(VisitAssignment.case_id == done.id)
    ).one().status = AssignmentStatus.DONE
    session.commit()
    signed_in(world.officer)
    body = client.get("/api/v1/visits/assigned").get_json()
    assert [v["case_id"] for v in body["visits"]] == [mine.id]
    visit = body["visits"][0]
    assert visit["pupil_name"] == mine.pupil.full_name
    assert visit["address_lines"] == mine.pupil.address_lines
    assert [(c["name"], c["relationship"]) for c in visit["contacts"]] == [
        ("Pat Parent", "Mother"),
        ("Em Contact", "Aunt"),
    ]
    assert visit["contacts"][0]["phones"] == mine.pupil.contacts[0].phones
    assert visit["letters"] == []
    assert "date_of_birth" not in str(visit) and "upn" not in visit
    downloads = session.scalars(select(AuditEvent).where(AuditEvent.action == "download")).all()
    assert [(a.object_type, a.object_id) for a in downloads] == [("case", mine.id)]


def test_a_school_user_cannot_use_the_sync_api(client, world, signed_in):
    signed_in(world.school_user)
    response = client.post("/api/v1/visits/batch", json={"visits": []})
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


def test_signed_out_phone_gets_401_json_never_a_redirect(client, session, world):
    case = assigned_case(session, world)
    session.commit()
    response = send(client, visit_item(case))
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthenticated"
    assert session.scalar(select(func.count()).select_from(HomeVisit)) == 0


@pytest.mark.parametrize(
    ("body", "content_type"),
    [(b'{"visits": [', "application/json"), (b"visits=1", "application/x-www-form-urlencoded")],
)
def test_malformed_json_is_a_400_with_a_json_error(client, world, signed_in, body, content_type):
    signed_in(world.officer)
    response = client.post("/api/v1/visits/batch", data=body, content_type=content_type)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "malformed_json"


def test_csrf_token_from_the_session_endpoint_is_required(
    app, client, session, world, signed_in, monkeypatch
):
    case = assigned_case(session, world)
    session.commit()
    signed_in(world.officer)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    refused = send(client, visit_item(case))
    assert refused.status_code == 400
    assert refused.get_json()["error"]["code"] == "csrf"
    token = client.get("/api/v1/session").get_json()["csrf_token"]
    accepted = client.post(
        "/api/v1/visits/batch",
        json={"visits": [visit_item(case)]},
        headers={"X-CSRFToken": token},
    )
    assert accepted.status_code == 200
    assert accepted.get_json()["results"][0]["status"] == "created"


def test_manifest_says_what_the_server_still_lacks(client, session, world, signed_in):
    case = assigned_case(session, world)
    session.commit()
    signed_in(world.officer)
    stored = visit_item(case, photos=["a" * 64])
    send(client, stored)
    unknown = str(uuid.uuid4())
    body = client.post(
        "/api/v1/visits/manifest",
        json={
            "visits": [
                {"client_uuid": stored["client_uuid"], "photos": []},
                {"client_uuid": unknown, "photos": ["b" * 64]},
            ]
        },
    ).get_json()
    assert [(v["client_uuid"], v["visit"], v["photos_missing"]) for v in body["visits"]] == [
        (stored["client_uuid"], "stored", ["a" * 64]),
        (unknown, "missing", ["b" * 64]),
    ]


def test_openapi_document_is_generated_from_the_schemas(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    record = spec["components"]["schemas"]["VisitRecord"]
    assert record["additionalProperties"] is False
    assert {"client_uuid", "case_id", "arrived_at", "outcome", "letter_left"} <= set(
        record["required"]
    )
    assert record["properties"]["outcome"]["enum"] == [o.value for o in VisitOutcome]
    batch = spec["paths"]["/visits/batch"]["post"]
    assert batch["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/VisitBatch"
    }
    visits = spec["components"]["schemas"]["VisitBatch"]["properties"]["visits"]
    assert visits["items"] == {"$ref": "#/components/schemas/VisitRecord"}
    assert "/visits/{visit_uuid}/photos/{sha256}" in spec["paths"]
    assert "/session" in spec["paths"]
