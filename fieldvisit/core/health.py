"""GET /healthz: is the app up, does the database answer, can the file store be written."""

from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from fieldvisit.core.db import db
from fieldvisit.core.storage import storage

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    body = {"status": "ok", "database": "ok", "storage": "ok"}
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        body["database"] = "unavailable"
    try:
        storage().check_writable()
    except OSError as error:
        body["storage"] = f"not writable: {error.strerror or type(error).__name__}"
    if body["database"] != "ok" or body["storage"] != "ok":
        body["status"] = "error"
        return jsonify(body), 503
    return jsonify(body)
