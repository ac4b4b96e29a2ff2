"""Request ids, JSON logs without a child's details, and the Prometheus metrics."""

from __future__ import annotations

import io
import json
import logging

import pytest

from fieldvisit.core.observe import JsonFormatter, RequestIdFilter
from tests.support.factories import make_pupil
from tests.support.visits import assigned_case, send, visit_item


@pytest.fixture
def json_log():
    """The request log as the service writes it: JSON lines with the request id."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("fieldvisit")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield out
    logger.removeHandler(handler)
    logger.setLevel(level)


def test_every_answer_carries_a_request_id(client):
    mine = client.get("/healthz", headers={"X-Request-Id": "proxy-42.a"})
    assert mine.headers["X-Request-Id"] == "proxy-42.a"  # the proxy's id is kept
    made = client.get("/healthz", headers={"X-Request-Id": "<script>"})
    assert len(made.headers["X-Request-Id"]) == 32 and "<" not in made.headers["X-Request-Id"]


def test_the_request_log_is_json_with_the_id_and_no_childs_details(
    session, world, signed_in, json_log
):
    pupil = make_pupil(session, world.school, forename="Zephyrine", surname="Quillfeather")
    session.commit()
    client = signed_in(world.school_user)
    answer = client.post("/pupils", data={"q": pupil.surname}, headers={"X-Request-Id": "r-1"})
    assert answer.status_code == 200 and pupil.surname in answer.get_data(as_text=True)
    lines = [json.loads(line) for line in json_log.getvalue().splitlines()]
    mine = [line for line in lines if line.get("request_id") == "r-1"]
    assert mine and mine[-1]["endpoint"] == "cases.pupil_list" and mine[-1]["status"] == 200
    assert mine[-1]["user_id"] == world.school_user.id  # the id only, never the session nonce
    written = json_log.getvalue()
    assert "Quillfeather" not in written and "Zephyrine" not in written and pupil.upn not in written


def test_metrics_need_the_token(app, client, monkeypatch):
    assert client.get("/metrics").status_code == 404  # no token set: there are no metrics
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "s3cret-token")
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
    answer = client.get("/metrics", headers={"Authorization": "Bearer s3cret-token"})
    assert answer.status_code == 200 and answer.mimetype == "text/plain"


def test_metrics_count_requests_sync_items_and_the_outbox(
    app, client, session, world, signed_in, monkeypatch
):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "t")
    case = assigned_case(session, world)
    session.commit()
    officer = signed_in(world.officer)
    send(officer, visit_item(case), visit_item(999_999))
    text = client.get("/metrics", headers={"Authorization": "Bearer t"}).get_data(as_text=True)
    assert (
        'fieldvisit_requests_total{endpoint="visits_api.batch",method="POST",status="200"}' in text
    )
    assert 'fieldvisit_request_seconds_bucket{endpoint="visits_api.batch"' in text
    assert 'fieldvisit_sync_items_total{result="created"}' in text
    assert 'fieldvisit_sync_items_total{result="rejected"}' in text
    assert 'fieldvisit_outbox_emails{state="pending"}' in text
    assert 'fieldvisit_jobs{state="failed"} 0.0' in text  # failed jobs need an administrator
