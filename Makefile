# Two commands for a newcomer: `make run` and `make test`. Each creates .venv and installs
# what it needs on first use (and again whenever pyproject.toml changes).

SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8550
SERVER_PORT ?= 8000
STAMP := $(VENV)/.installed

# The first Python 3.11+ on PATH (python3 first, then versioned names).
PYTHON ?= $(shell for p in python3 python3.14 python3.13 python3.12 python3.11 python; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
	&& { echo $$p; break; }; done)

.PHONY: run app test bench clean

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "Cần Python 3.11 trở lên / Python 3.11+ is required"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[web,server,test]'
	@touch $@

## run: the sync server on http://$(HOST):$(SERVER_PORT) (SQLite in ./data, demo commune on first
## start) and the volunteer app as a web app on http://$(HOST):$(PORT), fully offline; prints an
## enrolment code for the demo volunteer. Ctrl+C stops both (server_sync/devrun.py).
run: $(STAMP)
	@HOST=$(HOST) PORT=$(PORT) SERVER_PORT=$(SERVER_PORT) $(PY) -m server_sync.devrun

## test: lint and format (ruff), types (mypy), then the whole test suite
test: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(PY) -m pytest

## bench: speed, memory and crash-safety figures beside their budgets
bench: $(STAMP)
	$(PY) bench/store.py
	$(PY) bench/crash.py
	$(PY) bench/app.py
	$(PY) bench/server.py
	$(PY) bench/dashboard.py
	$(PY) bench/sync_link.py
	$(PY) bench/sync_load.py

clean:
	rm -rf $(VENV) .pytest_cache build
