# breakgate: `make run` installs and runs the service demo; `make test` installs and runs every check.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin

.PHONY: install run test lint unit reliability chaos soak bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

lint: install
	$(BIN)/ruff check service consumers producers tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

# Every test including chaos tier 1 (tests/chaos/conftest.py deselects tiers 2 and 3 unless
# -m names them).
test: lint
	$(BIN)/pytest -q

reliability: install
	$(BIN)/pytest -q tests/chaos

unit: install
	$(BIN)/pytest -q tests/unit

run: install
	bash deploy/run.sh

chaos: install
	$(BIN)/pytest -q -m chaos tests/chaos

# T20, about 70 minutes (BREAKGATE_SOAK_MINUTES, BREAKGATE_SOAK_FAULT_EVERY_SECONDS shorten it).
soak: install
	$(BIN)/pytest -q -m soak tests/chaos

bench: install
	$(PY) -m benchmarks.run

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
