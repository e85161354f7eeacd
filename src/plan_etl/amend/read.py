"""The changes an amending decree's text makes to a plan, read from an extractor's blocks.

An amending decree («О внесении изменений в …») says what it changes in sentences, one change
or several to a sentence, with the new wording quoted inline or given as table rows after the
sentence. The reader works on the decree's body, from its enacting clause («Внести в …
следующие изменения:») to its closing points or signature:

- quoted spans («…», nested too) are masked first, so the words of a new wording or of a
  quoted title never read as instructions;
- the body is split into clauses at «;», «:» and sub-point markers («1)», «а)», «1.2.»), and
  a clause of several actions («пункт 2.3 исключить, пункт 3.1 изложить …») at the comma or
  «и» before the next item word;
- a clause that ends with «:» and does no action is a context for the clauses after it: the
  object changed (the plan or its appendix, or the decree's own text), items («в пункте 1.4:»)
  or a column («в графе «Срок»:»);
- an action clause gives one change per item it names (ranges «3.5–3.7» and «с 3.5 по 3.7»
  expanded), with its column, old and new words, or the new row: quoted inline, or the table
  rows that follow the clause.

Only changes to a plan are kept: a clause whose object is the decree's own text («пункт 3
изложить …» under «Внести в распоряжение …:») changes no plan item and is reported in the
warnings, never read as one. A whole appendix restated («приложение изложить в новой
редакции») is a full plan, which `assemble` reads as any plan: `restates_plan` says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from plan_etl.extract.base import Block
from plan_etl.models import Amendment
from plan_etl.normalize.dates import parse_deadline
from plan_etl.normalize.metadata import act_references
from plan_etl.normalize.text import clean_text, join_fragments, paragraphs_of
from plan_etl.vocabulary import (
    ITEM_NUMBER,
    header_role,
    header_roles,
    is_column_number_row,
    is_item_number,
)

FIELD_OF_ROLE = {
    "activity": "activity",
    "deadline": "deadline_raw",
    "responsible": "responsible_raw",
    "result": "result_document",
}
ROW_ROLES = ("activity", "deadline", "responsible", "result")

_NUM = r"\d+(?:\.\d+)*[а-я]?"
_SEP = r"\s*(?:,|и|–|—|-|по)\s*"
_LIST = rf"(?:с\s+)?{_NUM}\.?(?:{_SEP}{_NUM}\.?)*"
_ITEM_WORD = r"(?:под)?(?:пункт|строк|позици)\w*"
ITEMS = re.compile(rf"(?<!\w){_ITEM_WORD}\s+(?P<list>{_LIST})(?!\w)", re.IGNORECASE)
_AFTER = re.compile(rf"после\s+{_ITEM_WORD}\s+(?P<num>{_NUM})\.?", re.IGNORECASE)
_QUOTE = "\x00Q{}\x00"
_QUOTE_REF = re.compile(r"\x00Q(\d+)\x00")
_Q = r"\x00Q(\d+)\x00"

_ENACTING = re.compile(r"(?:^|\s)внести\s+в\s|изменени\w*\s*:|вносятся\s+в\s", re.IGNORECASE)
_END = re.compile(
    r"^(?:\d+\.\s*)?(?:Настоящ\w+\s+\w+\s+вступает|Контроль\s+(?:за|исполнени)|"
    r"Опубликовать|Приложение(?:\s|$)|(?:Губернатор|Председатель|Глава|Министр|"
    r"Руководитель|Временно\s+исполняющ)\w*(?:\s+\S+){0,6}$)",
    re.IGNORECASE,
)
_MARKER = re.compile(r"(?:^|(?<=[.;:\n]))\s*(?:\d+(?:\.\d+)*[.)]|[а-я]\))\s+")
_SPLIT = re.compile(r"[;:\x01]")
_NEXT_ACTION = re.compile(
    rf"(?:,|\s+и)\s+(?=(?:а\s+)?(?:в\s+)?(?:{_ITEM_WORD}|граф\w*|столб\w*)\s)", re.IGNORECASE
)
_IN_OBJECT = re.compile(
    r"(?:^|\s)(?:внести\s+)?в\s+(?P<noun>(?:прилож|план|дорожн|раздел|таблиц|перечн|распоряж|"
    r"постановл|приказ|указ|решени)\w*)",
    re.IGNORECASE,
)
_PLAN_NOUN = re.compile(r"^(?:прилож|план|дорожн|раздел|таблиц|перечн)", re.IGNORECASE)
_OWN_OBJECT = re.compile(
    rf"{_ITEM_WORD}\s+{_LIST}\s+(?P<noun>(?:прилож|план|дорожн|раздел|распоряж|постановл|приказ)\w*)",
    re.IGNORECASE,
)
_COLUMN = re.compile(rf"(?:граф|столб|колонк)\w*\s+{_Q}", re.IGNORECASE)
_EDIT = re.compile(
    rf"(?:слов\w*|цифр\w*|текст\w*|сочетани\w*|дат\w*)\s+{_Q}\s+заменить\s+\w+\s+{_Q}",
    re.IGNORECASE,
)
_DELETE = re.compile(rf"(?:слов\w*|цифр\w*|текст\w*)\s+{_Q}\s+исключить", re.IGNORECASE)
_INSERT = re.compile(rf"после\s+слов\w*\s+{_Q}\s+дополнить\s+слов\w*\s+{_Q}", re.IGNORECASE)
_REPEAL = re.compile(r"утратившим\w*\s+силу|(?<!\w)исключить", re.IGNORECASE)
_REPLACE = re.compile(r"изложить\s+в\s+(?:(?:следующей|новой)\s+)?редакции", re.IGNORECASE)
_ADD = re.compile(rf"дополнить\s+(?:\w+\s+){{0,2}}?(?={_ITEM_WORD}\s)", re.IGNORECASE)
_WHOLE_PLAN = re.compile(
    r"(?:прилож\w*|план\w*|дорожн\w*\s+карт\w*)[^.;]{0,200}?изложить\s+в\s+(?:новой\s+)?редакции"
    r"|изложить\s+в\s+(?:новой\s+)?редакции\s+(?:согласно\s+приложени|\(?прилага)",
    re.IGNORECASE,
)

NO_WORDING = "the new wording of the item was not found after the instruction"
# Words of an instruction: a clause that has one but gives no change is reported, not dropped.
_WORDING = re.compile(r"редакции|содержания", re.IGNORECASE)  # the new wording follows
_ITEM_CONTEXT = re.compile(rf"^\W*в\s+{_ITEM_WORD}\s", re.IGNORECASE)  # «в пункте 1.2:»
_VERB = re.compile(r"заменить|дополнить|изложить|исключить|утратившим", re.IGNORECASE)
STRAY_ROWS_LIMIT = 5
"""Most table rows after an amending text that no instruction takes for its new wording: a
decree with more is a plan restated in words the reader did not recognise as a restatement
(«утвердить план в новой редакции …»), read as the full plan it is, never as item changes."""
OWN_TEXT = "changes the decree's own text, not its plan: not read as a plan change"


@dataclass(slots=True)
class ReadChange:
    """One change as the text states it; cells are the new row's, by role."""

    item_number: str
    action: str
    target: Amendment | None = None
    after_item: str | None = None
    column: str | None = None  # the `field` of amendments.parquet
    old_text: str | None = None
    new_text: str | None = None
    cells: dict[str, str] | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass(slots=True)
class AmendingText:
    """What the reader found in a decree's body."""

    changes: list[ReadChange] = field(default_factory=list)
    restates_plan: bool = False  # «приложение изложить в новой редакции»: a full plan follows
    warnings: list[str] = field(default_factory=list)
    preamble: str = ""  # the text before the body, for the decree's metadata
    stray_rows: int = 0  # table rows no instruction took as its new wording

    @property
    def changes_items(self) -> bool:
        """The decree changes single plan items and holds no plan of its own."""
        return (
            bool(self.changes) and not self.restates_plan and (self.stray_rows <= STRAY_ROWS_LIMIT)
        )


def mask_quotes(text: str) -> tuple[str, list[str]]:
    """`text` with every outermost «…» span replaced by a placeholder, and the spans' inner
    texts in order (an unclosed quote runs to the end of the text)."""
    out, quotes, depth, start = [], [], 0, 0
    for i, ch in enumerate(text):
        if ch == "«":
            if depth == 0:
                start = i
            depth += 1
        elif ch == "»" and depth:
            depth -= 1
            if depth == 0:
                out.append(_QUOTE.format(len(quotes)))
                quotes.append(text[start + 1 : i])
        elif depth == 0:
            out.append(ch)
    if depth:
        out.append(_QUOTE.format(len(quotes)))
        quotes.append(text[start + 1 :])
    return "".join(out), quotes


def expand(listed: str) -> tuple[list[str], list[str]]:
    """The item numbers of «2.3, 2.5 и 3.5–3.7» (a range of numbers that differ in their last
    part only is every number between them), with a warning for a range it cannot expand."""
    numbers: list[str] = []
    warnings: list[str] = []
    parts = re.split(rf"({_SEP})", re.sub(r"^с\s+", "", listed.strip()))
    pending_range = False
    for part in parts:
        token = part.strip().rstrip(".")
        if not token or token in (",", "и"):
            continue
        if token in ("–", "—", "-", "по"):
            pending_range = True
            continue
        if pending_range and numbers:
            numbers.extend(_range(numbers[-1], token, warnings))
        else:
            numbers.append(token)
        pending_range = False
    return list(dict.fromkeys(numbers)), warnings


def _range(first: str, last: str, warnings: list[str]) -> list[str]:
    head_a, _, tail_a = first.rpartition(".")
    head_b, _, tail_b = last.rpartition(".")
    if head_a == head_b and tail_a.isdigit() and tail_b.isdigit() and int(tail_a) < int(tail_b):
        prefix = f"{head_a}." if head_a else ""
        return [f"{prefix}{n}" for n in range(int(tail_a) + 1, int(tail_b) + 1)]
    warnings.append(f"range {first}–{last} read as its two ends only")
    return [last]


def _object_is_plan(masked: str) -> bool | None:
    """Whether a clause's object is the plan (True), the decree's own text (False), or it
    does not say (None)."""
    own = _OWN_OBJECT.search(masked)
    if own:
        return bool(_PLAN_NOUN.match(own["noun"]))
    m = _IN_OBJECT.search(masked)
    return bool(_PLAN_NOUN.match(m["noun"])) if m else None


@dataclass(slots=True)
class _Context:
    """What earlier context clauses («в приложении:», «в пункте 1.4:») set."""

    plan: bool | None = None
    target: Amendment | None = None
    items: list[str] = field(default_factory=list)
    column: str | None = None


def _pieces(blocks: list[Block]) -> list[str | tuple[str, ...]]:
    """Each block as a paragraph text or a table row, in order (a one-cell row that holds
    no item number is a paragraph set in a table)."""
    out: list[str | tuple[str, ...]] = []
    for block in blocks:
        if block.cells is not None:
            filled = [c for c in block.cells if c.strip()]  # cleaned only if it is a paragraph
            if len(filled) != 1 or is_item_number(clean_text(filled[0]).split()[0]):
                out.append(block.cells)
                continue
            text = clean_text(filled[0])
        else:
            text = clean_text(block.text or "")
        if text:
            out.append(text)
    return out


def read_amending(blocks: list[Block]) -> AmendingText:
    """The plan changes stated in a decree's body (see the module docstring): everything from
    the enacting clause on; closing points, signatures and appendix headings end the reach of
    an instruction over the rows that follow."""
    pieces = _pieces(blocks)
    first = next(
        (
            i
            for i, p in enumerate(pieces)
            if isinstance(p, str) and _ENACTING.search(mask_quotes(p)[0])
        ),
        None,
    )
    texts = [p for p in pieces[:first] if isinstance(p, str)]
    result = AmendingText(preamble="\n".join(texts))
    if first is None:
        return result
    reader = _Reader(result)
    run: list[str] = []
    for piece in pieces[first:]:
        if isinstance(piece, str) and not (_END.match(piece) and not _VERB.search(piece)):
            run.append(piece)
            continue
        if run:
            reader.text("\n".join(run))
            run = []
        if isinstance(piece, str):
            reader.finish()  # a closing point or signature: no row after it is a new wording
        else:
            reader.row(piece)
    if run:
        reader.text("\n".join(run))
    reader.finish()
    return result


class _Reader:
    """Walks the body's texts and rows, keeping the context and the changes awaiting rows."""

    def __init__(self, result: AmendingText) -> None:
        self.result = result
        self.context = _Context()
        self.awaiting: list[ReadChange] = []  # replace/add changes whose rows may follow
        self.rows: list[list[str]] = []
        self.roles: tuple[str | None, ...] | None = None
        self.stray = 0  # rows in a run that follow no replace/add instruction

    def _count_stray(self) -> None:
        if self.stray:
            self.result.warnings.append(f"{self.stray} row(s) follow no replace/add instruction")
            self.result.stray_rows += self.stray
            self.stray = 0

    def text(self, text: str) -> None:
        self._count_stray()
        self._place_rows()
        masked, quotes = mask_quotes(text)
        # a word of an instruction hyphenated at a line end (quoted words are left as printed)
        masked = re.sub(r"(?<=[а-яё])-\s*\n?\s*(?=[а-яё])", "", masked)
        for clause in _clauses(masked):
            self._clause(clause, quotes)

    def row(self, cells: tuple[str, ...]) -> None:
        if not self.awaiting:  # a plan's rows, an appendix: no instruction wants them
            self.stray += 1
            return
        if header_roles(cells):
            self.roles = header_roles(cells)
            return
        if is_column_number_row(cells):
            return
        cleaned = [clean_text(c) for c in cells]
        cleaned[0] = cleaned[0].lstrip("«").strip()
        cleaned[-1] = re.sub(r"»\s*[;.]?$", "", cleaned[-1]).strip()
        if self.rows and not cleaned[0] and len(cleaned) == len(self.rows[-1]):
            pairs = zip(self.rows[-1], cleaned, strict=True)
            self.rows[-1] = [join_fragments([a, b]) for a, b in pairs]
        else:
            self.rows.append(cleaned)

    def finish(self) -> None:
        self._count_stray()
        self._place_rows()
        for change in self.awaiting:
            if change.cells is None and change.new_text is None:
                change.warnings.append(NO_WORDING)
        self.awaiting = []

    def _clause(self, clause: str, quotes: list[str]) -> None:
        only_quote = _QUOTE_REF.fullmatch(clause.strip(" .;,»"))
        if only_quote and self.awaiting:  # «…» wording standing after «редакции:»
            self._wording(quotes[int(only_quote[1])])
            return
        plan = _object_is_plan(clause)
        refs = act_references(_QUOTE_REF.sub(" ", clause))
        if _WHOLE_PLAN.search(clause) and not ITEMS.search(clause):
            self.result.restates_plan = True
            return
        action = _action(clause)
        if action is None:
            if _VERB.search(clause):
                self.result.warnings.append(
                    f"instruction not understood: «{_shown(clause, quotes)}»"
                )
            self._set_context(clause, quotes, plan, refs)
            return
        self.awaiting = []
        is_plan = plan if plan is not None else self.context.plan
        changes = _changes(clause, quotes, action, self.context)
        if not changes:
            if is_plan is not False:
                self.result.warnings.append(f"no item named in «{_shown(clause, quotes)}»")
            return
        if not is_plan:
            shown = ", ".join(c.item_number for c in changes)
            self.result.warnings.append(f"пункт {shown}: {OWN_TEXT}")
            return
        target = refs[0] if refs and plan else self.context.target
        for change in changes:
            change.target = target
        self.result.changes.extend(changes)
        if action in ("replace", "add"):  # a cell restated is an edit awaiting its words
            self.awaiting = changes
            wording = _WORDING.search(clause)
            inline = _QUOTE_REF.findall(clause[wording.end() :]) if wording else []
            for q in map(int, inline):
                self._wording(quotes[q])

    def _set_context(
        self, clause: str, quotes: list[str], plan: bool | None, refs: list[Amendment]
    ) -> None:
        column = _COLUMN.search(clause)
        items = [n for m in ITEMS.finditer(clause) for n in expand(m["list"])[0]]
        if plan is not None:
            self.context = _Context(plan=plan, target=refs[0] if refs else self.context.target)
        elif refs:
            self.context.target = refs[0]
        if items and _ITEM_CONTEXT.match(clause) and not _VERB.search(clause):
            self.context.items, self.context.column = items, None
        if column:
            self.context.column = FIELD_OF_ROLE.get(header_role(quotes[int(column[1])]) or "")

    def _wording(self, quoted: str) -> None:
        """A quoted new wording: a row of cells (tab or «|» separated) or a paragraph."""
        text = quoted.strip()
        if "\t" in text or " | " in text:
            self.rows.append([clean_text(c) for c in re.split(r"\t| \| ", text)])
        else:
            self.rows.append([clean_text(text)])
        self._place_rows()

    def _place_rows(self) -> None:
        """Give the rows read since the last instruction to the changes awaiting them: by the
        item number in the row's first cell, else in order."""
        if not self.rows:
            return
        rows, self.rows = self.rows, []
        if not self.awaiting:
            self.result.warnings.append(f"{len(rows)} row(s) follow no replace/add instruction")
            self.result.stray_rows += len(rows)
            return
        open_changes = [c for c in self.awaiting if c.cells is None and c.new_text is None]
        if open_changes and open_changes[0].action == "edit":  # a cell restated: its words
            for change in open_changes:
                change.new_text = clean_text(" ".join(c for r in rows for c in r))
            return
        for cells in rows:
            number, by_role, notes = _row_cells(cells, self.roles)
            change = next((c for c in open_changes if c.item_number == number), None)
            if change is None and open_changes:
                change = open_changes[0]
                if number:
                    named = change.item_number
                    notes.append(f"new row numbered {number}, the instruction names {named}")
            if change is None:
                self.result.warnings.append(f"row {number or '?'} follows no open instruction")
                continue
            open_changes.remove(change)
            change.cells = by_role
            change.warnings.extend(notes)


def _clauses(masked: str) -> list[str]:
    """A masked text cut into clauses, each ending where its «;», «:» or line ends, and a
    clause of several actions cut before each next one."""
    out: list[str] = []
    for line in _SPLIT.split(_MARKER.sub("\x01", masked).replace("\n", " ")):
        parts = _NEXT_ACTION.split(line)
        merged: list[str] = []
        for part in parts:
            if merged and _action(merged[-1]) is None:
                merged[-1] = f"{merged[-1]}, {part}"
            else:
                merged.append(part)
        out.extend(p.strip() for p in merged if p.strip())
    return out


def _action(clause: str) -> str | None:
    """The action a clause does: edit, replace, add or repeal; None for a context."""
    if _EDIT.search(clause) or _DELETE.search(clause) or _INSERT.search(clause):
        return "edit"
    if _REPLACE.search(clause):
        return "replace"
    if _ADD.search(clause):
        return "add"
    if _REPEAL.search(clause):
        return "repeal"
    return None


def _changes(clause: str, quotes: list[str], action: str, context: _Context) -> list[ReadChange]:
    """The changes of one action clause: one per item (and per word pair of an edit)."""
    after = _AFTER.search(clause)
    without_after = clause[: after.start()] + clause[after.end() :] if after else clause
    if action == "add" and (added := _ADD.search(without_after)):
        without_after = without_after[added.end() :]  # «пункт 3 дополнить подпунктом 3.1»
    items: list[str] = []
    warnings: list[str] = []
    for m in ITEMS.finditer(without_after):
        numbers, notes = expand(m["list"])
        items.extend(numbers)
        warnings.extend(notes)
    items = list(dict.fromkeys(items))
    if not items and action in ("edit", "replace") and (action == "edit" or context.column):
        items = list(context.items)  # «в пункте 1.2: а) слова … заменить …»
    if action == "edit":
        column = _COLUMN.search(clause)
        field_name = context.column
        if column:
            role = header_role(quotes[int(column[1])])
            field_name = FIELD_OF_ROLE.get(role or "")
            if role is None:
                warnings.append(f"column «{quotes[int(column[1])]}» not recognised")
        pairs = [(quotes[int(a)], quotes[int(b)]) for a, b in _EDIT.findall(clause)]
        pairs += [(quotes[int(a)], "") for a in _DELETE.findall(clause)]
        pairs += [
            (quotes[int(a)], f"{quotes[int(a)]} {quotes[int(b)]}")
            for a, b in _INSERT.findall(clause)
        ]
        return [
            ReadChange(
                item,
                "edit",
                column=field_name,
                old_text=clean_text(old),
                new_text=clean_text(new),
                warnings=list(warnings),
            )
            for item in items
            for old, new in pairs
        ]
    column = _COLUMN.search(clause)
    if action == "replace" and (column or context.column):  # «графу «Срок» … изложить …»
        field_name = context.column
        if column:
            field_name = FIELD_OF_ROLE.get(header_role(quotes[int(column[1])]) or "")
        if field_name is None:
            return []  # a column it does not know: reported as no item, never a whole row
        return [
            ReadChange(item, "edit", column=field_name, warnings=list(warnings)) for item in items
        ]
    changes = [ReadChange(item, action, warnings=list(warnings)) for item in items]
    if action == "add":
        for k, change in enumerate(changes):
            said = after[1].rstrip(".") if after and k == 0 else None
            implied = changes[k - 1].item_number if k else _previous(change.item_number)
            change.after_item = said or implied
    return changes


def _shown(clause: str, quotes: list[str]) -> str:
    """A clause as printed (its quotes put back), cut short for a warning."""
    text = _QUOTE_REF.sub(lambda m: f"«{quotes[int(m[1])]}»", clause)
    return text if len(text) <= 100 else text[:99] + "…"


def _previous(number: str) -> str | None:
    """The item a new item follows by its number: 3.9 → 3.8; none for a first item."""
    head, _, last = number.rpartition(".")
    if last.isdigit() and int(last) > 1:
        return f"{head}.{int(last) - 1}" if head else str(int(last) - 1)
    return None


def _row_cells(
    cells: list[str], roles: tuple[str | None, ...] | None
) -> tuple[str | None, dict[str, str], list[str]]:
    """A new row's item number and cells by role: by the header the amending text gives,
    else the number first, the activity next, the deadline the cell that reads as one and
    the responsible and result in the order they stand."""
    notes: list[str] = []
    if roles and len(roles) == len(cells):
        by_role = {r: c for r, c in zip(roles, cells, strict=True) if r and c}
        number = by_role.pop("number", None)
        return (number.rstrip(".") if number else None), by_role, notes
    rest = list(cells)
    number = None
    if rest and ITEM_NUMBER.match(rest[0]):
        number = rest.pop(0).rstrip(".")
    elif rest and (m := re.match(rf"^({_NUM})\.?\s+(\S.*)$", rest[0])):
        number, rest[0] = m[1], m[2]
    if not rest:
        return number, {}, notes
    by_role = {"activity": rest.pop(0)}
    dated = [i for i, c in enumerate(rest) if _reads_as_deadline(c)]
    if rest and not dated:
        notes.append("no cell of the new row reads as a deadline: cells taken in plan order")
        dated = [0]
    if rest:
        by_role["deadline"] = rest.pop(dated[0])
    for role, cell in zip(("responsible", "result"), rest, strict=False):
        by_role[role] = cell
    if len(rest) > 2:
        notes.append(f"new row has {len(cells)} cells; the last {len(rest) - 2} not read")
    if len(cells) == 1 and number:
        notes.append("the new wording gives no deadline, responsible or result cell")
    return number, {r: c for r, c in by_role.items() if c}, notes


def _reads_as_deadline(cell: str) -> bool:
    deadline = parse_deadline(cell)
    return deadline.date is not None or deadline.done or deadline.recurring


def cell_paragraphs(cells: dict[str, str]) -> dict[str, list[str]]:
    """The new row's cells as the paragraphs a `LogicalRow` holds."""
    return {role: paragraphs_of(text) for role, text in cells.items()}
