# `make run` and `make test` bootstrap .venv from nothing; see README.md.
# `make run` installs what the demo needs to run; `make test` adds the
# development tools (pyproject.toml's dependency groups).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
# pip reads dependency groups (--group) from 25.1 on.
PIP_VERSION := pip>=25.1,<27

.PHONY: run test lint typecheck unit docs soak scaleout bench bench-e2e bench-tfb clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade '$(PIP_VERSION)'

$(VENV)/.run-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[server,docs]' --group demo
	@touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[server,docs]' --group dev
	@touch $@

# The inventory demo on http://$(HOST):$(PORT), SQLite under var/ unless DATABASE_URL says otherwise.
run: $(VENV)/.run-installed
	$(BIN)/gunicorn -c deploy/gunicorn.conf.py --bind $(HOST):$(PORT) inventory.wsgi:app

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.dev-installed
	$(BIN)/mypy

# The suite, with 100 % line and branch coverage of roob/. The inventory's
# PostgreSQL half runs on a throwaway server the suite starts itself unless
# TEST_DATABASE_URL names one.
unit: $(VENV)/.dev-installed
	$(BIN)/pytest --cov=roob --cov-branch --cov-report=term-missing:skip-covered --cov-fail-under=100

# The documentation site (mkdocs.yml) into site/; a broken link or reference fails it.
# (Not --quiet: MkDocs 1.6 then drops the warnings that --strict counts.)
docs: $(VENV)/.dev-installed
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

test: lint typecheck docs unit

# Load and faults against the inventory under gunicorn (tests/soak): wrk and Python
# writers, kill -9, SIGTERM, SQLite locked, PostgreSQL stopped. Needs Debian's wrk;
# about SOAK_SECONDS seconds.
SOAK_SECONDS ?= 120
soak: $(VENV)/.dev-installed
	$(BIN)/python -m tests.soak --seconds $(SOAK_SECONDS)

# Two gunicorn hosts, nginx and PostgreSQL, each in a network namespace (needs root,
# Debian's nginx and iproute2): a host killed with kill -9 and the database stopped
# under load, every acknowledged write stored exactly once (tests/scaleout).
SCALEOUT_SECONDS ?= 30
scaleout: $(VENV)/.dev-installed
	$(BIN)/python -m tests.scaleout --seconds $(SCALEOUT_SECONDS)

# Roob side by side with raw WSGI, Falcon, Bottle and Flask (docs/performance.md).
bench: $(VENV)/.dev-installed
	$(BIN)/python -m benchmarks

# Each framework under gunicorn, loaded by wrk on 127.0.0.1 (needs Debian's wrk).
bench-e2e: $(VENV)/.dev-installed
	$(BIN)/python -m benchmarks.e2e

# TechEmpower's six test types on Roob, Falcon, Flask and raw WSGI under gunicorn and
# granian, on a throwaway PostgreSQL, every answer verified before wrk loads it (needs
# Debian's wrk; about 25 minutes; TFB_ARGS="--seconds 3 --rounds 1" for a smoke).
TFB_ARGS ?=
bench-tfb: $(VENV)/.dev-installed
	$(BIN)/python -m benchmarks.tfb $(TFB_ARGS)

clean:
	rm -rf $(VENV) build dist site *.egg-info .pytest_cache .mypy_cache .ruff_cache
