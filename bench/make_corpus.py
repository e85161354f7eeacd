"""Build the benchmark corpus: hundreds of distinct decree PDFs from the five gold decrees.

Each decree takes one gold decree (its preamble from tests/data/seeds, its rows from
tests/data/gold), moves it to another region of the same kind (the region's name in every
case form, in the preamble and in the cells), keeps a random share of each section's rows
(renumbered), picks a column order, header wording, font size and orientation, and draws it
with reportlab the way a word processor does: a ruled table whose header repeats on every
page, section rows merged across the table, long rows broken across pages (the continuation
has an empty number cell), some tables without their left and right borders.

Deterministic: the same seed gives the same bytes (reportlab's invariant mode). The corpus
is cached in bench/out/corpus/ (the decrees in raw/, beside them manifest.json); it is rebuilt
only when this file, the gold rows, the seeds or the regions change.

    python bench/make_corpus.py [--decrees 320] [--min-pages 2000] [--out bench/out/corpus]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import shutil
import sys
import time
import tomllib
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from reportlab import rl_config
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
REGIONS = ROOT / "src" / "plan_etl" / "data" / "regions.toml"
OUT = ROOT / "bench" / "out" / "corpus"
SEED = 20240402

FONTS = {
    "DejaVuSans": "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "DejaVuSerif": "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
    "LiberationSerif": "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf",
}

# The region each gold decree is about: (regex of its name's changing stem with the case
# endings it takes, kind) — a decree moves only to a region of the same kind.
BASES = {
    "000_cfe362ddbf5cd511": ("Курск", "oblast"),
    "001_2d9843392c718375": ("Самарск", "oblast"),
    "002_91506e86afbc08fc": ("Иркутск", "oblast"),
    "003_3e07afb3d6149e44": ("Ставропольск", "krai"),
    "004_f058a908831b0a80": ("Дагестан", "republic"),
}
ENDINGS = {
    "oblast": ["ая", "ой", "ую", "ою"],
    "krai": ["ий", "ого", "ому", "им", "ом"],
    "republic": [""],
}

# Column layouts: (role, share of the table width); the number column is always first.
ORDERS = [
    ("activity", "deadline", "responsible", "result"),
    ("activity", "responsible", "deadline", "result"),
    ("activity", "result", "responsible", "deadline"),
    ("activity", "deadline", "responsible", "result", "note"),
]
WIDTH = {"number": 0.07, "activity": 0.33, "deadline": 0.13, "responsible": 0.22, "result": 0.25}
WIDTH_NOTE = 0.10
HEADERS = {
    "number": ["№ п/п", "№", "N п/п"],
    "activity": ["Мероприятие", "Наименование мероприятия", "Содержание мероприятия"],
    "deadline": ["Срок реализации", "Срок исполнения", "Срок"],
    "responsible": ["Ответственный", "Ответственный исполнитель", "Ответственные исполнители"],
    "result": ["Вид документа (результат)", "Результат", "Вид документа"],
    "note": ["Примечание"],
}
GOLD_FIELD = {
    "activity": "activity",
    "deadline": "deadline_raw",
    "responsible": "responsible",
    "result": "document",
}
PAD = 4.0
MARGIN = 42.0


@dataclass
class Spec:
    """Everything that decides one decree's bytes."""

    index: int
    base: str
    region_stem: str
    act_number: str
    keep: float
    order: tuple[str, ...]
    headers: dict[str, str]
    font: str
    size: float
    orientation: str
    outer: bool
    numbers_row: bool


# --- text --------------------------------------------------------------------------------------


def regions() -> dict[str, list[str]]:
    """Stems of the regions of each kind whose names decline like the gold decrees' do."""
    table = tomllib.loads(REGIONS.read_text(encoding="utf-8"))
    out: dict[str, list[str]] = {"oblast": [], "krai": [], "republic": []}
    for region in table["region"]:
        words = region["words"]
        if len(words) != 2:
            continue
        first, second = words
        if first.endswith("|adj_f") and second.startswith("област|"):
            out["oblast"].append(first.split("|")[0])
        elif first.endswith("|adj_m") and second.startswith("кра|"):
            out["krai"].append(first.split("|")[0])
        elif first.startswith("Республик|") and "|" not in second and "-" not in second:
            out["republic"].append(second)
    return out


def relocate(text: str, old: str, new: str, kind: str) -> str:
    """`text` with region stem `old` replaced by `new` in every case form and in capitals."""
    endings = "|".join(sorted(ENDINGS[kind], key=len, reverse=True))
    for a, b in ((old, new), (old.upper(), new.upper())):
        ends = endings if a == old else endings.upper()
        text = re.sub(rf"\b{a}({ends})(?!\w)", lambda m, b=b: b + m.group(1), text)
    return text


def preamble(base: str) -> list[str]:
    """The seed's paragraphs before its plan table, without markup."""
    lines = (DATA / "seeds" / f"{base}.txt").read_text(encoding="utf-8").splitlines()
    paragraphs: list[str] = []
    current: list[str] = []
    for line in lines:
        if "\t" in line or line.lstrip().startswith("|"):
            break
        line = re.sub(r"</?p>|\*\*", "", line).strip()
        if line:
            current.append(line)
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return paragraphs


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """`text` broken into lines no wider than `width`, as a word processor does: between
    words, and inside a word too long for a line of its own (never over the cell's edge)."""
    lines: list[str] = []
    for part in text.split("\n"):
        line = ""
        for word in part.split():
            trial = f"{line} {word}" if line else word
            if stringWidth(trial, font, size) <= width:
                line = trial
                continue
            if line:
                lines.append(line)
            while stringWidth(word, font, size) > width:
                cut = next(n for n in range(len(word), 0, -1) if fits(word[:n], font, size, width))
                lines.append(word[:cut])
                word = word[cut:]
            line = word
        lines.append(line)
    return lines


def fits(text: str, font: str, size: float, width: float) -> bool:
    return len(text) == 1 or stringWidth(text, font, size) <= width


# --- one decree --------------------------------------------------------------------------------


def plan_rows(spec: Spec, gold: list[dict], rng: random.Random) -> tuple[list[tuple], int]:
    """The table body: ("section", text) / ("item", {role: text}) rows, and the item count.

    Each section keeps a random share of its rows (at least one), renumbered in order.
    """
    sections: dict[str, list[dict]] = {}
    for row in gold:
        sections.setdefault(row["section"], []).append(row)
    roman = not sections or not next(iter(sections)).isdigit()
    body: list[tuple] = []
    items = 0
    for s_index, (number, rows) in enumerate(sections.items(), start=1):
        kept = [r for r in rows if rng.random() < spec.keep] or [rng.choice(rows)]
        label = number if roman else str(s_index)
        body.append(("section", f"{label}. {rows[0]['section_title']}"))
        subsection = None
        for k, row in enumerate(kept, start=1):
            if row["subsection"] and row["subsection"] != subsection:
                subsection = row["subsection"]
                body.append(("section", subsection))
            items += 1
            cells = {role: row[field] or "" for role, field in GOLD_FIELD.items()}
            cells["number"] = f"{items}." if roman else f"{s_index}.{k}."
            cells["note"] = ""
            body.append(("item", cells))
    return body, items


class Layout:
    """Draws the decree page by page, keeping track of the pen."""

    def __init__(self, spec: Spec, path: Path, body: list[tuple]) -> None:
        self.spec = spec
        size = A4 if spec.orientation == "portrait" else landscape(A4)
        self.page_w, self.page_h = size
        self.pdf = Canvas(str(path), pagesize=size, invariant=1, pageCompression=1)
        self.lead = spec.size * 1.2
        self.pages = 1
        self.y = self.page_h - MARGIN
        self.roles = ("number", *spec.order)
        self.xs = self._columns(body)
        self._font()

    def _columns(self, body: list[tuple]) -> list[float]:
        """Column edges: each column's share of the width, but never narrower than its
        longest word, as a word processor widens a column to fit (only a word longer than
        the whole share left is broken)."""
        total = self.page_w - 2 * MARGIN
        shares = [WIDTH.get(role, WIDTH_NOTE) for role in self.roles]
        need = []
        for role in self.roles:
            words = self.spec.headers[role].split()
            words += [w for kind, c in body if kind == "item" for w in c[role].split()]
            need.append(max((self._text_width(w) for w in words), default=0.0))
        if sum(need) > total:  # no room for every long word: only numbers and dates stay whole
            keep = ("number", "deadline")
            need = [n if r in keep else 0.0 for n, r in zip(need, self.roles, strict=True)]
        widths = [total * share / sum(shares) for share in shares]
        if sum(need) <= total:  # water-filling: too-narrow columns get their need
            fixed: set[int] = set()
            while True:
                free = [c for c in range(len(shares)) if c not in fixed]
                room = total - sum(need[c] for c in fixed)
                weight = sum(shares[c] for c in free)
                widths = [
                    need[c] if c in fixed else room * shares[c] / weight for c in range(len(shares))
                ]
                narrow = {c for c in free if widths[c] < need[c]}
                if not narrow:
                    break
                fixed |= narrow
        xs = [MARGIN]
        for width in widths:
            xs.append(xs[-1] + width)
        xs[-1] = self.page_w - MARGIN
        return xs

    def _text_width(self, text: str) -> float:
        return stringWidth(text, self.spec.font, self.spec.size) + 2 * PAD + 2

    def _wrap(self, text: str, width: float) -> list[str]:
        return wrap(text, self.spec.font, self.spec.size, width)

    def _col_width(self, c: int) -> float:
        """Room for text in column `c` (`-1`: the whole table, for a merged row)."""
        if c < 0:
            return self.xs[-1] - self.xs[0] - 2 * PAD
        return self.xs[c + 1] - self.xs[c] - 2 * PAD

    def _font(self) -> None:
        self.pdf.setFont(self.spec.font, self.spec.size)

    def new_page(self) -> None:
        self.pdf.showPage()
        self.pages += 1
        self._font()
        self.pdf.drawCentredString(self.page_w / 2, self.page_h - 24, str(self.pages))
        self.y = self.page_h - MARGIN

    def paragraph(self, text: str, align: str = "justify") -> None:
        width = self.page_w - 2 * MARGIN
        for line in self._wrap(text, width - 36):
            if self.y - self.lead < MARGIN:
                self.new_page()
            self.y -= self.lead
            if align == "centre":
                self.pdf.drawCentredString(self.page_w / 2, self.y, line)
            elif align == "right":
                self.pdf.drawString(self.page_w - MARGIN - 220, self.y, line)
            else:
                self.pdf.drawString(MARGIN + 36, self.y, line)
        self.y -= self.lead / 2

    # table rows

    def _cell_lines(self, row: tuple) -> list[list[str]]:
        kind, content = row
        if kind == "section":
            return [self._wrap(content, self._col_width(-1))]
        texts = [content[role] for role in self.roles]
        return [self._wrap(t, self._col_width(c)) if t else [] for c, t in enumerate(texts)]

    def _draw_row(self, lines: list[list[str]], top_rule: bool = True) -> None:
        """One row (or the part of a row that fits) at the pen, with its ruling."""
        height = self.lead * max(1, *map(len, lines)) + 2 * PAD
        xs, pdf, y = self.xs, self.pdf, self.y
        spanning = len(lines) == 1
        if top_rule:
            pdf.line(xs[0], y, xs[-1], y)
        for c, cell in enumerate(lines):
            for n, text in enumerate(cell):
                pdf.drawString(xs[c] + PAD, y - PAD - self.lead * (n + 1) + 2, text)
        borders = [xs[0], xs[-1]] if spanning else xs
        if not self.spec.outer:
            borders = [x for x in borders if x not in (xs[0], xs[-1])]
        for x in borders:
            pdf.line(x, y, x, y - height)
        self.y = y - height
        pdf.line(xs[0], self.y, xs[-1], self.y)

    def header(self) -> None:
        names = [
            self._wrap(self.spec.headers[r], self._col_width(c)) for c, r in enumerate(self.roles)
        ]
        self._draw_row(names)
        if self.spec.numbers_row:
            self._draw_row([[str(c + 1)] for c in range(len(self.roles))])

    def _room(self) -> int:
        """Whole lines that fit below the pen on this page."""
        return int((self.y - MARGIN - 2 * PAD) // self.lead)

    def table(self, body: list[tuple]) -> None:
        if self._room() < 8:
            self.new_page()
        self.header()
        for row in body:
            lines = self._cell_lines(row)
            while lines:
                need = max(1, *map(len, lines))
                room = self._room()
                if need <= room:
                    self._draw_row(lines)
                    break
                if room < 2 or row[0] == "section":  # nothing worth splitting: next page
                    self.new_page()
                    self.header()
                    continue
                # the row breaks across the page: as many lines as fit, the rest goes on
                self._draw_row([cell[:room] for cell in lines])
                lines = [cell[room:] for cell in lines]
                self.new_page()
                self.header()

    def save(self) -> None:
        self.pdf.save()


def build(spec: Spec, out: Path) -> dict:
    """Write one decree PDF; its manifest entry."""
    rng = random.Random(f"{SEED}-{spec.index}")
    gold = json.loads((DATA / "gold" / f"{spec.base}.json").read_text(encoding="utf-8"))
    old, kind = BASES[spec.base]
    number = gold["document"]["act_number"]

    def moved(text: str) -> str:
        text = relocate(text, old, spec.region_stem, kind)
        return text.replace(number, spec.act_number) if number else text

    rows = [{k: moved(v) if isinstance(v, str) else v for k, v in r.items()} for r in gold["rows"]]
    body, items = plan_rows(spec, rows, rng)
    path = out / f"{spec.index:04d}-{spec.base[:3]}-{spec.region_stem.lower()}.pdf"
    _register_fonts()
    layout = Layout(spec, path, body)
    paragraphs = [moved(p) for p in preamble(spec.base)]
    # the decree on page 1; its annex («УТВЕРЖДЕН …», the plan's title, the table) from page 2
    annex = next(
        (i for i, p in enumerate(paragraphs) if p.startswith(("УТВЕРЖД", "ПРИЛОЖ", "II."))),
        len(paragraphs),
    )
    for i, para in enumerate(paragraphs):
        if i == annex:
            layout.new_page()
        if len(para) >= 60:
            layout.paragraph(para)
        elif annex <= i < len(paragraphs) - 1:
            layout.paragraph(para, "right")  # the approval stamp
        else:
            layout.paragraph(para, "centre")
    layout.table(body)
    layout.save()
    drawn = [
        (c["number"].rstrip("."), " ".join(c["deadline"].split())) for k, c in body if k == "item"
    ]
    return {
        "file": path.name,
        "base": spec.base,
        "pages": layout.pages,
        "items": items,
        "rows": drawn,  # (item number, deadline) as printed, for bench/run.py to check
    }


_REGISTERED: set[str] = set()


def _register_fonts() -> None:
    for name, file in FONTS.items():
        if name not in _REGISTERED and Path(file).exists():
            pdfmetrics.registerFont(TTFont(name, file))
            _REGISTERED.add(name)


def specs(count: int) -> list[Spec]:
    rng = random.Random(SEED)
    stems = regions()
    fonts = [name for name, file in FONTS.items() if Path(file).exists()]
    if not fonts:
        sys.exit("no Cyrillic TTF font (DejaVu or Liberation) installed")
    bases = sorted(BASES)
    out = []
    for index in range(count):
        base = bases[index % len(bases)]
        kind = BASES[base][1]
        order = rng.choice(ORDERS)
        out.append(
            Spec(
                index=index,
                base=base,
                region_stem=rng.choice(stems[kind]),
                act_number=f"{rng.randint(10, 999)}-{rng.choice(['пп', 'р', 'рп', 'п'])}",
                keep=rng.uniform(0.22, 0.66),
                order=order,
                headers={role: rng.choice(words) for role, words in HEADERS.items()},
                font=rng.choice(fonts),
                size=rng.choice([10.0, 11.0, 12.0]),
                orientation=rng.choice(["portrait", "landscape"]),
                outer=rng.random() > 0.15,
                numbers_row=rng.random() < 0.4,
            )
        )
    return out


def fingerprint(count: int, min_pages: int) -> str:
    digest = hashlib.sha256(Path(__file__).read_bytes())
    digest.update(f"{count}-{min_pages}-{SEED}".encode())
    for path in sorted((DATA / "gold").glob("*.json")) + sorted((DATA / "seeds").glob("*.txt")):
        digest.update(path.read_bytes())
    digest.update(REGIONS.read_bytes())
    return digest.hexdigest()[:16]


def make_corpus(out: Path, count: int, min_pages: int, jobs: int) -> dict:
    """Build (or reuse) the corpus in `out`; its manifest."""
    manifest_path = out / "manifest.json"
    key = fingerprint(count, min_pages)
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        if manifest.get("fingerprint") == key:
            return manifest
    shutil.rmtree(out, ignore_errors=True)
    raw = out / "raw"
    raw.mkdir(parents=True)
    rl_config.invariant = 1
    started = time.perf_counter()
    files: list[dict] = []
    total = 0
    batch = count
    with ProcessPoolExecutor(jobs) as pool:
        plan = specs(count * 2)  # spares, used only if `count` decrees fall short of min_pages
        while len(files) < len(plan):
            todo = plan[len(files) : len(files) + batch]
            for entry in pool.map(build, todo, [raw] * len(todo), chunksize=4):
                files.append(entry)
                total += entry["pages"]
            if total >= min_pages:
                break
            batch = max(1, (min_pages - total) // 6)
    manifest = {
        "fingerprint": key,
        "decrees": len(files),
        "pages": total,
        "items": sum(f["items"] for f in files),
        "bytes": sum((raw / f["file"]).stat().st_size for f in files),
        "build_seconds": round(time.perf_counter() - started, 1),
        "files": files,
    }
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--decrees", type=int, default=320)
    parser.add_argument("--min-pages", type=int, default=2000)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--jobs", type=int, default=None)
    args = parser.parse_args()
    m = make_corpus(args.out, args.decrees, args.min_pages, args.jobs)
    print(
        f"corpus: {m['decrees']} decrees, {m['pages']} pages, {m['items']} plan rows, "
        f"{m['bytes'] / 1e6:.1f} MB in {args.out}/raw (built in {m['build_seconds']} s)"
    )


if __name__ == "__main__":
    main()
