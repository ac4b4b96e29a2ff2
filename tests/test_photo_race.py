"""The same photo sent twice at the same moment (a retry crossing the first attempt) answers
'stored' to both: each request on its own connection, as on a real server."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fieldvisit.core.db import db
from fieldvisit.models import metadata
from fieldvisit.visits.models import VisitPhoto
from tests.conftest import sign_in
from tests.support import factories
from tests.support.visits import assigned_case, jpeg_bytes, send, sha256, visit_item


@pytest.fixture
def committed(app: Flask) -> Iterator[Session]:
    """A session whose work is committed for real; every table is emptied afterwards."""
    with app.app_context():
        session = db.session
        try:
            yield session
        finally:
            session.close()
            with db.engine.begin() as connection:
                for table in reversed(metadata.sorted_tables):
                    connection.execute(table.delete())


def test_the_same_photo_twice_at_once_is_stored_once_and_answered_to_both(app, committed):
    world = factories.make_world(committed)
    case = assigned_case(committed, world)
    committed.commit()
    photo = jpeg_bytes(1600, 1200)
    item = visit_item(case, photos=[sha256(photo)])
    clients = [app.test_client() for _ in range(2)]
    for n, client in enumerate(clients):
        client.environ_base["REMOTE_ADDR"] = f"10.9.0.{n + 1}"
        assert sign_in(client, world.officer).status_code == 302
    assert send(clients[0], item).status_code == 200

    answers: list = [None, None]
    start = threading.Barrier(2)

    def upload(n: int) -> None:
        start.wait()
        url = f"/api/v1/visits/{item['client_uuid']}/photos/{sha256(photo)}"
        answers[n] = clients[n].put(url, data=photo, content_type="image/jpeg")

    threads = [threading.Thread(target=upload, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(a.status_code for a in answers) in ([200, 201], [201, 201])
    for answer in answers:
        body = answer.get_json()
        assert (body["visit_uuid"], body["sha256"]) == (item["client_uuid"], sha256(photo))
    count = committed.scalar(select(func.count()).select_from(VisitPhoto))
    assert count == 1
