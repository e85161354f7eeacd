"""`plan-etl report`: the dataset as one self-contained HTML page for analysts.

The page holds a coverage matrix (catalogue items × regions), a timeline of deadlines per
block, the rows a person should look at (review, unmatched) with their source and page, and
the extraction status of every decree. It opens offline: the charting library's JavaScript
and the styles are inlined, nothing is fetched.

Charts are drawn with Plotly: its Python package ships plotly.js and `include_plotlyjs`
inlines it, so one call gives a chart that works without a network and with hover and zoom
(hover is where an analyst reads which row a point is), with no native binary to install
(Altair would need vl-convert for the same). The cost is ≈ 4.8 MB of inlined JavaScript.
The matrix and the lists are plain HTML tables, not charts: their cells carry text (the
deadline), are searchable with Ctrl+F and copyable, and a table reads better than a heatmap
of 110 × N cells.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import plotly.io as pio
from plotly.offline import get_plotlyjs

from plan_etl import __version__
from plan_etl.catalogue import catalogue
from plan_etl.loader import Dataset, load
from plan_etl.models import SCHEMA_VERSION

PRESENT_STATUSES = ("matched", "review")
NO_ITEM = "(no catalogue item)"


@dataclass(frozen=True, slots=True)
class Cell:
    """One matrix cell: how a region stands on one catalogue item."""

    state: str  # present, review, missing, n/a
    text: str = ""  # what the cell shows: the deadline(s)
    tooltip: str = ""  # which rows of the decree make the cell


@dataclass(slots=True)
class RegionCounts:
    """The matrix's summary for one region (its column)."""

    present: int = 0  # items with a matched row (review-only items excluded)
    review: int = 0  # items only with rows in review
    missing: int = 0  # items of the region's template that no row covers
    extra: int = 0  # rows with no catalogue item (unmatched)


@dataclass(slots=True)
class MatrixRow:
    catalogue_id: str
    wording: str
    cells: list[Cell] = field(default_factory=list)


@dataclass(slots=True)
class MatrixGroup:
    title: str
    rows: list[MatrixRow] = field(default_factory=list)


@dataclass(slots=True)
class Coverage:
    """The coverage matrix: regions as columns, catalogue items grouped by block as rows."""

    regions: list[str]
    groups: list[MatrixGroup]
    counts: dict[str, RegionCounts]


def region_labels(documents: pd.DataFrame) -> pd.Series:
    """A column label per document: its region, or its file where no region was read."""
    return documents["region"].astype(object).fillna(documents["source_file"].astype(object))


def _labelled(ds: Dataset) -> pd.DataFrame:
    """The activities with their region label in column `label`."""
    docs = ds.documents.assign(label=region_labels(ds.documents))
    return ds.activities.merge(docs[["doc_id", "label"]].drop_duplicates("doc_id"), on="doc_id")


def group_title(block: str, domain: object) -> str:
    """The matrix/timeline group of an item: its block, or for the seven-step process block
    its domain, since 70 process items in one group would say nothing."""
    return f"{block} · {domain}" if block == "process" and isinstance(domain, str) else block


def _format_date(value: pd.Timestamp) -> str:
    return value.strftime("%d.%m.%Y")


def _cell_text(rows: pd.DataFrame) -> str:
    """The deadlines of the rows that cover an item: dates, else the raw cell (e.g.
    «Исполнено»), else that there is none."""
    dates = sorted(d for d in rows["deadline_date"].dropna().unique())
    if dates:
        return ", ".join(_format_date(pd.Timestamp(d)) for d in dates)
    raw = rows["deadline_raw"].dropna()
    if len(raw):
        text = str(raw.iloc[0])
        return text if len(text) <= 24 else text[:23] + "…"
    return "no deadline"


def _tooltip(rows: pd.DataFrame) -> str:
    return "\n".join(
        f"{r.item_number} [{r.match_status}, {r.match_score:.0f}] {_shorten(r.activity, 160)}"
        for r in rows.itertuples()
    )


def _shorten(text: object, limit: int) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def coverage(ds: Dataset) -> Coverage:
    """Which catalogue items each region's plan covers.

    An item is present for a region when one of its rows carries the item's id with status
    matched (a «review» cell when all such rows are in review). An absent item counts as
    missing only in plans of a template that holds it (the catalogue's sections say which:
    the HR and process blocks are in both, `agency.*` only in agency plans, `org.*` only in
    region plans); elsewhere the cell is «not applicable». Extra = the rows that cover no
    item (unmatched).
    """
    holds = {e.item.catalogue_id: set(e.templates) for e in catalogue().entries}
    docs = ds.documents.assign(label=region_labels(ds.documents))
    regions = list(dict.fromkeys(docs["label"]))
    templates = docs.groupby("label", sort=False)["template"].agg(lambda t: set(t.astype(str)))
    acts = _labelled(ds)
    covered = acts[acts["catalogue_id"].notna() & acts["match_status"].isin(PRESENT_STATUSES)]
    by_key = {key: rows for key, rows in covered.groupby(["label", "catalogue_id"], observed=True)}
    counts = {region: RegionCounts() for region in regions}
    for region, n in acts[~acts.index.isin(covered.index)].groupby("label").size().items():
        counts[region].extra = int(n)

    groups: dict[str, MatrixGroup] = {}
    for item in ds.catalogue.itertuples():
        title = group_title(str(item.block), item.domain)
        row = MatrixRow(str(item.catalogue_id), str(item.wording))
        for region in regions:
            rows = by_key.get((region, item.catalogue_id))
            tally = counts[region]
            if rows is not None:
                state = "present" if (rows["match_status"] == "matched").any() else "review"
                setattr(tally, state, getattr(tally, state) + 1)
                row.cells.append(Cell(state, _cell_text(rows), _tooltip(rows)))
            elif holds.get(str(item.catalogue_id), {str(item.template)}) & templates[region]:
                tally.missing += 1
                row.cells.append(Cell("missing", "—"))
            else:
                row.cells.append(Cell("n/a"))
        groups.setdefault(title, MatrixGroup(title)).rows.append(row)
    return Coverage(regions, list(groups.values()), counts)


def _html(fig: go.Figure, div_id: str) -> str:
    """A figure as a <div> without plotly.js (inlined once in the page head); a fixed id
    keeps the page the same for the same dataset."""
    config = {"displaylogo": False, "responsive": True}
    return pio.to_html(fig, include_plotlyjs=False, full_html=False, div_id=div_id, config=config)


def timeline_figure(ds: Dataset) -> go.Figure:
    """Deadlines per block across regions: one point per dated row, coloured by region."""
    cat = ds.catalogue
    groups = [group_title(str(b), d) for b, d in zip(cat["block"], cat["domain"], strict=True)]
    cat = cat.assign(group=groups)
    acts = _labelled(ds).merge(cat[["catalogue_id", "group"]], on="catalogue_id", how="left")
    acts["group"] = acts["group"].fillna(NO_ITEM)
    dated = acts[acts["deadline_date"].notna()].copy()
    dated["activity_short"] = dated["activity"].map(lambda t: _shorten(t, 120))
    order = [g for g in dict.fromkeys(cat["group"]) if g in set(dated["group"])]
    order += [NO_ITEM] if NO_ITEM in set(dated["group"]) else []
    fig = px.strip(
        dated,
        x="deadline_date",
        y="group",
        color="label",
        stripmode="overlay",
        category_orders={"group": order},
        hover_data={
            "label": True,
            "item_number": True,
            "catalogue_id": True,
            "match_status": True,
            "deadline_raw": True,
            "activity_short": True,
            "group": False,
            "deadline_date": "|%d.%m.%Y",
        },
        labels={"deadline_date": "deadline", "group": "block", "label": "region"},
    )
    fig.update_layout(
        height=max(320, 28 * len(order) + 140),
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom", "title": None},
        plot_bgcolor="white",
    )
    fig.update_xaxes(showgrid=True, gridcolor="#eee")
    fig.update_yaxes(showgrid=True, gridcolor="#eee")
    fig.update_traces(marker={"size": 8, "opacity": 0.8})
    return fig


def attention_rows(ds: Dataset) -> pd.DataFrame:
    """Rows in review or unmatched, with region, source file and pages, in plan order."""
    acts = _labelled(ds)
    acts = acts[acts["match_status"].isin(["review", "unmatched"])]
    return acts.sort_values(["label", "source_file", "row_index"], kind="stable")


def _pages(first: object, last: object) -> str:
    if pd.isna(first):
        return "—"
    return f"{first}" if pd.isna(last) or last == first else f"{first}–{last}"


def _act(doc: pd.Series) -> str:
    parts = [doc["act_type"], f"№ {doc['act_number']}" if pd.notna(doc["act_number"]) else None]
    if pd.notna(doc["act_date"]):
        parts.append(f"от {_format_date(doc['act_date'])}")
    return " ".join(str(p) for p in parts if pd.notna(p) and p) or "—"


def decree_rows(ds: Dataset) -> list[dict[str, object]]:
    """One entry per decree: what act it is and how well it was read."""
    warned = ds.activities.assign(n=ds.activities["warnings"].map(len))
    warnings = warned.groupby("doc_id", observed=True)["n"].sum()
    return [
        {
            "source_file": doc["source_file"],
            "region": doc["region"] if pd.notna(doc["region"]) else "—",
            "act": _act(doc),
            "format": doc["source_format"],
            "pages": doc["page_count"] if pd.notna(doc["page_count"]) else "—",
            "rows": doc["row_count"],
            "warnings": int(warnings.get(doc["doc_id"], 0)),
            "status": doc["status"],
            "error": doc["error"] if pd.notna(doc["error"]) else "",
        }
        for _, doc in ds.documents.iterrows()
    ]


def render_report(ds: Dataset, title: str = "plan-etl dataset report") -> str:
    """The whole report as one HTML string."""
    cov = coverage(ds)
    attention = [
        {
            "region": r.label,
            "source_file": r.source_file,
            "pages": _pages(r.page_first, r.page_last),
            "item_number": r.item_number,
            "activity": r.activity,
            "status": r.match_status,
            "catalogue_id": r.catalogue_id if pd.notna(r.catalogue_id) else "",
            "score": f"{r.match_score:.0f}",
        }
        for r in attention_rows(ds).itertuples()
    ]
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("plan_etl", "data"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    acts = ds.activities
    return env.get_template("report.html.j2").render(
        title=title,
        generated_by=f"plan-etl {__version__}, schema {SCHEMA_VERSION}",
        plotlyjs=get_plotlyjs(),
        totals={
            "decrees": len(ds.documents),
            "rows": len(acts),
            "matched": int((acts["match_status"] == "matched").sum()),
            "review": int((acts["match_status"] == "review").sum()),
            "unmatched": int((acts["match_status"] == "unmatched").sum()),
            "undated": int(acts["deadline_date"].isna().sum()),
            "catalogue": len(ds.catalogue),
        },
        coverage=cov,
        timeline_chart=_html(timeline_figure(ds), "timeline-chart"),
        attention=attention,
        decrees=decree_rows(ds),
    )


def write_report(dataset: Path, out: Path) -> Path:
    """Build the report of the dataset in `dataset` and write it to `out`."""
    out.write_text(render_report(load(dataset)), encoding="utf-8")
    return out
