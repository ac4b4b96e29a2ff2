"""GET /healthz: is the app up and does the database answer."""

from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from fieldvisit.core.db import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():  # noqa: ANN201
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return jsonify(status="error", database="unavailable"), 503
    return jsonify(status="ok", database="ok")
