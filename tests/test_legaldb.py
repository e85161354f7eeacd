"""Decrees as legal databases publish them (tests/data/legaldb): consolidated texts with notes,
repealed items, «N» for «№» and mojibake copies, end to end against the originals' gold."""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from pathlib import Path

import pytest
from conftest import DATA, gold_fields, row_fields

from plan_etl.assemble import PlanTable, assemble
from plan_etl.extract import extractor_for
from plan_etl.extract.base import ExtractError
from plan_etl.extract.text import MOJIBAKE_REPAIRED, TextExtractor, repair_mojibake
from plan_etl.models import Amendment
from plan_etl.normalize.metadata import read_metadata
from plan_etl.records import Source, build_records

D = dt.date
LEGALDB = DATA / "legaldb" / "sources"
R351 = Amendment(act_type="распоряжение", act_number="351-рп", act_date=D(2023, 11, 8))
R40 = Amendment(act_type="распоряжение", act_number="40-рп", act_date=D(2024, 2, 12))
R95 = Amendment(act_type="распоряжение", act_number="95-р", act_date=D(2024, 3, 15))
R171 = Amendment(act_type="распоряжение", act_number="171-р", act_date=D(2024, 5, 20))
R912 = Amendment(act_type="распоряжение", act_number="912-рп", act_date=D(2023, 12, 15))
R130 = Amendment(act_type="распоряжение", act_number="130-рп", act_date=D(2024, 3, 1))
P12 = Amendment(act_type="приказ", act_number="12", act_date=D(2024, 1, 15))
P45 = Amendment(act_type="приказ", act_number="45", act_date=D(2024, 3, 1))

# stem → (gold of the original, the rows' amended_by, the repealed items, consolidated_to)
EXPECTED = {
    "tyumen-consultant": (
        DATA / "dev" / "gold" / "tyumen.json",
        {
            "1.3": [R351], "2.2": [R40], "3.5": [R351], "3.6": [R40, R351], "3.7": [R351],
            "4.5": [R40], "5.1": [R40], "5.2": [R40], "5.3": [R40], "5.4": [R40],
        },
        {"3.6", "4.5"},
        [R351, R40],
    ),
    "dagestan-consultant": (
        DATA / "gold" / "004_f058a908831b0a80.json",
        {
            "1.3": [R95], "2.4": [R95], "2.5": [R95], "2.6": [R171],
            "4.1": [R95], "4.2": [R95], "4.3": [R95], "4.4": [R95],
        },
        {"2.6"},
        [R95, R171],
    ),
    "yaroslavl-consultant": (  # section III (items 16-45) is «в ред.» P12 as a whole
        DATA / "dev" / "gold" / "yaroslavl-health.json",
        {
            "12": [P12],
            **{str(n): [P12] for n in range(16, 46)},
            **{str(n): [P12, P45] for n in (18, 19, 20, 24)},
        },
        {"24"},
        [P12, P45],
    ),
    "irkutsk-garant": (  # Гарант lists only the dates of the acts a text includes
        DATA / "gold" / "002_91506e86afbc08fc.json",
        {"1.3": [R912], "2.2": [R130], "2.3": [R130], "2.4": [R130], "3.2": [R130]},
        {"3.2"},
        [Amendment(act_date=D(2023, 12, 15)), Amendment(act_date=D(2024, 3, 1))],
    ),
}  # fmt: skip
FIXTURES = sorted(p for p in LEGALDB.iterdir() if p.stem.removesuffix("-mojibake") in EXPECTED)
NOTE_WORDS = (
    "в ред.", "введены", "Утратил силу", "КонсультантПлюс", "Примечание", "<*>", "изменен",
    "Информация об изменениях", "См. ", "ГАРАНТ",
)  # fmt: skip


def _read(path: Path) -> tuple[PlanTable, list[str]]:
    return _extracted(path)


@cache
def _extracted(path: Path) -> tuple[PlanTable, list[str]]:
    """Read once per session (the PDF takes a second); the tests only look."""
    raw = extractor_for(path).read(path)
    return assemble(raw.blocks), raw.warnings


def _expected(path: Path) -> tuple[dict, dict, set[str], list[Amendment]]:
    gold_path, amended, repealed, consolidated = EXPECTED[path.stem.removesuffix("-mojibake")]
    return json.loads(gold_path.read_text()), amended, repealed, consolidated


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_rows_equal_the_originals_gold_and_notes_name_their_rows(path: Path) -> None:
    table, _ = _read(path)
    gold, amended, repealed, _ = _expected(path)
    assert [r.item_number for r in table.rows] == [g["number"] for g in gold["rows"]]
    for row, want in zip(table.rows, gold["rows"], strict=True):
        assert row.amended_by == amended.get(row.item_number, []), row.item_number
        assert row.repealed == (row.item_number in repealed), row.item_number
        if row.repealed:
            assert row.text("activity") == "Утратил силу"
            assert [row.text(r) for r in ("deadline", "responsible", "result")] == [None] * 3
        else:
            assert row_fields(row) == gold_fields(want)
    assert table.warnings == []


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_no_note_reaches_a_cell_or_a_heading(path: Path) -> None:
    table, _ = _read(path)
    for row in table.rows:
        texts = [row.subsection_title, row.section_title, *map(row.text, row.cells)]
        for text in filter(None, texts):
            if not row.repealed:
                assert not any(w in text for w in NOTE_WORDS), (row.item_number, text)


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_metadata_of_a_database_style_header(path: Path) -> None:
    table, _ = _read(path)
    gold, _, _, consolidated = _expected(path)
    meta = read_metadata(table.preamble, table.text)
    want = {k: v for k, v in gold["document"].items() if k != "template"}
    assert meta.model_dump(mode="json", exclude={"consolidated_to"}) == want
    assert meta.consolidated_to == consolidated


@pytest.mark.parametrize("path", [p for p in FIXTURES if "mojibake" in p.stem], ids=str)
def test_mojibake_copy_gives_the_clean_rows_with_a_warning(path: Path) -> None:
    clean = path.with_name(path.name.replace("-mojibake", ""))
    (broken, warnings), (fine, _) = _read(path), _read(clean)
    assert warnings == [MOJIBAKE_REPAIRED]
    assert [(row_fields(r), r.amended_by, r.repealed) for r in broken.rows] == [
        (row_fields(r), r.amended_by, r.repealed) for r in fine.rows
    ]
    assert broken.preamble == fine.preamble


def test_repealed_rows_are_no_template_item_and_keep_their_notes() -> None:
    path = LEGALDB / "tyumen-consultant.txt"
    table, _ = _read(path)
    source = Source("d1", path.name, "txt", "0" * 64)
    document, activities = build_records(table, source, None, [])
    by_number = {a.item_number: a for a in activities}
    for number in ("3.6", "4.5"):
        row = by_number[number]
        assert (row.repealed, row.catalogue_id, row.match_status) == (True, None, "unmatched")
        assert (row.activity, row.deadline_raw, row.responsible_raw) == ("Утратил силу", None, None)
    assert by_number["3.5"].amended_by == [R351] and not by_number["3.5"].repealed
    assert document.consolidated_to == [R351, R40] and document.amends == []
    assert document.act_number == "1085-рп" and document.status == "ok"


def test_clean_texts_are_left_alone() -> None:
    for path in (DATA / "seeds").glob("*.txt"):
        text = path.read_text()
        assert repair_mojibake(text) == (text, False)


@pytest.mark.parametrize("lost", ["\ufffd", "\u0098", "", "?"])
def test_the_undefined_byte_is_recovered_however_it_was_lost(lost: str) -> None:
    text = "ИНН «Иркутск» — ‘И’ №"
    broken = text.encode().decode("cp1251", "replace").replace("\ufffd", lost)
    assert repair_mojibake(broken) == (text, True)


def test_mojibake_twice_is_repaired_twice() -> None:
    text = "План мероприятий № 1 «Иркутск» — ‘И’"
    twice = text.encode().decode("cp1251", "replace").encode().decode("cp1251", "replace")
    assert repair_mojibake(twice) == (text, True)


def test_unrepairable_mojibake_fails_with_a_line_saying_why(tmp_path: Path) -> None:
    broken = (LEGALDB / "tyumen-consultant-mojibake.txt").read_text() + "\nҢ\n"
    path = tmp_path / "broken.txt"
    path.write_text(broken)
    with pytest.raises(ExtractError, match=r"mojibake\) and cannot be repaired") as err:
        TextExtractor().read(path)
    assert "\n" not in str(err.value)


def test_an_html_page_whose_text_went_through_mojibake_is_repaired(tmp_path: Path) -> None:
    """A portal page whose text was once UTF-8 read as windows-1251 and saved so («РџР»Р°РЅ»
    for «План»; the one byte windows-1251 lacks is lost as «?»): repaired like a text dump."""
    clean = LEGALDB / "tyumen-consultant.html"
    page = clean.read_bytes().decode("cp1251")
    mojibake = page.encode("utf-8").decode("cp1251", errors="replace")
    broken = tmp_path / "tyumen-portal.html"
    broken.write_bytes(mojibake.encode("cp1251", errors="replace"))
    (fixed, warnings), (fine, _) = _read(broken), _read(clean)
    assert warnings == [MOJIBAKE_REPAIRED]
    assert [row_fields(r) for r in fixed.rows] == [row_fields(r) for r in fine.rows]
    assert fixed.preamble == fine.preamble
