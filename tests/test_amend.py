"""Amending decrees: the changes read from their text, and the plan in force.

The chain: the Tyumen plan (распоряжение 09.10.2023 № 1085-рп, a development decree) and
three amending decrees of it written in the genre's conventions by
tests/fixtures/make_amend_fixtures.py — 150-рп as DOCX, 480-рп as a text dump, 610-рп as a
PDF LibreOffice printed — plus 700-рп, which restates the whole appendix.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest
from browser import check, chromium

import plan_etl
from plan_etl.amend.apply import as_logical_row
from plan_etl.amend.read import OWN_TEXT, expand, read_amending
from plan_etl.extract import extractor_for
from plan_etl.extract.base import Block
from plan_etl.extract.text import parse_text
from plan_etl.match import match_document
from plan_etl.pipeline import RunSummary, ingest
from plan_etl.validate import validate

DATA = Path(__file__).parent / "data"
PLAN = DATA / "dev" / "sources" / "tyumen.txt"
AMEND = DATA / "amend"
CHAIN = ("amend-150rp.docx", "amend-480rp.txt", "amend-610rp.pdf")
CELLS = ("activity", "deadline_raw", "responsible_raw", "result_document")

HEAD = """ПРАВИТЕЛЬСТВО КУРСКОЙ ОБЛАСТИ

ПОСТАНОВЛЕНИЕ

от 15 марта 2024 г. № 120-пп

О внесении изменений в постановление Правительства Курской области от 29.09.2023 № 1060-пп

Правительство Курской области ПОСТАНОВЛЯЕТ:

1. Внести в план мероприятий («дорожную карту») по внедрению стандартов клиентоцентричности \
в Курской области, утвержденный постановлением Правительства Курской области от 29.09.2023 \
№ 1060-пп, следующие изменения:

"""
TAIL = """

2. Настоящее постановление вступает в силу со дня его официального опубликования.

Губернатор Курской области А.Н. Иванов
"""


def changes_of(body: str) -> list[tuple[str, str, str | None, str | None, str | None]]:
    """(item, action, field, old words, new words) of each change of a decree's body."""
    reading = read_amending(parse_text(HEAD + body + TAIL))
    return [(c.item_number, c.action, c.column, c.old_text, c.new_text) for c in reading.changes]


# --- reading the text ------------------------------------------------------------------------


def test_the_four_actions_with_their_items_and_fields() -> None:
    body = """1) пункт 2.3 изложить в следующей редакции:
«2.3.\tУтвержден образ целевого состояния\t30.06.2024\tМинцифры\tПротокол»;

2) дополнить пунктом 3.9 следующего содержания:
«3.9.\tПроведено обучение\tIV квартал 2024 года\tАдминистрация\tОтчет»;

3) пункт 4.2 признать утратившим силу;

4) в графе «Срок» пункта 1.4 слова «до 01.03.2024» заменить словами «до 01.06.2024»."""
    reading = read_amending(parse_text(HEAD + body + TAIL))
    assert [(c.item_number, c.action, c.column) for c in reading.changes] == [
        ("2.3", "replace", None),
        ("3.9", "add", None),
        ("4.2", "repeal", None),
        ("1.4", "edit", "deadline_raw"),
    ]
    replace, add, _, edit = reading.changes
    assert replace.cells == {
        "activity": "Утвержден образ целевого состояния",
        "deadline": "30.06.2024",
        "responsible": "Минцифры",
        "result": "Протокол",
    }
    assert add.after_item == "3.8"  # the numbering implies it
    assert (edit.old_text, edit.new_text) == ("до 01.03.2024", "до 01.06.2024")
    target = replace.target
    assert target is not None
    assert (target.act_number, target.act_date) == ("1060-пп", dt.date(2023, 9, 29))
    assert not reading.restates_plan and not reading.warnings


def test_a_cell_restated_is_an_edit_of_that_cell_and_the_unread_is_reported() -> None:
    body = """1) в пункте 1.4 графу «Срок» изложить в следующей редакции: «до 1 июня 2024 г.»;
2) пункт 2.3 дополнить словами «и опубликовать»;
3) раздел 4 изложить в следующей редакции:
«4.1.\tНовый пункт\t2025 год\tДИТО\tОтчет»;
4) в графе 3 пункта 2.5 слова «2023» заменить словами «2024»."""
    reading = read_amending(parse_text(HEAD + body + TAIL))
    assert [
        (c.item_number, c.action, c.column, c.old_text, c.new_text) for c in reading.changes
    ] == [
        ("1.4", "edit", "deadline_raw", None, "до 1 июня 2024 г."),
        ("2.5", "edit", None, "2023", "2024"),  # a column by number: the item's cells
    ]
    warnings = " | ".join(reading.warnings)
    assert "instruction not understood: «пункт 2.3 дополнить словами «и опубликовать»»" in warnings
    assert "no item named in «раздел 4 изложить" in warnings
    assert "1 row(s) follow no replace/add instruction" in warnings


def test_ranges_and_lists_of_items() -> None:
    assert expand("3.5–3.7")[0] == ["3.5", "3.6", "3.7"]
    assert expand("с 3.5 по 3.7")[0] == ["3.5", "3.6", "3.7"]
    assert expand("1.4, 2.5 и 2.7")[0] == ["1.4", "2.5", "2.7"]
    assert expand("9–11")[0] == ["9", "10", "11"]
    numbers, warnings = expand("3.5–4.2")  # across sections: not guessed
    assert numbers == ["3.5", "4.2"] and warnings
    assert changes_of("1) пункты 3.5–3.7 признать утратившими силу.") == [
        (n, "repeal", None, None, None) for n in ("3.5", "3.6", "3.7")
    ]


def test_several_changes_in_one_sentence() -> None:
    body = (
        "1) пункт 1.5 признать утратившим силу, пункт 3.8 исключить, в графе «Ответственный "
        "исполнитель» пункта 6.4 слова «Депфин; ЦБО» заменить словами «ЦБО», слова «ЦБО» "
        "заменить словами «Центр»."
    )
    assert changes_of(body) == [
        ("1.5", "repeal", None, None, None),
        ("3.8", "repeal", None, None, None),
        ("6.4", "edit", "responsible_raw", "Депфин; ЦБО", "ЦБО"),
        ("6.4", "edit", "responsible_raw", "ЦБО", "Центр"),
    ]


def test_an_item_context_carries_to_its_sub_points() -> None:
    body = """1) в пункте 1.2:
а) в графе «Ответственный исполнитель» слова «Рабочая группа» заменить словами «Проектный офис»;
б) слова «и утвердить ее состав» исключить;
2) в пунктах 2.1 и 2.2 слова «2023» заменить словами «2024»."""
    assert changes_of(body) == [
        ("1.2", "edit", "responsible_raw", "Рабочая группа", "Проектный офис"),
        ("1.2", "edit", None, "и утвердить ее состав", ""),
        ("2.1", "edit", None, "2023", "2024"),
        ("2.2", "edit", None, "2023", "2024"),
    ]


def test_a_change_of_the_decrees_own_text_is_no_plan_change() -> None:
    text = HEAD.replace(
        "1. Внести в план мероприятий («дорожную карту») по внедрению стандартов "
        "клиентоцентричности в Курской области, утвержденный",
        "1. Внести в",
    )
    body = """1) пункт 3 изложить в следующей редакции:
«3. Контроль за исполнением постановления оставляю за собой.»;
2) в приложении к постановлению пункт 2.4 признать утратившим силу."""
    reading = read_amending(parse_text(text + body + TAIL))
    assert [(c.item_number, c.action) for c in reading.changes] == [("2.4", "repeal")]
    assert any(OWN_TEXT in w for w in reading.warnings)


def test_new_wording_cells_are_found_by_what_they_hold() -> None:
    """A plan with the responsible before the deadline: the cell that reads as a deadline is
    the deadline wherever it stands; a wording without cells is said to be one."""
    body = """1) пункт 2.3 изложить в следующей редакции:
«2.3.\tУтвержден образ целевого состояния\tМинцифры\tI квартал 2025 года\tПротокол»;
2) пункт 2.4 изложить в следующей редакции: «2.4. Утверждены проекты планов»."""
    reading = read_amending(parse_text(HEAD + body + TAIL))
    first, second = reading.changes
    assert first.cells == {
        "activity": "Утвержден образ целевого состояния",
        "deadline": "I квартал 2025 года",
        "responsible": "Минцифры",
        "result": "Протокол",
    }
    assert second.cells == {"activity": "Утверждены проекты планов"}
    assert any("no deadline" in w for w in second.warnings)


def test_plans_and_whole_appendix_restatements_give_no_item_changes() -> None:
    plan = read_amending(extractor_for(PLAN).read(PLAN).blocks)
    assert not plan.changes and not plan.restates_plan
    path = AMEND / "restated-700rp.txt"
    restated = read_amending(extractor_for(path).read(path).blocks)
    assert restated.restates_plan and not restated.changes


def test_an_unnumbered_appendix_restatement_is_read_as_one() -> None:
    body = "Приложение к постановлению изложить в новой редакции согласно приложению."
    assert read_amending(parse_text(HEAD + body + TAIL)).restates_plan


def test_an_instruction_without_its_wording_says_so() -> None:
    reading = read_amending(
        [Block(text=t) for t in HEAD.split("\n\n")]
        + [Block(text="1) дополнить пунктом 3.9 следующего содержания:")]
    )
    [change] = reading.changes
    assert change.cells is None and change.warnings


EXPECTED_CHANGES = {
    "amend-150rp.docx": [
        ("2.3", "replace", None, None, None, None),
        ("3.16", "add", "3.15", None, None, None),
        ("4.3", "repeal", None, None, None, None),
        ("4.4", "repeal", None, None, None, None),
        ("4.5", "repeal", None, None, None, None),
        ("1.4", "edit", None, "deadline_raw", "I квартал 2024 года", "II квартал 2024 года"),
    ],
    "amend-480rp.txt": [
        ("2.3", "edit", None, None, "29.03.2024", "30.06.2024"),
        ("6.2.1", "add", "6.2", None, None, None),
        ("1.5", "repeal", None, None, None, None),
        ("3.8", "repeal", None, None, None, None),
        ("6.4", "edit", None, "responsible_raw", "Депфин; ЦБО", "ЦБО"),
        ("6.7", "edit", None, "deadline_raw", None, "январь 2025 года"),
    ],
    "amend-610rp.pdf": [
        ("5.3", "replace", None, None, None, None),
        ("5.5", "add", "5.4", None, None, None),
        ("5.4", "edit", None, None, "кадровых служб", "кадровых подразделений"),
        ("9.9", "repeal", None, None, None, None),
        ("6.2", "edit", None, "deadline_raw", "апрель 2024 года", "май 2024 года"),
    ],
}


@pytest.mark.parametrize("name", CHAIN)
def test_every_change_of_each_format_is_read(name: str) -> None:
    path = AMEND / name
    reading = read_amending(extractor_for(path).read(path).blocks)
    got = [
        (c.item_number, c.action, c.after_item, c.column, c.old_text, c.new_text)
        for c in reading.changes
    ]
    assert got == EXPECTED_CHANGES[name]
    for change in reading.changes:
        target = change.target
        assert target is not None and target.act_number == "1085-рп"
        if change.action in ("replace", "add"):
            assert change.cells and set(change.cells) == {
                "activity",
                "deadline",
                "responsible",
                "result",
            }
            assert not change.warnings


# --- the plan in force --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, RunSummary]:
    """The plan and its three amending decrees, ingested once."""
    raw = tmp_path_factory.mktemp("amend-raw")
    shutil.copy(PLAN, raw / PLAN.name)
    for name in CHAIN:
        shutil.copy(AMEND / name, raw / name)
    out = tmp_path_factory.mktemp("amend-out")
    summary = ingest(raw, out, jobs=2, use_cache=False)
    return out, summary


def _rows(path: Path) -> list[dict[str, Any]]:
    return pq.read_table(path).to_pylist()


def _apply_by_hand(base: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The plan in force written out independently of the code: the four cells of every
    row, after 150-рп, 480-рп and 610-рп, from the decrees' own words."""
    rows = {r["item_number"]: {c: r[c] for c in CELLS} for r in base}
    order = [r["item_number"] for r in base]
    repealed = dict.fromkeys(CELLS) | {"activity": "Утратил силу"}
    # 150-рп
    rows["2.3"] = {
        "activity": "Утвердить описание целевого состояния жизненных ситуаций на заседании "
        "рабочей группы",
        "deadline_raw": "29.03.2024",
        "responsible_raw": "ДИТО; ОИВ – владельцы жизненных ситуаций",
        "result_document": "Протокол заседания рабочей группы",
    }
    rows["3.16"] = {
        "activity": "Организовать обучение ответственных за внедрение клиентоцентричности в ОИВ",
        "deadline_raw": "IV квартал 2024 года",
        "responsible_raw": "ДИТО",
        "result_document": "Отчет об обучении",
    }
    order.insert(order.index("3.15") + 1, "3.16")
    for number in ("4.3", "4.4", "4.5"):
        rows[number] = dict(repealed)
    rows["1.4"]["deadline_raw"] = "II квартал 2024 года"
    # 480-рп
    rows["2.3"]["deadline_raw"] = "30.06.2024"
    rows["6.2.1"] = {
        "activity": "Провести анкетирование внутренних клиентов ЦБО",
        "deadline_raw": "июнь 2024 года",
        "responsible_raw": "ЦБО",
        "result_document": "Отчет об анкетировании",
    }
    order.insert(order.index("6.2") + 1, "6.2.1")
    rows["1.5"], rows["3.8"] = dict(repealed), dict(repealed)
    rows["6.4"]["responsible_raw"] = "ЦБО"
    rows["6.7"]["deadline_raw"] = "январь 2025 года"
    # 610-рп (9.9 and the 6.2 edit cannot be applied)
    rows["5.3"] = {
        "activity": "Организовать самооценку профессиональных и личностных качеств сотрудников "
        "кадровых служб ОИВ",
        "deadline_raw": "III квартал 2024 года",
        "responsible_raw": "Управление кадров; ОИВ",
        "result_document": "Сводный отчет о самооценке",
    }
    rows["5.5"] = {
        "activity": "Провести семинар для сотрудников кадровых служб ОИВ по стандартам "
        "клиентоцентричности",
        "deadline_raw": "до 1 декабря 2024 г.",
        "responsible_raw": "Управление кадров",
        "result_document": "Материалы семинара",
    }
    order.insert(order.index("5.4") + 1, "5.5")
    rows["5.4"]["activity"] = rows["5.4"]["activity"].replace(
        "кадровых служб", "кадровых подразделений"
    )
    return [{"item_number": n, **rows[n]} for n in order]


def test_plan_in_force_is_the_plan_with_the_changes_applied(chain: tuple[Path, Any]) -> None:
    out, _ = chain
    docs = {d["source_file"]: d for d in _rows(out / "documents.parquet")}
    plan_id = docs[PLAN.name]["doc_id"]
    base = [r for r in _rows(out / "activities.parquet") if r["doc_id"] == plan_id]
    in_force = _rows(out / "in_force.parquet")
    got = [{"item_number": r["item_number"], **{c: r[c] for c in CELLS}} for r in in_force]
    assert got == _apply_by_hand(base)
    assert [r["row_index"] for r in in_force] == list(range(len(in_force)))
    assert {r["base_doc_id"] for r in in_force} == {plan_id}


def test_nothing_is_changed_that_the_text_does_not_say(chain: tuple[Path, Any]) -> None:
    out, _ = chain
    named = {item for changes in EXPECTED_CHANGES.values() for item, *_ in changes}
    base = {r["item_number"]: r for r in _rows(out / "activities.parquet")}
    for row in _rows(out / "in_force.parquet"):
        if row["item_number"] in {"9.9", "6.2"} or row["item_number"] not in named:
            original = dict(base[row["item_number"]], row_index=None)  # rows were inserted
            mine = {
                k: v for k, v in row.items() if k not in ("base_doc_id", "changed_by", "change")
            } | {"row_index": None}
            assert mine == original, row["item_number"]
            assert row["changed_by"] == [] and row["change"] is None


def test_changed_rows_say_what_changed_them(chain: tuple[Path, Any]) -> None:
    out, _ = chain
    docs = {d["source_file"]: d for d in _rows(out / "documents.parquet")}
    ids = {name: docs[name]["doc_id"] for name in CHAIN}
    rows = {r["item_number"]: r for r in _rows(out / "in_force.parquet")}
    assert rows["2.3"]["changed_by"] == [ids["amend-150rp.docx"], ids["amend-480rp.txt"]]
    assert rows["2.3"]["change"] == "replace"  # then edited: the replace is what it is
    assert [a["act_number"] for a in rows["2.3"]["amended_by"]] == ["150-рп", "480-рп"]
    assert rows["2.3"]["deadline_date"] == dt.date(2024, 6, 30)
    assert rows["1.4"]["change"] == "edit" and rows["1.4"]["deadline_precision"] == "quarter"
    assert rows["6.4"]["responsible"] == ["ЦБО"]
    assert rows["3.16"]["change"] == "add" and rows["3.16"]["section_number"] == "3"
    assert rows["6.2.1"]["section_title"] == rows["6.2"]["section_title"]
    repealed = rows["4.4"]
    assert repealed["repealed"] and repealed["change"] is None
    assert repealed["catalogue_id"] is None and repealed["responsible"] == []
    # rows given new words (replaced, added, an activity edited) are matched as any rows: as
    # rows of the whole plan in force, whose headings, order and other items are the evidence
    reworded = {r["item_number"] for r in rows.values() if r["change"] in ("replace", "add")}
    reworded.add("5.4")
    standing = sorted((r for r in rows.values() if not r["repealed"]), key=lambda r: r["row_index"])
    logical = [as_logical_row(r) for r in standing]
    found = match_document(logical, repealed["issuer"], repealed["act_type"]).results
    got = [(r["catalogue_id"], r["match_status"]) for r in standing if r["item_number"] in reworded]
    want = [
        (m.catalogue_id, m.status)
        for r, m in zip(standing, found, strict=True)
        if r["item_number"] in reworded
    ]
    assert got == want and len(got) == len(reworded)


def test_amendments_table(chain: tuple[Path, Any]) -> None:
    out, _ = chain
    docs = {d["source_file"]: d for d in _rows(out / "documents.parquet")}
    plan_id = docs[PLAN.name]["doc_id"]
    table = _rows(out / "amendments.parquet")
    assert len(table) == sum(len(v) for v in EXPECTED_CHANGES.values())
    assert {r["target_doc_id"] for r in table} == {plan_id}
    for name in CHAIN:
        doc = docs[name]
        assert (doc["status"], doc["row_count"]) == ("ok", 0)
        assert [a["act_number"] for a in doc["amends"]] == ["1085-рп"]
        mine = [r for r in table if r["doc_id"] == doc["doc_id"]]
        assert [r["change_index"] for r in mine] == list(range(len(mine)))
        assert [(r["item_number"], r["action"]) for r in mine] == [
            (c[0], c[1]) for c in EXPECTED_CHANGES[name]
        ]
    added = next(r for r in table if r["item_number"] == "3.16")
    assert added["row"]["deadline_date"] == dt.date(2024, 12, 31)
    assert added["row"]["match_status"] in ("matched", "review", "unmatched")
    assert all(r["row"] is None for r in table if r["action"] in ("edit", "repeal"))


def test_changes_that_cannot_be_applied_are_reported_never_guessed(
    chain: tuple[Path, Any],
) -> None:
    _, summary = chain
    problems = {(p.source_file, p.item_number): p.message for p in summary.not_applied}
    assert set(problems) == {("amend-610rp.pdf", "9.9"), ("amend-610rp.pdf", "6.2")}
    assert "not in the plan" in problems[("amend-610rp.pdf", "9.9")]
    assert "«апрель 2024 года» are not in deadline_raw" in problems[("amend-610rp.pdf", "6.2")]


def test_validate_names_the_change_not_applied(chain: tuple[Path, Any], tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(AMEND / "amend-610rp.pdf", raw)
    shutil.copy(PLAN, raw)
    report = validate(raw, None, jobs=1)
    found = [(f.file, f.item_number) for f in report.findings if f.rule == "amendment-not-applied"]
    assert found == [("amend-610rp.pdf", "9.9"), ("amend-610rp.pdf", "6.2")]
    assert not [f for f in report.findings if f.rule == "plan-table"]
    assert report.exit_code == 0  # a warning: nothing wrong was published


def test_a_restated_appendix_replaces_the_plan_and_earlier_changes(tmp_path: Path) -> None:
    """700-рп restates the appendix after 480-рп changed items: the plan in force is the
    restated one, as printed, with the original as its base."""
    raw = tmp_path / "raw"
    raw.mkdir()
    for path in (PLAN, AMEND / "amend-480rp.txt", AMEND / "restated-700rp.txt"):
        shutil.copy(path, raw)
    ingest(raw, tmp_path / "out", jobs=1, use_cache=False)
    docs = {d["source_file"]: d for d in _rows(tmp_path / "out" / "documents.parquet")}
    restated = docs["restated-700rp.txt"]
    assert restated["row_count"] == 4 and [a["act_number"] for a in restated["amends"]] == [
        "1085-рп"
    ]
    in_force = _rows(tmp_path / "out" / "in_force.parquet")
    assert [r["item_number"] for r in in_force] == ["1.1", "1.2", "2.1", "2.2"]
    assert {r["doc_id"] for r in in_force} == {restated["doc_id"]}
    assert {r["base_doc_id"] for r in in_force} == {docs["tyumen.txt"]["doc_id"]}
    assert all(r["changed_by"] == [] for r in in_force)


def test_a_restated_plan_passes_as_columns_exactly_as_the_rows_path_builds_it(
    tmp_path: Path,
) -> None:
    """A chain whose later decree only restates the whole plan is built from Arrow columns
    (no Python rows): the same table, to the value, as the rows path that applies changes
    gives it; the restatement is written first, yet the chain's rows stand once, as the plan's."""
    from plan_etl.amend import apply
    from plan_etl.models import Document, InForceActivity
    from plan_etl.write import to_table

    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(AMEND / "restated-700rp.txt", raw / "a-restated.txt")  # written first
    shutil.copy(PLAN, raw / "b-plan.txt")
    ingest(raw, tmp_path / "out", jobs=1, use_cache=False)
    activities = tmp_path / "out" / "activities.parquet"
    documents = [Document(**d) for d in _rows(tmp_path / "out" / "documents.parquet")]
    chain = apply._Chains.of(documents, [])
    [members] = [m for m in chain.groups.values() if len(m) > 1]
    ids = {d.doc_id for d in members}
    tables = apply._plan_tables(activities, ids)
    rows = {doc_id: table.to_pylist() for doc_id, table in tables.items()}
    by_rows = apply._apply_chain(members, chain, rows, None)  # type: ignore[arg-type]
    by_columns = apply._last_restated(members, tables)
    assert by_columns is not None and by_columns.equals(to_table(by_rows, InForceActivity))
    in_force = pq.read_table(tmp_path / "out" / "in_force.parquet")
    plan = next(d for d in members if d.source_file == "b-plan.txt")
    assert in_force.equals(by_columns)  # the one chain: the restated rows, based on the plan
    assert set(in_force.column("base_doc_id").to_pylist()) == {plan.doc_id}


def test_restated_plans_are_held_without_the_row_groups_they_stood_in(tmp_path: Path) -> None:
    """The Arrow path holds the restated plans' rows, copied out, not the row groups they
    were read from (a slice would keep its whole row group alive)."""
    import pyarrow as pa

    from plan_etl.amend import apply

    path = tmp_path / "activities.parquet"
    ids = ["a"] * 5 + ["b"] * 20_000 + ["c"] * 3
    pq.write_table(
        pa.table({"doc_id": ids, "text": [f"row {i}" * 8 for i in range(len(ids))]}), path
    )
    tables = apply._plan_tables(path, {"a", "c"})
    assert {k: t.num_rows for k, t in tables.items()} == {"a": 5, "c": 3}
    assert tables["c"].column("text").to_pylist()[0] == f"row {len(ids) - 3}" * 8
    whole = pq.read_table(path).get_total_buffer_size()
    assert sum(t.get_total_buffer_size() for t in tables.values()) < whole / 100


def test_a_plan_no_one_amends_is_in_force_as_it_is(seed_dataset: Path) -> None:
    acts = pq.read_table(seed_dataset / "activities.parquet")
    in_force = pq.read_table(seed_dataset / "in_force.parquet")
    assert in_force.select(acts.column_names).equals(acts)
    assert in_force.column("base_doc_id").to_pylist() == acts.column("doc_id").to_pylist()
    assert pq.read_table(seed_dataset / "amendments.parquet").num_rows == 0


def test_load_exposes_amendments_and_the_plan_in_force(chain: tuple[Path, Any]) -> None:
    out, _ = chain
    ds = plan_etl.load(out)
    acts, docs, cat = ds  # the three first tables unpack as before
    assert (len(acts), len(docs), len(cat)) == (43, 4, 110)
    assert len(ds.in_force) == 46 and len(ds.amendments) == 17
    assert ds.in_force.deadline_date.dtype == ds.activities.deadline_date.dtype
    assert isinstance(ds.in_force.base_doc_id.dtype, pd.CategoricalDtype)
    assert list(ds.amendments.action.cat.categories) == ["replace", "add", "repeal", "edit"]
    polars = plan_etl.load(out, engine="polars")
    assert polars.in_force.height == 46 and polars.amendments.height == 17


def test_cached_amending_decrees_keep_their_changes(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(PLAN, raw)
    shutil.copy(AMEND / "amend-480rp.txt", raw)
    ingest(raw, tmp_path / "a", jobs=1, cache_dir=tmp_path / "cache")
    second = ingest(raw, tmp_path / "b", jobs=1, cache_dir=tmp_path / "cache")
    assert second.cached == 2
    for name in ("amendments", "in_force"):
        a = pq.read_table(tmp_path / "a" / f"{name}.parquet")
        assert a.num_rows and a.equals(pq.read_table(tmp_path / "b" / f"{name}.parquet"))


def test_a_legal_database_page_is_read_and_applied(tmp_path: Path) -> None:
    """HTML as a legal database publishes it: «N» for «№», the new row as an HTML table."""
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(PLAN, raw)
    shutil.copy(AMEND / "amend-655rp.html", raw)
    summary = ingest(raw, tmp_path / "out", jobs=1, use_cache=False)
    assert not summary.not_applied
    table = _rows(tmp_path / "out" / "amendments.parquet")
    assert [(r["item_number"], r["action"], r["field"]) for r in table] == [
        ("6.5", "replace", None),
        ("6.6", "repeal", None),
        ("6.7", "repeal", None),
        ("6.3", "edit", "result_document"),
    ]
    rows = {r["item_number"]: r for r in _rows(tmp_path / "out" / "in_force.parquet")}
    assert rows["6.5"]["responsible_raw"] == "Депфин; ЦБО"
    assert rows["6.5"]["responsible"] == ["Депфин", "ЦБО"]
    assert rows["6.5"]["deadline_date"] == dt.date(2024, 12, 31)
    assert rows["6.6"]["repealed"] and rows["6.7"]["repealed"]
    assert rows["6.3"]["result_document"] == "Сводный отчет об оценке удовлетворенности"


def test_the_report_shows_the_plan_in_force_with_changes_and_acts(
    chain: tuple[Path, Any],
) -> None:
    from plan_etl.report import render_report, unpack

    out, _ = chain
    html = render_report(plan_etl.load(out), "raw/")
    assert 'id="in-force"' in html and "Планы в действующей редакции" in html
    blob = html.split('id="report-parts" type="application/octet-stream">', 1)[1].split("<", 1)[0]
    part = unpack(blob)["f0"]
    assert part.count('class="changed') == 14  # 2 replaced, 3 added, 4 edited, 5 repealed
    assert part.count('class="changed repealed"') == 5
    assert "изложен в новой редакции" in part and "добавлен" in part
    assert 'href="raw/amend-150rp.docx"' in part and "№ 150-рп от 15.02.2024" in part
    decree = unpack(blob)["d0"]  # the section of 150-рп lists what it changes
    assert "Изменения, которые документ вносит в план" in decree
    assert "deadline_raw: «I квартал 2024 года» → «II квартал 2024 года»" in decree


def test_the_analysts_page_asks_what_a_region_plans_now_in_three_engines() -> None:
    import ast
    import re

    page = (Path(__file__).resolve().parents[1] / "docs" / "analysts.md").read_text()
    section = page.split("## What does region X plan now", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    pandas, sql, polars = blocks
    assert "in_force" in pandas and "in_force.parquet" in sql and "pforce" in polars
    for code in (pandas.splitlines()[-1], sql, polars):
        assert len(ast.parse(code).body) == 1 and not re.search(r"\b(join|merge)\b", code)


def test_a_consolidated_text_takes_its_place_after_the_acts_it_includes(tmp_path: Path) -> None:
    """The legal database's text of the plan (consolidated to 40-рп of 12.02.2024) is the
    plan as of that act: 480-рп (20.05.2024) is applied to it, not to the original."""
    raw = tmp_path / "raw"
    raw.mkdir()
    for path in (PLAN, DATA / "legaldb" / "sources" / "tyumen-consultant.txt"):
        shutil.copy(path, raw)
    shutil.copy(AMEND / "amend-480rp.txt", raw)
    summary = ingest(raw, tmp_path / "out", jobs=1, use_cache=False)
    docs = {d["source_file"]: d for d in _rows(tmp_path / "out" / "documents.parquet")}
    in_force = _rows(tmp_path / "out" / "in_force.parquet")
    assert {r["doc_id"] for r in in_force} == {docs["tyumen-consultant.txt"]["doc_id"]}
    assert {r["base_doc_id"] for r in in_force} == {docs["tyumen.txt"]["doc_id"]}
    table = _rows(tmp_path / "out" / "amendments.parquet")
    assert {r["target_doc_id"] for r in table} == {docs["tyumen.txt"]["doc_id"]}
    rows = {r["item_number"]: r for r in in_force}
    assert rows["3.6"]["repealed"] and rows["3.6"]["changed_by"] == []  # by the database's text
    assert rows["1.5"]["repealed"] and rows["6.2.1"]["change"] == "add"
    # 2.3's deadline «29.03.2024» came from 150-рп, which is not in this dataset
    assert [p.item_number for p in summary.not_applied] == ["2.3"]


def test_an_amendment_of_the_decrees_own_text_alone_fails_saying_why(tmp_path: Path) -> None:
    from plan_etl.pipeline import identify, process_file

    text = HEAD.replace(
        "1. Внести в план мероприятий («дорожную карту») по внедрению стандартов "
        "клиентоцентричности в Курской области, утвержденный",
        "1. Внести в",
    )
    path = tmp_path / "own.txt"
    body = "пункт 4 изложить в следующей редакции: «4. Контроль оставляю за собой.»."
    path.write_text(text + body + TAIL, encoding="utf-8")
    source, _ = identify(path, tmp_path)
    result = process_file(path, source)
    assert result.document.status == "failed" and not result.amendments
    assert result.document.error is not None and OWN_TEXT in result.document.error


@pytest.mark.skipif(chromium() is None, reason="Chromium is not installed")  # as test_report
def test_the_plan_in_force_in_a_real_browser_at_phone_width(chain: tuple[Path, Any]) -> None:
    """With every section open (the plan in force's too): no error, no sideways overflow."""
    from plan_etl.report import render_report

    out, _ = chain
    result = check(render_report(plan_etl.load(out), "raw/"), 390, None, probe="жизненных")
    assert result.get("inner_width") == 390, result
    assert result["errors"] == [] and result["console"] == []
    assert result["scroll_width"] <= result["inner_width"], result["too_wide"]


def test_an_amending_decree_given_up_for_a_better_copy_leaves_no_changes(tmp_path: Path) -> None:
    """150-рп as an ODT (LibreOffice's conversion of the DOCX: read through a conversion) is
    read first, then its DOCX, the original format, is kept and the ODT becomes its duplicate:
    the changes the ODT gave are dropped with it, so each change is in amendments once."""
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(PLAN, raw)
    shutil.copy(AMEND / "amend-150rp-converted.odt", raw / "a-150rp.odt")  # sorts first
    shutil.copy(AMEND / "amend-150rp.docx", raw)
    summary = ingest(raw, tmp_path / "out", jobs=1, use_cache=False)
    assert [(d, k) for d, k, _ in summary.duplicate_files] == [("a-150rp.odt", "amend-150rp.docx")]
    docs = {d["source_file"]: d["doc_id"] for d in _rows(tmp_path / "out" / "documents.parquet")}
    table = _rows(tmp_path / "out" / "amendments.parquet")
    assert {r["doc_id"] for r in table} == {docs["amend-150rp.docx"]}
    assert len(table) == len({r["change_index"] for r in table}) > 0
    in_force = _rows(tmp_path / "out" / "in_force.parquet")
    assert {c for r in in_force for c in r["changed_by"]} == {docs["amend-150rp.docx"]}


def test_an_act_number_and_date_of_another_region_are_another_act(tmp_path: Path) -> None:
    """Two regions number their acts apart: a Kursk plan printed with Tyumen's number and
    date is no member of Tyumen's chain. The Tyumen restatement replaces Tyumen's plan
    only; Kursk's stays in force as it is, superseded by nothing."""
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(PLAN, raw)
    shutil.copy(AMEND / "restated-700rp.txt", raw)
    text = PLAN.read_text(encoding="utf-8")
    for tyumen, kursk in (("Тюменск", "Курск"), ("ТЮМЕНСК", "КУРСК"), ("Тюмень", "Курск")):
        text = text.replace(tyumen, kursk)
    (raw / "kursk.txt").write_text(text, encoding="utf-8")
    ingest(raw, tmp_path / "out", jobs=1, use_cache=False)
    docs = {d["source_file"]: d for d in _rows(tmp_path / "out" / "documents.parquet")}
    kursk, tyumen = docs["kursk.txt"], docs["tyumen.txt"]
    assert (kursk["region"], tyumen["region"]) == ("Курская область", "Тюменская область")
    assert kursk["act_number"] == tyumen["act_number"] and kursk["act_date"] == tyumen["act_date"]
    assert kursk["duplicate_of"] is None and kursk["in_force"] and not kursk["superseded_by"]
    assert tyumen["superseded_by"] == docs["restated-700rp.txt"]["doc_id"]
    in_force = _rows(tmp_path / "out" / "in_force.parquet")
    plans = {r["base_doc_id"]: r["doc_id"] for r in in_force}
    assert plans == {
        kursk["doc_id"]: kursk["doc_id"],
        tyumen["doc_id"]: docs["restated-700rp.txt"]["doc_id"],
    }
    kursk_rows = [r for r in in_force if r["doc_id"] == kursk["doc_id"]]
    assert len(kursk_rows) == kursk["row_count"] and all(r["change"] is None for r in kursk_rows)
