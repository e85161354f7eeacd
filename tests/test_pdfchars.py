"""`CharPage` must give pdfplumber's objects exactly, only faster: checked on every page of
the corpus PDFs and on a page whose MediaBox does not start at the origin."""

from __future__ import annotations

from pathlib import Path

import pdfplumber
import pytest
from conftest import DATA
from reportlab.pdfgen.canvas import Canvas

from plan_etl.extract import pdfchars
from plan_etl.extract.pdfchars import CharPage

CORPUS = sorted((DATA / "corpus").glob("*.pdf"))


@pytest.fixture
def fast_chars(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the characters built by the direct path, so an equality is not vacuous."""
    calls = [0]
    direct = CharPage._char

    def counting(self: CharPage, obj: object) -> dict:
        calls[0] += 1
        return direct(self, obj)  # type: ignore[arg-type]

    monkeypatch.setattr(CharPage, "_char", counting)
    return calls


def assert_same_objects(path: Path, **open_args: object) -> int:
    """Every page's objects through CharPage equal pdfplumber's, in the same key order;
    the number of characters compared."""
    chars = 0
    with pdfplumber.open(path, **open_args) as pdf:
        for page in pdf.pages:
            ours, theirs = CharPage.of(page).objects, page.objects
            assert ours == theirs, f"{path.name} page {page.page_number}"
            for mine, stock in zip(ours.get("char", []), theirs.get("char", []), strict=True):
                assert list(mine) == list(stock)
            chars += len(theirs.get("char", []))
    return chars


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_corpus_pages_give_pdfplumbers_objects(path: Path, fast_chars: list[int]) -> None:
    chars = assert_same_objects(path)
    assert chars > 5_000
    assert fast_chars[0] == chars  # every character took the direct path


def test_offset_mediabox(tmp_path: Path, fast_chars: list[int]) -> None:
    """pdfminer puts objects relative to the MediaBox; pdfplumber shifts them back, and so
    must the direct path."""
    path = tmp_path / "offset.pdf"
    canvas = Canvas(str(path), pagesize=(400, 300), invariant=True)
    canvas.drawString(72, 200, "Hello, offset page")
    canvas.rect(60, 150, 200, 80)
    canvas.save()
    data = path.read_bytes()
    box = b"/MediaBox [ 0 0 400 300 ]"
    assert box in data
    path.write_bytes(data.replace(box, b"/MediaBox [ 9 7 400 300 ]"))  # same length: xref holds
    with pdfplumber.open(path) as pdf:
        assert pdf.pages[0].mediabox[0] == 9
    assert assert_same_objects(path) == len("Hello, offset page")
    assert fast_chars[0] == len("Hello, offset page")


def test_what_it_does_not_know_takes_pdfplumbers_path(fast_chars: list[int]) -> None:
    """Unicode normalisation is pdfplumber's to do: those characters go the generic way and
    still come out equal."""
    assert assert_same_objects(CORPUS[0], unicode_norm="NFC") > 5_000
    assert fast_chars[0] == 0


def test_unexpected_character_attributes_take_pdfplumbers_path(
    monkeypatch: pytest.MonkeyPatch, fast_chars: list[int]
) -> None:
    """A pdfminer release that adds an attribute to characters costs speed, never values."""
    monkeypatch.setattr(pdfchars, "_CHAR_ATTRS", pdfchars._CHAR_ATTRS - {"tag"})
    assert assert_same_objects(CORPUS[0]) > 5_000
    assert fast_chars[0] == 0


def test_colour_space_names_are_decoded_once() -> None:
    assert pdfchars.colour_space("DeviceGray") == "DeviceGray"
    assert pdfchars.colour_space("DeviceGray") is pdfchars.colour_space("DeviceGray")
