"""Photos taken at visits: checked by content, re-encoded without metadata, stored, served."""

from __future__ import annotations

import hashlib
import io
import uuid
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fieldvisit.accounts.models import User
from fieldvisit.cases import facts
from fieldvisit.core.dates import utcnow
from fieldvisit.core.errors import DomainError, NotFound, ValidationFailed
from fieldvisit.core.images import pixels_only
from fieldvisit.core.storage import storage
from fieldvisit.visits.models import HomeVisit, VisitPhoto
from fieldvisit.visits.schemas import MAX_BATCH, MAX_PHOTOS

MAX_PHOTO_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_SIDE = 1600
THUMBNAIL_SIDE = 320
ACCEPTED_FORMATS = ("JPEG", "PNG")


class PhotoRejected(ValidationFailed):
    code = "bad_photo"


class PhotoTooBig(DomainError):
    code = "too_big"
    status = 413


class PhotoQuotaReached(DomainError):
    """An officer's photos waiting for their visits are at the limit: the phone tries again
    later (429), once the visits they belong to have arrived."""

    code = "photo_quota"
    status = 429


# Photos may arrive before their visit; an officer's photos of visits the server has not
# seen yet are bounded (a full sync batch's worth), so random visit ids fill no disk.
MAX_PHOTOS_AWAITING_VISITS = MAX_BATCH * MAX_PHOTOS


@dataclass(frozen=True)
class CleanPhoto:
    jpeg: bytes
    thumbnail: bytes
    width: int
    height: int


def clean_photo(data: bytes) -> CleanPhoto:
    """Check the bytes are a real JPEG or PNG within limits; keep only the pixels, re-encoded:
    no EXIF (location, device), XMP, JPEG comment or ICC profile survives."""
    if len(data) > MAX_PHOTO_BYTES:
        raise PhotoTooBig(f"The photo is larger than {MAX_PHOTO_BYTES // (1024 * 1024)} MB.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ACCEPTED_FORMATS:
                    raise PhotoRejected("The file is not a JPEG or PNG photo.")
                if probe.width * probe.height > MAX_PIXELS:
                    raise PhotoTooBig(
                        f"The photo has more than {MAX_PIXELS // 1_000_000} million pixels."
                    )
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                upright = ImageOps.exif_transpose(image)
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoRejected("The file is not a JPEG or PNG photo.") from None
    except (OSError, SyntaxError, ValueError):
        raise PhotoRejected("The photo is damaged: take it again.") from None
    picture = _flatten_to_rgb(upright)
    picture.thumbnail((MAX_SIDE, MAX_SIDE))
    thumb = picture.copy()
    thumb.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
    return CleanPhoto(_jpeg(picture), _jpeg(thumb), picture.width, picture.height)


def _flatten_to_rgb(image: Image.Image) -> Image.Image:
    if image.mode in ("RGBA", "LA", "P"):
        rgba = pixels_only(image, "RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return pixels_only(image)


def _jpeg(image: Image.Image) -> bytes:
    """Encode pixels-only images as JPEG."""
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()


def receive_photo(
    session: Session, officer: User, visit_uuid: uuid.UUID, sha256: str, data: bytes
) -> tuple[VisitPhoto, bool]:
    """Store one photo of a visit, before or after the visit itself; return it and if it is new."""
    existing = session.scalar(
        select(VisitPhoto).where(VisitPhoto.visit_uuid == visit_uuid, VisitPhoto.sha256 == sha256)
    )
    if existing is not None:
        if existing.uploaded_by_id != officer.id:
            raise NotFound("There is no visit with that id that you recorded.")
        return existing, False
    visit = session.scalar(select(HomeVisit).where(HomeVisit.client_uuid == visit_uuid))
    if visit is not None:
        if visit.officer_id != officer.id:
            raise NotFound("There is no visit with that id that you recorded.")
        if sha256 not in visit.photos:
            raise PhotoRejected("This photo is not one of the photos listed in the visit.")
    else:
        count = session.scalar(
            select(func.count()).where(
                VisitPhoto.visit_uuid == visit_uuid, VisitPhoto.uploaded_by_id == officer.id
            )
        )
        if (count or 0) >= MAX_PHOTOS:
            raise PhotoRejected(f"A visit has at most {MAX_PHOTOS} photos.")
        if _awaiting_visits(session, officer) >= MAX_PHOTOS_AWAITING_VISITS:
            raise PhotoQuotaReached(
                f"{MAX_PHOTOS_AWAITING_VISITS} of your photos are waiting for their visits: "
                "send the visits, then the photos."
            )
    if hashlib.sha256(data).hexdigest() != sha256:
        raise PhotoRejected(
            "The photo arrived damaged (its SHA-256 does not match): send it again."
        )
    clean = clean_photo(data)
    base = f"visits/{visit_uuid}/{sha256}"
    store = storage()
    photo = VisitPhoto(
        visit_uuid=visit_uuid,
        sha256=sha256,
        uploaded_by_id=officer.id,
        received_at=utcnow(),
        storage_key=f"{base}.jpg",
        thumbnail_key=f"{base}-thumbnail.jpg",
        stored_sha256=store.put(f"{base}.jpg", clean.jpeg),
        width=clean.width,
        height=clean.height,
        size_bytes=len(clean.jpeg),
    )
    store.put(photo.thumbnail_key, clean.thumbnail)
    try:
        with session.begin_nested():
            session.add(photo)
    except IntegrityError:
        # The same photo arrived at the same moment on another connection (a retry crossing
        # the first attempt): it is stored, and the files written are the same bytes.
        existing = session.scalar(
            select(VisitPhoto).where(
                VisitPhoto.visit_uuid == visit_uuid, VisitPhoto.sha256 == sha256
            )
        )
        if existing is None:
            raise
        if existing.uploaded_by_id != officer.id:
            raise NotFound("There is no visit with that id that you recorded.") from None
        return existing, False
    return photo, True


def _awaiting_visits(session: Session, officer: User) -> int:
    """Count the officer's photos whose visit has not arrived."""
    arrived = select(HomeVisit.client_uuid).where(HomeVisit.client_uuid == VisitPhoto.visit_uuid)
    return (
        session.scalar(
            select(func.count()).where(VisitPhoto.uploaded_by_id == officer.id, ~arrived.exists())
        )
        or 0
    )


def received_photos(
    session: Session, visit_uuids: list[uuid.UUID], uploaded_by: dict[uuid.UUID, int] | int
) -> dict[uuid.UUID, set[str]]:
    """Return, for each visit, the SHA-256 of the photos received from its officer."""
    if not visit_uuids:
        return {}
    rows = session.execute(
        select(VisitPhoto.visit_uuid, VisitPhoto.sha256, VisitPhoto.uploaded_by_id).where(
            VisitPhoto.visit_uuid.in_(visit_uuids)
        )
    )
    found: dict[uuid.UUID, set[str]] = {u: set() for u in visit_uuids}
    for visit_uuid, sha256, uploader in rows:
        officer = uploaded_by if isinstance(uploaded_by, int) else uploaded_by.get(visit_uuid)
        if uploader == officer:
            found[visit_uuid].add(sha256)
    return found


def photos_of(session: Session, visit: HomeVisit) -> list[VisitPhoto]:
    """Return the visit's photos that have arrived, in the order the visit lists them."""
    rows = session.scalars(
        select(VisitPhoto).where(
            VisitPhoto.visit_uuid == visit.client_uuid,
            VisitPhoto.uploaded_by_id == visit.officer_id,
        )
    ).all()
    by_hash = {p.sha256: p for p in rows}
    return [by_hash[h] for h in visit.photos if h in by_hash]


@dataclass(frozen=True)
class EntryPhotos:
    """The photos of a visit's chronology entry: those arrived, and how many are still due."""

    visit_uuid: uuid.UUID
    arrived: list[VisitPhoto]
    missing: int


@facts.entry_photos.answered_by
def photos_of_entries(session: Session, entries: Sequence[Any]) -> dict[int, EntryPhotos]:
    """Return, by chronology entry id, the photos of each home visit entry among `entries`."""
    visits = [
        (e, uuid.UUID(e.details["client_uuid"]), list(e.details.get("photos") or []))
        for e in entries
        if e.kind == "home_visit" and e.details.get("client_uuid")
    ]
    if not visits:
        return {}
    rows = session.scalars(
        select(VisitPhoto).where(VisitPhoto.visit_uuid.in_({u for _, u, _ in visits}))
    ).all()
    found = {(p.visit_uuid, p.sha256, p.uploaded_by_id): p for p in rows}
    result = {}
    for entry, visit_uuid, listed in visits:
        arrived = [
            photo
            for sha256 in listed
            if (photo := found.get((visit_uuid, sha256, entry.actor_id))) is not None
        ]
        if listed:
            result[entry.id] = EntryPhotos(visit_uuid, arrived, len(listed) - len(arrived))
    return result
