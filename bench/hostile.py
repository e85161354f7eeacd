"""Hostile files beside good decrees: each must fail in one line, the good ones keep their
rows, the run exits 0, and the whole process tree stays under 1 GiB (issue 27).

Builds the hostile set of the issue in a temporary folder (a few MB on disk, generated: a
1 GiB zip bomb packs into 1 MB), copies the seed decrees of raw/ beside it, runs
`plan-etl ingest --no-cache --json` on it and samples the summed resident memory of the
run's whole process tree (main process, workers, LibreOffice, Tesseract) every 50 ms.

    python bench/hostile.py            # prints a table and writes bench/out/hostile.json
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from run import measure, plan_etl

ROOT = Path(__file__).resolve().parents[1]
MIB = 1024 * 1024
GIB = 1024 * MIB
LEGAL = 200_000  # paragraphs of the large DOCX that passes the zip checks
LINE = b"0 0 m 20 20 l S"  # something drawn on a page without text: OCR would read it


def make_pdf(pages: list[tuple[float, float, bytes]]) -> bytes:
    """A PDF written by hand: one page per (width pt, height pt, content stream)."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(len(pages)))
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    for i, (width, height, content) in enumerate(pages):
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width} {height}] "
            f"/Contents {4 + 2 * i} 0 R /Resources << >> >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content))
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    trailer = b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
    return bytes(out + trailer % (len(objects) + 1, xref))


def docx_streaming(path: Path, member: str, chunk: bytes, size: int, wrap: bool) -> None:
    """The seed DOCX with `member` written as `size` bytes of `chunk` repeated (inside the
    document body when `wrap`), streamed so the generator itself stays small."""
    seed = ROOT / "raw" / "irkutsk-658rp.docx"
    with zipfile.ZipFile(seed) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            if info.filename != member:
                out.writestr(info, source.read(info), zipfile.ZIP_DEFLATED)
        head, tail = b"", b""
        if wrap:
            head, _, tail = source.read(member).partition(b"<w:body>")
            head, tail = head + b"<w:body>", tail
        with out.open(member, "w", force_zip64=True) as f:
            f.write(head)
            for _ in range(size // len(chunk)):
                f.write(chunk)
            f.write(tail)


def build(folder: Path) -> dict[str, str]:
    """The hostile set in `folder`; what each file is."""
    what = {}

    def put(name: str, data: bytes, about: str) -> None:
        (folder / name).write_bytes(data)
        what[name] = about

    put("wide-200in.pdf", make_pdf([(14400, 14400, LINE)]), "one blank 200-inch page")
    put("wide-67in.pdf", make_pdf([(4824, 4824, LINE)]), "one blank 67-inch page")
    put("dots-400.pdf", make_pdf([(595, 842, b"4 w 9 9 m 10 10 l S")] * 400), "a dot a page")
    put("pages-20000.pdf", make_pdf([(10, 10, b"")] * 20_000), "20,000 empty pages")
    put("garbage.doc", random.Random(27).randbytes(MIB), "1 MB of random bytes")
    zeros = bytes(MIB)
    docx_streaming(folder / "zeros-1GiB.docx", "word/media/zeros.bin", zeros, GIB, False)
    what["zeros-1GiB.docx"] = "a member of 1 GiB of zeros"
    empty = b"<w:p/>" * 4096
    docx_streaming(folder / "paragraphs-1GiB.docx", "word/document.xml", empty, GIB, True)
    what["paragraphs-1GiB.docx"] = "a body of 1 GiB of <w:p/>"
    odt = io.BytesIO()
    with zipfile.ZipFile(odt, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        with package.open("content.xml", "w", force_zip64=True) as f:
            for _ in range(256):
                f.write(b"<text:p/>" * (MIB // 9))
    put("paragraphs.odt", odt.getvalue(), "an ODT of 256 MiB of <text:p/>")
    rng = random.Random(1)
    body = "".join(
        f"<w:p><w:r><w:t>{rng.randbytes(30).hex()}</w:t></w:r></w:p>" for _ in range(LEGAL)
    )
    docx_streaming(folder / "legal.docx", "word/document.xml", body.encode(), len(body), True)
    what["legal.docx"] = f"{len(body) / MIB:.0f} MiB of distinct paragraphs (within zip limits)"
    os.mkfifo(folder / "pipe.txt")
    what["pipe.txt"] = "a FIFO"
    (folder / "zero.txt").symlink_to("/dev/zero")
    what["zero.txt"] = "a link to /dev/zero"
    (folder / "loop.pdf").symlink_to(folder / "loop.pdf")
    what["loop.pdf"] = "a symbolic link loop"
    return what


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "hostile.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="plan-etl-hostile-") as tmp:
        raw = Path(tmp) / "raw"
        raw.mkdir()
        what = build(raw)
        for seed in sorted((ROOT / "raw").iterdir()):
            shutil.copy(seed, raw / seed.name)
        env = {**os.environ, "PLAN_ETL_CACHE_DIR": str(Path(tmp) / "cache")}
        cmd = [*plan_etl(), "ingest", str(raw), "--out", str(Path(tmp) / "out"), "--no-cache"]
        run = measure([*cmd, "--json"], env)
    summary = json.loads(run["stdout"].splitlines()[-1])
    errors = {f["file"]: f["error"] for f in summary["failures"]}
    result = {
        "exit_code": run["returncode"],
        "wall_s": run["wall_s"],
        "tree_rss_mb": run["tree_rss_mb"],
        "largest_process_mb": run["max_rss_mb"],
        "good": {"ok": summary["ok"], "rows": summary["rows"]},
        "files": {name: {"is": about, "error": errors.get(name)} for name, about in what.items()},
        "stderr_lines": len(run["stderr"].splitlines()),
        "traceback": "Traceback" in run["stderr"],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2))
    print("| file | what it is | failed with |\n|---|---|---|")
    for name, about in what.items():
        print(f"| {name} | {about} | {errors.get(name) or '(not failed)'} |")
    print(
        f"\nexit {run['returncode']}; {summary['ok']} ok, {summary['rows']} rows; "
        f"{run['wall_s']:.0f} s; whole tree peak {run['tree_rss_mb']:.0f} MB, largest process "
        f"{run['max_rss_mb']:.0f} MB; traceback: {result['traceback']}"
    )


if __name__ == "__main__":
    main()
