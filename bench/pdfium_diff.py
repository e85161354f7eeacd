"""PDFium against pdfplumber on a folder of PDFs: every page read both ways, tables compared.

    python bench/pdfium_diff.py [RAW_DIR ...]   # default: bench/out/corpus/raw (make_corpus.py)

For every PDF: each page's content as pdfplumber reads it (the reference) and as the PDFium
reader does, and the blocks (table rows, paragraphs) the PDF reader makes of each; prints a
line for every PDF whose blocks or words differ or whose pages fell back to pdfplumber, then
the totals and both engines' CPU time a page (process time, so that other work on the
machine weighs less than in wall time; the engines alternate file by file, so a slow
minute falls on both). Exits 1 if any PDF's blocks differ. tests/test_pdfium.py does the
same for the PDFs of tests/data.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from plan_etl.extract.pdf import document_blocks, open_pdf, plumber_content
from plan_etl.extract.pdf.pdfium import PdfiumPages

BENCH = Path(__file__).resolve().parent
CORPUS = BENCH / "out" / "corpus" / "raw"
WORD_SLACK = 0.01  # pt, as tests/test_pdfium.py


def words_differ(plumber: list, pdfium: list) -> bool:
    for a, b in zip(plumber, pdfium, strict=True):
        if [w["text"] for w in a.words] != [w["text"] for w in b.words]:
            return True
        for x, y in zip(a.words, b.words, strict=True):
            if any(abs(x[k] - y[k]) > WORD_SLACK for k in ("x0", "x1", "top", "bottom")):
                return True
    return False


def compare(path: Path, clock: dict[str, float]) -> tuple[bool, bool, list[str], int]:
    """Whether the blocks and the words of `path` differ, PDFium's warnings, its pages."""
    document = open_pdf(path)
    try:
        start = time.process_time()
        plumber = [plumber_content(page) for page in document.pages]
        clock["pdfplumber"] += time.process_time() - start
        start = time.process_time()
        reader = PdfiumPages(path)
        try:
            pdfium = [reader.content(page) for page in document.pages]
        finally:
            reader.close()
        clock["pdfium"] += time.process_time() - start
    finally:
        document.close()
    differ = document_blocks(pdfium) != document_blocks(plumber)
    return differ, words_differ(plumber, pdfium), reader.warnings, len(plumber)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("raw", nargs="*", type=Path, default=[CORPUS])
    args = parser.parse_args()
    files = sorted(p for folder in args.raw for p in folder.rglob("*.pdf"))
    clock = {"pdfplumber": 0.0, "pdfium": 0.0}
    pages = differ = words = fell_back = 0
    for path in files:
        blocks_differ, words_differ_, warnings, n = compare(path, clock)
        pages += n
        differ += blocks_differ
        words += words_differ_
        fell_back += len(warnings)
        if blocks_differ or words_differ_ or warnings:
            print(
                f"{path}: blocks {'DIFFER' if blocks_differ else 'same'}, words "
                f"{'differ' if words_differ_ else 'same'}; {'; '.join(warnings)}"
            )
    print(
        f"{len(files)} PDFs, {pages} pages: blocks differ in {differ}, words in {words}; "
        f"{fell_back} pages read by pdfplumber instead"
    )
    for engine, seconds in clock.items():
        print(f"{engine}: {seconds:.1f} s CPU, {seconds / max(pages, 1) * 1000:.1f} ms a page")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
