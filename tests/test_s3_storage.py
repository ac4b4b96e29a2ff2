"""Object storage (FIELDVISIT_STORAGE=s3://bucket/prefix) against a real S3 protocol server
on loopback (moto in server mode): the same contract as the local folder, and photos still
reach a browser only through the access-checked routes."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator

import boto3
import pytest
from moto.server import ThreadedMotoServer

from fieldvisit.core.s3 import S3Storage, parse
from fieldvisit.core.storage import FileMissing, LocalStorage, Storage, open_storage
from tests.support.visits import assigned_case, jpeg_bytes, send, sha256, visit_item

BUCKET = "fieldvisit-test"
REGION = "eu-west-2"


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """A moto S3 server on a free loopback port, with one bucket, and AWS settings for it."""
    patch = pytest.MonkeyPatch()
    for name, value in {
        "AWS_ACCESS_KEY_ID": "test-key",
        "AWS_SECRET_ACCESS_KEY": "test-secret",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        patch.setenv(name, value)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    boto3.client("s3", endpoint_url=endpoint).create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    try:
        yield endpoint
    finally:
        server.stop()
        patch.undo()


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path, s3_endpoint) -> Storage:
    """Each contract test runs on the local folder and on the object store."""
    if request.param == "local":
        return LocalStorage(tmp_path / "files")
    prefix = f"run-{uuid.uuid4().hex}"  # a fresh prefix: tests share the bucket
    return open_storage(f"s3://{BUCKET}/{prefix}", s3_endpoint_url=s3_endpoint)


def test_the_address_names_a_bucket_and_a_prefix():
    assert parse("s3://cme-files/fieldvisit/prod") == ("cme-files", "fieldvisit/prod/")
    assert parse("s3://cme-files") == ("cme-files", "")
    with pytest.raises(ValueError):
        parse("s3:///no-bucket")


def test_a_stored_file_reads_back_with_its_sha256(store):
    data = b"\xff\xd8 a photo \x00 with any bytes"
    assert store.put("photos/2026/a.jpg", data) == hashlib.sha256(data).hexdigest()
    assert store.get("photos/2026/a.jpg") == data
    assert store.exists("photos/2026/a.jpg")
    store.put("photos/2026/a.jpg", b"replaced")  # same key: the newer bytes win
    assert store.get("photos/2026/a.jpg") == b"replaced"


def test_a_missing_file_is_a_clear_error_not_a_crash(store):
    assert not store.exists("letters/none.pdf")
    with pytest.raises(FileMissing):
        store.get("letters/none.pdf")


def test_keys_are_listed_in_order_and_deleted(store):
    for key in ("b/2.jpg", "a/1.pdf", "b/1.jpg"):
        store.put(key, key.encode())
    store.check_writable()  # leaves nothing behind that a backup would carry
    assert list(store.stored_keys()) == ["a/1.pdf", "b/1.jpg", "b/2.jpg"]
    store.delete("b/1.jpg")
    store.delete("b/1.jpg")  # deleting twice is not an error
    assert list(store.stored_keys()) == ["a/1.pdf", "b/2.jpg"]
    assert store.remove_stale_temporary_files(older_than=0) == 0


@pytest.mark.parametrize("key", ["../escape", "/absolute", "a/../../b", ".hidden", ""])
def test_keys_that_leave_the_store_are_refused(store, key):
    with pytest.raises(ValueError):
        store.put(key, b"x")


def test_a_store_that_cannot_be_written_fails_the_health_check(s3_endpoint):
    missing = S3Storage(f"s3://no-such-bucket-{uuid.uuid4().hex[:8]}", endpoint_url=s3_endpoint)
    with pytest.raises(OSError, match="not writable"):
        missing.check_writable()


@pytest.fixture
def s3_app_store(app, s3_endpoint, monkeypatch) -> S3Storage:
    """The test app's file store swapped for a fresh prefix of the bucket."""
    store = S3Storage(f"s3://{BUCKET}/app-{uuid.uuid4().hex}", endpoint_url=s3_endpoint)
    monkeypatch.setitem(app.extensions, "fieldvisit.storage", store)
    return store


def test_a_visit_photo_goes_to_the_bucket_and_is_served_only_on_the_case(
    client, session, world, signed_in, s3_app_store
):
    case = assigned_case(session, world)
    session.commit()
    signed_in(world.officer)
    photo = jpeg_bytes()
    item = visit_item(case, photos=[sha256(photo)])
    send(client, item)
    url = f"/api/v1/visits/{item['client_uuid']}/photos/{sha256(photo)}"
    assert client.put(url, data=photo, content_type="image/jpeg").status_code == 201
    keys = list(s3_app_store.stored_keys())
    # The photo, re-encoded from its pixels only, and its thumbnail: nothing else.
    assert len(keys) == 2 and all(k.startswith(f"visits/{item['client_uuid']}/") for k in keys)
    client.post("/logout")

    page = f"/visits/{item['client_uuid']}/photos/{sha256(photo)}"
    signed_in(world.school_user)
    full = client.get(f"{page}.jpg")
    assert full.status_code == 200 and full.mimetype == "image/jpeg"
    assert full.data == s3_app_store.get(next(k for k in keys if "thumb" not in k))
    assert client.get(f"{page}/thumbnail.jpg").status_code == 200
    client.post("/logout")

    signed_in(world.other_school_user)  # not their pupil: the bucket is never exposed
    assert client.get(f"{page}.jpg").status_code in {403, 404}


def test_a_photo_missing_from_the_bucket_is_a_clear_error(
    client, session, world, signed_in, s3_app_store
):
    case = assigned_case(session, world)
    session.commit()
    signed_in(world.officer)
    photo = jpeg_bytes()
    item = visit_item(case, photos=[sha256(photo)])
    send(client, item)
    client.put(f"/api/v1/visits/{item['client_uuid']}/photos/{sha256(photo)}", data=photo)
    for key in list(s3_app_store.stored_keys()):
        s3_app_store.delete(key)
    response = client.get(f"/visits/{item['client_uuid']}/photos/{sha256(photo)}.jpg")
    assert response.status_code == 410
    assert "missing from the file store" in response.get_data(as_text=True)


def test_healthz_reports_an_unreachable_object_store(app, client, s3_endpoint, monkeypatch):
    broken = S3Storage(f"s3://no-such-bucket-{uuid.uuid4().hex[:8]}", endpoint_url=s3_endpoint)
    monkeypatch.setitem(app.extensions, "fieldvisit.storage", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["storage"] != "ok"
