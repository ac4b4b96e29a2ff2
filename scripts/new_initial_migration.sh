#!/usr/bin/env bash
# Until the first production release there is one migration: the initial schema.
# This rewrites it from the models (never run this once a database is in use).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rm -f migrations/versions/*.py
FIELDVISIT_INSTANCE_PATH="$tmp" FIELDVISIT_DATABASE_URL="sqlite:///$tmp/empty.db" \
  .venv/bin/fieldvisit db revision -m "initial schema" >/dev/null
.venv/bin/ruff format -q migrations
.venv/bin/ruff check --fix -q migrations || true
