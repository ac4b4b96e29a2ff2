"""fieldvisit: find children missing from education."""

from fieldvisit.app import create_app

__all__ = ["create_app"]
