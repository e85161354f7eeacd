"""What OCR read, set right and weighed: misread words against the lexicon, and a row's
low-confidence words lowering its match only where the match depends on them."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from conftest import DATA

from plan_etl.assemble import LogicalRow, PlanTable
from plan_etl.extract.base import LOW_CONFIDENCE_NOTE, OCR_NOTE, doubted_note, doubted_words
from plan_etl.extract.ocr import Word
from plan_etl.extract.ocrtext import (
    Lexicon,
    abbreviation_read_low,
    apart_regions,
    corrected,
    dashes,
    initials,
    numerals_by_width,
    own_words,
    rejoined,
    split_by_government,
    unread_words,
    with_corrections,
)
from plan_etl.records import UNREAD_HEADING_NOTE, Source, build_records

LEXICON = Lexicon()


@pytest.mark.parametrize(
    ("read", "printed"),
    [
        ("Мсроприятие", "Мероприятие"),  # е read as с, capitalised
        ("докумснта", "документа"),
        ("Координацня", "Координация"),  # и read as н
        ("ннформационной", "информационной"),
        ("ответствснный", "ответственный"),
        ("клиентоцентрнчности", "клиентоцентричности"),  # known to the catalogue only
        ("медиапланон", "медиапланом"),  # a form of a catalogue word the dictionary lacks
        ("СОТРУДННКОВ", "СОТРУДНИКОВ"),
        ("втечение", "в течение"),  # a one-letter word glued to the next
        ("Отчетв", "Отчет в"),
    ],
)
def test_a_misread_word_is_set_right(read: str, printed: str) -> None:
    assert LEXICON.correction(read) == printed


@pytest.mark.parametrize(
    "word",
    [
        "Мероприятие",  # known
        "вход",  # known, though «в» + «ход» are words too
        "клиентоцентричности",  # known to the plan vocabulary
        "ОИВ",  # an abbreviation
        "нлн",  # too short to tell
        "Депинформтехнологий",  # unknown, but no one swap makes a known word
        "Вологодскон",  # «Вологодской» or «Вологодском»: two swaps, left as read
        "2024",
    ],
)
def test_a_word_without_one_known_spelling_is_left_as_read(word: str) -> None:
    assert LEXICON.correction(word) is None


def test_the_decrees_own_words_are_known() -> None:
    own = own_words([("Минцифры", 95.0), ("Минцифры.", 96.0), ("Минцнфры", 50.0)])
    assert own == frozenset({"минцифры"})
    assert Lexicon(own).knows("Минцифры")


def test_two_abbreviations_run_together_are_split_by_the_decrees_own() -> None:
    lexicon = Lexicon(own_words([("ОИВ РХ", 95.0)] * 2))
    assert lexicon.correction("ОИВРХ") == "ОИВ РХ"
    assert Lexicon().correction("ОИВРХ") is None  # РХ unknown without the decree


def test_a_body_glued_to_its_region_is_split_where_the_decree_prints_the_region() -> None:
    """«АГСО», «ОИВРТ»: the decree prints «СО»/«РТ» as words of their own, and these are
    region abbreviations; OCR glued the same narrow space each time, so the glued form may
    even be among the decree's own words. «ДИТО» stays where «ТО» is never printed alone,
    a word the dictionary knows stays, and so does a one-letter body («НСО»)."""
    read = [("СО", 96.0), ("СО,", 95.0), ("РТ", 97.0), ("РТ", 93.0), ("ТО", 97.0)]
    apart = apart_regions(read)
    assert apart == frozenset({"СО", "РТ"})
    lexicon = Lexicon(own_words([("ОИВРТ", 95.0)] * 2), apart)
    assert lexicon.knows("ОИВРТ")
    assert lexicon.correction("ОИВРТ") == "ОИВ РТ"
    assert lexicon.correction("АГСО") == "АГ СО"
    assert corrected("МИОСО,", lexicon) == "МИО СО,"
    assert lexicon.correction("ДИТО") is None
    assert lexicon.correction("НСО") is None
    assert Lexicon(apart=frozenset({"КО"})).correction("ОКНО") is None  # a word


def test_a_word_split_in_two_is_joined_where_one_piece_is_no_word() -> None:
    """OCR splits long words at a narrow glyph gap, at the same place each time (so the
    pieces may be among the decree's own words): joined where together they are a known
    word and apart not both words; two words that happen to make a third stay apart."""
    lexicon = Lexicon(own_words([("удовлетворенност", 95.0)] * 2))
    text = "отчет об уровне удовлетворенност и клиентов\nОИВ, предоставляю щие «Аналитически й»,"
    joined, changes = rejoined(text, lexicon)
    assert (
        joined
        == "отчет об уровне удовлетворенности клиентов\nОИВ, предоставляющие «Аналитический»,"
    )
    assert changes[0] == ("удовлетворенност и", "удовлетворенности")
    assert rejoined("при том", lexicon)[0] == "при том"  # «притом» is a word, so are both
    assert rejoined("удовлетворенност\nи", lexicon)[0] == "удовлетворенност\nи"  # two lines
    assert rejoined("государственн ЫЕ", lexicon)[0] == "государственн ЫЕ"


def test_a_line_end_fragment_and_punctuation() -> None:
    assert corrected("«Мсроприятие»,", LEXICON) == "«Мероприятие»,"
    assert corrected("ннформацн-", LEXICON) == "ннформацн-"  # a fragment: the rest is below


def test_corrections_keep_what_was_read() -> None:
    words = [Word(t, 0, 0, 1, 1, 1, 10, 90) for t in ("Утвердить", "докумснта", "до 1")]
    fixed, originals = with_corrections(words, LEXICON)
    assert [w.text for w in fixed] == ["Утвердить", "документа", "до 1"]
    assert originals == {"документа": "докумснта"}


def test_a_dash_after_a_verb_is_a_speck() -> None:
    """Print sets a dash between a subject and its predicate noun or in a range, never
    between a verb and its object: there it is a speck read as a dash, and goes."""
    line = ("Утвердить", "–", "планы", "Минэкономразвития", "–", "ответственный", "I", "–", "II")
    words = [Word(t, 0, 0, 6, 1, 1, 10, 90, 3) for t in line]  # a dash 0.6 em wide
    fixed, _ = with_corrections(words, LEXICON)
    assert [w.text for w in fixed] == [
        "Утвердить", "планы", "Минэкономразвития", "–", "ответственный", "I", "–", "II",
    ]  # fmt: skip
    apart = [replace(w, line=n) for n, w in enumerate(words)]  # the verb on another line
    assert [w.text for w in with_corrections(apart, LEXICON)[0]][:3] == ["Утвердить", "–", "планы"]


def test_a_dash_too_narrow_for_one_is_a_speck() -> None:
    """An en dash is half a font size wide: a «dash» a point wide is a speck."""
    read = [("предоставления", 100, 180), ("–", 182, 183), ("мер", 186, 204)]
    read += [("2023", 210, 236), ("–", 238, 244), ("2024", 246, 272)]
    words = [Word(t, x0, 0, x1, 9, 9, 12, 90, 1) for t, x0, x1 in read]
    fixed = [w.text for w in with_corrections(words, LEXICON)[0]]
    assert fixed == ["предоставления", "мер", "2023", "–", "2024"]


def test_a_stop_before_a_lower_case_word_is_a_speck_after_a_whole_word() -> None:
    """After a stop a sentence starts with a capital: before a lower-case word only an
    abbreviation's stop stands («г. Калуга» has a capital anyway, «обл. центр» keeps its)."""
    line = ("власти.", "области,", "обл.", "центр", "реинжинирингу.", "процессов", "Отчет.")
    line += ("Приказ",)
    words = [Word(t, 0, 0, 1, 1, 1, 10, 90, 3) for t in line]
    fixed, originals = with_corrections(words, LEXICON)
    assert [w.text for w in fixed] == [
        "власти", "области,", "обл.", "центр", "реинжинирингу", "процессов", "Отчет.", "Приказ",
    ]  # fmt: skip
    assert originals["власти"] == "власти."
    apart = [replace(w, line=n) for n, w in enumerate(words)]  # each on a line of its own
    assert [w.text for w in with_corrections(apart, LEXICON)[0]] == list(line)
    other_cell = with_corrections(words, LEXICON, [1, 2, 2, 2, 2, 2, 2, 2])[0]
    assert other_cell[0].text == "власти."  # «области» stands in another cell


def test_a_sentence_goes_on_to_its_cells_next_line() -> None:
    """In a ruled cell a word's neighbours are the cell's words in reading order, across
    its lines; Tesseract's order, whose lines cross the columns, is not the sentence's."""
    read = [  # (text, line, x0, cell): a line of two cells, then the first cell's next line
        ("достижение", 1, 10, "a"), ("целевого", 1, 60, "a"), ("Департамент", 1, 300, "b"),
        ("СОСТОЯНИЯ", 2, 10, "a"), ("Отчет", 2, 300, "b"), ("жизненной", 2, 70, "a"),
    ]  # fmt: skip
    words = [Word(t, x, 12 * n, x + 40, 12 * n + 9, 12 * n + 9, 10, 90, n) for t, n, x, _ in read]
    fixed = [w.text for w in with_corrections(words, LEXICON, [c for *_, c in read])[0]]
    assert fixed[3] == "состояния"
    assert [w.text for w in with_corrections(words, LEXICON)[0]][3] == "СОСТОЯНИЯ"  # no cells


def test_a_region_abbreviation_read_in_lower_case() -> None:
    """«КО», printed apart in the decree, read «ко» by OCR: the abbreviation where nothing
    the preposition «ко» governs follows; «ко всем» stays a preposition."""
    lexicon = Lexicon(apart=frozenset({"КО", "СО"}))
    assert abbreviation_read_low("ко", "", lexicon) == "КО"
    assert abbreviation_read_low("ко;", "Министерство", lexicon) == "КО;"
    assert abbreviation_read_low("ко", "всем", lexicon) == "ко"
    assert abbreviation_read_low("со", "дня", lexicon) == "со"
    assert abbreviation_read_low("ко", "", LEXICON) == "ко"  # a decree that prints no «КО»


def test_capitals_in_a_lower_case_sentence_are_a_case_slip() -> None:
    line = ("Назначение", "В", "органах", "целевого", "СОСТОЯНИЯ", "выбранных", "ОИВ", "и")
    line += ("обратной", "СВЯЗИ", "портала")
    words = [Word(t, 0, 0, 1, 1, 1, 10, 90, 3) for t in line]
    fixed, _ = with_corrections(words, LEXICON)
    assert [w.text for w in fixed] == [
        "Назначение", "в", "органах", "целевого", "состояния", "выбранных", "ОИВ", "и",
        "обратной", "связи", "портала",
    ]  # fmt: skip
    alone = [replace(w, line=n) for n, w in enumerate(words)]  # each on a line of its own
    assert [w.text for w in with_corrections(alone, LEXICON)[0]] == list(line)


@pytest.mark.parametrize(
    ("read", "printed"),
    [
        ("—", "–"),
        ("-", "–"),
        ("—МТЗМ", "МТЗМ"),
        ("—Во", "Во"),
        ("—(ОЦС-1)", "(ОЦС-1)"),  # a rule's edge glued before a bracket
        ("—_о", "о"),  # ... with the specks a blurred edge leaves
        ("—°МУФ", "МУФ"),
        ("-—", "–"),  # one dash read twice
        ("—-", "–"),
        ("—=—", ""),  # a rule's edge, no dash
        ("орган;$", "орган;"),  # a speck after a word's punctuation
        ("2023-2024", "2023-2024"),
        ("5.1.«6.", "5.1.6."),  # a speck inside an item number
        ("3.‹6", "3.6"),
        ("»6.", "6."),  # the speck before a number's piece read apart
        ("3.“6.", "3.6."),
        ("«2024»", "«2024»"),
        ("«Центр", "«Центр"),
        (",", ""),  # a speck standing alone: a comma is printed on the word before it
        ("|", ""),
        ("№", "№"),
        ("‘в", "в"),  # a tick glued to a Cyrillic word's edge
        ("и’", "и"),
        ("О’Нил", "О’Нил"),  # inside a word it stays
        ("'2024'", "'2024'"),
    ],
)
def test_dashes_and_specks_as_printed(read: str, printed: str) -> None:
    assert dashes(read) == printed


def test_doubted_words_round_trip_through_the_note() -> None:
    assert doubted_words([doubted_note(["«план»", "2024г."]), "other"]) == {"«план»", "2024г."}


# --- the match and the words it depends on ------------------------------------------------------


def decree(name: str) -> tuple[list[LogicalRow], dict]:
    data = json.loads((DATA / "dev" / "gold" / f"{name}.json").read_text())
    rows = [
        LogicalRow(
            r["number"],
            r["section"],
            r["section_title"],
            r.get("subsection"),
            {"activity": [r["activity"]], "responsible": [r["responsible"]]},
        )
        for r in data["rows"]
    ]
    return rows, data


def records(rows: list[LogicalRow], data: dict):
    doc = data["document"]
    preamble = f"{doc['issuer']}\n{doc['act_type'].upper()}"
    table = PlanTable(rows, preamble, preamble, header_found=True)
    return build_records(table, Source("x", "x.pdf", "pdf", "0"), 1, [], "ocr")[1]


def test_a_match_that_survives_masking_its_doubted_words_stays_matched() -> None:
    rows, data = decree("tatarstan")
    plain = records(rows, data)
    matched = [i for i, a in enumerate(plain) if a.match_status == "matched"]
    assert len(matched) >= 30
    # each matched row doubts a word of its responsible cell, one of its activity's last
    # word: neither decides its item
    doubted = []
    for i, row in enumerate(rows):
        words = [row.cells["responsible"][0].split()[0], row.cells["activity"][0].split()[-1]]
        doubted.append(replace(row, warnings=[doubted_note(words)] if i in matched else []))
    got = records(doubted, data)
    kept = [i for i in matched if got[i].match_status == "matched"]
    assert len(kept) >= 0.8 * len(matched)
    for a, b in zip(plain, got, strict=True):
        assert b.catalogue_id == a.catalogue_id
        assert (LOW_CONFIDENCE_NOTE in b.warnings) == (
            a.match_status == "matched" and b.match_status == "review"
        )


def test_a_match_that_depends_on_its_doubted_words_goes_to_review() -> None:
    rows, data = decree("tatarstan")
    plain = records(rows, data)
    # every word of the activity doubted: nothing the match could stand on is left
    doubted = [
        replace(row, warnings=[doubted_note(row.cells["activity"][0].split())]) for row in rows
    ]
    got = records(doubted, data)
    for a, b in zip(plain, got, strict=True):
        assert b.match_status != "matched"
        assert b.catalogue_id == a.catalogue_id
        assert (LOW_CONFIDENCE_NOTE in b.warnings) == (a.match_status == "matched")


def _on_line(*words: tuple[str, float, float]) -> list[Word]:
    """Words of one Tesseract line at 10.6 pt, each (text, top, x0), standing on one
    baseline (bottom 358.1), 5 pt a letter wide."""
    return [Word(t, x0, top, x0 + 5 * len(t), 358.1, 358.1, 10.6, 95, 1) for t, top, x0 in words]


def test_a_capital_no_taller_than_the_lowercase_beside_it_is_lower_case() -> None:
    # «клиентами В» (the line's last word, so no sentence around it to tell by): the «В»
    # stands as high as the x-height of «клиентами», so it is the preposition «в» OCR took
    # for its capital (a capital stands ≈ 2.3 pt higher here)
    low = _on_line(("клиентами", 352.1, 100), ("В", 352.3, 150))
    assert [w.text for w in with_corrections(low, LEXICON)[0]][1] == "в"
    capital = _on_line(("клиентами", 352.1, 100), ("В", 349.8, 150))
    assert [w.text for w in with_corrections(capital, LEXICON)[0]][1] == "В"
    # the lowercase word stands in another ruled cell: its line may be a little lower
    assert [w.text for w in with_corrections(low, LEXICON, [0, 1])[0]][1] == "В"
    # a lowercase word whose box noise made taller than the word is no measure
    noisy = _on_line(("клиентами", 340.0, 100), ("В", 352.3, 150))
    assert [w.text for w in with_corrections(noisy, LEXICON)[0]][1] == "В"
    # an abbreviation whose lower case is no word stays
    abbreviation = _on_line(("клиентами", 352.1, 100), ("ОИВ", 352.3, 150))
    assert [w.text for w in with_corrections(abbreviation, LEXICON)[0]][1] == "ОИВ"


def test_a_glued_preposition_is_split_where_the_next_word_takes_its_case() -> None:
    # «отчето»: «отчете» (о read for е) or «отчет о»; the word after it, on the next line,
    # is in the prepositional case «о» governs, so the preposition was printed
    assert split_by_government("отчето\nформировании перечня", LEXICON) == (
        "отчет о\nформировании перечня",
        [("отчето", "отчет о")],
    )
    assert split_by_government("Отчетс приложением", LEXICON)[0] == "Отчет с приложением"
    # the genitive after it is no case of «о»: both spellings stay rivals, the word as read
    assert split_by_government("отчето формирования", LEXICON)[0] == "отчето формирования"
    # the glued form recurs with confidence, so it is among the decree's own words; the
    # dictionary does not know it, and the word after the preposition takes its case
    own = Lexicon(own=frozenset({"отчето", "свнутренним"}))
    assert split_by_government("отчето формировании", own)[0] == "отчет о формировании"
    assert own.correction("свнутренним") == "с внутренним"
    assert Lexicon(own=frozenset({"вход"})).correction("вход") is None  # a word of its own


def test_initials_end_in_their_dot() -> None:
    assert initials("Газимагомедов Р.К,")[0] == "Газимагомедов Р.К."
    assert initials("Шагинова Л.Л. Чуменко А.Н, Волженина В.В.") == (
        "Шагинова Л.Л. Чуменко А.Н. Волженина В.В.",
        [("А.Н,", "А.Н.")],
    )
    # names separated by commas: the dot and the comma were printed, OCR read one mark
    assert initials("Иванов И.И., Петров П.П, Сидоров")[0] == "Иванов И.И., Петров П.П., Сидоров"
    assert initials("п.п, 2, А.Б,")[0] == "п.п, 2, А.Б,"  # no surname before: as read


def test_a_row_under_a_heading_ocr_garbled_is_matched_only_by_its_own_words() -> None:
    rows, data = decree("tatarstan")
    plain = records(rows, data)
    # the title of the HR section garbled past reading («Кадровый бпок»): its rows were
    # matched by the domain the title names, and most of them give no match without it
    garbled = [
        replace(
            row,
            section_title=row.section_title.replace("блок", "бпок")
            if row.section_number == "4"
            else row.section_title,
            warnings=[OCR_NOTE],
        )
        for row in rows
    ]
    got = records(garbled, data)
    first = {
        i
        for i, row in enumerate(rows)
        if row.section_number == "4" and plain[i].match_status == "matched"
    }
    # the same rows with no heading at all: what their own words give
    bare = records(
        [
            replace(r, section_title=None, subsection_title=None) if i in first else r
            for i, r in enumerate(rows)
        ],
        data,
    )
    depends = {
        i
        for i in first
        if (bare[i].match_status, bare[i].catalogue_id) != ("matched", plain[i].catalogue_id)
    }
    assert depends and len(depends) < len(first)
    for i, (a, b) in enumerate(zip(plain, got, strict=True)):
        assert b.catalogue_id == a.catalogue_id
        assert any(w.startswith(UNREAD_HEADING_NOTE) for w in b.warnings) == (i in depends)
        assert b.match_status == ("review" if i in depends else a.match_status)
    # read from a text layer, the same heading is as printed: nothing lowered
    text = records([replace(row, warnings=[]) for row in garbled], data)
    assert [a.match_status for a in text] == [a.match_status for a in plain]


def test_unread_words_are_lower_case_words_no_lexicon_knows() -> None:
    title = "Процессы обеспечения доетупа к информацин о деятельности ОИВ РТ ›ганизационные"
    assert unread_words(title) == ["доетупа", "информацин", "ганизационные"]
    assert unread_words("Внедрение клиентоцентричности в Республике Татарстан") == []


def _deadlines(*numerals: tuple[str, float]) -> list[Word]:
    """Deadline cells «<numeral> квартал», one a line: each numeral (text, its width over
    its height of 10 pt) and the period noun after it."""
    words = []
    for line, (text, aspect) in enumerate(numerals):
        top = 100.0 + 20 * line
        words.append(Word(text, 50, top, 50 + 10 * aspect, top + 10, top + 10, 12, 90, line))
        words.append(Word("квартал", 70, top + 3, 110, top + 10, top + 10, 12, 90, line))
    return words


def test_a_numeral_whose_glyphs_read_as_none_is_read_by_its_width() -> None:
    # the decree's numerals read as I, II, III and IV tell how wide each is printed
    read = [("Г", 0.37), ("П", 0.83), ("Ш", 1.3), ("ГУ", 1.4), ("П", 0.8)]
    garbled = [("ШП", 1.25), ("ПШ", 0.55), ("у", 1.45), ("ЧН", 0.85), ("П", 0.37)]
    page = _deadlines(*read, *garbled)
    # «ШП» is as wide as III, «ЧН» as II, «у» (a V: only IV) as IV; «ПШ» at 0.55 is no
    # value's width, left as read; «П» reads as a numeral, never changed by its width
    assert numerals_by_width([page]) == [{10: "III", 14: "IV", 16: "II"}]
    # widths that do not grow with the strokes: a reading measured is a misread, none used
    contradicted = _deadlines(("Г", 0.8), ("П", 0.83), ("ШП", 0.82))
    assert numerals_by_width([contradicted]) == [{}]


def test_a_numeral_in_capitals_is_no_case_slip() -> None:
    line = [Word(t, 0, 0, 1, 1, 1, 10, 90, 3) for t in ("план", "ШУ", "квартал")]
    assert [w.text for w in with_corrections(line, LEXICON)[0]] == ["план", "ШУ", "квартал"]


def test_a_deadline_in_pieces_is_read_by_the_grammar_whole() -> None:
    rows, data = decree("tatarstan")
    # the cell continued across a page break: «П» on one page, the rest on the next
    pieces = {**rows[0].cells, "deadline": ["П", "квартал 2024 года"]}
    ocr_row = replace(rows[0], cells=pieces, warnings=[OCR_NOTE])
    got = records([ocr_row, *rows[1:]], data)[0]
    assert got.deadline_raw == "II квартал 2024 года"
    assert any(w.startswith("OCR words corrected: П квартал") for w in got.warnings)
    # a text layer's cell is as printed
    text = records([replace(ocr_row, warnings=[]), *rows[1:]], data)[0]
    assert text.deadline_raw == "П квартал 2024 года"
