"""Every labelled file's logical rows as JSON, to compare the assembler before and after a change.

Reads raw/ and tests/data (seeds, corpus, formats, legal-database texts, dev and dev2 sources,
the PDF fixtures; scans only with --scans, OCR is slow) and writes, per file, its rows (item
number, section, sub-heading, every cell, warnings), the table's warnings and its preamble:

    python bench/rows_snapshot.py before.json      # on the old commit
    python bench/rows_snapshot.py after.json       # on the new one
    cmp before.json after.json                     # identical: every file reads as before

(a file added between the two commits appears only in after.json; compare the keys of both).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from plan_etl.assemble import assemble
from plan_etl.extract import extractor_for
from plan_etl.extract.base import ExtractError

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("raw", "tests/data")
SUFFIXES = {".pdf", ".docx", ".doc", ".rtf", ".odt", ".html", ".htm", ".txt", ".md"}


def sources(scans: bool) -> list[Path]:
    found = [
        path
        for folder in FOLDERS
        for path in sorted((ROOT / folder).rglob("*"))
        if path.suffix.lower() in SUFFIXES and path.name != "README.md"
    ]
    return [p for p in found if scans or "scans" not in p.parts]


def snapshot(path: Path) -> dict | str:
    try:
        table = assemble(extractor_for(path).read(path).blocks)
    except ExtractError as exc:
        return f"failed: {exc}"
    rows = [
        {
            "number": r.item_number,
            "section": [r.section_number, r.section_title],
            "subsection": [r.subsection_number, r.subsection_title],
            "cells": r.cells,
            "warnings": r.warnings,
            "pages": [r.page_first, r.page_last],
        }
        for r in table.rows
    ]
    return {"rows": rows, "warnings": table.warnings, "preamble": table.preamble}


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else None
    result = {str(p.relative_to(ROOT)): snapshot(p) for p in sources(scans="--scans" in sys.argv)}
    text = json.dumps(result, ensure_ascii=False, indent=1, sort_keys=True)
    if out:
        out.write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    rows = sum(len(v["rows"]) for v in result.values() if isinstance(v, dict))
    print(f"{len(result)} files, {rows} rows", file=sys.stderr)


if __name__ == "__main__":
    main()
