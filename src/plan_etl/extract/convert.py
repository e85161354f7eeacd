"""Word-processor formats (.doc, .rtf, .odt): converted to DOCX by LibreOffice, then read by
the DOCX backend.

Writing a reader for each of these formats would mean three more table models to get right;
LibreOffice already reads all three into the same document model it writes DOCX from, so the
merged cells, header rows and paragraphs arrive as `w:gridSpan`, `w:vMerge`, `w:tblHeader` and
`w:p`, which `plan_etl.extract.docx` reads exactly. LibreOffice detects the real format from
the bytes, so a .doc that is really RTF or DOCX (as legal databases save them) converts too.

Each conversion runs `soffice --headless` with its own user profile in a temporary folder:
two LibreOffice processes sharing a profile wait for each other or fail, and worker
processes convert in parallel. Start-up dominates the cost (about a second a file here, see
bench/convert_time.py), so results are cached by the sha256 of the source bytes under
`cache_root()/converted`: a file is converted once, whatever parser change comes after. An
entry names the source it was made from and the checksum of its DOCX inside it, so an entry
swapped with another, truncated or planted is a miss, never another decree's rows.

LibreOffice is given only what its bytes show to be a document (an OLE compound file, RTF,
a zip package checked as a zip bomb would be, markup or plain text): fed garbage it can
spend its whole time limit trying import filters.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import tempfile
from contextlib import suppress
from pathlib import Path

from plan_etl.atomic import write_atomically
from plan_etl.extract.archive import check_zip
from plan_etl.extract.base import ExtractError, Extractor, RawDocument
from plan_etl.extract.docx import DocxExtractor
from plan_etl.files import MAX_SOURCE_BYTES, read_regular, why_unreadable
from plan_etl.paths import cache_root

INSTALL_HINT = "needs LibreOffice: apt-get install libreoffice-writer-nogui"
# Seconds one conversion may take. A decree converts in 1-3 s; the limit stays below ingest's
# default per-file timeout (120 s) so that a hung LibreOffice is killed here, with its whole
# process group and a message of ours, before the worker itself is killed.
CONVERT_TIMEOUT = 60.0
_EXECUTABLES = ("soffice", "libreoffice")
ENTRY_FORMAT = 1  # bump when the layout of a cache entry changes
# How documents LibreOffice reads begin: an OLE compound file (.doc of Word 97 and later),
# Word for DOS / Word 2, RTF, a zip package (ODT, or a DOCX called .doc).
_MAGIC = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\xdb\xa5", b"{\\rtf", b"PK\x03\x04")
_ZIP = b"PK\x03\x04"
# The start of a file read to tell text (HTML, XML, a plain-text dump saved as .doc) from
# garbage: no control characters but layout ones.
_TEXT_SAMPLE = 64 * 1024
_LAYOUT = frozenset("\t\n\r\f")


def converted_dir() -> Path:
    """Where converted documents are cached, outside any dataset."""
    return cache_root() / "converted"


def find_soffice() -> str:
    """The LibreOffice executable on PATH; `ExtractError` naming the package when absent."""
    for name in _EXECUTABLES:
        if found := shutil.which(name):
            return found
    raise ExtractError(INSTALL_HINT)


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    """Run LibreOffice in its own process group, so a timeout kills every process it spawned
    (the `soffice` script starts `oosplash`, which starts `soffice.bin`)."""
    with subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        start_new_session=True,
    ) as process:
        try:
            output, _ = process.communicate(timeout=CONVERT_TIMEOUT)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):  # it may have ended meanwhile
                os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise ExtractError(
                f"LibreOffice did not convert the file within {CONVERT_TIMEOUT:.0f} s"
            ) from None
    return subprocess.CompletedProcess(command, process.returncode, output)


def libreoffice_convert(source: Path, fmt: str, outdir: Path, profile: Path) -> Path:
    """Convert `source` to format `fmt` («docx», «pdf», «rtf» …) with LibreOffice headless,
    under its own user profile `profile` (so conversions can run side by side), into
    `outdir`; the path written. The one way plan-etl and its fixture generators call it."""
    result = _run(
        [
            find_soffice(),
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            fmt,
            "--outdir",
            str(outdir),
            str(source),
        ]
    )
    target = outdir / f"{source.stem}.{fmt.split(':')[0]}"
    if not target.is_file():
        lines = [line for line in result.stdout.splitlines() if line.strip()]
        cause = lines[-1].strip() if lines else f"exit code {result.returncode}"
        raise ExtractError(f"LibreOffice could not convert the file ({cause})")
    return target


def convert_to_docx(data: bytes, suffix: str, workdir: Path) -> Path:
    """Convert a document's bytes to DOCX inside `workdir`; the path of the DOCX written.

    The source is written under a fixed name, so the output's name is known whatever the
    original file was called (LibreOffice names it after the input's stem).
    """
    find_soffice()  # before writing anything: a missing LibreOffice is one clear line
    source = workdir / f"source{suffix}"
    source.write_bytes(data)
    return libreoffice_convert(source, "docx", workdir / "out", workdir / "profile")


def is_text(data: bytes) -> bool:
    """The start of `data` decodes (UTF-8, else windows-1251) to text without control
    characters: markup or a text dump, which LibreOffice imports."""
    sample = data[:_TEXT_SAMPLE]
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            text = sample.decode(encoding)
        except UnicodeDecodeError as exc:
            if encoding == "utf-8-sig" and exc.start >= len(sample) - 3:  # a character cut off
                text = sample[: exc.start].decode(encoding)
            else:
                continue
        return all(c.isprintable() or c in _LAYOUT for c in text)
    return False


def check_document_bytes(data: bytes) -> None:
    """Refuse (`ExtractError`) bytes that are no document LibreOffice reads, before starting
    it; a zip package is checked for its unpacked sizes too."""
    if data.startswith(_ZIP):
        check_zip(io.BytesIO(data))
    elif not data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(_MAGIC) and not is_text(data):
        raise ExtractError(
            "not a document: its bytes are no Word, RTF, OpenDocument, markup or text file"
        )


def entry_header(source_sha: str, docx: bytes) -> bytes:
    """The first line of a cache entry: the source it was converted from, its DOCX's hash."""
    return json.dumps(
        {"format": ENTRY_FORMAT, "source": source_sha, "sha256": hashlib.sha256(docx).hexdigest()}
    ).encode()


def cached_docx(entry: Path, source_sha: str) -> bytes | None:
    """The DOCX a cache entry holds for the source of `source_sha`, or None when there is no
    entry or it is not one for that source: not a regular file, too large, truncated, of
    another layout, or made from other bytes."""
    try:
        header, _, docx = read_regular(entry, MAX_SOURCE_BYTES, follow=False).partition(b"\n")
    except OSError:
        return None
    return docx if header == entry_header(source_sha, docx) else None


def _store(converted: Path, entry: Path, source_sha: str) -> None:
    """Copy a conversion into the cache atomically (a temporary name, then a rename), so a
    reader never sees half a file. A cache that cannot be written only costs time."""
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        docx = converted.read_bytes()
        write_atomically(entry, entry_header(source_sha, docx) + b"\n" + docx)
    except OSError:
        return


class ConvertedExtractor(Extractor):
    """Reads .doc, .rtf and .odt as the DOCX LibreOffice makes of them."""

    suffixes = (".doc", ".rtf", ".odt")

    def __init__(self) -> None:
        self._docx = DocxExtractor()

    def read(self, path: Path) -> RawDocument:
        try:
            data = read_regular(path, MAX_SOURCE_BYTES)
        except OSError as exc:
            raise ExtractError(f"cannot read file: {why_unreadable(path, exc)}") from exc
        if not data.strip():
            raise ExtractError("empty file")
        sha = hashlib.sha256(data).hexdigest()
        entry = converted_dir() / f"{sha}.entry"
        with tempfile.TemporaryDirectory(prefix="plan-etl-convert-") as workdir:
            docx = cached_docx(entry, sha)
            if docx is not None:
                cached = Path(workdir) / "cached.docx"
                cached.write_bytes(docx)
                try:
                    return self._converted(cached)
                except ExtractError:  # a DOCX that cannot be read is a miss: convert again
                    entry.unlink(missing_ok=True)
            check_document_bytes(data)
            converted = convert_to_docx(data, path.suffix.lower(), Path(workdir))
            raw = self._converted(converted)
            _store(converted, entry, sha)
        return raw

    def _converted(self, docx_path: Path) -> RawDocument:
        raw = self._docx.read(docx_path)
        raw.text_source = "converted"
        return raw
