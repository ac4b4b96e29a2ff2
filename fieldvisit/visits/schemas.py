"""Every input about visits is loaded through one of these; the API's outputs are dumped by them."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from fieldvisit.core.dates import utcnow
from fieldvisit.core.db import MAX_ID
from fieldvisit.core.schema import Schema
from fieldvisit.visits.models import VisitOutcome

SCHEMA_VERSION = 1
MAX_BATCH = 50
MAX_PHOTOS = 10
MAX_ENQUIRIES = 20
MAX_MANIFEST = 500
MAX_NOTES = 10_000
MAX_DETAILS = 5000
MAX_NAME = 200
MAX_LETTER_REFERENCE = 40
# Ids are 64-bit on every database: a bigger number is refused, never sent to it.
ID_RANGE = validate.Range(1, MAX_ID, error="Not a valid id.")
CLOCK_SKEW = timedelta(minutes=10)
SHA256_PATTERN = re.compile(r"^[0-9a-f]{64}$")
SHA256_HEX = validate.Regexp(SHA256_PATTERN, error="Not a SHA-256 in lower-case hex.")


def is_sha256(text: str) -> bool:
    return SHA256_PATTERN.match(text) is not None


class Text(fields.String):
    """A string with surrounding whitespace removed."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        return super()._deserialize(value, attr, data, **kwargs).strip()


class ItemsLoadedOneByOne(fields.List):
    """A list of objects, documented as `inner` but loaded item by item by the caller,
    so that one bad item is reported on its own and the good ones still land."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list:
        if not isinstance(value, list):
            raise self.make_error("invalid")
        return list(value)


class PositionSchema(Schema):
    latitude = fields.Float(required=True, validate=validate.Range(-90, 90))
    longitude = fields.Float(required=True, validate=validate.Range(-180, 180))
    accuracy_m = fields.Float(required=True, validate=validate.Range(0, 100_000))


class NeighbourEnquirySchema(Schema):
    neighbour = Text(
        required=True,
        validate=validate.Length(
            1, MAX_NAME, error="Say which neighbour: an address or a description."
        ),
        error_messages={"required": "Say which neighbour: an address or a description."},
    )
    spoke_to = Text(load_default="", validate=validate.Length(max=MAX_NAME))
    said = Text(load_default="", validate=validate.Length(max=MAX_DETAILS))


class VisitRecordSchema(Schema):
    """One visit as the phone recorded it (schema version 1)."""

    client_uuid = fields.UUID(required=True)
    schema_version = fields.Integer(
        required=True,
        strict=True,
        validate=validate.OneOf([SCHEMA_VERSION], error="This server reads schema version 1."),
    )
    content_sha256 = fields.String(load_default=None, validate=SHA256_HEX)
    case_id = fields.Integer(required=True, strict=True, validate=ID_RANGE)
    arrived_at = fields.AwareDateTime(
        required=True, error_messages={"required": "Enter the time you arrived."}
    )
    outcome = fields.Enum(
        VisitOutcome,
        by_value=True,
        required=True,
        error_messages={"required": "Select what happened at the door."},
    )
    position = fields.Nested(PositionSchema, allow_none=True, load_default=None)
    neighbour_enquiries = fields.List(
        fields.Nested(NeighbourEnquirySchema),
        load_default=list,
        validate=validate.Length(max=MAX_ENQUIRIES),
    )
    letter_left = fields.Boolean(required=True)
    letter_reference = Text(load_default="", validate=validate.Length(max=MAX_LETTER_REFERENCE))
    photos = fields.List(
        fields.String(validate=SHA256_HEX),
        load_default=list,
        validate=validate.Length(max=MAX_PHOTOS),
    )
    notes = Text(load_default="", validate=validate.Length(max=MAX_NOTES))
    concern = fields.Boolean(load_default=False)
    concern_details = Text(load_default="", validate=validate.Length(max=MAX_DETAILS))

    @validates_schema
    def _rules(self, data: dict[str, Any], **kwargs: Any) -> None:
        errors: dict[str, list[str]] = {}
        if data.get("letter_left") and not data.get("letter_reference"):
            errors["letter_reference"] = [
                "Enter the reference printed on the letter you left, or pick the letter."
            ]
        if not data.get("letter_left") and data.get("letter_reference"):
            errors["letter_reference"] = ["Say that you left a letter, or remove its reference."]
        if data.get("concern") and not data.get("concern_details"):
            errors["concern_details"] = ["Describe the concern."]
        if not data.get("concern") and data.get("concern_details"):
            errors["concern_details"] = ["Tick the concern box, or remove the description."]
        arrived_at = data.get("arrived_at")
        if arrived_at and arrived_at > utcnow() + CLOCK_SKEW:
            errors["arrived_at"] = ["The arrival time is in the future: check the phone's clock."]
        photos = data.get("photos") or []
        if len(set(photos)) != len(photos):
            errors["photos"] = ["The same photo is listed twice."]
        if errors:
            raise ValidationError(errors)


class VisitBatchSchema(Schema):
    visits = ItemsLoadedOneByOne(
        fields.Nested(VisitRecordSchema), required=True, validate=validate.Length(1, MAX_BATCH)
    )


class ItemErrorSchema(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    # The key the API names "fields" shadows marshmallow's own class attribute of that name.
    fields = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))  # type: ignore[assignment]


class VisitResultSchema(Schema):
    index = fields.Integer(required=True)
    client_uuid = fields.UUID(allow_none=True)
    status = fields.String(
        required=True, validate=validate.OneOf(["created", "duplicate", "rejected"])
    )
    visit_id = fields.Integer(allow_none=True)
    content_sha256 = fields.String(allow_none=True)
    photos_missing = fields.List(fields.String())
    error = fields.Nested(ItemErrorSchema, allow_none=True)


class BatchResultSchema(Schema):
    results = fields.List(fields.Nested(VisitResultSchema), required=True)


class ManifestQuerySchema(Schema):
    client_uuid = fields.UUID(required=True)
    content_sha256 = fields.String(load_default=None, allow_none=True, validate=SHA256_HEX)
    photos = fields.List(
        fields.String(validate=SHA256_HEX),
        load_default=list,
        validate=validate.Length(max=MAX_PHOTOS),
    )


class ManifestRequestSchema(Schema):
    visits = ItemsLoadedOneByOne(
        fields.Nested(ManifestQuerySchema),
        required=True,
        validate=validate.Length(1, MAX_MANIFEST),
    )


class ManifestEntrySchema(Schema):
    client_uuid = fields.UUID(allow_none=True)
    visit = fields.String(
        required=True, validate=validate.OneOf(["stored", "missing", "conflict", "rejected"])
    )
    content_sha256 = fields.String(allow_none=True)
    photos_missing = fields.List(fields.String(), required=True)
    error = fields.Nested(ItemErrorSchema, allow_none=True)


class ManifestSchema(Schema):
    visits = fields.List(fields.Nested(ManifestEntrySchema), required=True)


class PhotoResultSchema(Schema):
    visit_uuid = fields.UUID(required=True)
    sha256 = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(["created", "duplicate"]))
    width = fields.Integer(required=True)
    height = fields.Integer(required=True)


class ContactToAskForSchema(Schema):
    name = fields.String(required=True)
    relationship = fields.String(required=True)
    phones = fields.List(fields.String(), required=True)


class LetterToDeliverSchema(Schema):
    reference = fields.String(required=True)
    title = fields.String(required=True)
    qr_token = fields.String(allow_none=True)


class AssignedVisitSchema(Schema):
    assignment_id = fields.Integer(required=True)
    case_id = fields.Integer(required=True)
    case_reference = fields.String(required=True)
    due_on = fields.Date(allow_none=True)
    instructions = fields.String(required=True)
    pupil_name = fields.String(required=True)
    address_lines = fields.List(fields.String(), required=True)
    postcode = fields.String(required=True)
    school_name = fields.String(required=True)
    school_phone = fields.String(required=True)
    contacts = fields.List(fields.Nested(ContactToAskForSchema), required=True)
    letters = fields.List(fields.Nested(LetterToDeliverSchema), required=True)


class AssignedVisitsSchema(Schema):
    visits = fields.List(fields.Nested(AssignedVisitSchema), required=True)
    downloaded_at = fields.AwareDateTime(required=True)


class AssignVisitFormSchema(Schema):
    officer_id = fields.Integer(
        required=True,
        error_messages={
            "required": "Select the officer who will visit.",
            "invalid": "Select an officer.",
        },
    )
    due_on = fields.Date(
        load_default=None,
        error_messages={"invalid": "Enter a real date, for example 14 9 2026."},
    )
    instructions = Text(load_default="", validate=validate.Length(max=2000))


class CancelAssignmentSchema(Schema):
    expected_version = fields.Integer(load_default=None)
    reason = Text(
        required=True,
        validate=validate.Length(min=1, max=2000, error="Say why the visit is cancelled or moved"),
        error_messages={"required": "Say why the visit is cancelled or moved"},
    )
    # Blank: cancel only; an officer's id: move the visit to them.
    reassign_to = fields.Integer(
        load_default=None, allow_none=True, error_messages={"invalid": "Select an officer."}
    )
