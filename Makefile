# `make run` and `make test` bootstrap .venv from nothing; see README.md.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test lint typecheck unit soak bench bench-e2e clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# The inventory demo on http://$(HOST):$(PORT), SQLite under var/ unless DATABASE_URL says otherwise.
run: $(STAMP)
	$(BIN)/gunicorn -c gunicorn.conf.py --bind $(HOST):$(PORT) inventory.wsgi:app

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest --cov=roob --cov-branch --cov-report=term-missing:skip-covered --cov-fail-under=100

test: lint typecheck unit

# Load and faults against the inventory under gunicorn (tests/soak): wrk and Python
# writers, kill -9, SIGTERM, SQLite locked, PostgreSQL stopped. Needs Debian's wrk
# and PostgreSQL; about SOAK_SECONDS seconds.
SOAK_SECONDS ?= 120
soak: $(STAMP)
	$(BIN)/python -m tests.soak --seconds $(SOAK_SECONDS)

# Roob side by side with raw WSGI, Falcon, Bottle and Flask (docs/performance.md).
bench: $(STAMP)
	$(BIN)/python -m benchmarks

# Each framework under gunicorn, loaded by wrk on 127.0.0.1 (needs Debian's wrk).
bench-e2e: $(STAMP)
	$(BIN)/python -m benchmarks.e2e

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
