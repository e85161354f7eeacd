"""OCR on scanned copies of the gold decrees: quality against gold, speed against bare
Tesseract on the same page images.

    python bench/ocr_speed.py [--out bench/out/ocr] [--turn] [--hard] [--extra DIR ...]
                              [--speed-only] [--quality-only] [--noise 0.1] [--show]
                              [--reuse-ocr] [--user-words] [--text] [--given DIR] [--only STEM ...]

Every labelled decree with a page layout — the corpus and dev PDFs, and those of `--extra`
folders laid out as tests/data/dev (`sources/`, `gold/<stem>.json`; a decree given only as
DOCX is printed to PDF by LibreOffice first) — is scanned whole by
tests/fixtures/make_scans.py (200 dpi greyscale, skewed 0.3–0.6°, blur and noise; `--hard`
varies what scans of signed copies vary: 150/200/300 dpi, 1-bit pages, one page leaning up
to 2°, a round stamp over the last page's signature and rows; `--turn` turns landscape pages
90° as a portrait scan of them would be). `--given DIR` measures the scans of DIR/scans
instead, `--text` the text PDFs themselves (the figures OCR is held against).

Quality: each scan is ingested (`process_file`) and its rows compared with the gold rows by
item number (a row whose number OCR misread, by its activity: `paired`) — rows found, item
numbers right, activity character similarity (rapidfuzz ratio; a missing row counts 0),
rows exact (activity, deadline, responsible and result as gold has them, up to spacing),
deadline date right, catalogue id right, right with no review (the right id, not `review`),
`matched` with a wrong id (or not a gold row at all). `--show` prints every field that
differs. `--noise 0.1` then garbles that share of the OCR'd words with OCR's typical
confusions (и/н, ш/щ, 0/О, a lost hyphen …) and measures again: matching and dates must not
turn them into a wrong `matched`. `--reuse-ocr` keeps what Tesseract read (in the output
folder) and reads it back in later runs, to measure what happens after Tesseract without
reading every page again (delete the `.ocr.pickle` files when the reading itself changes).
`--user-words` gives Tesseract the plan vocabulary and date patterns (`--user-words`,
`--user-patterns`).

Speed: OCR pages/s of `plan-etl ingest --jobs N --no-cache` (extract, OCR, assembly,
records) beside the bare `tesseract` command line on the same 300-dpi page images (same
language, page segmentation and one thread each, N at once), each run twice in mirrored
order (bare, ours, ours, bare) so drift in the machine's load falls on both.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import random
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import cv2
import pypdfium2 as pdfium
from rapidfuzz.fuzz import ratio

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "fixtures"))
import make_scans  # noqa: E402

from plan_etl.extract import ocr  # noqa: E402
from plan_etl.extract.convert import libreoffice_convert  # noqa: E402
from plan_etl.extract.ocrtext import plan_forms  # noqa: E402
from plan_etl.pipeline import FileResult, process_file  # noqa: E402
from plan_etl.pipeline import ingest as ingest_dir  # noqa: E402
from plan_etl.records import Source  # noqa: E402

DATA = ROOT / "tests" / "data"


def sources(extra: list[Path]) -> list[tuple[Path, Path]]:
    """(PDF, its gold file) for every corpus and dev PDF, and for every decree of the
    `extra` folders (laid out as tests/data/dev: sources/, gold/<stem>.json)."""
    slugs = json.loads((DATA / "corpus" / "slugs.json").read_text())
    pairs = [(p, DATA / "gold" / f"{slugs[p.stem]}.json") for p in (DATA / "corpus").glob("*.pdf")]
    for folder in [DATA / "dev", *extra]:
        pairs += [(p, folder / "gold" / f"{p.stem}.json") for p in labelled_pdfs(folder)]
    return sorted(pairs)


def labelled_pdfs(folder: Path) -> list[Path]:
    """The PDF of each labelled decree in `folder`: its own, else its DOCX printed by
    LibreOffice (into bench/out, once); a decree with neither (a text dump) has no page."""
    pdfs = []
    for gold in sorted((folder / "gold").glob("*.json")):
        pdf, docx = (
            folder / "sources" / f"{gold.stem}.pdf",
            folder / "sources" / f"{gold.stem}.docx",
        )
        if not pdf.exists() and docx.exists():
            printed = ROOT / "bench" / "out" / "printed" / pdf.name
            if not printed.exists():
                printed.parent.mkdir(parents=True, exist_ok=True)
                with tempfile.TemporaryDirectory() as profile:
                    libreoffice_convert(docx, "pdf", printed.parent, Path(profile))
            pdf = printed
        if pdf.exists():
            pdfs.append(pdf)
    return pdfs


def make_all(out: Path, turn: bool, hard: bool, extra: list[Path]) -> list[tuple[Path, Path]]:
    """Scanned copies of every source, whole; (scan, gold) pairs."""
    pairs = []
    for pdf, gold in sources(extra):
        pages = tuple(range(len(pdfium.PdfDocument(pdf))))
        scan = make_scans.Scan(f"{pdf.stem}-scan", pdf, pages, turn=turn, hard=hard)
        path = out / f"{scan.name}.pdf"
        if not path.exists():
            make_scans.make(scan, out)
        pairs.append((path, gold))
    return pairs


def ingest(path: Path) -> FileResult:
    return process_file(path, Source("x", path.name, "pdf", "0"))


# OCR's typical confusions on Russian print, each way: и/н, ш/щ, л/п, е/с, 0/О, З/3, 1/I
CONFUSIONS = [("и", "н"), ("ш", "щ"), ("л", "п"), ("е", "с"), ("0", "О"), ("З", "3"), ("1", "I")]
CONFUSIONS += [(b, a) for a, b in CONFUSIONS]


def garble(word: str, rng: random.Random) -> str:
    """One OCR-like error in a word: a confused letter, else a lost hyphen."""
    options = [(a, b) for a, b in CONFUSIONS if a in word] + [("-", "")] * ("-" in word)
    if not options:
        return word
    a, b = rng.choice(options)
    at = rng.choice([i for i, c in enumerate(word) if c == a])
    return word[:at] + b + word[at + 1 :]


class Recorder:
    """Wraps `ocr.read_pages` to keep what OCR read on each scan, so the noise runs reuse
    it instead of reading every page again; with `keep`, also in a file beside the scan, so
    that a later run measuring what happens after Tesseract (`--reuse-ocr`) reads it back."""

    def __init__(self, keep: Path | None = None) -> None:
        self.pages: dict[Path, list[ocr.OcrPage]] = {}
        self.current = Path()
        self.real = ocr.read_pages
        self.keep = keep  # the folder the readings are kept in

    def __call__(self, pdf: pdfium.PdfDocument, indices: list[int]) -> list[ocr.OcrPage]:
        kept = (self.keep or Path()) / f"{self.current.stem}.ocr.pickle"
        if self.current not in self.pages and self.keep and kept.exists():
            self.pages[self.current] = pickle.loads(kept.read_bytes())
        if self.current not in self.pages:
            self.pages[self.current] = self.real(pdf, indices)
            if self.keep:
                kept.parent.mkdir(parents=True, exist_ok=True)
                kept.write_bytes(pickle.dumps(self.pages[self.current]))
        return self.pages[self.current]


def noise(pairs: list[tuple[Path, Path]], rates: list[float], recorder: Recorder) -> None:
    """Quality again with a share of the OCR'd words garbled as OCR garbles them."""
    for rate in rates:
        ocr.read_pages = Garbler(recorder, rate)
        print(f"-- {100 * rate:g}% of words garbled")
        quality(pairs, recorder)
    ocr.read_pages = recorder


class Garbler:
    """`ocr.read_pages` giving the recorded pages with `rate` of their words garbled."""

    def __init__(self, recorder: Recorder, rate: float) -> None:
        self.recorder, self.rate, self.rng = recorder, rate, random.Random(0)

    def __call__(self, pdf: pdfium.PdfDocument, indices: list[int]) -> list[ocr.OcrPage]:
        return [
            replace(page, words=[self.noisy(w) for w in page.words])
            for page in self.recorder(pdf, indices)
        ]

    def noisy(self, word: ocr.Word) -> ocr.Word:
        if self.rng.random() < self.rate:
            return replace(word, text=garble(word.text, self.rng))
        return word


# A row whose item number OCR misread («3.-.» for «3.5.») is paired with the unpaired gold
# row its activity resembles this much (rapidfuzz ratio), so that its other fields are still
# judged, and counted as a misread number.
SAME_ROW = 80.0


def paired(gold: dict[str, dict], rows: list) -> list[tuple[dict, object | None]]:
    """Each gold row with the row read for it: by item number, else (a misread number) by
    the most similar activity among the rows left over; None if no row was read for it."""
    by_number: dict[str, list] = {}
    for row in rows:
        by_number.setdefault(row.item_number, []).append(row)
    left = [row for row in rows if row.item_number not in gold]
    pairs = []
    for number, want in gold.items():
        same_number = by_number.get(number, [])  # two rows «1»: a column-number row read too
        row = max(same_number, key=lambda r: ratio(r.activity, want["activity"]), default=None)
        if row is None and left:
            best = max(left, key=lambda r: ratio(r.activity, want["activity"]))
            if ratio(best.activity, want["activity"]) >= SAME_ROW:
                row = best
                left.remove(best)
        pairs.append((want, row))
    return pairs


def same(a: str | None, b: str | None) -> bool:
    """Two cell texts equal up to spacing (gold joins a cell's paragraphs with one space)."""
    return " ".join((a or "").split()) == " ".join((b or "").split())


def exact(row, want: dict) -> bool:
    """The row's four texts as gold has them: activity, deadline, responsible, result."""
    return (
        same(row.activity, want["activity"])
        and same(row.deadline_raw, want["deadline_raw"])
        and same(row.responsible_raw, want["responsible"])
        and same(row.result_document, want["document"])
    )


SHOW = False  # --show: print each field of a row that differs from gold


def show(row, want: dict) -> None:
    """The fields of `row` that differ from gold, gold first."""
    fields = (("activity", "activity"), ("deadline_raw", "deadline_raw"))
    fields += (("responsible_raw", "responsible"), ("result_document", "document"))
    for mine, theirs in fields:
        if not same(getattr(row, mine), want[theirs]):
            got = getattr(row, mine)
            print(f"   {want['number']} {mine}: {want[theirs]!r}\n{'':>8}got {got!r}")


def quality(pairs: list[tuple[Path, Path]], recorder: Recorder) -> None:
    """Rows of each scan against gold, per file and in total."""
    keys = ("gold", "found", "number", "sim", "exact", "cat", "sure", "wrong", "date", "review")
    keys += ("low",)
    totals = dict.fromkeys(keys, 0.0)
    for scan, gold_path in pairs:
        recorder.current = scan
        gold = {r["number"]: r for r in json.loads(gold_path.read_text())["rows"]}
        result = ingest(scan)
        n = dict.fromkeys(totals, 0.0)
        n["gold"] = len(gold)
        judged = set()
        for want, row in paired(gold, result.activities):
            if row is None:
                continue
            judged.add(id(row))
            right = row.catalogue_id == want["catalogue_id"]
            n["found"] += 1
            n["number"] += row.item_number == want["number"]
            n["sim"] += ratio(row.activity, want["activity"])
            n["exact"] += exact(row, want)
            if SHOW and not exact(row, want):
                show(row, want)
            n["cat"] += right
            n["sure"] += right and row.match_status != "review"
            n["wrong"] += row.match_status == "matched" and not right
            if SHOW and not right and row.match_status != "matched":
                print(f"   CAT {want['number']} {row.catalogue_id} ({row.match_status}) for")
                print(f"        {want['catalogue_id']}: {row.activity!r} {row.warnings}")
            if SHOW and row.match_status == "matched" and not right:
                print(f"   WRONG {want['number']} {row.catalogue_id} for {want['catalogue_id']}:")
                print(f"        {row.activity!r} {row.section_title!r} {row.warnings}")
            n["date"] += str(row.deadline_date or None) == str(want["deadline_date"])
            n["review"] += row.match_status == "review"
            n["low"] += ocr.LOW_CONFIDENCE_NOTE in row.warnings
        # a `matched` row that is no gold row at all (two rows run together, a stray line)
        matched = [a for a in result.activities if a.match_status == "matched"]
        strays = [a for a in matched if id(a) not in judged]
        n["wrong"] += len(strays)
        for a in strays if SHOW else ():
            print(f"   WRONG stray {a.item_number} {a.catalogue_id}: {a.activity!r} {a.warnings}")
        print(
            f"{scan.name:28} {result.document.status:7} rows {n['found']:.0f}/{n['gold']:.0f}"
            f" (nos {n['number']:.0f}) act {n['sim'] / n['gold']:5.1f}% exact {n['exact']:.0f}"
            f" cat {n['cat']:.0f} no-review {n['sure']:.0f} wrong {n['wrong']:.0f}"
            f" review {n['review']:.0f} dates {n['date']:.0f} low {n['low']:.0f}"
            f"  {(result.document.error or '')[:80]}"
        )
        for key in totals:
            totals[key] += n[key]
    g = totals["gold"]

    def share(key: str) -> str:
        return f"{totals[key]:.0f}/{g:.0f} ({100 * totals[key] / g:.1f}%)"

    print(
        f"TOTAL rows found {share('found')}, item number right {totals['number']:.0f},"
        f" activity similarity {totals['sim'] / g:.1f}%, rows exact {share('exact')},"
        f" deadline date right {share('date')}, catalogue top-1 {share('cat')},"
        f" right with no review {share('sure')}, wrong matched {totals['wrong']:.0f},"
        f" review {totals['review']:.0f}, rows lowered for low confidence {totals['low']:.0f}"
    )


def page_images(pairs: list[tuple[Path, Path]], out: Path) -> list[Path]:
    """Every scanned page rendered as the OCR renders it (300 dpi greyscale), as PNG."""
    images = []
    for scan, _ in pairs:
        pdf = pdfium.PdfDocument(scan)
        for i in range(len(pdf)):
            path = out / f"{scan.stem}-{i + 1:03}.png"
            if not path.exists():
                cv2.imwrite(str(path), ocr.render(pdf, i))
            images.append(path)
    return images


def bare(images: list[Path], workers: int) -> float:
    """Seconds for the tesseract command line to read every image."""
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    command = ["-l", ocr.LANGUAGE, "--psm", str(ocr.PSM), "tsv"]

    def one(image: Path) -> None:
        subprocess.run(
            ["tesseract", str(image), "stdout", *command], env=env, capture_output=True, check=True
        )

    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(one, images))
    return time.perf_counter() - started


def ours(pairs: list[tuple[Path, Path]], out: Path, jobs: int) -> float:
    """Seconds for `plan-etl ingest --jobs N --no-cache` to read every scan (N files at
    once, each file's pages in parallel too)."""
    raw = out / "raw"
    shutil.rmtree(raw, ignore_errors=True)
    raw.mkdir()
    for scan, _ in pairs:
        (raw / scan.name).symlink_to(scan)
    started = time.perf_counter()
    # the per-file limit is not what is measured: a loaded machine must not cut a file short
    ingest_dir(raw, out / "dataset", jobs=jobs, use_cache=False, timeout=BENCH_TIMEOUT)
    return time.perf_counter() - started


BENCH_TIMEOUT = 3600.0  # s a file


def speed(pairs: list[tuple[Path, Path]], out: Path) -> None:
    images = page_images(pairs, out)
    workers = ocr.page_workers(len(images))
    runs = [bare(images, workers), ours(pairs, out, workers), ours(pairs, out, workers)]
    runs.append(bare(images, workers))
    b, o = (runs[0] + runs[3]) / 2, (runs[1] + runs[2]) / 2
    print(
        f"{len(images)} pages, {workers} at once; runs (bare, ours, ours, bare): "
        + ", ".join(f"{r:.1f} s" for r in runs)
    )
    print(
        f"bare tesseract {len(images) / b:.2f} pages/s; plan-etl OCR {len(images) / o:.2f} pages/s;"
        f" ratio {o / b:.2f}"
    )


# Tesseract's patterns (\\d a digit): dates, item numbers and years of a plan
USER_PATTERNS = (r"\d\d.\d\d.\d\d\d\d", r"\d.\d.", r"\d.\d\d.", r"\d.\d.\d.", r"\d\d\d\d")
PERIOD_WORDS = ("I", "II", "III", "IV", "кв.", "квартал", "квартала", "полугодие", "года", "г.")


def user_vocabulary(out: Path) -> tuple[str, ...]:
    """Tesseract's --user-words (the plan vocabulary in every form, the words of dates) and
    --user-patterns (date and item-number shapes), written into `out`; its arguments."""
    words, patterns = out / "user-words.txt", out / "user-patterns.txt"
    words.write_text("\n".join(sorted({*plan_forms(), *PERIOD_WORDS})) + "\n", encoding="utf-8")
    patterns.write_text("\n".join(USER_PATTERNS) + "\n", encoding="utf-8")
    return ("--user-words", str(words), "--user-patterns", str(patterns))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "ocr")
    parser.add_argument("--turn", action="store_true", help="scan landscape pages turned 90°")
    parser.add_argument(
        "--hard", action="store_true", help="vary dpi, 1-bit pages, a 2° lean and a stamp"
    )
    parser.add_argument(
        "--extra", type=Path, nargs="*", default=[], help="more folders laid out as tests/data/dev"
    )
    parser.add_argument(
        "--user-words",
        action="store_true",
        help="give Tesseract the plan vocabulary and date patterns (--user-words/--user-patterns)",
    )
    parser.add_argument(
        "--text", action="store_true", help="measure the text PDFs themselves (no OCR) instead"
    )
    parser.add_argument("--only", nargs="*", default=(), help="source stems to use")
    parser.add_argument("--speed-only", action="store_true")
    parser.add_argument("--quality-only", action="store_true")
    parser.add_argument(
        "--noise", type=float, nargs="*", default=(), help="also garble these shares of words"
    )
    parser.add_argument("--show", action="store_true", help="print the fields that differ")
    parser.add_argument(
        "--reuse-ocr",
        action="store_true",
        help="keep what Tesseract read beside each scan and read it back in later runs",
    )
    parser.add_argument(
        "--given", type=Path, help="measure the scans of this folder (scans/, gold/) instead"
    )
    args = parser.parse_args()
    global SHOW
    SHOW = args.show
    out = args.out / ("turned" if args.turn else "upright") / ("hard" if args.hard else "plain")
    out.mkdir(parents=True, exist_ok=True)
    problem = ocr.tesseract_problem()
    if problem:
        sys.exit(problem)
    if args.text:
        pairs = [p for p in sources(args.extra) if not args.only or p[0].stem in args.only]
        quality(pairs, Recorder())
        return
    if args.user_words:
        ocr.TESSERACT_CONFIG = (*ocr.TESSERACT_CONFIG, *user_vocabulary(out))
    pairs = make_all(out, args.turn, args.hard, args.extra) if not args.given else []
    if args.given:
        pairs = [
            (p, args.given / "gold" / f"{p.stem}.json") for p in args.given.glob("scans/*.pdf")
        ]
    if args.only:
        pairs = [p for p in pairs if p[0].stem.removesuffix("-scan") in args.only]
    recorder = Recorder(keep=out / ("given" if args.given else "") if args.reuse_ocr else None)
    ocr.read_pages = recorder
    if not args.speed_only:
        quality(pairs, recorder)
    if args.noise:
        noise(pairs, args.noise, recorder)
    ocr.read_pages = recorder.real
    if not args.quality_only:
        speed(pairs, out)


if __name__ == "__main__":
    main()
