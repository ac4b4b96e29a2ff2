# fieldvisit: set-up, demo and tests. `make demo` and `make test` do everything.
#
# Each set-up step leaves a stamp file inside what it made (.venv/, node_modules/)
# and is redone only when its inputs change, so a second run starts at once.

PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 5000

VENV := .venv
BIN := $(VENV)/bin
VENDOR := fieldvisit/static/vendor
# One file of the build stands for all of it: scripts/build_assets.py replaces the folder whole.
VENDOR_BUILT := $(VENDOR)/govuk-frontend/govuk-frontend.min.css
PYTEST := $(BIN)/python -m pytest

.DEFAULT_GOAL := help
.NOTPARALLEL:
.PHONY: help demo test test-sqlite test-postgres test-e2e setup setup-test system format \
	system-runtime assets lint lock bench faults clean

help:
	@echo "make demo   set up and run the demo on SQLite at http://$(HOST):$(PORT)"
	@echo "make test   set up and run every test: SQLite, PostgreSQL, then the browser"
	@echo "other targets: test-sqlite test-postgres test-e2e assets lint lock bench faults clean"

# --- set-up -----------------------------------------------------------------

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Dependencies come from the hashed lock files in requirements/ (`make lock` refreshes
# them from pyproject.toml); fieldvisit itself is then installed on top, editable.
PIP_INSTALL := $(BIN)/python -m pip install --quiet --disable-pip-version-check

$(VENV)/.stamp-runtime: pyproject.toml requirements/runtime.txt | $(BIN)/python
	$(PIP_INSTALL) --require-hashes -r requirements/runtime.txt
	$(PIP_INSTALL) --no-deps -e .
	touch $@

$(VENV)/.stamp-test: pyproject.toml requirements/test.txt | $(BIN)/python
	$(PIP_INSTALL) --require-hashes -r requirements/test.txt
	$(PIP_INSTALL) --no-deps -e .
	touch $(VENV)/.stamp-runtime $@

node_modules/.stamp-npm: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# The stylesheets are purged to the classes the app writes: rebuild when its markup changes.
MARKUP := $(shell find templates fieldvisit -path fieldvisit/static/vendor -prune -o \( -name '*.html' -o -name '*.js' -o -name '*.py' \) -print)
$(VENDOR_BUILT): node_modules/.stamp-npm scripts/build_assets.py scripts/purge_css.py $(MARKUP) | $(BIN)/python
	$(BIN)/python scripts/build_assets.py

assets: $(VENDOR_BUILT)

# What running the app needs from Debian (Pango for the letters); quick when present.
system-runtime:
	bash scripts/setup-system.sh --runtime

# Everything the tests need from Debian: Chromium, PostgreSQL 15, poppler, zbar, ...
system:
	bash scripts/setup-system.sh

setup: system-runtime $(VENV)/.stamp-runtime assets

setup-test: system $(VENV)/.stamp-test assets

# --- demo -------------------------------------------------------------------

demo: setup
	$(BIN)/fieldvisit db upgrade
	$(BIN)/fieldvisit seed-demo
	# Plain log lines for a person watching the terminal (production logs JSON).
	FIELDVISIT_LOG_FORMAT=$${FIELDVISIT_LOG_FORMAT:-text} $(BIN)/fieldvisit serve --host $(HOST) --port $(PORT)

# --- tests ------------------------------------------------------------------

# Runs all three suites even when one fails, then fails if any did.
test: setup-test
	@status=0; \
	for suite in test-sqlite test-postgres test-e2e; do \
		$(MAKE) --no-print-directory $$suite SETUP_DONE=1 || status=1; \
	done; \
	if [ $$status -ne 0 ]; then echo "make test: some tests FAILED (see above)"; fi; \
	exit $$status

# Each suite sets up first when run on its own.
SETUP_TEST := $(if $(SETUP_DONE),,setup-test)

# pytest exits 5 when it collects no test: for tests/ that is a failure too.
test-sqlite: $(SETUP_TEST)
	FIELDVISIT_TEST_DB=sqlite $(PYTEST) tests

test-postgres: $(SETUP_TEST)
	FIELDVISIT_TEST_DB=postgresql $(PYTEST) tests

# The browser tests may not exist yet; with no test file there is nothing to run.
test-e2e: $(SETUP_TEST)
	@if find e2e -name 'test_*.py' -o -name '*_test.py' | grep -q .; then \
		echo "$(PYTEST) e2e"; $(PYTEST) e2e; \
	else \
		echo "test-e2e: no browser tests in e2e/ yet"; \
	fi

# --- other ------------------------------------------------------------------

# Re-resolve the locked Python dependencies after changing pyproject.toml (needs PyPI).
UV_COMPILE := $(BIN)/uv pip compile pyproject.toml --quiet --generate-hashes \
	--python-version 3.11 --python-platform x86_64-manylinux_2_28
lock: | $(BIN)/python
	$(PIP_INSTALL) uv
	$(UV_COMPILE) -o requirements/runtime.txt
	$(UV_COMPILE) --extra test -o requirements/test.txt

lint: $(VENV)/.stamp-test node_modules/.stamp-npm
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy
	npx --no-install eslint fieldvisit/static/pwa fieldvisit/static/js
	npx --no-install prettier --check fieldvisit/static/pwa fieldvisit/static/js eslint.config.mjs

# Format the Python (ruff) and the hand-written front-end code (Prettier) in place.
format: $(VENV)/.stamp-test node_modules/.stamp-npm
	$(BIN)/ruff format .
	npx --no-install prettier --write fieldvisit/static/pwa fieldvisit/static/js eslint.config.mjs

bench: setup
	@set -e; found=0; \
	for script in bench/*.py; do \
		[ -e "$$script" ] || continue; found=1; \
		echo "== $$script"; $(BIN)/python "$$script"; \
	done; \
	[ $$found -eq 1 ] || echo "bench: no benchmarks in bench/ yet"

# The fault harness, long run: 10,000 visits on SQLite and 2,000 on PostgreSQL through a
# proxy that breaks exchanges while the server is killed; prints a table per database.
faults: setup-test
	$(BIN)/python -m tests.faults --sqlite 10000 --postgres 2000

# Removes everything the set-up made; instance/ (the demo's data) is kept.
clean:
	rm -rf $(VENV) node_modules $(VENDOR) build dist .pytest_cache .ruff_cache *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
