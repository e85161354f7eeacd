"""Decree metadata from the preamble: the five seeds against gold, and made-up headings."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from conftest import DATA, SEEDS, SLUGS, gold
from hypothesis import given, settings
from hypothesis import strategies as st

from plan_etl.assemble import assemble
from plan_etl.extract import extractor_for
from plan_etl.models import Amendment
from plan_etl.normalize.metadata import DecreeMetadata, proper_case, read_metadata

D = dt.date
# The text dumps and the DOCX renderings; the PDFs give the same preambles (checked by hand)
# but take seconds to read, which is the PDF extractor's tests' business.
SOURCES = [*SEEDS, *sorted((DATA / "corpus").glob("*.docx"))]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_documents_equal_gold(path: Path) -> None:
    table = assemble(extractor_for(path).read(path).blocks)
    meta = read_metadata(table.preamble, table.text).model_dump(mode="json")
    want = {
        k: v
        for k, v in gold(SLUGS.get(path.stem, path.stem))["document"].items()
        if k != "template"
    }
    assert meta == {**want, "consolidated_to": []}  # originals, not consolidated texts


def test_metadata_fields_are_the_documents_columns() -> None:
    assert set(DecreeMetadata.model_fields) == {
        "region", "issuer", "act_type", "act_number", "act_date", "title", "amends",
        "consolidated_to",
    }  # fmt: skip


MINISTRY_ORDER = """\
МИНИСТЕРСТВО ЦИФРОВОГО РАЗВИТИЯ
И СВЯЗИ КУРСКОЙ ОБЛАСТИ
ПРИКАЗ
15 марта 2024 г.\t№ 01-05/123
г. Курск
Об утверждении плана мероприятий по внедрению стандартов клиентоцентричности
в министерстве цифрового развития и связи Курской области
В соответствии с распоряжением Правительства Курской области ПРИКАЗЫВАЮ:"""

HEAD_DECREE = """\
УКАЗ
ГЛАВЫ РЕСПУБЛИКИ ДАГЕСТАН
от 5 февраля 2024 года № 12
О внесении изменений в Указ Главы Республики Дагестан от 1 марта 2023 года № 150 и в \
постановление Правительства Республики Дагестан № 45 от 02.02.2022
В целях совершенствования"""

NO_TITLE = """\
ПРАВИТЕЛЬСТВО СТАВРОПОЛЬСКОГО КРАЯ
П О С Т А Н О В Л Е Н И Е
«14» ноября 2023 г.\t№ 650-п
г. Ставрополь
В соответствии с Законом Ставропольского края"""

SHOUTING_TITLE = """\
ГУБЕРНАТОР ХАНТЫ-МАНСИЙСКОГО АВТОНОМНОГО ОКРУГА – ЮГРЫ
ПОСТАНОВЛЕНИЕ
от 01.02.2024 № 10
О ВНЕСЕНИИ ИЗМЕНЕНИЙ В ПОСТАНОВЛЕНИЕ ГУБЕРНАТОРА
ХАНТЫ-МАНСИЙСКОГО АВТОНОМНОГО ОКРУГА – ЮГРЫ ОТ 29.09.2023 № 106
В целях"""

MIXED_CASE = """\
Правительство Москвы
Распоряжение
от 3 апреля 2024 г. № 200-РП
О плане мероприятий
по внедрению стандартов
1. Утвердить план."""

MADE_UP = [
    (
        MINISTRY_ORDER,
        DecreeMetadata(
            region="Курская область",
            issuer="Министерство цифрового развития и связи Курской области",
            act_type="приказ",
            act_number="01-05/123",
            act_date=D(2024, 3, 15),
            title="Об утверждении плана мероприятий по внедрению стандартов клиентоцентричности "
            "в министерстве цифрового развития и связи Курской области",
        ),
    ),
    (
        HEAD_DECREE,
        DecreeMetadata(
            region="Республика Дагестан",
            issuer="Глава Республики Дагестан",
            act_type="указ",
            act_number="12",
            act_date=D(2024, 2, 5),
            title="О внесении изменений в Указ Главы Республики Дагестан от 1 марта 2023 года "
            "№ 150 и в постановление Правительства Республики Дагестан № 45 от 02.02.2022",
            amends=[
                Amendment(act_type="указ", act_number="150", act_date=D(2023, 3, 1)),
                Amendment(act_type="постановление", act_number="45", act_date=D(2022, 2, 2)),
            ],
        ),
    ),
    (
        NO_TITLE,
        DecreeMetadata(
            region="Ставропольский край",
            issuer="Правительство Ставропольского края",
            act_type="постановление",
            act_number="650-п",
            act_date=D(2023, 11, 14),
        ),
    ),
    (
        SHOUTING_TITLE,
        DecreeMetadata(
            region="Ханты-Мансийский автономный округ – Югра",
            issuer="Губернатор Ханты-Мансийского автономного округа – Югры",
            act_type="постановление",
            act_number="10",
            act_date=D(2024, 2, 1),
            title="О внесении изменений в постановление Губернатора Ханты-Мансийского автономного "
            "округа – Югры от 29.09.2023 № 106",
            amends=[Amendment(act_type="постановление", act_number="106", act_date=D(2023, 9, 29))],
        ),
    ),
    (
        MIXED_CASE,
        DecreeMetadata(
            region="Москва",
            issuer="Правительство Москвы",
            act_type="распоряжение",
            act_number="200-РП",
            act_date=D(2024, 4, 3),
            title="О плане мероприятий по внедрению стандартов",
        ),
    ),
    ("", DecreeMetadata()),
]


@pytest.mark.parametrize(("preamble", "meta"), MADE_UP, ids=range(len(MADE_UP)))
def test_made_up_preambles(preamble: str, meta: DecreeMetadata) -> None:
    assert read_metadata(preamble, preamble) == meta


def test_amendment_read_from_body_when_there_is_no_title() -> None:
    preamble = (
        "ГУБЕРНАТОР КУРСКОЙ ОБЛАСТИ\nРАСПОРЯЖЕНИЕ\nот 01.03.2024 № 5-рг\n1. Внести в распоряжение "
        "Губернатора Курской области от 19.12.2022 № 326-рг «Об утверждении плана» изменения."
    )
    assert read_metadata(preamble, "").amends == [
        Amendment(act_type="распоряжение", act_number="326-рг", act_date=D(2022, 12, 19))
    ]


def test_region_from_whole_text_when_preamble_names_none() -> None:
    text = "План мероприятий учреждений Ставропольского края\nв Ставропольском крае; Москва"
    assert read_metadata("", text).region == "Ставропольский край"


def test_plan_heading_is_not_a_title() -> None:
    preamble = (
        "ПРАВИТЕЛЬСТВО РЕСПУБЛИКИ ДАГЕСТАН\nРАСПОРЯЖЕНИЕ\nот 29 сентября 2023 г. № 490-р\n"
        "В целях …\nУТВЕРЖДЕН распоряжением\nПЛАН МЕРОПРИЯТИЙ («дорожная карта»)"
    )
    assert read_metadata(preamble, "").title is None


CASES = [
    ("ГУБЕРНАТОР САМАРСКОЙ ОБЛАСТИ", "Губернатор Самарской области"),
    ("ПРАВИТЕЛЬСТВО РЕСПУБЛИКИ ДАГЕСТАН", "Правительство Республики Дагестан"),
    ("ПЕРВЫЙ ЗАМЕСТИТЕЛЬ ПРЕДСЕДАТЕЛЯ ПРАВИТЕЛЬСТВА РОССИЙСКОЙ ФЕДЕРАЦИИ",
     "Первый заместитель Председателя Правительства Российской Федерации"),
    ("МИНИСТЕРСТВО ТРУДА РЕСПУБЛИКИ САХА (ЯКУТИЯ)", "Министерство труда Республики Саха (Якутия)"),
    ("АДМИНИСТРАЦИЯ ЯМАЛО-НЕНЕЦКОГО АВТОНОМНОГО ОКРУГА",
     "Администрация Ямало-Ненецкого автономного округа"),
    ("ГЛАВА ЧУВАШСКОЙ РЕСПУБЛИКИ", "Глава Чувашской Республики"),
    ("ДЕПАРТАМЕНТ ОБРАЗОВАНИЯ ГОРОДА СЕВАСТОПОЛЯ", "Департамент образования города Севастополя"),
    ("ПРАВИТЕЛЬСТВО САНКТ-ПЕТЕРБУРГА", "Правительство Санкт-Петербурга"),
    ("ПРАВИТЕЛЬСТВО КЕМЕРОВСКОЙ ОБЛАСТИ – КУЗБАССА",
     "Правительство Кемеровской области – Кузбасса"),
    ("АДМИНИСТРАЦИЯ ЕВРЕЙСКОЙ АВТОНОМНОЙ ОБЛАСТИ", "Администрация Еврейской автономной области"),
]  # fmt: skip


@pytest.mark.parametrize(("heading", "proper"), CASES)
def test_proper_case(heading: str, proper: str) -> None:
    assert proper_case(heading) == proper


REGIONS = [
    ("Правительства Курской области", "Курская область"),
    ("в Республике Дагестан", "Республика Дагестан"),
    ("Ставропольского края", "Ставропольский край"),
    ("Ямало-Ненецкого автономного округа", "Ямало-Ненецкий автономный округ"),
    ("Ненецкого автономного округа", "Ненецкий автономный округ"),
    ("Республики Алтай", "Республика Алтай"),
    ("Алтайского края", "Алтайский край"),
    ("города Москвы", "Москва"),
    ("Московской области", "Московская область"),
    ("Донецкой Народной Республики", "Донецкая Народная Республика"),
    ("Республики Северная Осетия – Алания", "Республика Северная Осетия — Алания"),
    ("Российской Федерации", None),
]


@pytest.mark.parametrize(("text", "region"), REGIONS)
def test_region_case_forms(text: str, region: str | None) -> None:
    assert read_metadata("", text).region == region


HEADING_TEXT = st.text(
    alphabet=st.sampled_from(
        "ПРАВИТЕЛЬСТВОКУРСКОЙОБЛАСТИ РАСПОРЯЖЕНИЕУКАЗГЛАВЫ\nот 12.03.2024№-рО «»"
    )
)


@given(st.one_of(st.text(max_size=200), HEADING_TEXT))
@settings(max_examples=300, deadline=None)
def test_any_preamble_gives_metadata_never_an_exception(text: str) -> None:
    assert isinstance(read_metadata(text, text), DecreeMetadata)


# --- legal-database headers ------------------------------------------------------------------

CONSULTANT = """\
Документ предоставлен КонсультантПлюс
Дата сохранения: 01.03.2024
ПРАВИТЕЛЬСТВО КУРСКОЙ ОБЛАСТИ
П О С Т А Н О В Л Е Н И Е
от 2 апреля 2024 г. N 254-пп
О ВНЕСЕНИИ ИЗМЕНЕНИЙ В ПОСТАНОВЛЕНИЕ ПРАВИТЕЛЬСТВА КУРСКОЙ ОБЛАСТИ ОТ 29.09.2023 N 1060-ПП
Список изменяющих документов
(в ред. постановлений Правительства Курской области от 15.05.2024 N 380-пп,
от 01.08.2024 N 612-пп, распоряжения Губернатора Курской области N 77-рг от 02.09.2024)
В соответствии с"""


def test_consultant_header() -> None:
    assert read_metadata(CONSULTANT, CONSULTANT) == DecreeMetadata(
        region="Курская область",
        issuer="Правительство Курской области",
        act_type="постановление",
        act_number="254-пп",
        act_date=D(2024, 4, 2),
        title="О внесении изменений в постановление Правительства Курской области от "
        "29.09.2023 № 1060-пп",
        amends=[Amendment(act_type="постановление", act_number="1060-пп", act_date=D(2023, 9, 29))],
        consolidated_to=[
            Amendment(act_type="постановление", act_number="380-пп", act_date=D(2024, 5, 15)),
            Amendment(act_type="постановление", act_number="612-пп", act_date=D(2024, 8, 1)),
            Amendment(act_type="распоряжение", act_number="77-рг", act_date=D(2024, 9, 2)),
        ],
    )


def test_a_mixed_case_title_ends_at_the_list_of_amending_acts() -> None:
    preamble = (
        "ГУБЕРНАТОР САМАРСКОЙ ОБЛАСТИ\nРАСПОРЯЖЕНИЕ\nот 28 сентября 2023 г. N 213-р\n"
        "Об утверждении плана мероприятий\nСписок изменяющих документов\n"
        "(в ред. распоряжения Губернатора Самарской области от 01.02.2024 N 20-р)"
    )
    meta = read_metadata(preamble, "")
    assert (meta.title, meta.act_number) == ("Об утверждении плана мероприятий", "213-р")
    assert meta.consolidated_to == [
        Amendment(act_type="распоряжение", act_number="20-р", act_date=D(2024, 2, 1))
    ]


@pytest.mark.parametrize(
    "act", ["П О С Т А Н О В Л Е Н И Е", "ПО СТ А НОВ ЛЕ Н ИЕ", "П О С Т А Н О В Л Е Н И Е  "]
)
def test_letter_spaced_act_type_however_spaced(act: str) -> None:
    meta = read_metadata(f"ПРАВИТЕЛЬСТВО ПЕРМСКОГО КРАЯ\n{act}\n16.10.2023 № 845-п", "")
    assert (meta.act_type, meta.issuer) == ("постановление", "Правительство Пермского края")


def test_letter_spaced_words_close_up_word_by_word() -> None:
    meta = read_metadata("П Р А В И Т Е Л Ь С Т В О  М О С К В Ы\nР А С П О Р Я Ж Е Н И Е", "")
    assert (meta.act_type, meta.issuer) == ("распоряжение", "Правительство Москвы")


BILINGUAL = """\
КАБИНЕТ МИНИСТРОВ ТАТАРСТАН РЕСПУБЛИКАСЫ РЕСПУБЛИКИ ТАТАРСТАН МИНИСТРЛАР КАБИНЕТЫ
ПОСТАНОВЛЕНИЕ\tКАРАР
31.10.2023\tг. Казань\t№ 1310
Об утверждении плана мероприятий
В целях реализации инициативы «Государство для людей» Кабинет Министров Республики \
Татарстан ПОСТАНОВЛЯЕТ:"""


def test_bilingual_letterhead_issuer_from_the_enacting_clause() -> None:
    meta = read_metadata(BILINGUAL, BILINGUAL)
    assert (meta.issuer, meta.act_type, meta.act_number, meta.act_date) == (
        "Кабинет Министров Республики Татарстан", "постановление", "1310", D(2023, 10, 31)
    )  # fmt: skip


def test_bilingual_letterhead_without_enacting_clause_gives_no_garbled_issuer() -> None:
    preamble = BILINGUAL.rsplit("\n", 1)[0]
    assert read_metadata(preamble, preamble).issuer is None


GARANT = """\
ГАРАНТ.РУ: http://www.garant.ru/hotlaw/irkutsk/1650000/
Распоряжение Правительства Иркутской области от 28 сентября 2023 г. N 658-рп "Об утверждении \
плана мероприятий ("Дорожной карты") по внедрению Стандартов клиентоцентричности"
С изменениями и дополнениями от:
15 декабря 2023 г., 1 марта 2024 г.
В целях совершенствования"""


def test_garant_header() -> None:
    assert read_metadata(GARANT, GARANT) == DecreeMetadata(
        region="Иркутская область",
        issuer="Правительство Иркутской области",
        act_type="распоряжение",
        act_number="658-рп",
        act_date=D(2023, 9, 28),
        title="Об утверждении плана мероприятий («Дорожной карты») по внедрению Стандартов "
        "клиентоцентричности",
        consolidated_to=[Amendment(act_date=D(2023, 12, 15)), Amendment(act_date=D(2024, 3, 1))],
    )


def test_a_compound_name_broken_at_its_hyphen_is_joined() -> None:
    preamble = (
        "ПРАВИТЕЛЬСТВО ХАНТЫ-МАНСИЙСКОГО АВТОНОМНОГО ОКРУГА – ЮГРЫ\nРАСПОРЯЖЕНИЕ\n"
        "О внесении изменений в распоряжение Правительства Ханты- Мансийского автономного "
        "округа – Югры от 29 сентября 2023 года N 512-рп"
    )
    assert read_metadata(preamble, "").title == (
        "О внесении изменений в распоряжение Правительства Ханты-Мансийского автономного "
        "округа – Югры от 29 сентября 2023 года № 512-рп"
    )


DEV = DATA / "dev"


@pytest.mark.parametrize("path", sorted((DEV / "sources").iterdir()), ids=lambda p: p.name)
def test_dev_decrees_metadata_equals_gold_in_every_format(path: Path) -> None:
    """Other regions, an agency order, a bilingual letterhead, a letter-spaced act type, an
    amending act: region, issuer, act, date, title and amended acts as the gold has them."""
    table = assemble(extractor_for(path).read(path).blocks)
    meta = read_metadata(table.preamble, table.text)
    want = json.loads((DEV / "gold" / f"{path.stem}.json").read_text())["document"]
    del want["template"]
    assert meta.model_dump(mode="json", exclude={"consolidated_to"}) == want
    assert meta.consolidated_to == []
