#!/usr/bin/env bash
# Install the Debian packages fieldvisit needs, only those that are missing.
#
#   scripts/setup-system.sh            what the tests need (used by `make test`)
#   scripts/setup-system.sh --runtime  what running the app needs (used by `make demo`)
#
# Running the app: Pango, HarfBuzz and a font for WeasyPrint's letters, plus
# venv and Node.js where the machine has no Python venv support or npm.
# The tests add Chromium for the browser tests, poppler-utils and zbar-tools
# to read back letters' PDFs and QR codes, and PostgreSQL 15 for the second
# test database. apt-get runs (with sudo unless root) only if something is missing.
set -euo pipefail

runtime_packages=(
    libpango-1.0-0
    libpangoft2-1.0-0
    libharfbuzz0b
    libharfbuzz-subset0
    fonts-dejavu-core
)
test_packages=(
    chromium
    poppler-utils
    zbar-tools
    fonts-dejavu-extra
)

case "${1:-}" in
    --runtime) packages=("${runtime_packages[@]}") ;;
    "") packages=("${runtime_packages[@]}" "${test_packages[@]}") ;;
    *) echo "usage: $0 [--runtime]" >&2; exit 2 ;;
esac

if ! command -v dpkg-query >/dev/null || ! command -v apt-get >/dev/null; then
    echo "setup-system: not a Debian system; make sure these are installed: ${packages[*]}" >&2
    exit 0
fi

installed() {
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = "installed" ]
}

missing=()
for package in "${packages[@]}"; do
    installed "$package" || missing+=("$package")
done

# Debian's own Python makes virtual environments only with python3-venv.
python="$(command -v "${PYTHON:-python3}" || true)"
if [ -n "$python" ] && [[ "$(readlink -f "$python")" == /usr/bin/python3* ]] \
    && ! installed python3-venv; then
    missing+=(python3-venv)
fi
command -v npm >/dev/null || missing+=(nodejs npm)

# The PostgreSQL 15 binaries may be there without the Debian package.
if [ -z "${1:-}" ]; then
    pg_bin=/usr/lib/postgresql/15/bin
    for binary in postgres initdb pg_ctl createdb; do
        if [ ! -x "$pg_bin/$binary" ]; then
            missing+=(postgresql-15)
            break
        fi
    done
fi

if [ "${#missing[@]}" -eq 0 ]; then
    echo "setup-system: all system packages present"
    exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
    sudo=(sudo)
fi

echo "setup-system: installing ${missing[*]}"
"${sudo[@]}" apt-get update -q
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${missing[@]}"
