"""Where a text PDF page's time goes, stage by stage, robust to a busy machine.

    python bench/page_stages.py [--corpus bench/out/corpus] [--decrees 12] [--repeats 9]

Reads the first `--decrees` decrees of the bench corpus (bench/make_corpus.py) once, keeps
every intermediate (PDFium text pages, drawings, characters, page contents, blocks, tables),
then times each stage over all their pages `--repeats` times and prints the fastest round
per page: on a shared machine the same work costs 15–40 % more from one minute to the next,
and the minimum is the figure least touched by that. The stages are those of one worker's
file (`task.process_file`), which `plan-etl ingest --jobs 1` adds the parent's writing to:

  PDFium page + text page   opening the page and its text page
  page objects              paths, images and text-object order (`pdfium.drawing.draw`)
  characters                the per-character loop (`pdfium.chars.page_chars`)
  words                     pdfplumber's word rules on them (`pdfium.chars.words_of`)
  edges + ruled tables      pdfplumber's table finder on the edges (`page.ruled_tables`)
  read_page (all above)     the page's content as the PDF reader gets it
  PDFium calls floor        only the two PDFium calls made for every character (its text
                            object and origin): one C loop where the package's C helper
                            was built (setup.py), else two cffi calls a character
  blocks                    page contents → blocks (`extract.pdf.document_blocks`)
  extract (whole files)     the PDF extractor, pdfplumber's page tree included
  assemble, records         logical rows; normalizing, matching and validating them
  process_file              the whole of a worker's file
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent


def fastest(work: Callable[[], object], pages: int, repeats: int) -> float:
    """The fastest of `repeats` rounds of `work`, in ms a page."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return 1000 * min(times) / pages


def calls_floor(textpages: list[Any]) -> None:
    """The PDFium calls a character the reader makes (its text object and origin, by the C
    helper or through cffi, into arrays), and nothing else."""
    from plan_etl.extract.pdf.pdfium.calls import objects_and_origins
    from plan_etl.extract.pdf.pdfium.chars import page_codes

    for textpage in textpages:
        objects_and_origins(textpage.raw, len(page_codes(textpage.raw)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=BENCH / "out" / "corpus")
    parser.add_argument("--decrees", type=int, default=12)
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args()
    raw = args.corpus / "raw"
    files = sorted(raw.glob("*.pdf"))[: args.decrees]
    if not files:
        sys.exit(f"no bench corpus in {args.corpus}: run python bench/make_corpus.py first")

    import pdfplumber
    import pypdfium2 as pdfium

    from plan_etl.assemble import assemble
    from plan_etl.executors import preload_extractors
    from plan_etl.extract import extractor_for
    from plan_etl.extract.pdf import document_blocks
    from plan_etl.extract.pdf.page import DrawnPage, ruled_tables
    from plan_etl.extract.pdf.pdfium import page_objects, read_page
    from plan_etl.extract.pdf.pdfium.chars import page_chars, words_of
    from plan_etl.extract.pdf.pdfium.drawing import Drawing, draw
    from plan_etl.extract.pdf.pdfium.fonts import Fonts
    from plan_etl.extract.pdf.pdfium.space import Frame
    from plan_etl.pipeline import identify
    from plan_etl.records import build_records
    from plan_etl.task import process_file

    preload_extractors([".pdf"])
    pages: list[dict[str, Any]] = []
    for path in files:
        plumber, document, fonts = pdfplumber.open(path), pdfium.PdfDocument(path), Fonts()
        for page in plumber.pages:
            frame, handle = Frame.of(page), document[page.page_number - 1]
            textpage, drawing = handle.get_textpage(), Drawing()
            draw(page_objects(handle.raw), frame.ctm, drawing, frame)
            chars = page_chars(textpage.raw, fonts, page, frame, drawing)
            pages.append(
                {
                    "document": document,
                    "fonts": fonts,
                    "page": page,
                    "frame": frame,
                    "handle": handle,
                    "textpage": textpage,
                    "drawing": drawing,
                    "chars": chars,
                }
            )
    n = len(pages)
    contents = [read_page(p["document"], p["page"], p["fonts"]) for p in pages]
    sources = [(path, identify(path, raw)[0]) for path in files]
    extractor = extractor_for(files[0])
    raws = [extractor.read(path) for path in files]
    tables = [assemble(r.blocks) for r in raws]

    def opened(p: dict[str, Any]) -> None:
        handle = p["document"][p["page"].page_number - 1]
        handle.get_textpage().close()
        handle.close()

    def drawn(p: dict[str, Any]) -> None:
        draw(page_objects(p["handle"].raw), p["frame"].ctm, Drawing(), p["frame"])

    def ruled(p: dict[str, Any]) -> None:
        edges = p["drawing"].edges()
        ruled_tables(DrawnPage(p["page"].page_number, edges, p["page"].bbox), edges)

    stages: list[tuple[str, Callable[[], object]]] = [
        ("PDFium page + text page", lambda: [opened(p) for p in pages]),
        ("page objects", lambda: [drawn(p) for p in pages]),
        (
            "characters",
            lambda: [
                page_chars(p["textpage"].raw, p["fonts"], p["page"], p["frame"], p["drawing"])
                for p in pages
            ],
        ),
        ("words", lambda: [words_of(p["chars"], float(p["page"].initial_doctop)) for p in pages]),
        ("edges + ruled tables", lambda: [ruled(p) for p in pages]),
        (
            "read_page (all above)",
            lambda: [read_page(p["document"], p["page"], p["fonts"]) for p in pages],
        ),
        ("PDFium calls floor", lambda: calls_floor([p["textpage"] for p in pages])),
        ("blocks", lambda: document_blocks(iter(contents))),
        ("extract (whole files)", lambda: [extractor.read(path) for path in files]),
        ("assemble", lambda: [assemble(r.blocks) for r in raws]),
        (
            "records",
            lambda: [
                build_records(t, s, r.page_count, r.warnings, r.text_source)
                for t, (_, s), r in zip(tables, sources, raws, strict=True)
            ],
        ),
        ("process_file", lambda: [process_file(path, source) for path, source in sources]),
    ]
    print(f"{len(files)} decrees, {n} pages; fastest of {args.repeats} rounds, ms a page")
    for name, work in stages:
        print(f"  {name:26s} {fastest(work, n, args.repeats):6.2f}")


if __name__ == "__main__":
    main()
