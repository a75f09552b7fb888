# Cunzhi (村治). `make run` starts everything with demo data; `make test` runs every check.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3
UV_VERSION := 0.13.9
UV := $(PYTHON) -m uv
VENV := backend/.venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help run test test-backend test-frontend backend-install backend-test openapi openapi-check lint bench bench-tools nginx-tools e2e

help:
	@echo "make run        install, build the SPA and start the API and the job worker with demo data on http://$(HOST):$(PORT)"
	@echo "make test       install and run every test (API, units, contract, SPA, browser journeys)"
	@echo "make openapi    regenerate openapi/openapi.json and the SPA's API types"
	@echo "make lint       ruff and mypy on the backend"
	@echo "make bench      benchmarks (not part of make test)"
	@echo "make e2e        browser journeys only"

# Two stamps over one environment: the server's runtime dependencies (make run), and those plus the
# test and lint tools (make test, lint, openapi). `make run` never installs the test tools; a run after
# a test keeps them (--inexact), so neither undoes the other.
DEV_STAMP := $(VENV)/.installed-dev
RUN_STAMP := $(VENV)/.installed-runtime

$(DEV_STAMP): backend/pyproject.toml backend/uv.lock
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install -q "uv==$(UV_VERSION)"
	cd backend && UV_PYTHON_DOWNLOADS=never $(UV) sync --frozen --python $(shell command -v $(PYTHON))
	@touch $@ $(RUN_STAMP)

$(RUN_STAMP): backend/pyproject.toml backend/uv.lock
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install -q "uv==$(UV_VERSION)"
	cd backend && UV_PYTHON_DOWNLOADS=never $(UV) sync --frozen --no-dev --inexact --python $(shell command -v $(PYTHON))
	@touch $@

backend-install: $(DEV_STAMP)

# The SPA is rebuilt only when its sources changed (frontend-dist, a stamp in frontend/dist).
run: $(RUN_STAMP) frontend-dist
	CUNZHI_DEMO=true $(BIN)/cunzhi serve --demo --with-worker --host $(HOST) --port $(PORT)

# Two xdist workers (each with its own database, see tests/conftest.py): the machines have two cores.
PYTEST_WORKERS ?= 2

backend-test: backend-install bench-tools nginx-tools
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) --durations=25

openapi: backend-install
	$(BIN)/cunzhi export-openapi
	$(MAKE) frontend-types

openapi-check: backend-install
	$(BIN)/cunzhi export-openapi --check

lint: backend-install
	cd backend && .venv/bin/ruff check cunzhi migrations ../tests && .venv/bin/mypy cunzhi

# Everything installed and frontend/dist built first (the static-file tests serve it; apt-get runs in
# one place), then two lanes at once, each printed as a block when it ends: the backend's lint,
# contract check and tests, and the SPA's checks and browser journeys. The journeys spend most of
# their time waiting on the browser, so they share the two cores with the API tests well.
TEST_LANES ?= 2

test: backend-install frontend-install bench-tools nginx-tools e2e-browser frontend-dist
	@$(MAKE) --no-print-directory -j$(TEST_LANES) --output-sync=target test-backend test-frontend

test-backend:
	@$(MAKE) --no-print-directory lint
	@$(MAKE) --no-print-directory openapi-check
	@$(MAKE) --no-print-directory backend-test

test-frontend:
	@$(MAKE) --no-print-directory frontend-check
	@$(MAKE) --no-print-directory e2e

# wrk drives the HTTP benchmarks (tests/bench/bench_read_path.py; its smoke run is in backend-test).
bench-tools:
	@command -v wrk >/dev/null || (apt-get update && apt-get install -y wrk) || \
		echo "wrk could not be installed: the read-path bench and its smoke test are skipped"

# nginx runs deploy/nginx.conf in tests/unit/test_nginx_headers.py (the security headers it really sends).
nginx-tools:
	@command -v nginx >/dev/null || test -x /usr/sbin/nginx || (apt-get update && apt-get install -y nginx-light) || \
		echo "nginx could not be installed: the nginx header tests are skipped"

bench: backend-install bench-tools
	@for f in tests/bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

-include frontend/frontend.mk
