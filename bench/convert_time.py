"""The time converting a .doc/.rtf/.odt adds to reading a decree, cold and cached.

    python bench/convert_time.py [--repeats 3]

For every converted fixture in tests/data/formats (two seed decrees as .doc, .rtf and .odt)
it times, in this process:

  docx    reading the DOCX of the same decree (tests/data/corpus), the baseline;
  cold    reading the file with an empty conversion cache: LibreOffice converts it, the
          DOCX backend reads the result, the result is cached;
  cached  reading it again: the cached DOCX is read, LibreOffice is not started;
  startup converting a one-line RTF, i.e. what starting LibreOffice costs on its own (what
          a kept listener such as unoserver could save on a cold conversion).

It prints the median of each over files and repeats, and the added time per file (cold −
docx, cached − docx). The result cache of `plan-etl ingest` is not involved: these are the
costs of a file that has to be parsed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from plan_etl.extract.convert import ConvertedExtractor  # noqa: E402
from plan_etl.extract.docx import DocxExtractor  # noqa: E402
from plan_etl.paths import CACHE_ENV  # noqa: E402

FORMATS = ROOT / "tests" / "data" / "formats"
CORPUS = ROOT / "tests" / "data" / "corpus"
TINY_RTF = rb"{\rtf1\ansi\deff0 {\fonttbl {\f0 Times New Roman;}}\f0 plan\par}"


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def measure(repeats: int) -> dict[str, list[float]]:
    """Seconds per file read, by kind, over every converted fixture and repeat."""
    files = sorted(p for p in FORMATS.iterdir() if p.suffix in ConvertedExtractor.suffixes)
    times: dict[str, list[float]] = {"docx": [], "cold": [], "cached": [], "startup": []}
    docx, converted = DocxExtractor(), ConvertedExtractor()
    for _ in range(repeats):
        for path in files:
            with tempfile.TemporaryDirectory() as cache:
                os.environ[CACHE_ENV] = cache
                original = CORPUS / f"{path.stem}.docx"
                times["docx"].append(timed(lambda o=original: docx.read(o)))
                times["cold"].append(timed(lambda p=path: converted.read(p)))
                times["cached"].append(timed(lambda p=path: converted.read(p)))
        with tempfile.TemporaryDirectory() as scratch:
            os.environ[CACHE_ENV] = scratch
            tiny = Path(scratch) / "tiny.rtf"
            tiny.write_bytes(TINY_RTF)
            times["startup"].append(timed(lambda t=tiny: converted.read(t)))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    times = measure(args.repeats)
    median = {kind: statistics.median(values) for kind, values in times.items()}
    files = len(times["cold"])
    print(f"{files} conversions ({files // args.repeats} files × {args.repeats}), median s:")
    for kind in ("docx", "cold", "cached", "startup"):
        print(f"  {kind:8} {median[kind]:7.3f}")
    print(f"added per file: cold {median['cold'] - median['docx']:+.3f} s, ", end="")
    print(f"cached {median['cached'] - median['docx']:+.3f} s")


if __name__ == "__main__":
    main()
