# Entry points that work on a fresh machine with only Python:
#   make ingest  -- set up .venv and build normalized/ from raw/
#   make test    -- set up .venv and run the test suite
#   make validate -- re-read every decree in raw/ and check it and normalized/ (exit 1 on errors)
#   make bench   -- time ingest on a generated corpus of 320 decrees (bench/RESULTS.md)
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

# ~9 min on 2 cores: builds bench/out/corpus once (320 decree PDFs, 2,193 pages), then times
# pdfplumber's floor (1 and 2 processes) and plan-etl ingest --jobs 1 / --jobs 2 / warm cache
# side by side, each run but the warm one twice in mirrored order (bench/RESULTS.md);
# then OCR pages/s on scans of two decrees (11 pages) beside bare tesseract (~3 min).
bench: $(STAMP)
	$(BIN)/python bench/make_corpus.py
	$(BIN)/python bench/run.py --floor2
	$(BIN)/python bench/ocr_speed.py --speed-only --only perm yaroslavl-health

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

schemas: $(STAMP)
	$(BIN)/plan-etl schemas

clean:
	rm -rf $(VENV) .pytest_cache
