"""Check an uploaded notice by its content, re-encode images, and keep it in storage."""

from __future__ import annotations

import secrets

from fieldvisit.core.uploads import CheckedFile, check_document

__all__ = ["CheckedFile", "check_notice", "notice_key"]


def check_notice(data: bytes, field: str = "notice_file") -> CheckedFile:
    """Accept a PDF, JPEG or PNG by what it contains, never by its name."""
    return check_document(data, field)


def notice_key(case_id: int, checked: CheckedFile) -> str:
    """A storage key that names the case by id and nothing about the child."""
    return f"notices/case-{case_id}/{secrets.token_hex(16)}.{checked.extension}"
