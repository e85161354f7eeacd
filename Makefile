# Entry points that work on a fresh Debian/Ubuntu machine with only Python:
#   make ingest  -- install missing system packages, set up .venv, build normalized/ from raw/
#   make test    -- install missing system packages, set up .venv, run the test suite
#   make validate -- re-read every decree in raw/ and check it and normalized/ (exit 1 on errors)
#   make bench   -- time ingest on a generated corpus of 320 decrees (bench/RESULTS.md)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: system setup ingest test lint schemas bench validate clean eval-match

# System packages the product needs: LibreOffice reads .doc/.rtf/.odt, Tesseract (with
# Russian) reads scanned PDFs; the tests also need Chromium (the report's browser test) and
# DejaVu (Cyrillic for the PDFs they build); python3-venv is what Debian leaves out of Python;
# gcc builds the optional C helper for PDF pages (setup.py: ≈ 1 ms a page; without a compiler
# the install goes on and the same calls are made from Python). Installed with apt-get when
# missing and we are root (once, non-interactively); otherwise the exact command to run is
# printed and make stops. When everything is present this costs a few milliseconds.
SYSTEM_PACKAGES := python3-venv libreoffice-writer-nogui tesseract-ocr tesseract-ocr-rus \
                   fonts-dejavu-core chromium gcc libc6-dev
APT_INSTALL     := apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y \
                   --no-install-recommends $(SYSTEM_PACKAGES)

system:
	@if command -v soffice >/dev/null && command -v tesseract >/dev/null \
	    && command -v chromium >/dev/null && $(PYTHON) -c "import ensurepip" 2>/dev/null \
	    && tesseract --list-langs 2>/dev/null | grep -qx rus \
	    && [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] \
	    && command -v gcc >/dev/null && [ -f /usr/include/stdint.h ]; then \
	  :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing system packages: $(SYSTEM_PACKAGES)"; \
	  $(APT_INSTALL); \
	else \
	  echo "missing system packages; run as root:" >&2; \
	  echo "  $(APT_INSTALL)" >&2; \
	  exit 1; \
	fi

$(STAMP): pyproject.toml setup.py src/plan_etl/extract/pdf/pdfium/_loops.c | system
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

ingest: system $(STAMP)
	$(BIN)/plan-etl ingest raw/ --out normalized/

test: system $(STAMP)
	$(BIN)/python -m pytest

validate: $(STAMP)
	$(BIN)/plan-etl validate raw/

# ~9 min on 2 cores: builds bench/out/corpus once (320 decree PDFs, 2,193 pages), then times
# pdfplumber's floor (1 and 2 processes) and plan-etl ingest --jobs 1 / --jobs 2 / warm cache
# side by side, each run but the warm one twice in mirrored order (bench/RESULTS.md);
# then OCR pages/s on scans of five decrees (35 pages) beside bare tesseract (~4 min);
# then the hostile set beside the seed decrees: each fails in one line, the whole run's
# memory stays under 1 GiB (~4 min); then every bench decree read by PDFium and by
# pdfplumber, the blocks compared (~4 min).
# then Dask's overhead: ingest --dask local:2 beside --jobs 2 on the same corpus (~4 min).
# bench/scaling.py: --jobs 1 and --jobs 2 in four back-to-back pairs, the median ratio (~3 min).
bench: $(STAMP)
	$(BIN)/python bench/make_corpus.py
	$(BIN)/python bench/run.py --floor2
	$(BIN)/python bench/scaling.py --pairs 4
	$(BIN)/python bench/ocr_speed.py --speed-only --only perm yaroslavl-health tatarstan yugra samara-213r
	$(BIN)/python bench/hostile.py
	$(BIN)/python bench/pdfium_diff.py
	$(BIN)/python bench/dask_overhead.py

# Leave-one-decree-out and leave-one-style-out evaluation of the catalogue matcher on the 18
# labelled decrees, every learned part refit per fold (~3 min CPU).
eval-match: $(STAMP)
	$(BIN)/python bench/eval_match.py

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

schemas: $(STAMP)
	$(BIN)/plan-etl schemas

clean:
	rm -rf $(VENV) .pytest_cache
