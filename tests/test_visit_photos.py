"""Photos of visits: checked by content, stripped of location, served only on the case."""

from __future__ import annotations

import io
import subprocess
import uuid

import pytest
from PIL import Image, ImageCms
from sqlalchemy import select

from fieldvisit.cases.pdf import chronology_pdf
from fieldvisit.core.audit import AuditEvent
from fieldvisit.core.permissions import Role
from fieldvisit.core.storage import storage
from fieldvisit.outcomes.uploads import check_notice
from fieldvisit.visits import photos
from fieldvisit.visits.models import VisitPhoto
from fieldvisit.visits.photos import MAX_PHOTO_BYTES
from tests.support.factories import make_user
from tests.support.visits import assign, assigned_case, jpeg_bytes, send, sha256, visit_item


def put(client, visit_uuid, data, digest=None, content_type="image/jpeg"):
    return client.put(
        f"/api/v1/visits/{visit_uuid}/photos/{digest or sha256(data)}",
        data=data,
        content_type=content_type,
    )


def gps_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (52.0, 12.0, 19.0)
    gps[3] = "E"
    gps[4] = (0.0, 7.0, 18.0)
    return exif


@pytest.fixture
def officer_case(client, session, world, signed_in):
    case = assigned_case(session, world)
    session.commit()
    signed_in(world.officer)
    return case


def test_a_photo_after_its_visit_completes_the_sync(client, session, officer_case):
    photo = jpeg_bytes()
    item = visit_item(officer_case, photos=[sha256(photo)])
    result = send(client, item).get_json()["results"][0]
    assert result["photos_missing"] == [sha256(photo)]
    response = put(client, item["client_uuid"], photo)
    assert response.status_code == 201
    assert response.get_json()["status"] == "created"
    again = put(client, item["client_uuid"], photo)
    assert again.status_code == 200 and again.get_json()["status"] == "duplicate"
    manifest = client.post(
        "/api/v1/visits/manifest", json={"visits": [{"client_uuid": item["client_uuid"]}]}
    ).get_json()["visits"][0]
    assert manifest == {
        "client_uuid": item["client_uuid"],
        "visit": "stored",
        "content_sha256": result["content_sha256"],
        "photos_missing": [],
        "error": None,
    }
    assert len(session.scalars(select(VisitPhoto)).all()) == 1


def test_a_photo_before_its_visit_is_kept_and_linked_when_the_visit_arrives(
    client, session, officer_case
):
    photo = jpeg_bytes()
    visit_uuid = str(uuid.uuid4())
    assert put(client, visit_uuid, photo).status_code == 201
    item = visit_item(officer_case, client_uuid=visit_uuid, photos=[sha256(photo)])
    result = send(client, item).get_json()["results"][0]
    assert result["status"] == "created" and result["photos_missing"] == []


def test_resumed_upload_sends_only_what_is_missing(client, session, officer_case):
    photos = [jpeg_bytes(300 + i, 200) for i in range(3)]
    item = visit_item(officer_case, photos=[sha256(p) for p in photos])
    send(client, item)
    put(client, item["client_uuid"], photos[0])  # then the connection drops
    manifest = client.post(
        "/api/v1/visits/manifest",
        json={"visits": [{"client_uuid": item["client_uuid"]}]},
    ).get_json()["visits"][0]
    assert manifest["photos_missing"] == [sha256(p) for p in photos[1:]]


def test_photos_are_reencoded_without_exif_or_gps_and_resized(client, session, officer_case):
    original = jpeg_bytes(3000, 2000, exif=gps_exif())
    with Image.open(io.BytesIO(original)) as check:
        assert check.getexif().get_ifd(0x8825)  # the original does carry a location
    item = visit_item(officer_case, photos=[sha256(original)])
    send(client, item)
    body = put(client, item["client_uuid"], original).get_json()
    assert (body["width"], body["height"]) == (1600, 1067)
    row = session.scalars(select(VisitPhoto)).one()
    kept = storage().get(row.storage_key)
    with Image.open(io.BytesIO(kept)) as image:
        assert image.format == "JPEG"
        assert image.size == (1600, 1067)
        assert not image.getexif()
        assert "exif" not in image.info
    assert row.stored_sha256 == sha256(kept)
    with Image.open(io.BytesIO(storage().get(row.thumbnail_key))) as thumb:
        assert max(thumb.size) == 320


COMMENT = b"Taken outside 12 Secret Lane"
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
    b'22-rdf-syntax-ns#"><rdf:Description exif:GPSLatitude="52,12.3N" '
    b'xmlns:exif="http://ns.adobe.com/exif/1.0/"/></rdf:RDF></x:xmpmeta>'
)


def jpeg_segments(data: bytes) -> list[int]:
    """Return the markers of a JPEG's header segments, up to the start of the picture."""
    assert data[:2] == b"\xff\xd8"
    markers, at = [], 2
    while data[at] == 0xFF and data[at + 1] != 0xDA:
        markers.append(data[at + 1])
        at += 2 + int.from_bytes(data[at + 2 : at + 4], "big")
    return markers


def test_photos_keep_only_pixels_no_exif_xmp_comment_or_icc(client, session, officer_case):
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (20, 120, 40)).save(
        out, "JPEG", exif=gps_exif(), comment=COMMENT, xmp=XMP, icc_profile=srgb
    )
    original = out.getvalue()
    assert {0xE1, 0xE2, 0xFE} <= set(jpeg_segments(original))  # EXIF/XMP, ICC, comment
    item = visit_item(officer_case, photos=[sha256(original)])
    send(client, item)
    assert put(client, item["client_uuid"], original).status_code == 201
    row = session.scalars(select(VisitPhoto)).one()
    for kept in (storage().get(row.storage_key), storage().get(row.thumbnail_key)):
        assert set(jpeg_segments(kept)) <= {0xE0, 0xDB, 0xC0, 0xC2, 0xC4, 0xDD}
        for trace in (b"Exif\x00", b"PhoneMaker", COMMENT, b"xmpmeta", b"ICC_PROFILE", b"acsp"):
            assert trace not in kept
        with Image.open(io.BytesIO(kept)) as image:
            assert not {"exif", "comment", "xmp", "icc_profile"} & set(image.info)
            assert image.getpixel((10, 10)) == pytest.approx((20, 120, 40), abs=3)


def test_a_png_is_accepted_and_stored_as_jpeg(client, session, officer_case):
    out = io.BytesIO()
    Image.new("RGBA", (50, 40), (0, 0, 255, 128)).save(out, "PNG")
    item = visit_item(officer_case, photos=[sha256(out.getvalue())])
    send(client, item)
    assert (
        put(client, item["client_uuid"], out.getvalue(), content_type="image/png").status_code
        == 201
    )


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        (b"%PDF-1.4 not a photo at all", 422, "bad_photo"),
        (jpeg_bytes()[:300], 422, "bad_photo"),
        (b"GIF89a" + bytes(100), 422, "bad_photo"),
    ],
    ids=["not-an-image", "truncated-jpeg", "gif"],
)
def test_files_that_are_not_photos_are_refused(client, session, officer_case, data, status, code):
    response = put(client, uuid.uuid4(), data)
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code
    assert session.scalars(select(VisitPhoto)).all() == []


def test_a_photo_with_too_many_pixels_is_refused(client, officer_case):
    out = io.BytesIO()
    Image.new("1", (8000, 6000)).save(out, "PNG")  # 48 million pixels, a few kilobytes
    response = put(client, uuid.uuid4(), out.getvalue(), content_type="image/png")
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_big"


def test_a_photo_over_the_size_limit_is_refused(client, officer_case):
    data = jpeg_bytes() + bytes(MAX_PHOTO_BYTES)
    response = put(client, uuid.uuid4(), data)
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_big"


def test_a_damaged_upload_is_refused_by_its_hash(client, officer_case):
    photo = jpeg_bytes()
    response = put(client, uuid.uuid4(), photo, digest="0" * 64)
    assert response.status_code == 422
    assert "SHA-256" in response.get_json()["error"]["message"]


def test_a_photo_the_visit_does_not_list_is_refused(client, officer_case):
    item = visit_item(officer_case, photos=[])
    send(client, item)
    response = put(client, item["client_uuid"], jpeg_bytes())
    assert response.status_code == 422


def test_a_visit_waiting_for_its_record_takes_at_most_its_photos(client, officer_case):
    visit_uuid = uuid.uuid4()
    statuses = [put(client, visit_uuid, jpeg_bytes(300 + i, 200)).status_code for i in range(11)]
    assert statuses == [201] * 10 + [422]


def test_an_officers_photos_awaiting_their_visits_are_bounded(client, officer_case, monkeypatch):
    monkeypatch.setattr(photos, "MAX_PHOTOS_AWAITING_VISITS", 3)
    shots = [jpeg_bytes(300 + i, 200) for i in range(4)]
    first = uuid.uuid4()
    visits = [first, uuid.uuid4(), uuid.uuid4()]
    statuses = [put(client, v, p).status_code for v, p in zip(visits, shots, strict=False)]
    refused = put(client, uuid.uuid4(), shots[3])
    assert statuses == [201, 201, 201]
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "photo_quota"
    # Once the visit arrives, its photo no longer waits, and the next is taken.
    send(client, visit_item(officer_case, client_uuid=str(first), photos=[sha256(shots[0])]))
    assert put(client, uuid.uuid4(), shots[3]).status_code == 201


def test_another_officer_cannot_add_photos_to_my_visit(client, session, world, officer_case):
    photo = jpeg_bytes()
    item = visit_item(officer_case, photos=[sha256(photo)])
    send(client, item)
    other = make_user(session, "officer2@la.test", {Role.OFFICER})
    assign(session, world, officer_case, other)
    session.commit()
    client.post("/logout")
    client.post("/login", data={"email": other.email, "password": "correct horse battery staple"})
    assert put(client, item["client_uuid"], photo).status_code == 404


def test_photos_are_served_only_to_users_allowed_on_the_case(
    app, client, session, world, officer_case
):
    photo = jpeg_bytes()
    item = visit_item(officer_case, photos=[sha256(photo)])
    send(client, item)
    put(client, item["client_uuid"], photo)
    url = f"/visits/{item['client_uuid']}/photos/{sha256(photo)}.jpg"
    thumb = f"/visits/{item['client_uuid']}/photos/{sha256(photo)}/thumbnail.jpg"
    client.post("/logout")
    assert client.get(url).status_code == 302  # to the sign-in page

    school = app.test_client()
    school.post(
        "/login",
        data={"email": world.school_user.email, "password": "correct horse battery staple"},
    )
    response = school.get(url)
    assert response.status_code == 200
    assert response.mimetype == "image/jpeg"
    assert "no-store" in response.headers["Cache-Control"]
    assert school.get(thumb).status_code == 200
    audit = session.scalars(select(AuditEvent).where(AuditEvent.object_type == "visit_photo")).all()
    assert {a.action for a in audit} == {"download", "view"}

    other = app.test_client()
    other.post(
        "/login",
        data={"email": world.other_school_user.email, "password": "correct horse battery staple"},
    )
    assert other.get(url).status_code == 404
    assert other.get(thumb).status_code == 404


def test_the_chronology_shows_a_visits_photos_and_how_many_are_still_due(
    client, session, world, officer_case, signed_in
):
    photo, later = jpeg_bytes(), jpeg_bytes(width=640)
    item = visit_item(officer_case, photos=[sha256(photo), sha256(later)])
    send(client, item)
    assert put(client, item["client_uuid"], photo).status_code == 201
    page = signed_in(world.school_user).get(f"/cases/{officer_case.id}").get_data(as_text=True)
    chronology = page.split('<div class="moj-timeline">')[1]
    full = f"/visits/{item['client_uuid']}/photos/{sha256(photo)}.jpg"
    assert f'href="{full}"' in chronology
    assert "1 photo not yet received from the officer's phone." in chronology
    assert signed_in(world.school_user).get(full).status_code == 200


def test_the_chronology_pdf_carries_each_photo_with_its_sha256(
    client, session, officer_case, tmp_path
):
    photo = jpeg_bytes()
    item = visit_item(officer_case, photos=[sha256(photo)])
    send(client, item)
    put(client, item["client_uuid"], photo)
    stored = session.scalars(select(VisitPhoto)).one()
    path = tmp_path / "chronology.pdf"
    path.write_bytes(chronology_pdf(session, officer_case))
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    flat = "".join(text.split())
    assert sha256(photo) in flat and stored.stored_sha256 in flat
    images = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True)
    assert len(images.stdout.strip().splitlines()) == 3  # two header lines, one image


def test_a_scanned_notice_keeps_only_its_pixels():
    out = io.BytesIO()
    Image.new("RGB", (300, 200), "white").save(out, "JPEG", exif=gps_exif(), comment=COMMENT)
    kept = check_notice(out.getvalue()).data
    assert set(jpeg_segments(kept)) <= {0xE0, 0xDB, 0xC0, 0xC2, 0xC4, 0xDD}
    assert COMMENT not in kept and b"PhoneMaker" not in kept
