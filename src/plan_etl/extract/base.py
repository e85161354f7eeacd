"""One small interface that every source format implements.

An extractor reads a file into `Block`s in reading order: table rows (a tuple of cell
strings, paragraphs inside a cell separated by a newline) and paragraphs of text outside
tables. It knows its format (pages, merged cells, header flags) and nothing about plans:
finding the plan table, dropping repeated headers, joining broken rows and tracking
sections is the format-independent work of `plan_etl.assemble`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path


class ExtractError(Exception):
    """A file that cannot be read as a decree; the message is one line naming the cause."""


def one_line(exc: BaseException) -> str:
    """A library's exception as one line: the run's summary and `documents.error` are lines."""
    # str() of a KeyError is the repr of its key; its message is the key itself
    raw = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
    message = " ".join(str(raw).split())
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


# Notes of rows read by OCR that later stages read back (records.py decides a row's match
# by its doubted words): the words Tesseract scored low, space-separated after the prefix
# (an OCR word holds no space), and the note of a row whose match depends on them.
OCR_NOTE = "text read by OCR"
DOUBTED_NOTE = "words read by OCR with low confidence:"
LOW_CONFIDENCE_NOTE = "text read by OCR (low confidence)"


def doubted_note(words: list[str]) -> str:
    """The note naming a row's words read with low confidence."""
    return f"{DOUBTED_NOTE} {' '.join(words)}"


def doubted_words(notes: list[str] | tuple[str, ...]) -> set[str]:
    """The words a row's notes name as read with low confidence."""
    return {w for n in notes if n.startswith(DOUBTED_NOTE) for w in n[len(DOUBTED_NOTE) :].split()}


@dataclass(frozen=True, slots=True)
class Block:
    """A table row (`cells`) or a paragraph outside any table (`text`), in reading order."""

    cells: tuple[str, ...] | None = None
    text: str | None = None
    page: int | None = None
    header: bool = False  # the source marks the row as a (repeating) header row
    notes: tuple[str, ...] = ()  # what the extractor repaired in this row, for `warnings`

    @property
    def is_row(self) -> bool:
        return self.cells is not None


@dataclass(slots=True)
class RawDocument:
    """Everything an extractor read from one file."""

    blocks: list[Block]
    page_count: int | None = None
    warnings: list[str] = field(default_factory=list)
    # how the text was obtained: text (a text layer, XML or text file), converted (after
    # converting .doc/.rtf/.odt), ocr (page images), mixed (some pages by OCR)
    text_source: str = "text"


class Extractor(ABC):
    """Reads one format. Subclasses declare the file suffixes they accept."""

    suffixes: tuple[str, ...] = ()

    @abstractmethod
    def read(self, path: Path) -> RawDocument:
        """Read `path`; raise `ExtractError` with a one-line cause when it cannot be read."""
