"""The JSON API under /api/v1: sign-in check, JSON input, errors and the OpenAPI document."""

from __future__ import annotations

from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, g, jsonify, request
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from marshmallow import ValidationError, fields

from fieldvisit.core.errors import DomainError, ValidationFailed
from fieldvisit.core.forms import flatten_errors
from fieldvisit.core.schema import Schema

API_PREFIX = "/api/v1"
API_VERSION = "1.0.0"

bp = Blueprint("api", __name__, url_prefix=API_PREFIX)

# (path under /api/v1, {method: operation}), added by each domain's api.py at import.
_PATHS: list[tuple[str, dict[str, Any]]] = []
# The sizes the server accepts, published so the phone sizes its requests and checks its
# forms before saving; added by each domain's api.py at import.
_LIMITS: dict[str, Any] = {}


class Unauthenticated(DomainError):
    code = "unauthenticated"
    status = 401


class MalformedRequest(DomainError):
    code = "malformed_json"
    status = 400


class ErrorBodySchema(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    # The key the API names "fields" shadows marshmallow's own class attribute of that name.
    fields = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))  # type: ignore[assignment]


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBodySchema, required=True)


class SessionUserSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    roles = fields.List(fields.String(), required=True)


class SessionSchema(Schema):
    user = fields.Nested(SessionUserSchema, required=True)
    csrf_token = fields.String(required=True)
    limits = fields.Dict(
        keys=fields.String(),
        required=True,
        metadata={"description": "Sizes the server accepts, for example photos_per_visit"},
    )


def publish_limits(**limits: Any) -> None:
    """Publish sizes the API accepts in GET /session, for the phone to respect."""
    _LIMITS.update(limits)


class AccountDisabled(Unauthenticated):
    code = "account_disabled"


def signed_out() -> Unauthenticated | None:
    """Say why the request has no signed-in user, or None when it has one."""
    if current_user.is_authenticated:
        return None
    if g.get("account_disabled"):
        return AccountDisabled(
            "This account has been disabled. The visit details on this phone are deleted; "
            "visits not yet sent are kept until the account is enabled again."
        )
    return Unauthenticated(
        "You are signed out. Sign in again: nothing waiting on your phone has been lost."
    )


def require_sign_in() -> None:
    """Answer 401 in JSON, never a redirect to the sign-in page, when the session has ended."""
    if (error := signed_out()) is not None:
        raise error


def load_json(schema: Schema) -> Any:
    """Load the request's JSON body through a schema; unknown fields are refused."""
    body = request.get_json(silent=True)
    if body is None:
        raise MalformedRequest(
            "The request body is not valid JSON (Content-Type: application/json)."
        )
    try:
        return schema.load(body)
    except ValidationError as error:
        raise ValidationFailed(
            "The request has errors: see fields.", fields=flatten_errors(error.messages)
        ) from None


def error_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": ErrorSchema}},
    }


def json_response(schema: type[Schema] | Schema, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def document(path: str, **operations: dict[str, Any]) -> None:
    """Describe an endpoint under /api/v1 in the OpenAPI document; an operation that takes a
    body also lists the 400 every such request may get."""
    for operation in operations.values():
        if "requestBody" in operation:
            refused = error_response(
                "The body is not JSON, or the CSRF token (X-CSRFToken) is missing or stale"
            )
            operation["responses"] = {"400": refused, **operation["responses"]}
    _PATHS.append((path, operations))


def openapi_spec() -> dict[str, Any]:
    """Build the OpenAPI 3 document from the registered paths and their schemas."""
    spec = APISpec(
        title="fieldvisit API",
        version=API_VERSION,
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={
            "description": "The phone app's API. Sign in through /login (a session cookie); "
            "send the token from GET /session in the X-CSRFToken header of every POST and PUT. "
            'Errors are {"error": {"code", "message", "fields"}}.'
        },
        servers=[{"url": API_PREFIX}],
    )
    spec.components.schema("Error", schema=ErrorSchema)
    for path, operations in _PATHS:
        spec.path(path=path, operations=operations)
    return spec.to_dict()


@bp.get("/openapi.json")
def openapi() -> Any:
    return jsonify(openapi_spec())


@bp.get("/session")
def session() -> Any:
    require_sign_in()
    user = current_user
    return jsonify(
        SessionSchema().dump(
            {
                "user": {"id": user.id, "name": user.name, "roles": sorted(user.roles)},
                "csrf_token": generate_csrf(),
                "limits": _LIMITS,
            }
        )
    )


document(
    "/session",
    get={
        "summary": "Who is signed in, and the CSRF token for POST and PUT requests",
        "responses": {
            "200": json_response(SessionSchema, "Signed in"),
            "401": error_response("Not signed in"),
        },
    },
)
document(
    "/openapi.json",
    get={"summary": "This document", "responses": {"200": {"description": "OpenAPI 3"}}},
)
