# Entry points that work on a fresh machine with only Python:
#   make ingest  -- set up .venv and build normalized/ from raw/
#   make test    -- set up .venv and run the test suite
#   make validate -- re-read every decree in raw/ and check it and normalized/ (exit 1 on errors)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup ingest test lint schemas bench validate clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

ingest: $(STAMP)
	$(BIN)/plan-etl ingest raw/ --out normalized/

test: $(STAMP)
	$(BIN)/python -m pytest

validate: $(STAMP)
	$(BIN)/plan-etl validate raw/

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

schemas: $(STAMP)
	$(BIN)/plan-etl schemas

clean:
	rm -rf $(VENV) .pytest_cache
