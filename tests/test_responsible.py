"""Abbreviations the seed decrees define, and «Ответственный» cells split into bodies."""

from __future__ import annotations

from functools import cache

import pytest
from conftest import DATA, SEEDS, gold
from hypothesis import given, settings
from hypothesis import strategies as st

from plan_etl.assemble import PlanTable, assemble
from plan_etl.extract.text import TextExtractor
from plan_etl.normalize.responsible import (
    bodies_and_persons,
    find_abbreviations,
    split_responsible,
)

KURSK, SAMARA, IRKUTSK, STAVROPOL, DAGESTAN = (p.stem for p in SEEDS)


@cache
def table(stem: str) -> PlanTable:
    return assemble(TextExtractor().read(DATA / "seeds" / f"{stem}.txt").blocks)


@cache
def logical_text(stem: str) -> str:
    """The preamble and every row's whole cells: definitions as the reader sees them, not cut
    by page breaks as in `PlanTable.text`."""
    t = table(stem)
    cells = (text for row in t.rows for role in row.cells if (text := row.text(role)))
    return "\n".join([t.preamble, *cells])


@cache
def abbreviations(stem: str) -> dict[str, str]:
    return find_abbreviations(logical_text(stem))


SAMARA_OIV = "органы исполнительной власти Самарской области"
SAMARA_BODY = (
    "орган власти (организация, структурное подразделение, рабочая группа), ответственный за "
    "координацию и контроль внедрения принципов клиентоцентричности в деятельность органов "
    "исполнительной власти Самарской области"
)
IRKUTSK_GROUP = (
    "рабочая группа по внедрению клиентоцентричности в государственное управление на "
    "территории Иркутской области"
)

# Every «(далее – …)» of the five seeds.
DEFINED = {
    KURSK: {},
    SAMARA: {
        "АГ СО": "Администрация Губернатора Самарской области",
        "координационный орган": SAMARA_BODY,
        "ОИВ СО": SAMARA_OIV,
        "жизненные ситуации": "жизненные ситуации для внедрения принципов клиентоцентричности",
        "МТЗМ СО": "министерство труда, занятости и миграционной политики Самарской области",
        "МСДСП СО": "министерство социально-демографической и семейной политики Самарской области",
        "МО СО": "министерство образования и науки Самарской области",
        "распоряжение № 208": (
            "Распоряжение Правительства Самарской области от 25.04.2023 № 208-р «Об утверждении "
            "Перечня жизненных ситуаций, подлежащих клиентоцентричной трансформации в "
            "первоочередном порядке, услуг (функций) и сервисов, входящих в жизненные ситуации, "
            "подлежащие клиентоцентричной трансформации в первоочередном порядке»"
        ),
        "реестр процессов": (
            "реестр (каталога) процессов органа исполнительной власти Самарской области"
        ),
        "ДОБ СО": "департамент по вопросам общественной безопасности Самарской области",
        "МУФ СО": "министерство управления финансами Самарской области",
        "ДУД СО": (
            "Департамент управления делами Губернатора Самарской области и Правительства "
            "Самарской области"
        ),
        "МИО СО": "Министерство имущественных отношений Самарской области",
    },
    IRKUTSK: {
        "планы мероприятий": (
            "планы мероприятий («Дорожные карты») по внедрению Стандартов клиентоцентричности в "
            "возглавляемых исполнительных органах государственной власти Иркутской области"
        ),
        "рабочая группа": IRKUTSK_GROUP,
        "жизненная ситуация": "жизненная ситуация в Иркутской области",
    },
    STAVROPOL: {
        "уполномоченный руководитель": (
            "сотрудник, ответственный за внедрение в кадровой работе принципов и стандартов "
            "клиентоцентричности"
        ),
    },
    DAGESTAN: {
        "рабочая группа": (
            "рабочая группа (проектного офиса) по внедрению стандартов клиентоцентричности в "
            "Республике Дагестан"
        ),
    },
}


@pytest.mark.parametrize("stem", list(DEFINED))
def test_definitions_of_each_seed(stem: str) -> None:
    assert abbreviations(stem) == DEFINED[stem]


def test_page_broken_definition_is_skipped_not_guessed() -> None:
    # In `PlanTable.text` Samara's «департамент по | вопросам … (далее – ДОБ СО)» is cut by a
    # page break: the fragment «вопросам …» does not start with Д, so no name is made up.
    from_raw_text = find_abbreviations(table(SAMARA).text)
    assert "ДОБ СО" not in from_raw_text
    assert from_raw_text == {k: v for k, v in DEFINED[SAMARA].items() if k != "ДОБ СО"}


DEFINITION_FORMS = [
    ("Министерство цифрового развития (далее – МЦР)", {"МЦР": "Министерство цифрового развития"}),
    ("Министерство цифрового развития (далее — МЦР)", {"МЦР": "Министерство цифрового развития"}),
    ("Министерство цифрового развития (далее - МЦР)", {"МЦР": "Министерство цифрового развития"}),
    (
        "Министерство цифрового развития (далее также – «МЦР»)",
        {"МЦР": "Министерство цифрового развития"},
    ),
    (
        "возложить на министерство цифрового развития Курской области (далее – министерство)",
        {"министерство": "министерство цифрового развития Курской области"},
    ),
    (
        "Создан координационный совет по внедрению стандартов (далее – координационный совет)",
        {"координационный совет": "координационный совет по внедрению стандартов"},
    ),
    (
        # a genitive name is put in the case of the term
        "обеспечить участие комиссии; в том числе Совета при Губернаторе (далее – Совет)",
        {"Совет": "Совет при Губернаторе"},
    ),
    ("Иванов И.И. (далее соответственно – А, Б)", {}),
]


@pytest.mark.parametrize(("text", "defined"), DEFINITION_FORMS)
def test_definition_forms(text: str, defined: dict[str, str]) -> None:
    assert find_abbreviations(text) == defined


SPLITS = [
    (
        SAMARA,
        ["АГ СО; МТЗМ СО; МСДСП СО; МО СО"],
        [
            "Администрация Губернатора Самарской области",
            "министерство труда, занятости и миграционной политики Самарской области",
            "министерство социально-демографической и семейной политики Самарской области",
            "министерство образования и науки Самарской области",
        ],
    ),
    (
        SAMARA,
        ["Администрация Губернатора Самарской области (далее – АГ СО)"],
        ["Администрация Губернатора Самарской области"],
    ),
    (
        SAMARA,
        ["Координационный орган; органы исполнительной власти Самарской области (далее – ОИВ СО)"],
        [SAMARA_BODY[0].upper() + SAMARA_BODY[1:], SAMARA_OIV],
    ),
    (
        SAMARA,
        ["Координационный орган; ОИВ СО, предоставляющие государственные услуги"],
        [
            SAMARA_BODY[0].upper() + SAMARA_BODY[1:],
            SAMARA_OIV + ", предоставляющие государственные услуги",
        ],
    ),
    (
        SAMARA,
        ["АГ СО; ДОБ СО; МУФ СО"],
        [
            "Администрация Губернатора Самарской области",
            "департамент по вопросам общественной безопасности Самарской области",
            "министерство управления финансами Самарской области",
        ],
    ),
    (
        IRKUTSK,
        [
            "Рабочая группа, исполнительные органы государственной власти Иркутской области, "
            "оказывающие услуги"
        ],
        [
            IRKUTSK_GROUP[0].upper() + IRKUTSK_GROUP[1:],
            "исполнительные органы государственной власти Иркутской области, оказывающие услуги",
        ],
    ),
    (
        IRKUTSK,
        [
            "Рабочая группа, исполнительные органы государственной власти Иркутской области, "
            "ответственные за проработку жизненной ситуации"
        ],
        [
            IRKUTSK_GROUP[0].upper() + IRKUTSK_GROUP[1:],
            "исполнительные органы государственной власти Иркутской области, ответственные за "
            "проработку жизненной ситуации",
        ],
    ),
    (
        STAVROPOL,
        ["Богданова Г.В. Чижик Е.В. Немцева Е.В."],
        ["Богданова Г.В.", "Чижик Е.В.", "Немцева Е.В."],
    ),
    (
        STAVROPOL,
        ["Богданова Г.В. Ильин Д.С. Немцева Е.В. Колягин Д.И"],
        ["Богданова Г.В.", "Ильин Д.С.", "Немцева Е.В.", "Колягин Д.И."],
    ),
    (
        DAGESTAN,
        ["заместитель Председателя Правительства Республики Дагестан Газимагомедов Р.К."],
        ["заместитель Председателя Правительства Республики Дагестан Газимагомедов Р.К."],
    ),
    (
        DAGESTAN,
        [
            "начальник Управления Главы Республики Дагестан по вопросам государственной службы, "
            "кадров и государственным наградам"
        ],
        [
            "начальник Управления Главы Республики Дагестан по вопросам государственной службы, "
            "кадров и государственным наградам"
        ],
    ),
    # the term stands in the genitive here and is left as written
    (DAGESTAN, ["председатель рабочей группы"], ["председатель рабочей группы"]),
    (DAGESTAN, [], []),
]


@pytest.mark.parametrize(("stem", "paragraphs", "elements"), SPLITS)
def test_seed_cells(stem: str, paragraphs: list[str], elements: list[str]) -> None:
    assert split_responsible(paragraphs, abbreviations(stem)) == elements


MADE_UP = [
    # paragraphs of a DOCX cell are separate bodies
    (
        ["Министерство финансов", "Министерство экономики"],
        ["Министерство финансов", "Министерство экономики"],
    ),
    # a head word after a comma starts a body, a lower-case clause does not
    (
        ["министерство финансов, министерство экономики, департамент связи"],
        ["министерство финансов", "министерство экономики", "департамент связи"],
    ),
    (
        ["ОИВ, имеющие собственную кадровую службу"],
        ["органы исполнительной власти, имеющие собственную кадровую службу"],
    ),
    # initials before the surname; the same body twice is kept once
    (["Г.В. Богданова, Е.В. Чижик", "Г.В. Богданова"], ["Г.В. Богданова", "Е.В. Чижик"]),
    # a position before a run of names stays with the first name
    (
        ["Заместитель министра Богданова Г.В. Чижик Е.В."],
        ["Заместитель министра Богданова Г.В.", "Чижик Е.В."],
    ),
    # common abbreviations: whole tokens, outside quotes
    (
        ["ГБУ «МФЦ»; ОМСУ"],
        ["государственное бюджетное учреждение «МФЦ»", "органы местного самоуправления"],
    ),
    (["МФЦшники"], ["МФЦшники"]),
    # «; » inside parentheses does not split
    (["Минфин (отдел учета; отдел отчетности)"], ["Минфин (отдел учета; отдел отчетности)"]),
]


@pytest.mark.parametrize(("paragraphs", "elements"), MADE_UP)
def test_made_up_cells(paragraphs: list[str], elements: list[str]) -> None:
    assert split_responsible(paragraphs, {}) == elements


def test_word_term_expands_only_as_the_whole_body() -> None:
    defined = {"министерство": "министерство цифрового развития Курской области"}
    assert split_responsible(["Министерство; министерство образования"], defined) == [
        "Министерство цифрового развития Курской области",
        "министерство образования",
    ]


def test_decree_definition_wins_over_common_table() -> None:
    assert split_responsible(["МФЦ"], {"МФЦ": "МФЦ Курской области"}) == ["МФЦ Курской области"]


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.stem)
def test_every_gold_cell_splits_without_leftovers(path) -> None:
    defined = abbreviations(path.stem)
    acronyms = [k for k in defined if k.isupper()]
    for row in gold(path.stem)["rows"]:
        elements = split_responsible([row["responsible"]] if row["responsible"] else [], defined)
        assert bool(elements) == bool(row["responsible"]), row["number"]
        for element in elements:
            assert "далее" not in element, row["number"]
            assert not any(a in element.split() for a in acronyms), (row["number"], element)


CELL_TEXT = st.text(alphabet=st.sampled_from("АГСОМИВ Богданова Г.В.(далее – )«»;,\nминистерство"))


@given(st.one_of(st.text(max_size=120), CELL_TEXT))
@settings(max_examples=300, deadline=None)
def test_any_text_splits_without_exception(text: str) -> None:
    elements = split_responsible(text.split("\n"), find_abbreviations(text))
    assert all(e and e == e.strip() for e in elements)


def test_acronym_name_starts_where_the_initials_spell_it() -> None:
    text = (
        "утвержденной распоряжением от 6 октября 2021 г. № 2816-р, и повышения качества "
        "взаимодействия органов исполнительной власти Тюменской области (далее – ОИВ) с гражданами"
    )
    assert find_abbreviations(text) == {"ОИВ": "органов исполнительной власти Тюменской области"}


PEOPLE_AND_BODIES = [
    (["Богданова Г.В.", "Чижик Е.В."], [], ["Богданова Г.В.", "Чижик Е.В."]),
    (
        ["Заместитель Председателя Правительства Курской области", "Министерство имущества"],
        ["Министерство имущества"],
        ["Заместитель Председателя Правительства Курской области"],
    ),
    (
        ["Первый заместитель Председателя Правительства Иркутской области"],
        [],
        ["Первый заместитель Председателя Правительства Иркутской области"],
    ),
    (
        ["заместитель Председателя Правительства Республики Дагестан Газимагомедов Р.К."],
        [],
        ["заместитель Председателя Правительства Республики Дагестан Газимагомедов Р.К."],
    ),
    (["председатель рабочей группы"], [], ["председатель рабочей группы"]),
    (
        ["Руководители подведомственных учреждений"],
        [],
        ["Руководители подведомственных учреждений"],
    ),
    (
        ["Администрация Губернатора Самарской области", "Аппарат Губернатора"],
        ["Администрация Губернатора Самарской области", "Аппарат Губернатора"],
        [],
    ),
    (
        ["ГАУ ТО «МФЦ» (по согласованию)", "органы местного самоуправления по согласованию"],
        ["ГАУ ТО «МФЦ»", "органы местного самоуправления"],
        [],
    ),
]


@pytest.mark.parametrize(("elements", "bodies", "persons"), PEOPLE_AND_BODIES)
def test_bodies_and_persons_apart(
    elements: list[str], bodies: list[str], persons: list[str]
) -> None:
    assert bodies_and_persons([elements]) == [(bodies, persons)]


def test_a_body_is_spelled_one_way_within_a_decree() -> None:
    rows = [
        ["Департаменту информатизации Тюменской области"],
        ["Департамент информатизации Тюменской области", "Рабочая группа"],
        ["Департаменту информатизации Тюменской области", "рабочая группа"],
    ]
    assert bodies_and_persons(rows) == [
        (["Департаменту информатизации Тюменской области"], []),
        (["Департаменту информатизации Тюменской области", "Рабочая группа"], []),
        (["Департаменту информатизации Тюменской области", "Рабочая группа"], []),
    ]


def test_bodies_and_persons_of_the_seed_cells_partition_them() -> None:
    """Every element is a body or a person, never both, never lost (but «(по согласованию)»)."""
    for path in SEEDS:
        abbr = abbreviations(path.stem)
        cells = [
            split_responsible(r.cells.get("responsible", []), abbr) for r in table(path.stem).rows
        ]
        for elements, (bodies, persons) in zip(cells, bodies_and_persons(cells), strict=True):
            assert not set(bodies) & set(persons)
            assert len(bodies) + len(persons) == len(elements), elements


def test_paragraph_quoted_by_an_amending_act_is_read_as_plain_text() -> None:
    text = (
        "«3. Исполнительным органам автономного округа (далее – исполнительные органы), "
        "Департаменту государственной гражданской службы автономного округа (далее – ДГС), "
        "обеспечить выполнение плана.»."
    )
    assert find_abbreviations(text) == {
        "исполнительные органы": "исполнительные органы автономного округа",
        "ДГС": "Департаменту государственной гражданской службы автономного округа",
    }


@pytest.mark.parametrize(
    ("paragraphs", "expected"),
    [
        # a paragraph that starts no body goes on the one before, as after a comma
        (
            ["ИОКО,", "предоставляющие государственные услуги"],
            ["ИОКО, предоставляющие государственные услуги"],
        ),
        (
            ["Министерство цифрового", "развития и связи Курской", "области"],
            ["Министерство цифрового развития и связи Курской области"],
        ),
        # adjectives before a head word start a body of their own
        (
            ["Министерство труда,", "областные исполнительные органы"],
            ["Министерство труда", "областные исполнительные органы"],
        ),
        # a body named after a person's name (two paragraphs printed as wrapped lines)
        (["Зотов А.Г. Руководители ПМО"], ["Зотов А.Г.", "Руководители ПМО"]),
        (["Иванов И.И. (по согласованию)"], ["Иванов И.И. (по согласованию)"]),
    ],
)
def test_paragraphs_split_bodies_only_where_a_body_starts(
    paragraphs: list[str], expected: list[str]
) -> None:
    assert split_responsible(paragraphs, {}) == expected


def test_a_definition_inside_a_quoted_new_wording_is_found() -> None:
    """A PDF joins the lines of an amending act's paragraph: the quote that opens the new
    wording is still open where the definition stands."""
    text = (
        "1.2. Пункт 3 изложить в следующей редакции: «3. Исполнительным органам автономного "
        "округа (далее – исполнительные органы), Департаменту государственной гражданской "
        "службы автономного округа (далее – Депгосслужбы Югры) обеспечить"
    )
    found = find_abbreviations(text)
    assert (
        found["Депгосслужбы Югры"]
        == "Департаменту государственной гражданской службы автономного округа"
    )
