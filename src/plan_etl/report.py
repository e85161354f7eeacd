"""`plan-etl report`: the dataset as one self-contained HTML page for analysts, in Russian.

The page has four parts: an overview (decrees, rows, the matched share, deadlines by quarter);
the coverage of the federal template — each plan against the items of its own template,
items of the other template greyed rather than counted missing — grouped by block in
collapsible `<details>`; a section per decree with its rows, deadlines and responsible bodies,
every row linked to its source file and page; the matches a person should check (rows in
review) with the reason in plain words and the runner-up item, both by their wording; and,
apart, the rows with a reading note (a merged cell copied down, a row across a page break).
A duplicate file (the same decree as another) is named in one line and counted nowhere. A decree
filter and a text search (a few lines of inline JavaScript) narrow every part at once.

The page must stay ≤ 1.5 MB for all of Russia's regions (≈ 90 decrees, ≈ 5,000 rows), where
the full HTML is ≈ 4.5 MB. So the parts that grow with the dataset — each coverage block's
matrix, each decree's section, the attention list — are rendered by the macros of
`report-parts.html.j2` and carried packed (`pack`: gzipped, base64) in one <script> element;
the page's script unpacks them once (the browser's own DecompressionStream) and inserts a part
when its <details> opens, a link leads into it or a filter has to look inside it. The overview
and the decree list stay plain HTML.

Charts are SVG drawn here in Python: the one chart the page needs (rows per deadline quarter)
is a few dozen rectangles, a few kilobytes inline, crisp at any width and readable without
JavaScript — where a charting library (plotly.js ≈ 4.8 MB) would be most of the file. The
matrix and the lists are HTML tables: searchable with Ctrl+F, copyable, and at phone width
the row tables turn into cards while the matrix scrolls inside its own box, so the page
itself never scrolls sideways.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
import pandas as pd

from plan_etl import __version__
from plan_etl.catalogue import catalogue
from plan_etl.data import load_toml
from plan_etl.loader import Dataset, load
from plan_etl.match import SETTINGS
from plan_etl.models import SCHEMA_VERSION

TITLE = "Дорожные карты по внедрению клиентоцентричности: отчёт по набору данных"
PRESENT_STATUSES = ("matched", "review")
TOP_BODIES = 8  # responsible bodies listed per decree: enough to see who carries the plan
# The review list repeats a row's activity only this far (its full text is one click away, in
# the decree's section): the list is for triage, and the page stays small.
ATTENTION_TEXT = 160
ROMAN = ("I", "II", "III", "IV")


@cache
def labels() -> dict[str, dict[str, str]]:
    return load_toml("report.toml")


# --- formatting -------------------------------------------------------------------------------


def deadline_text(date: Any, precision: Any) -> str:
    """A deadline as precise as the plan wrote it: 31.12.2024, 12.2024, IV кв. 2024, 2024."""
    if date is None or pd.isna(date):
        return ""
    if precision == "quarter":
        return f"{ROMAN[(date.month - 1) // 3]} кв. {date.year}"
    if precision == "half_year":
        return f"{ROMAN[(date.month - 1) // 6]} полуг. {date.year}"
    if precision == "month":
        return date.strftime("%m.%Y")
    if precision == "year":
        return str(date.year)
    return date.strftime("%d.%m.%Y")


def quarter_of(date: Any) -> tuple[int, int]:
    return date.year, (date.month - 1) // 3 + 1


def quarter_label(key: tuple[int, int]) -> str:
    return f"{ROMAN[key[1] - 1]} кв. {key[0]}"


def warning_text(warning: str) -> str:
    """A row warning in Russian (report.toml); one the table does not know, as written."""
    for start, russian in labels()["warnings"].items():
        if warning.startswith(start):
            return russian
    return warning


def review_reason(score: float, runner_up_score: float) -> str:
    """Why the matcher left a row in review, in plain words, from the thresholds it applies
    (the numbers stay in the row's score and the runner-up's)."""
    reasons = []
    if score < SETTINGS.matched_score:
        reasons.append("слова строки совпадают с пунктом шаблона лишь частично")
    if score - runner_up_score < SETTINGS.matched_margin:
        reasons.append("второй вариант почти так же вероятен")
    return "; ".join(reasons) or "раздел плана или действие в строке не подтверждают пункт"


# A template item is named in the review list by its wording cut to this many characters
# (its id in the tooltip): «hr_coord.responsible» breaks mid-word in a narrow column and says
# nothing to a reader who does not know the catalogue.
ITEM_TEXT = 90


@cache
def _wordings() -> dict[str, str]:
    return {e.item.catalogue_id: e.item.wording for e in catalogue().entries}


def item_wording(catalogue_id: str) -> str:
    """The item's Russian wording, shortened; the id itself for an id the catalogue lacks."""
    if not catalogue_id:
        return ""
    return shorten(_wordings().get(catalogue_id, catalogue_id), ITEM_TEXT)


def _text(value: Any) -> str:
    return "" if value is None or pd.isna(value) else str(value)


# --- the decrees --------------------------------------------------------------------------------


@dataclass(slots=True)
class RowView:
    """One plan row as the page shows it."""

    anchor: str
    doc: str
    item_number: str
    activity: str
    deadline: str
    deadline_raw: str
    bodies: list[str]
    persons: list[str]
    catalogue_id: str
    status: str
    score: str
    runner_up: str
    runner_up_score: str
    item_text: str  # the template item's Russian wording, shortened
    runner_up_text: str
    warnings: list[str]
    source: str
    href: str
    reason: str = ""


@dataclass(slots=True)
class DecreeView:
    """One decree: identity, status, its rows and what they add up to. `key` is a short id
    for the page (d0, d1, … in documents order): it is repeated on every cell and row the
    filter shows or hides, so a 16-character doc_id there would weigh on the file."""

    key: str
    doc_id: str
    anchor: str
    label: str
    act: str
    issuer: str
    title: str
    template: str
    template_label: str
    in_force: bool
    status: str
    error: str
    source_file: str
    href: str
    counts: Counter[str] = field(default_factory=Counter)
    rows: list[RowView] = field(default_factory=list)
    quarters: list[tuple[str, int]] = field(default_factory=list)
    undated: int = 0
    bodies: list[tuple[str, int]] = field(default_factory=list)
    persons: list[tuple[str, int]] = field(default_factory=list)
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # an amending decree's

    @property
    def matched_share(self) -> str:
        rows = sum(self.counts[s] for s in ("matched", "review", "unmatched"))
        return f"{100 * self.counts['matched'] / rows:.0f} %" if rows else "—"


def decree_labels(docs: pd.DataFrame) -> dict[str, str]:
    """A short name per decree: its region (its file where none was read), with the act
    number or the file added where two decrees would read the same."""
    base = {d.doc_id: _text(d.region) or str(d.source_file) for d in docs.itertuples()}
    taken = Counter(base.values())
    out = {}
    for d in docs.itertuples():
        label = base[d.doc_id]
        if taken[label] > 1:
            label = f"{label} ({Path(str(d.source_file)).name})"
        out[str(d.doc_id)] = label
    return out


def _act(doc: Any) -> str:
    parts = [_text(doc.act_type)]
    if _text(doc.act_number):
        parts.append(f"№ {doc.act_number}")
    if _text(doc.act_date):
        parts.append(f"от {doc.act_date.strftime('%d.%m.%Y')}")
    return " ".join(p for p in parts if p) or "акт не распознан"


def _row_view(r: Any, key: str, href: str) -> RowView:
    page = r.page_first if not pd.isna(r.page_first) else None
    last = r.page_last if not pd.isna(r.page_last) else page
    name = Path(str(r.source_file)).name
    pages = "" if page is None else f", с. {page}" + (f"–{last}" if last != page else "")
    view = RowView(
        anchor=f"r-{key}-{r.row_index}",
        doc=key,
        item_number=str(r.item_number),
        activity=str(r.activity),
        deadline=deadline_text(r.deadline_date, r.deadline_precision),
        deadline_raw=_text(r.deadline_raw),
        bodies=list(r.responsible_bodies),
        persons=list(r.responsible_persons),
        catalogue_id=_text(r.catalogue_id),
        status=str(r.match_status),
        score=f"{r.match_score:.0f}",
        runner_up=_text(r.runner_up_id),
        runner_up_score=f"{r.runner_up_score:.0f}" if _text(r.runner_up_id) else "",
        item_text=item_wording(_text(r.catalogue_id)),
        runner_up_text=item_wording(_text(r.runner_up_id)),
        warnings=[warning_text(w) for w in r.warnings],
        source=name + pages,
        href=href + (f"#page={page}" if page is not None else ""),
    )
    if view.status == "review":
        view.reason = review_reason(r.match_score, r.runner_up_score)
    return view


def duplicates(ds: Dataset) -> list[tuple[str, str]]:
    """(file, the file kept for the same decree) for every duplicate: the page names them in
    one line and counts them nowhere else."""
    files = {str(d.doc_id): str(d.source_file) for d in ds.documents.itertuples()}
    return [
        (str(d.source_file), files.get(str(d.duplicate_of), str(d.duplicate_of)))
        for d in ds.documents.itertuples()
        if _text(d.duplicate_of)
    ]


def decrees(ds: Dataset, sources: str) -> list[DecreeView]:
    """Every decree with its rows, in documents order; duplicates are left out (their rows
    are their kept copy's)."""
    kept = ds.documents[ds.documents["duplicate_of"].isna()]
    names = decree_labels(kept)
    by_doc = {str(k): g for k, g in ds.activities.groupby("doc_id", observed=True, sort=False)}
    out = []
    for i, d in enumerate(kept.itertuples()):
        href = sources + quote(str(d.source_file))
        view = DecreeView(
            key=f"d{i}",
            doc_id=str(d.doc_id),
            anchor=f"d{i}",
            label=names[str(d.doc_id)],
            act=_act(d),
            issuer=_text(d.issuer),
            title=_text(d.title),
            template=str(d.template),
            template_label=labels()["templates"][str(d.template)],
            in_force=bool(d.in_force),
            status=str(d.status),
            error="; ".join(warning_text(e) for e in _text(d.error).split("; ") if e),
            source_file=str(d.source_file),
            href=href,
        )
        rows = by_doc.get(view.doc_id)
        if rows is not None:
            _fill(view, rows, href)
        out.append(view)
    _list_changes(ds, out)
    return out


def _list_changes(ds: Dataset, views: list[DecreeView]) -> None:
    """Each amending decree's changes as its section lists them: item, what, in words."""
    if ds.amendments is None or not len(ds.amendments):
        return
    by_id = {v.doc_id: v for v in views}
    names = labels()["changes"]
    for c in ds.amendments.itertuples():
        action = str(c.action)
        if action == "edit":
            detail = f"«{_text(c.old_text)}» → «{_text(c.new_text)}»"
            detail = f"{_text(c.field)}: {detail}" if _text(c.field) else detail
        elif c.row is not None:
            detail = str(c.row["activity"])
        else:
            detail = ""
        name = names["repealed" if action == "repeal" else action]
        by_id[str(c.doc_id)].changes.append((str(c.item_number), name, detail))


def _fill(view: DecreeView, rows: pd.DataFrame, href: str) -> None:
    """The decree's rows and their totals: statuses, deadlines by quarter, bodies, persons."""
    view.rows = [_row_view(r, view.key, href) for r in rows.itertuples()]
    view.counts = Counter(str(s) for s in rows["match_status"])
    view.counts["warned"] = int((rows["warnings"].map(len) > 0).sum())
    dated = rows["deadline_date"].dropna()
    view.quarters = [
        (quarter_label(k), n) for k, n in sorted(Counter(map(quarter_of, dated)).items())
    ]
    view.undated = len(rows) - len(dated)
    view.bodies = Counter(b for bs in rows["responsible_bodies"] for b in bs).most_common(
        TOP_BODIES
    )
    view.persons = Counter(p for ps in rows["responsible_persons"] for p in ps).most_common(
        TOP_BODIES
    )


# --- coverage ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cell:
    """How one decree stands on one catalogue item."""

    doc: str  # the decree's page key
    state: str  # present, review, missing, na
    text: str = ""  # the deadline(s) of the rows that cover the item
    title: str = ""  # which rows, for the tooltip
    href: str = ""  # the first such row in the decree's section


@dataclass(slots=True)
class CoverageGroup:
    key: str
    title: str
    items: list[tuple[str, str, list[Cell]]] = field(default_factory=list)  # id, wording, cells
    tally: Counter[str] = field(default_factory=Counter)


def group_key(block: str, domain: Any) -> str:
    """The coverage group of an item: its block, for the process block its domain."""
    return str(domain) if block == "process" and _text(domain) else block


def _cell(doc: DecreeView, item: str, rows: list[RowView], holds: set[str]) -> Cell:
    if rows:
        state = "present" if any(r.status == "matched" for r in rows) else "review"
        dates = list(dict.fromkeys(r.deadline or r.deadline_raw[:20] or "без срока" for r in rows))
        title = "\n".join(f"п. {r.item_number} · {r.source}" for r in rows)
        return Cell(doc.key, state, ", ".join(dates), title, "#" + rows[0].anchor)
    if doc.template in holds:
        return Cell(doc.key, "missing", "нет")
    return Cell(doc.key, "na", "—")


def coverage(ds: Dataset, views: list[DecreeView]) -> list[CoverageGroup]:
    """Catalogue items × decrees, grouped as `group_key` says, in template order.

    An item is present for a decree when one of its rows carries the item's id with status
    matched («review» when all such rows are in review); absent, it is missing only in a plan
    whose template holds the item (the catalogue's sections say which), else not applicable.
    """
    holds = {e.item.catalogue_id: set(e.templates) for e in catalogue().entries}
    covering: dict[tuple[str, str], list[RowView]] = {}
    for view in views:
        for row in view.rows:
            if row.catalogue_id and row.status in PRESENT_STATUSES:
                covering.setdefault((view.doc_id, row.catalogue_id), []).append(row)
    groups: dict[str, CoverageGroup] = {}
    for item in ds.catalogue.itertuples():
        key = group_key(str(item.block), item.domain)
        group = groups.setdefault(key, CoverageGroup(key, labels()["groups"].get(key, key)))
        item_id = str(item.catalogue_id)
        cells = [
            _cell(v, item_id, covering.get((v.doc_id, item_id), []), holds[item_id]) for v in views
        ]
        group.items.append((item_id, str(item.wording), cells))
        group.tally.update(c.state for c in cells)
    return list(groups.values())


# --- the chart -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str  # first line under the bar: «IV кв.»
    year: str  # second line: «2024»
    count: int


@dataclass(frozen=True, slots=True)
class BarChart:
    """A vertical bar chart laid out in SVG user units (the SVG scales to its box)."""

    width: float
    height: float
    baseline: float
    bars: list[Bar]


CHART_HEIGHT = 180.0  # user units; the SVG scales with the page width
CHART_SLOT = 56.0  # width per bar, room for a label such as «III кв.»
CHART_TOP = 20.0  # above the tallest bar: its count
CHART_BOTTOM = 34.0  # below the baseline: the two-line label


def bar_chart(values: list[tuple[tuple[int, int], int]]) -> BarChart:
    """Bars for ((year, quarter), count) pairs, each with its count on top and its quarter
    and year below, inside the drawing, so nothing is cut at the edges."""
    top = max((n for _, n in values), default=0) or 1
    baseline = CHART_HEIGHT - CHART_BOTTOM
    scale = (baseline - CHART_TOP) / top
    bars = [
        Bar(
            i * CHART_SLOT + 8,
            baseline - n * scale,
            CHART_SLOT - 16,
            n * scale,
            f"{ROMAN[quarter - 1]} кв.",
            str(year),
            n,
        )
        for i, ((year, quarter), n) in enumerate(values)
    ]
    return BarChart(max(len(values), 1) * CHART_SLOT, CHART_HEIGHT, baseline, bars)


# --- the plan in force ---------------------------------------------------------------------------


@dataclass(slots=True)
class ChangedRowView:
    """A row of a plan in force as the page shows it, with what changed it."""

    item_number: str
    activity: str
    deadline: str
    bodies: list[str]
    change: str  # replace, add, edit, repealed, or "" (unchanged)
    change_label: str
    acts: list[tuple[str, str, str]]  # (act, its section's anchor, its source link)


@dataclass(slots=True)
class InForceView:
    """The plan of one chain as in force: the decree its table comes from and the amending
    decrees applied to it. A plan no one changed links to its decree's section instead of
    repeating its rows (`rows` stays empty)."""

    key: str  # the page key of the decree whose plan table it is (for the decree filter)
    anchor: str
    label: str
    act: str
    decree_anchor: str
    amending: list[tuple[str, str]]  # (act, anchor) of each decree that changed it
    rows: list[ChangedRowView] = field(default_factory=list)
    tally: Counter[str] = field(default_factory=Counter)


def plans_in_force(ds: Dataset, views: list[DecreeView]) -> list[InForceView]:
    """One entry per plan in force (`in_force` grouped by its decree), in documents order;
    the rows of a plan that amendments changed, each marked with its change and acts."""
    if ds.in_force is None or not len(ds.in_force):
        return []
    by_id = {v.doc_id: v for v in views}
    out = []
    for i, (doc_id, rows) in enumerate(ds.in_force.groupby("doc_id", observed=True, sort=False)):
        view = by_id[str(doc_id)]
        base = by_id[str(rows["base_doc_id"].iloc[0])]
        changers = list(dict.fromkeys(d for ds_ in rows["changed_by"] for d in ds_))
        restated = base.doc_id != view.doc_id
        plan = InForceView(
            key=view.key,
            anchor=f"f{i}",
            label=base.label,
            act=view.act,
            decree_anchor=view.anchor,
            amending=[(by_id[d].act, by_id[d].anchor) for d in changers]
            + ([(f"{base.act} (первоначальная редакция)", base.anchor)] if restated else []),
        )
        if changers:
            plan.rows = [_changed_row(r, by_id) for r in rows.itertuples()]
            plan.tally = Counter(r.change for r in plan.rows if r.change)
        out.append(plan)
    return out


def _changed_row(r: Any, by_id: dict[str, DecreeView]) -> ChangedRowView:
    change = "repealed" if r.repealed else _text(r.change)
    acts = [by_id[d] for d in r.changed_by]
    return ChangedRowView(
        item_number=str(r.item_number),
        activity=str(r.activity),
        deadline=deadline_text(r.deadline_date, r.deadline_precision) or _text(r.deadline_raw),
        bodies=[*r.responsible_bodies, *r.responsible_persons],
        change=change,
        change_label=labels()["changes"].get(change, ""),
        acts=[(a.act, a.anchor, a.href) for a in acts],
    )


# --- the page ------------------------------------------------------------------------------------


def overview(ds: Dataset, views: list[DecreeView]) -> dict[str, Any]:
    acts = ds.activities
    dated = acts["deadline_date"].dropna()
    matched = int((acts["match_status"] == "matched").sum())
    return {
        "decrees": len(views),
        "failed": sum(v.status == "failed" for v in views),
        "rows": len(acts),
        "matched": matched,
        "matched_share": f"{100 * matched / len(acts):.0f} %" if len(acts) else "—",
        "review": int((acts["match_status"] == "review").sum()),
        "unmatched": int((acts["match_status"] == "unmatched").sum()),
        "warned": sum(v.counts["warned"] for v in views),
        "undated": len(acts) - len(dated),
        "recurring": int(acts["deadline_recurring"].sum()),
        "done": int((acts["deadline_done"] & acts["deadline_date"].isna()).sum()),
        "chart": bar_chart(sorted(Counter(map(quarter_of, dated)).items())),
    }


def shorten(text: str, limit: int = ATTENTION_TEXT) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def attention(views: list[DecreeView]) -> list[tuple[DecreeView, RowView]]:
    """Rows whose match a person should check (in review), in plan order."""
    return [(v, r) for v in views for r in v.rows if r.status == "review"]


def reading_notes(views: list[DecreeView]) -> list[tuple[DecreeView, RowView]]:
    """Rows the reader repaired or doubted (a row warning) whose match is not in review: most
    are harmless (a merged cell copied down), so they are listed apart from the matches to
    check."""
    return [(v, r) for v in views for r in v.rows if r.warnings and r.status != "review"]


def pack(parts: dict[str, str]) -> str:
    """HTML fragments by element id as the page carries them: JSON, gzipped, in base64.

    The rows' and the matrix's markup repeats itself (and Russian text is two bytes a letter
    in UTF-8), so gzip shrinks it about tenfold; base64 gives a third back. The page unpacks
    it with the browser's own DecompressionStream — no library, nothing fetched."""
    raw = json.dumps(parts, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return base64.b64encode(gzip.compress(raw, compresslevel=9, mtime=0)).decode("ascii")


def unpack(blob: str) -> dict[str, str]:
    """The fragments `pack` packed: for tests, and for reading a report without a browser."""
    return json.loads(gzip.decompress(base64.b64decode(blob)))


def render_report(ds: Dataset, sources: str = "") -> str:
    """The whole report as one HTML string; `sources` is prefixed to each source file's path
    to make its link (the folder of the decrees, relative to where the page is opened).

    What grows with the dataset — each coverage block's matrix, each decree's section, the
    attention list — is rendered by the template's macros and packed (`pack`); the page
    inserts a part when its <details> opens, so the file stays small and the page light."""
    views = decrees(ds, sources)
    groups = coverage(ds, views)
    plans = plans_in_force(ds, views)
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("plan_etl", "data"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    context = {
        "title": TITLE,
        "generated_by": f"plan-etl {__version__}, схема {SCHEMA_VERSION}",
        "totals": overview(ds, views),
        "decrees": views,
        "groups": groups,
        "attention": attention(views),
        "notes": reading_notes(views),
        "duplicates": duplicates(ds),
        "plans": plans,
        "statuses": labels()["statuses"],
        "document_statuses": labels()["document_statuses"],
        "changes": labels()["changes"],
        "shorten": shorten,
    }
    macros = env.get_template("report-parts.html.j2").make_module(vars=context)
    parts = {"attention": str(macros.attention_table()), "notes": str(macros.notes_table())}
    parts |= {f"block-{g.key}": str(macros.coverage_body(g)) for g in groups}
    parts |= {d.anchor: str(macros.decree_body(d)) for d in views}
    parts |= {p.anchor: str(macros.in_force_body(p)) for p in plans if p.rows}
    return env.get_template("report.html.j2").render(context, parts=pack(parts))


def write_report(dataset: Path, out: Path, sources: Path | None = None) -> Path:
    """Build the report of the dataset in `dataset` and write it to `out`; source links point
    into `sources` (default: `raw/` beside the dataset folder), relative to `out`."""
    folder = sources if sources is not None else dataset.resolve().parent / "raw"
    prefix = Path(os.path.relpath(folder.resolve(), out.resolve().parent)).as_posix() + "/"
    out.write_text(render_report(load(dataset), quote(prefix)), encoding="utf-8")
    return out
