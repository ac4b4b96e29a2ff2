"""The phone app's visit endpoints: download, batch sync, photos and the manifest."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, jsonify, request
from flask_login import current_user

from fieldvisit.core.api import (
    API_PREFIX,
    document,
    error_response,
    json_response,
    load_json,
    publish_limits,
    require_sign_in,
)
from fieldvisit.core.audit import audit
from fieldvisit.core.dates import utcnow
from fieldvisit.core.db import db
from fieldvisit.core.errors import NotAllowed, NotFound
from fieldvisit.core.observe import SYNC_ITEMS
from fieldvisit.core.permissions import Permission
from fieldvisit.core.web import commit
from fieldvisit.visits import services, sync
from fieldvisit.visits.photos import MAX_PHOTO_BYTES, PhotoTooBig, receive_photo
from fieldvisit.visits.schemas import (
    MAX_BATCH,
    MAX_DETAILS,
    MAX_ENQUIRIES,
    MAX_LETTER_REFERENCE,
    MAX_MANIFEST,
    MAX_NAME,
    MAX_NOTES,
    MAX_PHOTOS,
    AssignedVisitsSchema,
    BatchResultSchema,
    ManifestRequestSchema,
    ManifestSchema,
    PhotoResultSchema,
    VisitBatchSchema,
    is_sha256,
)

bp = Blueprint("visits_api", __name__, url_prefix=f"{API_PREFIX}/visits")

publish_limits(
    batch_max_visits=MAX_BATCH,
    manifest_max_visits=MAX_MANIFEST,
    photos_per_visit=MAX_PHOTOS,
    photo_max_bytes=MAX_PHOTO_BYTES,
    neighbours_per_visit=MAX_ENQUIRIES,
    text_max={
        "notes": MAX_NOTES,
        "concern_details": MAX_DETAILS,
        "letter_reference": MAX_LETTER_REFERENCE,
        "neighbour": MAX_NAME,
        "spoke_to": MAX_NAME,
        "said": MAX_DETAILS,
    },
)


@bp.before_request
def _officers_only() -> None:
    require_sign_in()
    if not current_user.can(Permission.VISITS_RECORD):
        raise NotAllowed("Only officers who make home visits can use the phone app's sync.")


@bp.get("/assigned")
def assigned() -> Any:
    visits = services.assigned_visits(db.session, current_user)
    for visit in visits:
        audit(db.session, current_user.id, "download", "case", visit["case_id"])
    commit()
    return jsonify(AssignedVisitsSchema().dump({"visits": visits, "downloaded_at": utcnow()}))


@bp.post("/batch")
def batch() -> Any:
    envelope = load_json(VisitBatchSchema())
    # The user itself, not the proxy: the batch reads the officer's id for every entry.
    officer = current_user._get_current_object()
    results = sync.receive_batch(db.session, officer, envelope["visits"])
    commit()
    for result in results:
        SYNC_ITEMS.labels(result["status"]).inc()
    return jsonify(BatchResultSchema().dump({"results": results}))


@bp.post("/manifest")
def manifest() -> Any:
    queries = load_json(ManifestRequestSchema())["visits"]
    return jsonify(
        ManifestSchema().dump({"visits": sync.manifest(db.session, current_user, queries)})
    )


@bp.put("/<uuid:visit_uuid>/photos/<sha256>")
def put_photo(visit_uuid: uuid.UUID, sha256: str) -> Any:
    if not is_sha256(sha256):
        raise NotFound("A photo's address ends in its SHA-256, in lower-case hex.")
    if (request.content_length or 0) > MAX_PHOTO_BYTES:
        raise PhotoTooBig(f"The photo is larger than {MAX_PHOTO_BYTES // (1024 * 1024)} MB.")
    data = request.get_data(cache=False)
    photo, created = receive_photo(db.session, current_user, visit_uuid, sha256, data)
    commit()
    body = {
        "visit_uuid": visit_uuid,
        "sha256": sha256,
        "status": "created" if created else "duplicate",
        "width": photo.width,
        "height": photo.height,
    }
    return jsonify(PhotoResultSchema().dump(body)), 201 if created else 200


SIGNED_OUT = error_response("Signed out: sign in again; the phone keeps its records")
NOT_OFFICER = error_response("Not an officer")

document(
    "/visits/assigned",
    get={
        "summary": "The signed-in officer's open visits, with only what each visit needs",
        "responses": {
            "200": json_response(AssignedVisitsSchema, "The visits to hold offline"),
            "401": SIGNED_OUT,
            "403": NOT_OFFICER,
        },
    },
)
document(
    "/visits/batch",
    post={
        "summary": "Send up to 50 visits; each is answered created, duplicate or rejected",
        "description": "Idempotent by client_uuid: the same uuid and content again answers "
        "'duplicate' with the stored result; the same uuid with other content is rejected "
        "with code 'conflict' and never overwrites. One bad item does not stop the others.",
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": VisitBatchSchema}},
        },
        "responses": {
            "200": json_response(BatchResultSchema, "One result per visit, in order"),
            "400": error_response("Malformed JSON"),
            "401": SIGNED_OUT,
            "403": NOT_OFFICER,
            "422": error_response("The envelope is wrong (not a list, too many, unknown keys)"),
        },
    },
)
document(
    "/visits/manifest",
    post={
        "summary": "What the server still lacks: each visit stored, missing, conflict or rejected",
        "description": "Each item names the visit's client_uuid, the client's content_sha256 "
        "and its photos. 'stored' means the server holds that version (same content_sha256); "
        "'conflict' that it holds another version, which is never overwritten; 'rejected' "
        "that this item cannot be read (its error says why); the other items are answered "
        "regardless. photos_missing lists the photos still to PUT.",
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": ManifestRequestSchema}},
        },
        "responses": {
            "200": json_response(ManifestSchema, "What the server lacks"),
            "401": SIGNED_OUT,
            "422": error_response("Invalid request"),
        },
    },
)
document(
    "/visits/{visit_uuid}/photos/{sha256}",
    put={
        "summary": "Upload one photo of a visit, before or after the visit itself",
        "description": "The body is the JPEG or PNG; its SHA-256 must match the path. "
        "Idempotent: the same photo again answers 200 'duplicate'. The server re-encodes it "
        "and strips all metadata, location included.",
        "parameters": [
            {"name": "visit_uuid", "in": "path", "required": True, "schema": {"type": "string"}},
            {"name": "sha256", "in": "path", "required": True, "schema": {"type": "string"}},
        ],
        "requestBody": {
            "required": True,
            "content": {
                "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
                "image/png": {"schema": {"type": "string", "format": "binary"}},
            },
        },
        "responses": {
            "201": json_response(PhotoResultSchema, "Stored"),
            "200": json_response(PhotoResultSchema, "Already stored"),
            "401": SIGNED_OUT,
            "404": error_response("A visit of another officer"),
            "413": error_response("Too big (bytes or pixels)"),
            "422": error_response("Not a JPEG or PNG, damaged, or not listed in the visit"),
            "429": error_response("Too many of the officer's photos await their visits"),
        },
    },
)
