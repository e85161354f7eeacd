"""Bad input never stops a run nor corrupts the dataset.

Every kind of bad file is built here (nothing binary is committed): each must become a
`documents` row with a one-line error naming the cause while the good files are ingested as
usual. A run killed by SIGKILL while writing must leave the previous dataset intact. Mutated
text dumps, PDFs and DOCX files must make the extractors return blocks or raise
`ExtractError`, never anything else, and never hang.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import docx
import pyarrow.parquet as pq
import pypdfium2 as pdfium
import pytest
from conftest import DATA, SEEDS
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from PIL import Image
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas
from typer.testing import CliRunner

from plan_etl.cli import app
from plan_etl.extract import ExtractError, RawDocument, extractor_for
from plan_etl.models import TABLES
from plan_etl.pipeline import RunSummary, ingest, process_file
from plan_etl.records import Source
from plan_etl.schemas import export_schemas
from plan_etl.validate import check_decree

CORPUS_PDF = DATA / "corpus" / "kursk-254pp.pdf"
CORPUS_DOCX = DATA / "corpus" / "kursk-254pp.docx"
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
PER_FILE_LIMIT = 20.0  # seconds one mutated file may take before the test calls it a hang


# --- building bad files ------------------------------------------------------------------------


def pdf_with(path: Path, draw: Callable[[canvas.Canvas], object], **options: Any) -> Path:
    """A one-page PDF made by reportlab; `draw(canvas)` puts something on the page."""
    pdf = canvas.Canvas(str(path), **options)
    draw(pdf)
    pdf.showPage()
    pdf.save()
    return path


def long_pdf_without_plan_header(path: Path, pages: int = 100) -> Path:
    """A ruled, numbered inventory over `pages` pages: a table, but not a plan."""
    pdf = canvas.Canvas(str(path))
    for page in range(pages):
        pdf.drawString(50, 800, f"Annex 2, page {page + 1}: inventory")
        for row in range(6):
            y = 760 - 30 * row
            pdf.line(40, y - 8, 550, y - 8)
            pdf.drawString(50, y, str(6 * page + row + 1))
            pdf.drawString(100, y, f"Item {row}")
            pdf.drawString(400, y, "2024")
        pdf.showPage()
    pdf.save()
    return path


def docx_without_table(path: Path) -> Path:
    document = docx.Document()
    document.add_paragraph("Уважаемые коллеги! Направляем информацию, таблицы здесь нет.")
    document.save(str(path))
    return path


def first_half(source: Path, target: Path) -> Path:
    data = source.read_bytes()
    target.write_bytes(data[: len(data) // 2])
    return target


BAD_FILES = {
    # name: substring of the one-line error (None: the file must be read, status ok)
    "empty.pdf": "empty file",
    "empty.docx": "empty file",
    "empty.txt": "empty file",
    "truncated.pdf": "corrupt PDF",
    "truncated.docx": "not a DOCX",
    "encrypted.pdf": "encrypted PDF",
    "letter.pdf": "no plan table found",
    "letter.docx": "no plan table found",
    "scan.pdf": "no text layer",
    "binary.pdf": "not a PDF",
    "inventory-100-pages.pdf": "no plan table found",
    "dangling-link.pdf": "cannot read file: dangling symbolic link",
    "cp1251.txt": None,
    # found by fuzzing: both once escaped their extractor with a foreign exception
    "no-mediabox.pdf": "corrupt PDF",
    "foreign-root.docx": "no w:document body",
}


@pytest.fixture(scope="module")
def bad_raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A raw folder of one good decree and every kind of bad file."""
    raw = tmp_path_factory.mktemp("bad-raw")
    (raw / "good.txt").write_bytes(SEEDS[2].read_bytes())
    for name in ("empty.pdf", "empty.docx", "empty.txt"):
        (raw / name).write_bytes(b"")
    first_half(CORPUS_PDF, raw / "truncated.pdf")
    first_half(CORPUS_DOCX, raw / "truncated.docx")
    pdf_with(raw / "encrypted.pdf", lambda c: c.drawString(50, 800, "secret"), encrypt="pw")
    pdf_with(raw / "letter.pdf", lambda c: c.drawString(50, 800, "Dear colleagues, no table."))
    docx_without_table(raw / "letter.docx")
    image = ImageReader(Image.new("RGB", (64, 64), "gray"))
    pdf_with(raw / "scan.pdf", lambda c: c.drawImage(image, 50, 500, 300, 300))
    (raw / "binary.pdf").write_bytes(bytes(range(256)) * 16)
    long_pdf_without_plan_header(raw / "inventory-100-pages.pdf")
    (raw / "dangling-link.pdf").symlink_to(raw / "nowhere.pdf")
    text = SEEDS[0].read_text(encoding="utf-8")
    (raw / "cp1251.txt").write_bytes(text.encode("cp1251"))
    pdf_page_without_mediabox(raw)
    docx_with_foreign_root(raw)
    (raw / "folder.pdf").mkdir()  # a folder named like a decree is a folder, not a file
    return raw


@pytest.fixture(scope="module")
def bad_run(bad_raw: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, RunSummary]:
    out = tmp_path_factory.mktemp("bad-out")
    summary = ingest(bad_raw, out, jobs=2, use_cache=False, timeout=60)
    return out, summary


def test_every_bad_file_is_a_failed_row_with_its_cause(bad_run: tuple[Path, RunSummary]) -> None:
    out, summary = bad_run
    docs = {d["source_file"]: d for d in pq.read_table(out / "documents.parquet").to_pylist()}
    assert sorted(docs) == sorted([*BAD_FILES, "good.txt"])
    assert docs["good.txt"]["status"] == "ok" and docs["good.txt"]["row_count"] == 34
    for name, cause in BAD_FILES.items():
        doc = docs[name]
        if cause is None:
            assert doc["status"] == "ok" and doc["row_count"] == 41, doc
            continue
        assert doc["status"] == "failed" and doc["row_count"] == 0, doc
        assert cause in doc["error"] and "\n" not in doc["error"], doc
    acts = pq.read_table(out / "activities.parquet")
    assert set(acts.column("source_file").to_pylist()) == {"good.txt", "cp1251.txt"}
    assert summary.statuses["failed"] == len(BAD_FILES) - 1


def test_validate_reports_each_bad_file_as_one_error(
    bad_raw: Path, bad_run: tuple[Path, RunSummary]
) -> None:
    out, _ = bad_run
    schemas = export_schemas(out.parent / "schemas")[0].parent
    args = ["--dataset", str(out), "--schemas", str(schemas), "--format", "json"]
    res = CliRunner().invoke(app, ["validate", str(bad_raw), *args])
    assert res.exit_code == 1
    report = json.loads(res.output)
    errors = {f["file"]: f for f in report["findings"] if f["rule"] == "plan-table"}
    assert sorted(errors) == sorted(n for n, cause in BAD_FILES.items() if cause is not None)
    assert not [f for f in report["findings"] if f["rule"].startswith("dataset-")]


@pytest.mark.skipif(IS_ROOT, reason="running as root: chmod 000 does not stop root from reading")
def test_unreadable_file(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    locked = raw / "locked.txt"
    locked.write_bytes(SEEDS[0].read_bytes())
    locked.chmod(0)
    try:
        ingest(raw, tmp_path / "out", jobs=1, use_cache=False)
    finally:
        locked.chmod(0o644)
    [doc] = pq.read_table(tmp_path / "out" / "documents.parquet").to_pylist()
    assert doc["status"] == "failed" and doc["error"] == "cannot read file: Permission denied"


def test_unreadable_file_simulated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same case where chmod cannot produce it (root): the read itself is refused."""
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "locked.txt").write_bytes(SEEDS[0].read_bytes())
    (raw / "good.txt").write_bytes(SEEDS[2].read_bytes())
    read_bytes = Path.read_bytes

    def refuse(self: Path) -> bytes:
        if self.name == "locked.txt":
            raise PermissionError(13, "Permission denied", str(self))
        return read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", refuse)
    summary = ingest(raw, tmp_path / "out", jobs=1, use_cache=False)
    docs = {
        d["source_file"]: d
        for d in pq.read_table(tmp_path / "out" / "documents.parquet").to_pylist()
    }
    assert docs["locked.txt"]["error"] == "cannot read file: Permission denied"
    assert docs["good.txt"]["status"] == "ok" and summary.rows == 34


def test_a_file_that_runs_too_long_is_cut_off(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    # far longer to parse than it is allowed (a few ms a page with either engine)
    long_pdf_without_plan_header(raw / "slow.pdf", pages=3000)
    (raw / "good.txt").write_bytes(SEEDS[2].read_bytes())  # ≈ 0.05 s, more on a busy machine
    # a PDF is allowed the timeout per TIMEOUT_PAGES pages, at most MAX_TIMEOUT_SCALE (10)
    # times: 0.3 s × min(3000 / 20, 10) = 3 s; the text file 0.3 s
    summary = ingest(raw, tmp_path / "out", jobs=2, use_cache=False, timeout=0.3)
    docs = {
        d["source_file"]: d
        for d in pq.read_table(tmp_path / "out" / "documents.parquet").to_pylist()
    }
    assert docs["slow.pdf"]["status"] == "failed"
    assert docs["slow.pdf"]["error"].startswith("timed out after 3 s")
    assert docs["good.txt"]["status"] == "ok" and summary.rows == 34


def test_a_long_pdf_is_allowed_time_by_its_pages(tmp_path: Path) -> None:
    """A scanned PDF is read by OCR at seconds a page: a PDF gets the timeout per
    TIMEOUT_PAGES pages, other files (and a PDF that cannot be opened) the timeout."""
    from plan_etl.pipeline import TIMEOUT_PAGES, time_allowed

    long_pdf_without_plan_header(tmp_path / "long.pdf", pages=3 * TIMEOUT_PAGES)
    long_pdf_without_plan_header(tmp_path / "short.pdf", pages=2)
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4 nothing else")
    (tmp_path / "plan.txt").write_bytes(SEEDS[2].read_bytes())
    assert time_allowed(tmp_path / "long.pdf", 120) == 360
    assert time_allowed(tmp_path / "short.pdf", 120) == 120
    assert time_allowed(tmp_path / "broken.pdf", 120) == 120
    assert time_allowed(tmp_path / "plan.txt", 120) == 120


def test_a_pdfs_page_count_is_pdfiums_whatever_its_name(tmp_path: Path) -> None:
    """The page count the timeout is reckoned from, read through PDFium's C functions, is
    the one pypdfium2's document gives, on every PDF of the test data, also under a
    Cyrillic file name; a file PDFium cannot open has none."""
    import shutil

    import pypdfium2 as pdfium

    from plan_etl.task import pdf_page_count

    pdfs = sorted((Path(__file__).parent / "data").rglob("*.pdf"))
    assert len(pdfs) > 20
    for path in pdfs:
        try:
            expected = len(pdfium.PdfDocument(path))
        except pdfium.PdfiumError:
            expected = None
        assert pdf_page_count(path) == expected, path
    named = tmp_path / "распоряжение №12-р.pdf"
    shutil.copy(pdfs[0], named)
    assert pdf_page_count(named) == len(pdfium.PdfDocument(pdfs[0]))
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4 nothing else")
    assert pdf_page_count(tmp_path / "broken.pdf") is None
    assert pdf_page_count(tmp_path / "missing.pdf") is None


# --- SIGKILL while writing ---------------------------------------------------------------------


def visible_files(folder: Path) -> dict[str, bytes]:
    """The dataset as readers see it: files not hidden (temporary files start with a dot)."""
    return {p.name: p.read_bytes() for p in folder.iterdir() if not p.name.startswith(".")}


def test_run_killed_while_writing_leaves_previous_dataset(tmp_path: Path) -> None:
    out = tmp_path / "normalized"
    first = tmp_path / "first"
    first.mkdir()
    (first / SEEDS[0].name).write_bytes(SEEDS[0].read_bytes())
    ingest(first, out, jobs=1, use_cache=False)
    before = visible_files(out)
    assert {f"{name}.parquet" for name in TABLES} <= set(before)

    raw = tmp_path / "raw"
    raw.mkdir()
    for copy in range(30):  # distinct bytes, so no file is a duplicate or a cache hit
        for seed in SEEDS:
            text = seed.read_text(encoding="utf-8") + f"\nКопия {copy}\n"
            (raw / f"{copy:02d}-{seed.name}").write_text(text, encoding="utf-8")
    cmd = [sys.executable, "-c", "from plan_etl.cli import app; app()"]
    args = ["ingest", str(raw), "--out", str(out), "--jobs", "1", "--no-cache"]
    # its own session, so that the kill reaches the run's worker process too
    proc = subprocess.Popen(
        [*cmd, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            # the run's tables are being written into its staging folder beside the dataset
            partial = list(tmp_path.glob(".normalized.staging-*/activities.parquet"))
            if partial:
                break
            time.sleep(0.005)
        assert proc.poll() is None, "the run ended before it was caught writing"
        assert partial, "the run never started writing"
        os.killpg(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=10) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    assert visible_files(out) == before  # every file of the dataset byte for byte
    for name in TABLES:
        pq.read_table(out / f"{name}.parquet")  # and readable


# --- mutated input -----------------------------------------------------------------------------


class Hang(BaseException):
    """A BaseException, so that no extractor's `except Exception` can swallow it."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Interrupt the block after `seconds` (the pipeline's own guard is pebble's timeout; in
    a test the extractor runs in-process, so an alarm stands in for it)."""

    def alarm(*_: object) -> None:
        raise Hang(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@cache
def two_page_pdf() -> bytes:
    """The first two pages of a corpus PDF: a real decree's structure, parsed in ~0.1 s."""
    src = pdfium.PdfDocument(str(CORPUS_PDF))
    out = pdfium.PdfDocument.new()
    out.import_pages(src, [0, 1])
    buf = io.BytesIO()
    out.save(buf)
    return buf.getvalue()


@cache
def document_xml() -> bytes:
    with zipfile.ZipFile(CORPUS_DOCX) as z:
        return z.read("word/document.xml")


def with_document_xml(xml: bytes) -> bytes:
    """The corpus DOCX with word/document.xml replaced: a sound zip with damaged content,
    which byte edits of the compressed package rarely reach (they break its CRCs first)."""
    buf = io.BytesIO()
    with (
        zipfile.ZipFile(CORPUS_DOCX) as src,
        zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for item in src.infolist():
            dst.writestr(item, xml if item.filename == "word/document.xml" else src.read(item))
    return buf.getvalue()


@st.composite
def mutated_bytes(draw: st.DrawFn, data: bytes) -> bytes:
    """`data` with a few random edits: flipped bits, deleted, inserted or duplicated spans, or
    a cut end."""
    buf = bytearray(data)
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(("flip", "delete", "insert", "truncate", "duplicate")))
        pos = draw(st.integers(0, max(len(buf) - 1, 0)))
        if op == "flip" and buf:
            buf[pos] ^= draw(st.integers(1, 255))
        elif op == "delete":
            del buf[pos : pos + draw(st.integers(1, 512))]
        elif op == "insert":
            buf[pos:pos] = draw(st.binary(min_size=1, max_size=64))
        elif op == "truncate":
            del buf[pos:]
        else:
            buf[pos:pos] = buf[pos : pos + draw(st.integers(1, 512))]
    return bytes(buf)


TEXT_ALPHABET = st.sampled_from(list("\t|\n .,-–№()«»0123456789абвгдежзиклмнопрстуфхАИРСabcp<>/"))


@st.composite
def mutated_text(draw: st.DrawFn, text: str) -> str:
    """A text dump with random edits to characters and to whole lines."""
    lines = text.splitlines() or [""]
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(("insert", "delete", "replace", "drop", "duplicate", "swap")))
        i = draw(st.integers(0, len(lines) - 1))
        line = lines[i]
        at = draw(st.integers(0, len(line)))
        if op == "insert":
            lines[i] = line[:at] + draw(st.text(TEXT_ALPHABET, min_size=1, max_size=20)) + line[at:]
        elif op == "delete":
            lines[i] = line[:at] + line[at + draw(st.integers(1, 40)) :]
        elif op == "replace":
            lines[i] = line[:at] + draw(TEXT_ALPHABET) + line[at + 1 :]
        elif op == "drop" and len(lines) > 1:
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, line)
        elif op == "swap" and i + 1 < len(lines):
            lines[i], lines[i + 1] = lines[i + 1], lines[i]
    return "\n".join(lines)


def mutated_file(kind: str) -> st.SearchStrategy[tuple[str, bytes]]:
    """(suffix, bytes) of a damaged decree of one kind."""
    if kind == "txt":
        texts = st.sampled_from(SEEDS).flatmap(lambda s: mutated_text(s.read_text("utf-8")))
        return texts.map(lambda t: (".txt", t.encode("utf-8")))
    if kind == "pdf":
        return mutated_bytes(two_page_pdf()).map(lambda b: (".pdf", b))
    package = mutated_bytes(CORPUS_DOCX.read_bytes())
    content = mutated_bytes(document_xml()).map(with_document_xml)
    return st.one_of(package, content).map(lambda b: (".docx", b))


FUZZ = settings(
    deadline=None,
    max_examples=25,
    derandomize=bool(os.environ.get("CI")),  # CI: the same examples on every run
    # no shrinking: a smaller damaged file explains little, and shrinking PDFs costs minutes
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def write(scratch: Path, case: tuple[str, bytes]) -> Path:
    suffix, data = case
    path = scratch / f"decree{suffix}"
    path.write_bytes(data)
    return path


def read_or_refuse(path: Path) -> RawDocument | None:
    """The extractor's result, or None when it refused with `ExtractError`; anything else
    (or running past PER_FILE_LIMIT) fails the test."""
    with time_limit(PER_FILE_LIMIT):
        try:
            return extractor_for(path).read(path)
        except ExtractError as exc:
            assert str(exc) and "\n" not in str(exc)
            return None


def pipeline_survives(path: Path) -> None:
    """The whole per-file stage: a record, never an exception, and rules that can judge it."""
    source = Source("fuzz", path.name, path.suffix.lstrip("."), "0" * 64)  # type: ignore[arg-type]
    with time_limit(PER_FILE_LIMIT):
        result = process_file(path, source)
    doc = result.document
    assert (doc.status == "failed") == (not result.activities)
    assert doc.error is None or "\n" not in doc.error
    check_decree(result)


# Files that fuzzing once found escaping the extractors with a foreign exception; kept as
# deterministic regressions.


def pdf_page_without_mediabox(folder: Path) -> Path:
    """A PDF whose pages lost /MediaBox (renamed in place: the xref offsets stay right)."""
    path = folder / "no-mediabox.pdf"
    path.write_bytes(two_page_pdf().replace(b"/MediaBox", b"/MediaBoz"))
    return path


def docx_with_foreign_root(folder: Path) -> Path:
    """A DOCX whose document.xml root element is not w:document."""
    xml = document_xml().replace(b"<w:document ", b"<w:documenx ", 1)
    path = folder / "foreign-root.docx"
    path.write_bytes(with_document_xml(xml.replace(b"</w:document>", b"</w:documenx>")))
    return path


@pytest.mark.parametrize(
    "build",
    [
        pdf_page_without_mediabox,
        docx_with_foreign_root,
    ],
)
def test_files_found_by_fuzzing_are_refused(build: Callable[[Path], Path], tmp_path: Path) -> None:
    read_or_refuse(build(tmp_path))


@pytest.mark.parametrize("build", [pdf_page_without_mediabox, docx_with_foreign_root])
def test_files_found_by_fuzzing_never_stop_the_pipeline(
    build: Callable[[Path], Path], tmp_path: Path
) -> None:
    pipeline_survives(build(tmp_path))


@pytest.mark.parametrize(
    "kind",
    [
        "txt",
        "pdf",
        "docx",
    ],
)
@settings(FUZZ)
@given(data=st.data())
def test_mutated_files_are_read_or_refused(kind: str, scratch: Path, data: st.DataObject) -> None:
    read_or_refuse(write(scratch, data.draw(mutated_file(kind))))


@pytest.mark.parametrize("kind", ["txt", "pdf", "docx"])
@settings(FUZZ)
@given(data=st.data())
def test_mutated_files_never_stop_the_pipeline(
    kind: str, scratch: Path, data: st.DataObject
) -> None:
    pipeline_survives(write(scratch, data.draw(mutated_file(kind))))


def test_a_textless_page_pdfium_cannot_load_is_left_to_ocr() -> None:
    """A broken page tree (a fuzzed «Kids» reference) that pdfminer reads past but PDFium
    cannot load: the page counts as drawing, so OCR is asked and refuses it in one line,
    instead of PDFium's error escaping the extractor."""
    import pypdfium2

    from plan_etl.extract.pdf import draws_on

    class Unloadable:
        def __getitem__(self, index: int) -> None:
            raise pypdfium2.PdfiumError("Failed to load page.")

    assert draws_on(Path("unused.pdf"), [1], Unloadable())  # type: ignore[arg-type]
