"""A phone, as the fault harness plays it: an outbox of visits and photos, and the app's
sync rules (fieldvisit/static/pwa/sync.js) in Python.

The rules that matter here are the app's: a visit is settled only by the API's own JSON
naming its client UUID and content hash, a photo only by JSON naming its SHA-256; anything
else (an error, a cut connection, an empty or HTML 200) leaves it waiting to be sent again.
"""

from __future__ import annotations

import hashlib
import io
import json
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from PIL import Image

OUTCOMES = ("no_answer", "spoke_to_parent", "child_not_seen", "property_empty", "other")


class Unverified(Exception):
    """The answer was not the API's JSON about what was sent."""


def content_sha256(body: dict[str, Any]) -> str:
    """Hash a record as the phone does: canonical JSON of everything but the hash."""
    content = {key: value for key, value in body.items() if key != "content_sha256"}
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def a_photo(rng: random.Random) -> bytes:
    """A small JPEG unlike any other (random pixels), as a photo of a letter."""
    image = Image.frombytes("RGB", (24, 16), rng.randbytes(24 * 16 * 3))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


@dataclass
class Record:
    """One version of one visit in a phone's outbox."""

    body: dict[str, Any]
    photos: dict[str, bytes]
    state: str = "waiting"  # waiting, sent, conflict, rejected
    photos_waiting: set[str] = field(default_factory=set)
    server_version: str | None = None
    error: str = ""

    def __post_init__(self) -> None:
        self.photos_waiting = set(self.photos)

    @property
    def uuid(self) -> str:
        return self.body["client_uuid"]

    @property
    def version(self) -> str:
        return self.body["content_sha256"]

    @property
    def settled(self) -> bool:
        return self.state in ("conflict", "rejected") or (
            self.state == "sent" and not self.photos_waiting
        )


def new_record(rng: random.Random, case_id: int, photos: int, enquiries: int) -> Record:
    """Make a visit as an officer might record it, with photos and neighbour enquiries."""
    pictures = [a_photo(rng) for _ in range(photos)]
    letter_left = rng.random() < 0.5
    arrived = datetime.now(UTC) - timedelta(minutes=rng.randint(5, 600))
    body: dict[str, Any] = {
        "client_uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "schema_version": 1,
        "case_id": case_id,
        "arrived_at": arrived.isoformat(timespec="seconds"),
        "outcome": rng.choice(OUTCOMES),
        "position": {"latitude": 52.2, "longitude": 0.12, "accuracy_m": 12.0},
        "neighbour_enquiries": [
            {"neighbour": f"No. {n + 3}", "spoke_to": "A neighbour", "said": "Not seen lately."}
            for n in range(enquiries)
        ],
        "letter_left": letter_left,
        "letter_reference": f"L-{rng.randint(1000, 9999)}" if letter_left else "",
        "photos": [hashlib.sha256(p).hexdigest() for p in pictures],
        "notes": f"Visit note {rng.getrandbits(32):08x}.",
        "concern": False,
        "concern_details": "",
    }
    body["content_sha256"] = content_sha256(body)
    return Record(body, {hashlib.sha256(p).hexdigest(): p for p in pictures})


def edited(record: Record, notes: str) -> Record:
    """Return the record with its notes changed: a new version under the same UUID."""
    body = {**record.body, "notes": notes}
    body["content_sha256"] = content_sha256(body)
    return Record(body, dict(record.photos))


class Device:
    """One phone: its outbox and one round of the app's sync."""

    def __init__(self, name: str, http: requests.Session, url: str, limits: dict) -> None:
        self.name = name
        self.http = http
        self.url = url
        self.manifest_max = limits["manifest_max_visits"]
        self.batch_max = limits["batch_max_visits"]
        self.outbox: dict[str, Record] = {}
        self.requests = 0
        self.failures = 0

    def hold(self, record: Record) -> None:
        self.outbox[record.uuid] = record

    @property
    def unsettled(self) -> list[Record]:
        return [r for r in self.outbox.values() if not r.settled]

    def sync_round(self) -> None:
        """Send what is waiting; raise on the first answer that cannot be trusted."""
        waiting = self.unsettled
        for start in range(0, len(waiting), self.manifest_max):
            self._manifest(waiting[start : start + self.manifest_max])
        to_send = [r for r in self.outbox.values() if r.state == "waiting"]
        for start in range(0, len(to_send), self.batch_max):
            self._batch(to_send[start : start + self.batch_max])
        for record in self.outbox.values():
            if record.state == "sent":
                for sha256 in sorted(record.photos_waiting):
                    self._photo(record, sha256)

    def _post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        self.requests += 1
        response = self.http.post(f"{self.url}{path}", json=payload, timeout=60)
        return self._json(response)

    def _json(self, response: requests.Response) -> dict[str, Any]:
        if not response.headers.get("Content-Type", "").startswith("application/json"):
            raise Unverified(f"{response.status_code} {response.headers.get('Content-Type')}")
        try:
            data = response.json()
        except ValueError:
            raise Unverified(f"{response.status_code}: not JSON") from None
        if response.status_code >= 400 or not isinstance(data, dict):
            raise Unverified(f"{response.status_code}: {str(data)[:120]}")
        return data

    def _manifest(self, records: list[Record]) -> None:
        answer = self._post(
            "/api/v1/visits/manifest",
            {
                "visits": [
                    {
                        "client_uuid": r.uuid,
                        "content_sha256": r.version,
                        "photos": sorted(r.photos_waiting),
                    }
                    for r in records
                ]
            },
        )
        entries = answer.get("visits")
        if not isinstance(entries, list) or len(entries) != len(records):
            raise Unverified("manifest: not one answer per visit")
        for record, entry in zip(records, entries, strict=True):
            if entry.get("client_uuid") != record.uuid:
                raise Unverified("manifest: answers out of order")
            if entry["visit"] == "stored" and entry["content_sha256"] == record.version:
                record.state = "sent"
                record.photos_waiting &= set(entry["photos_missing"])
            elif entry["visit"] == "conflict":
                record.state, record.server_version = "conflict", entry["content_sha256"]
            elif entry["visit"] == "missing":  # photos that arrived before need not go again
                record.photos_waiting &= set(entry["photos_missing"])

    def _batch(self, records: list[Record]) -> None:
        answer = self._post("/api/v1/visits/batch", {"visits": [r.body for r in records]})
        results = answer.get("results")
        if not isinstance(results, list) or len(results) != len(records):
            raise Unverified("batch: not one result per visit")
        for record, result in zip(records, results, strict=True):
            if result.get("client_uuid") != record.uuid:
                raise Unverified("batch: results out of order")
            if result["status"] in ("created", "duplicate"):
                if result["content_sha256"] != record.version:
                    raise Unverified("batch: the answer names another version")
                record.state = "sent"
                record.photos_waiting &= set(result["photos_missing"])
            elif (result.get("error") or {}).get("code") == "conflict":
                record.state = "conflict"
            else:
                record.state, record.error = "rejected", str(result.get("error"))

    def _photo(self, record: Record, sha256: str) -> None:
        self.requests += 1
        response = self.http.put(
            f"{self.url}/api/v1/visits/{record.uuid}/photos/{sha256}",
            data=record.photos[sha256],
            headers={"Content-Type": "image/jpeg"},
            timeout=60,
        )
        answer = self._json(response)
        if answer.get("sha256") != sha256 or answer.get("visit_uuid") != record.uuid:
            raise Unverified("photo: the answer names another photo")
        record.photos_waiting.discard(sha256)
