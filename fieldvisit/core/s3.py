"""Files in an S3-compatible object store (AWS S3, MinIO, Ceph): FIELDVISIT_STORAGE=s3://bucket/prefix.

The store is only ever read and written by the server: photos and letter copies still reach
a browser through the app's access-checked routes, never by a link to the bucket. A PUT that
S3 has answered is durable, so `put` returns only after that answer, as the local store
returns only after its fsyncs. Credentials and region come from the usual AWS settings
(environment, shared config or an instance role); FIELDVISIT_S3_ENDPOINT_URL points at a
store other than AWS.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from fieldvisit.core.storage import FileMissing, check_key

log = logging.getLogger("fieldvisit.storage")

SCHEME = "s3://"
_PROBE_KEY = ".health-probe"


def is_s3(location: str) -> bool:
    return location.startswith(SCHEME)


def parse(location: str) -> tuple[str, str]:
    """Split `s3://bucket/some/prefix` into the bucket and a prefix ending in '/' (or '')."""
    parts = urlsplit(location)
    if parts.scheme != "s3" or not parts.netloc:
        raise ValueError(f"not an s3://bucket/prefix address: {location!r}")
    prefix = parts.path.strip("/")
    return parts.netloc, f"{prefix}/" if prefix else ""


class S3Storage:
    """Objects under one prefix of one bucket; keys are the same relative paths as on disk."""

    def __init__(self, location: str, *, endpoint_url: str | None = None, client: Any = None):
        self.bucket, self.prefix = parse(location)
        if client is None:
            import boto3  # only deployments that use object storage load it
            from botocore.config import Config

            client = boto3.client(
                "s3",
                endpoint_url=endpoint_url or None,
                config=Config(retries={"mode": "standard", "max_attempts": 5}),
            )
        self.client = client
        from botocore.exceptions import ClientError

        self._client_error = ClientError

    def _object(self, key: str) -> str:
        check_key(key)
        return self.prefix + key

    def _not_found(self, error: Exception) -> bool:
        code = getattr(error, "response", {}).get("Error", {}).get("Code", "")
        return code in {"404", "NoSuchKey", "NotFound"}

    def put(self, key: str, data: bytes) -> str:
        """Store bytes under key and return their SHA-256, once the store has confirmed them."""
        digest = hashlib.sha256(data).hexdigest()
        # botocore adds an integrity checksum that the store verifies before it answers
        # (AWS_REQUEST_CHECKSUM_CALCULATION=when_required for stores that refuse it).
        self.client.put_object(Bucket=self.bucket, Key=self._object(key), Body=data)
        return digest

    def get(self, key: str) -> bytes:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._object(key))
        except self._client_error as error:
            if self._not_found(error):
                log.error("storage file missing key=%s", key)
                raise FileMissing() from None
            raise
        body: bytes = answer["Body"].read()
        return body

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._object(key))
        except self._client_error as error:
            if self._not_found(error):
                return False
            raise
        return True

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._object(key))

    def stored_keys(self) -> Iterator[str]:
        """Yield every stored key under the prefix, in order (S3 lists keys sorted)."""
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix
        )
        for page in pages:
            for item in page.get("Contents", []):
                key = item["Key"][len(self.prefix) :]
                if key != _PROBE_KEY:
                    yield key

    def check_writable(self) -> None:
        """Write and remove a small object; raise OSError if the store refuses either."""
        try:
            self.client.put_object(Bucket=self.bucket, Key=self.prefix + _PROBE_KEY, Body=b"ok")
            self.client.delete_object(Bucket=self.bucket, Key=self.prefix + _PROBE_KEY)
        except Exception as error:  # any failure means the store cannot take a file now
            raise OSError(f"object store not writable: {type(error).__name__}") from error

    def remove_stale_temporary_files(self, older_than: float = 0) -> int:
        """An object store has no temporary files: a PUT is whole or absent."""
        return 0
