"""A decree's own identity — issuer, kind of act, number, date, title, the acts it amends and
its region — read from the text before the plan table.

Russian acts open with a fixed heading: the issuer in capitals, the act type, «от <date>
№ <number>», the city, then the «О …»/«Об …» title and the body («В целях …»). Some put the
issuer after the act type in the genitive («УКАЗ ГЛАВЫ РЕСПУБЛИКИ ТАТАРСТАН»); some dumps hold
only the plan's appendix, and then whatever the heading would have said stays None rather than
being guessed from the appendix. Kinds of act and issuers are data (`data/acts.toml`), the 89
regions and their case forms too (`data/regions.toml`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache

from pydantic import BaseModel, Field

from plan_etl.data import load_toml
from plan_etl.models import Amendment
from plan_etl.normalize.dates import find_dates
from plan_etl.normalize.text import clean_text, strip_markup

# A heading typed with its letters spaced out («П О С Т А Н О В Л Е Н И Е»), or spaced
# unevenly by a PDF text layer («ПО СТ А НОВ ЛЕ Н ИЕ»): only capital groups of at most
# `_SPACED_GROUP` letters, at least `_SPACED_GROUPS` of them, so no heading of real words
# («О ПЛАНЕ») qualifies. Words stand apart by two or more spaces.
_SPACED_GROUP = 3
_SPACED_GROUPS = 4
_LETTER_GROUP = re.compile(rf"^[А-ЯЁ]{{1,{_SPACED_GROUP}}}$")
# Legal databases write «N» for «№» («от 18 сентября 2023 г. N 281»): a capital Latin N
# standing alone before a number.
_DATABASE_NUMBER_SIGN = re.compile(r"(?<![\w.])N(?=\s*\d)")
# A compound name broken at its hyphen by a line end and joined with a space by a text
# layer («Ханты- Мансийского»): no word is followed by «- » and a capital otherwise.
_BROKEN_COMPOUND = re.compile(r"(?<=[а-яёА-ЯЁ])- (?=[А-ЯЁ])")
# Гарант runs the quoted title on after the act's number, in the heading's line.
_TITLE_AFTER_NUMBER = re.compile(r"(?<=\w)\s+(?=«(?:О|Об|Обо)\s)")
# A consolidated text lists, under its title, the acts it already includes:
# «Список изменяющих документов (в ред. распоряжения … от 08.11.2023 N 351, от …)».
_CONSOLIDATION = re.compile(
    r"^(?:Список\s+изменяющих\s+документов|\(\s*в\s+ред(?:\.|акции)\s"
    r"|С\s+изменениями\s+и\s+дополнениями)",
    re.IGNORECASE,
)
# Гарант lists only the dates of the amending acts: «С изменениями и дополнениями от:
# 15 декабря 2023 г., 1 марта 2024 г.».
_CONSOLIDATION_DATES = re.compile(
    r"С\s+изменениями\s+и\s+дополнениями\s+от:?\s*(?P<dates>(?:\d{1,2}\s+[а-я]+\s+\d{4}"
    r"\s*(?:г\.|года)?[,\s]*)+)",
    re.IGNORECASE,
)
_CONSOLIDATION_LIST = re.compile(
    r"Список\s+изменяющих\s+документов\s*\((?P<acts>[^()]*(?:\([^()]*\)[^()]*)*)\)",
    re.IGNORECASE,
)
# Гарант quotes the title: «"Об утверждении плана …"».
_TITLE_START = re.compile(r"^«?(?:О|Об|Обо|ОБ|ОБО)\s+[а-яёА-ЯЁ]")
# The body starts with a purpose or ground clause («В целях», «Во изменение», «Руководствуясь»),
# an order («Внести в …», «Утвердить …») or a numbered point; a title never continues with a
# capitalised preposition or verb.
_BODY_START = re.compile(
    r"^(?:(?:Во?|На|Для|Согласно|Руководствуясь|Рассмотрев|Учитывая|Принимая|Внести|Утвердить|"
    r"Признать|Установить|Создать|Образовать|Определить|Назначить|Поручить)\s+[а-яё«]|\d+[.)]\s)"
)
_STAMP = re.compile(r"^(?:утвержден|приложение)", re.IGNORECASE)
_NOT_TITLE = re.compile(r"^(?:г\.\s|от\s+\d|№)")
_NUMBER = re.compile(r"№\s*(?P<number>[\w][\w./-]*)")
_AMENDS = re.compile(
    r"^(?:О\s+внесении\s+изменени[йя]\s+в|(?:\d+\.\s*)?Внести\s+в)\s+(?P<acts>.*)", re.IGNORECASE
)
_ACT_REFERENCE = re.compile(
    r"(?<!\w)от\s+(?P<date1>[^№]{6,30}?)\s*№\s*(?P<number1>[\w][\w./-]*)"
    r"|№\s*(?P<number2>[\w][\w./-]*)\s+от\s+(?P<date2>\d{1,2}(?:[./]\d{1,2}[./]|\s+[а-я]+\s+)\d{2,4})",
    re.IGNORECASE,
)
# The database's own lines: running heads and feet of its pages, its banner.
_BOILERPLATE = re.compile(
    r"^(?:Документ\s+предоставлен\s+КонсультантПлюс|www\.consultant\.ru|Дата\s+сохранения:"
    r"|КонсультантПлюс\s+надежная\s+правовая\s+поддержка|Страница\s+\d+\s+из\s+\d+"
    r"|Система\s+ГАРАНТ|ГАРАНТ\.РУ|Документ\s+в\s+редакции\s+от\s"
    r"|См\.\s+(?:предыдущую\s+редакцию|будущую\s+редакцию|текст\s)"
    r"|.{0,200}\(ред\.\s+от\s+\d{1,2}\.\d{1,2}\.\d{2,4}\))",
    re.IGNORECASE,
)
# The enacting clause names the issuer in the nominative before its verb:
# «… Правительство Курской области ПОСТАНОВЛЯЕТ:».
_ENACTING = re.compile(
    r"(?P<before>[^.;:]*?)\s+(?:ПОСТАНОВЛЯЕТ|ПОСТАНОВЛЯЮ|ПРИКАЗЫВАЮ|РАСПОРЯЖАЕТСЯ|РЕШИЛ[АО]?)\s*:"
)
_QUOTED = re.compile(r"«[^«»]*»")
_HEADING_END = re.compile(r"(?<!\w)(?:от(?!\w)|№|\d)")
_LONG_LINE = 400
_DASH_TOKENS = ("—", "–", "-")


class DecreeMetadata(BaseModel):
    """The `documents` columns a decree's own text gives; None where it does not say."""

    region: str | None = None
    issuer: str | None = None
    act_type: str | None = None
    act_number: str | None = None
    act_date: dt.date | None = None
    title: str | None = None
    amends: list[Amendment] = Field(default_factory=list)
    consolidated_to: list[Amendment] = Field(default_factory=list)


def read_metadata(preamble: str, text: str) -> DecreeMetadata:
    """Metadata from the `preamble` (the text before the plan table, paragraphs joined by
    "\\n"); the region falls back to the whole `text` when the preamble names none."""
    plain = (_plain(x) for x in preamble.split("\n"))
    lines = [part for ln in plain if ln and not boilerplate(ln) for part in _split_act_line(ln)]
    head, title = _head_and_title(lines)
    act_type, issuer = _act_type_and_issuer(head)
    issuer = _checked_issuer(issuer, lines)
    heading = " ".join(head)
    number = _NUMBER.search(heading)
    days = find_dates(heading)
    return DecreeMetadata(
        region=_region_in(issuer or "") or _main_region(preamble) or _main_region(text),
        issuer=issuer,
        act_type=act_type,
        act_number=number["number"].rstrip(".-/") if number else None,
        act_date=days[0] if days else None,
        title=title,
        amends=_amendments(title or _amending_sentence(lines)),
        consolidated_to=_consolidated_to(lines),
    )


def boilerplate(line: str) -> bool:
    """A legal database's own line (banner, page head or foot), not the decree's text."""
    return bool(_BOILERPLATE.match(clean_text(line)))


def _plain(line: str) -> str:
    """One preamble line cleaned, a letter-spaced heading closed up, a compound name broken
    at its hyphen joined again and «N» read as «№»."""
    line = _close_letter_spacing(line.strip())
    line = strip_markup(clean_text(line)).strip()
    return _DATABASE_NUMBER_SIGN.sub("№", _BROKEN_COMPOUND.sub("-", line))


def _close_letter_spacing(line: str) -> str:
    words = [w.split() for w in re.split(r"\s{2,}", line) if w.strip()]
    groups = [g for w in words for g in w]
    if len(groups) < _SPACED_GROUPS or not all(_LETTER_GROUP.match(g) for g in groups):
        return line
    return " ".join("".join(w) for w in words)


# --- heading and title ---------------------------------------------------------------------------


def _head_and_title(lines: list[str]) -> tuple[list[str], str | None]:
    """The heading lines (up to the title or the body) and the title, whose lines run on until
    the body, an appendix stamp or, under a mixed-case title, an upper-case line."""
    for i, line in enumerate(lines):
        if _TITLE_START.match(line):
            return lines[:i], _title_from(lines[i:])
        if _ends_heading(line):
            return lines[:i], None
    return lines, None


def _ends_heading(line: str) -> bool:
    starts_other = _BODY_START.match(line) or _STAMP.match(line) or _CONSOLIDATION.match(line)
    return bool(starts_other) or len(line) > _LONG_LINE


def _title_from(lines: list[str]) -> str:
    title = lines[0]
    shouting = _is_upper(title)
    for line in lines[1:]:
        if _ends_heading(line) or _NOT_TITLE.match(line) or _is_upper(line) != shouting:
            break
        title += " " + line
    if title.startswith("«") and title.endswith("»"):
        title = title[1:-1]  # Гарант's quotes around the title
    return proper_case(title) if shouting else title


def _is_upper(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return len(letters) > 3 and all(ch.isupper() for ch in letters)


# --- act type and issuer -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Acts:
    types: dict[str, str]  # stem -> act type
    word: re.Pattern[str]  # any case form of an act type
    heading: re.Pattern[str]  # an act type written in capitals
    nominative: re.Pattern[str]  # an issuer's head word in the nominative
    genitive: dict[str, str]  # issuer head word, genitive -> nominative
    title_words: tuple[str, ...]  # stems capitalised before a region


@cache
def _acts() -> _Acts:
    data = load_toml("acts.toml")
    types = {t["stem"]: t["name"] for t in data["act_type"]}
    stems = "|".join(sorted(types, key=len, reverse=True))
    names = "|".join(t["name"].upper() for t in data["act_type"])
    nominative = "|".join(i["nominative"] for i in data["issuer"])
    return _Acts(
        types=types,
        word=re.compile(rf"(?<!\w)(?P<stem>{stems})[а-яё]{{0,3}}(?!\w)", re.IGNORECASE),
        heading=re.compile(rf"(?<![\w-])(?P<type>{names})(?![\w-])"),
        nominative=re.compile(rf"(?<!\w)(?:{nominative})(?!\w)", re.IGNORECASE),
        genitive={i["genitive"]: i["nominative"] for i in data["issuer"]},
        title_words=tuple(data["capitalised"]["before_region"]),
    )


def _act_type_and_issuer(head: list[str]) -> tuple[str | None, str | None]:
    """The act type (its capitalised heading word, or a line that is only that word) and the
    issuer named before it («ПРАВИТЕЛЬСТВО КУРСКОЙ ОБЛАСТИ / ПОСТАНОВЛЕНИЕ») or after it in
    the genitive («УКАЗ ГЛАВЫ РЕСПУБЛИКИ ТАТАРСТАН»)."""
    acts = _acts()
    names = set(acts.types.values())
    heading = " ".join(_act_word_upper(ln, names) for ln in head)
    m = acts.heading.search(heading)
    if not m:
        return None, None
    return m["type"].lower(), _issuer_before(heading[: m.start()]) or _issuer_after(
        heading[m.end() :]
    )


def _act_word_upper(line: str, names: set[str]) -> str:
    """A line that is only an act type, or an act line (`_is_act_line`), with the act type
    in capitals, as a heading prints it."""
    if line.lower() in names:
        return line.upper()
    first, _, rest = line.partition(" ")
    return f"{first.upper()} {rest}" if _is_act_line(line) else line


def _is_act_line(line: str) -> bool:
    """Гарант's heading: an act type, its issuer in the genitive, date and number in one line
    («Распоряжение Правительства Иркутской области от 28 сентября 2023 г. N 658-рп»)."""
    words = line.split(" ", 2)
    return (
        len(words) > 2
        and words[0].lower() in _acts().types.values()
        and words[1].lower() in _acts().genitive
    )


def _split_act_line(line: str) -> list[str]:
    """An act line with its quoted title run on («… N 658-рп "Об утверждении …"») as two."""
    return _TITLE_AFTER_NUMBER.split(line, maxsplit=1) if _is_act_line(line) else [line]


def _checked_issuer(issuer: str | None, lines: list[str]) -> str | None:
    """The heading's issuer, unless words follow its region: a bilingual letterhead read
    line by line interleaves its columns («КАБИНЕТ МИНИСТРОВ ТАТАРСТАН РЕСПУБЛИКАСЫ / РЕСПУБЛИКИ
    ТАТАРСТАН МИНИСТРЛАР КАБИНЕТЫ»). Then the issuer the enacting clause names («… Кабинет
    Министров Республики Татарстан ПОСТАНОВЛЯЕТ:»), else None rather than a garbled name."""
    region = _find_region(issuer or "")
    if issuer is None or region is None or not issuer[region.end :].strip(" ,.–—-"):
        return issuer
    clause = next((m for m in map(_ENACTING.search, lines) if m), None)
    starts = list(_acts().nominative.finditer(clause["before"])) if clause else []
    return clause["before"][starts[-1].start() :].strip() if clause and starts else None


def _issuer_before(text: str) -> str | None:
    start = _acts().nominative.search(text)
    return _heading_case(text[start.start() :]) if start else None


def _issuer_after(text: str) -> str | None:
    """The genitive issuer after the act type, up to its region or to «от»/«№»/a date."""
    text = _HEADING_END.split(text, maxsplit=1)[0]
    words = text.split()
    if not words or words[0].lower() not in _acts().genitive:
        return None
    region = _find_region(text)
    issuer = _heading_case(text[: region.end] if region else text)
    if not issuer:
        return None
    head = issuer.split()[0]
    return _acts().genitive[head.lower()].capitalize() + issuer[len(head) :]


def _heading_case(text: str) -> str | None:
    text = " ".join(text.split()).strip(" ,.")
    return (proper_case(text) if _is_upper(text) else text) or None


# --- regions -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Name:
    name: str  # the nominative; "" for a proper name that is not a region
    pattern: re.Pattern[str]
    spellings: tuple[str, ...]  # per token group: the capitals it keeps


@dataclass(frozen=True)
class _Found:
    name: str
    start: int
    end: int
    cased: str  # the matched text with the name's capitals


def warm_metadata() -> None:
    """Compile the region and name patterns now (≈ 0.1 s): a process about to fork workers
    does it once for all of them."""
    _names()


@cache
def _names() -> tuple[tuple[_Name, ...], tuple[_Name, ...]]:
    """Compiled case-form patterns of the regions and of the other proper names."""
    data = load_toml("regions.toml")
    endings = data["endings"]
    regions = tuple(_compile(r, endings) for r in data["region"])
    proper = tuple(_compile({"name": "", **p}, endings) for p in data["proper"])
    return regions, proper


def _compile(entry: dict, endings: dict[str, list[str]]) -> _Name:
    """One regex for every case form of a name; group gN holds its N-th word."""
    tokens = [*entry["words"], *entry.get("tail", [])]
    parts = []
    for n, token in enumerate(tokens):
        if token in _DASH_TOKENS:
            parts.append(r"\s*[-–—]\s*")
            continue
        stem, _, cls = token.partition("|")
        ends = "|".join(re.escape(e) for e in sorted(endings.get(cls, [""]), key=len, reverse=True))
        space = r"\s+" if parts and not parts[-1].endswith(r"\s*") else ""
        parts.append(rf"{space}(?P<g{n}>{re.escape(stem)}(?:{ends}))")
    main = "".join(parts[: len(entry["words"])])
    tail = "".join(parts[len(entry["words"]) :])
    aliases = "".join(f"|{re.escape(a)}" for a in entry.get("aliases", []))
    pattern = rf"(?<![\w-])(?:{main}(?:{tail})?{aliases})(?![\w-])"
    spellings = tuple(t.partition("|")[0] for t in tokens)
    return _Name(entry["name"], re.compile(pattern, re.IGNORECASE), spellings)


def _matches(names: tuple[_Name, ...], text: str) -> list[_Found]:
    found = []
    for entry in names:
        for m in entry.pattern.finditer(text):
            found.append(_Found(entry.name, m.start(), m.end(), _cased(m, entry.spellings)))
    return sorted(found, key=lambda f: f.start)


def _cased(m: re.Match[str], spellings: tuple[str, ...]) -> str:
    """The matched text with the capitals of the name's own spelling."""
    out, pos = [], m.start()
    for n, stem in enumerate(spellings):
        group = m.groupdict().get(f"g{n}")
        if group is None:
            continue
        begin = m.start(f"g{n}")
        cased = "".join(s if s.isupper() else g for s, g in zip(stem, group, strict=False))
        out.append(m.string[pos:begin] + cased + group[len(stem) :])
        pos = m.end(f"g{n}")
    return "".join(out) + m.string[pos : m.end()]


def _find_region(text: str) -> _Found | None:
    found = _matches(_names()[0], text)
    return found[0] if found else None


def _region_in(text: str) -> str | None:
    region = _find_region(text)
    return region.name if region else None


def _main_region(text: str) -> str | None:
    """The region a text names most often (the first named, on a tie)."""
    counts = Counter(f.name for f in _matches(_names()[0], text))
    return counts.most_common(1)[0][0] if counts else None


def proper_case(text: str) -> str:
    """An upper-case heading in sentence case, keeping the capitals of region and other
    proper names and of the offices named right before a region: «ГУБЕРНАТОР САМАРСКОЙ
    ОБЛАСТИ» → «Губернатор Самарской области», «ПРАВИТЕЛЬСТВО РЕСПУБЛИКИ ДАГЕСТАН» →
    «Правительство Республики Дагестан»."""
    low = text.lower()
    regions, proper = _names()
    spans = sorted(_matches(regions, low) + _matches(proper, low), key=lambda f: f.start)
    out, pos = [], 0
    for span in spans:
        if span.start < pos:
            continue
        out.append(_capitalise_titles(low[pos : span.start]) + span.cased)
        pos = span.end
    result = "".join(out) + low[pos:]
    return result[:1].upper() + result[1:]


def _capitalise_titles(before: str) -> str:
    """Capitalise the run of office words that ends right before a proper name
    («председателя правительства ⟨Курской области⟩»)."""
    words = before.split(" ")
    i = len(words) - 1 if words and words[-1] == "" else len(words)
    while i > 0 and words[i - 1].startswith(_acts().title_words):
        words[i - 1] = words[i - 1].capitalize()
        i -= 1
    return " ".join(words)


# --- amended acts --------------------------------------------------------------------------------


def _amending_sentence(lines: list[str]) -> str | None:
    """«Внести в постановление … изменения» in the body, for a decree without a title."""
    return next((ln for ln in lines if _AMENDS.match(ln) and not _TITLE_START.match(ln)), None)


def _amendments(sentence: str | None) -> list[Amendment]:
    """The acts named after «О внесении изменений в» (or «Внести в»), each with the act type
    named last before its «от <date> № <number>»; quoted titles of those acts are skipped."""
    m = _AMENDS.match(sentence or "")
    if not m:
        return []
    acts = m["acts"]
    while _QUOTED.search(acts):
        acts = _QUOTED.sub(" ", acts)
    acts = re.split(r"\bизменени", acts, maxsplit=1)[0]
    return act_references(acts)


def _consolidated_to(lines: list[str]) -> list[Amendment]:
    """The acts a consolidated text includes, listed under «Список изменяющих документов»
    (КонсультантПлюс), or only their dates after «С изменениями и дополнениями от:» (Гарант)."""
    text = " ".join(lines)
    if m := _CONSOLIDATION_LIST.search(text):
        return act_references(m["acts"])
    if m := _CONSOLIDATION_DATES.search(text):
        return [Amendment(act_date=day) for day in find_dates(m["dates"])]
    return []


def act_references(text: str) -> list[Amendment]:
    """Every «от <date> № <number>» (or «№ … от …») in `text` as an act, typed by the act
    word named last before it: «распоряжений … от 08.11.2023 № 351, от 12.02.2024 № 40» gives
    two распоряжения. «N» counts as «№», as legal databases print it."""
    text = _DATABASE_NUMBER_SIGN.sub("№", text)
    out = []
    for ref in _ACT_REFERENCE.finditer(text):
        days = find_dates(ref["date1"] or ref["date2"])
        kinds = list(_acts().word.finditer(text, 0, ref.start()))
        out.append(
            Amendment(
                act_type=_acts().types[kinds[-1]["stem"].lower()] if kinds else None,
                act_number=(ref["number1"] or ref["number2"]).rstrip(".-/"),
                act_date=days[0] if days else None,
            )
        )
    return out
