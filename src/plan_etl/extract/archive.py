"""Zip packages (DOCX, and ODT or a zip called .doc before LibreOffice opens it) checked
before anything unpacks them.

A 1 MB DOCX can hold a gigabyte of zeros, or of `<w:p/>`, which python-docx would read
into memory and lxml into a tree many times larger. Well-kept readers (Apache POI, for one)
refuse such a package by its sizes before parsing it; so does this: the sizes its directory
declares, the ratio of each member's unpacked to packed size, and then the sizes the
members really unpack to, counted as they stream (a member may unpack to more than it
declares; LibreOffice, unlike Python's zipfile, would read all of it).
"""

from __future__ import annotations

import copy
import zipfile
import zlib
from pathlib import Path
from typing import IO

from plan_etl.extract.base import ExtractError, one_line

MIB = 1024 * 1024
# The largest member unpacked: a decree's document.xml is a few MB (the biggest seen in the
# corpus and dev sets, styles included, is 0.4 MB); a 300-page one stays far below this.
MAX_MEMBER_BYTES = 64 * MIB
# All members together (images of a scanned decree pasted into a DOCX count here).
MAX_TOTAL_BYTES = 256 * MIB
# Unpacked to packed size of one member, past RATIO_GRACE_BYTES: Word's XML packs 5-35 to 1
# (the corpus: at most 32); a run of one repeated tag packs a thousand to one. Apache POI
# refuses past the same ratio (its minimum inflate ratio is 0.01).
MAX_RATIO = 100
RATIO_GRACE_BYTES = MIB
MAX_MEMBERS = 10_000
_CHUNK = MIB


def refused(why: str) -> ExtractError:
    return ExtractError(f"refused as a zip bomb: {why}")


def check_declared(infos: list[zipfile.ZipInfo]) -> None:
    """Refuse a package by what its directory says: too many members, a member or all of
    them too large, a member packed too tightly."""
    if len(infos) > MAX_MEMBERS:
        raise refused(f"{len(infos):,} members (at most {MAX_MEMBERS:,})")
    total = 0
    for info in infos:
        if info.file_size > MAX_MEMBER_BYTES:
            raise refused(f"{info.filename} unpacks to {info.file_size:,} bytes")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_GRACE_BYTES and ratio > MAX_RATIO:
            raise refused(f"{info.filename} unpacks {ratio:,.0f} times its packed size")
        total += info.file_size
    if total > MAX_TOTAL_BYTES:
        raise refused(f"its members unpack to {total:,} bytes together")


def unpacked_size(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> int:
    """What a member really unpacks to, counted as it streams and stopped past `limit`
    (zipfile would stop at the declared size: it is told the limit instead)."""
    size = 0
    with archive.open(replace_size(info, limit + 1)) as member:
        while chunk := member.read(_CHUNK):
            size += len(chunk)
            if size > limit:
                break
    return size


def replace_size(info: zipfile.ZipInfo, size: int) -> zipfile.ZipInfo:
    """A copy of `info` declaring `size` unpacked bytes."""
    changed = copy.copy(info)
    changed.file_size = size
    return changed


def check_actual(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> None:
    """Refuse a package whose members unpack to other sizes than declared (or past the
    limits whatever they declare)."""
    for info in infos:
        size = unpacked_size(archive, info, MAX_MEMBER_BYTES)
        if size != info.file_size:
            raise refused(
                f"{info.filename} unpacks to {'more than ' if size > MAX_MEMBER_BYTES else ''}"
                f"{size:,} bytes, not the {info.file_size:,} it declares"
            )


def check_zip(source: Path | IO[bytes]) -> None:
    """Refuse (`ExtractError`, one line) a zip package that would unpack past the limits;
    a package that is no readable zip at all is its reader's to report."""
    try:
        with zipfile.ZipFile(source) as archive:
            infos = archive.infolist()
            check_declared(infos)
            check_actual(archive, infos)
    except zipfile.BadZipFile as exc:
        raise ExtractError(f"corrupt zip package: {one_line(exc)}") from exc
    except (zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError, OSError) as exc:
        # OSError: a member's offset points before the file (a seek to a negative place)
        raise ExtractError(f"cannot unpack the zip package: {one_line(exc)}") from exc
