"""How `ingest --jobs 2` scales against `--jobs 1`, as a median over many pairs.

    python bench/scaling.py [--corpus bench/out/corpus] [--pairs 4]

run.py times (b) `ingest --jobs 1 --no-cache` and (c) `ingest --jobs 2` into an empty cache
twice each; on a shared virtual machine the CPU time of the very same run moves by 20-40 %
from one minute to the next (measured: 20 to 30 s of CPU, user + sys, for one (c)), so a
ratio of two pairs can land anywhere from 1.5x to 2.1x. This bench runs the two back to
back in pairs, in the order b c c b b c c b …, so a drift steady over two runs falls on
both sides, and reports every pair's ratio and their median, with each run's CPU time and
what the rest of the machine used meanwhile. Both runs parse the same files with the same
code, so (c)'s CPU over (b)'s is mostly what the machine's speed did between the two runs
(and what running two workers at once cost on it), not work the split added (but for the
cache (c) writes and the rows its workers pack: a few per cent). Hence a second figure,
each pair's ratio at equal CPU: (b)/(c) wall times (c)/(b) CPU, which is (c)'s busy cores
over (b)'s (CPU over wall time of each). A change of the machine's speed cancels out of it
(four pairs of one run: 1.50-2.35x as measured, 1.76-1.79x at equal CPU), so it shows what
a change to the code did to the parts of a run that leave a core idle (the serial start and
end); CPU that (c) saves or adds cancels out of it too, which bench/timeline.py's bound
shows instead.

Prints a table and writes bench/out/scaling.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import OUT, check, machine, measure, plan_etl


def commands(raw: Path, work: Path, n: int) -> dict[str, list[str]]:
    """Pair `n`'s two commands, each writing a folder (and a cache) of its own."""
    ingest = [*plan_etl(), "ingest", str(raw), "-q"]
    cache = str(work / f"cache{n}")
    return {
        "b": [*ingest, "--out", str(work / f"b{n}"), "--jobs", "1", "--no-cache"],
        "c": [*ingest, "--out", str(work / f"c{n}"), "--jobs", "2", "--cache-dir", cache],
    }


def run_pairs(corpus: Path, pairs: int) -> list[dict]:
    """Every pair's (b) and (c), alternating which comes first."""
    work = OUT / "scaling"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    results = []
    for n in range(pairs):
        cmds = commands(corpus / "raw", work, n)
        order = "bc" if n % 2 == 0 else "cb"
        pair = {}
        for key in order:
            run = measure(cmds[key], env)
            check(run, f"({key}) of pair {n + 1}")
            pair[key] = {k: run[k] for k in ("wall_s", "cpu_s", "others_cpu_s", "tree_rss_mb")}
        pair["order"] = order
        pair["ratio"] = round(pair["b"]["wall_s"] / pair["c"]["wall_s"], 3)
        pair["cpu_ratio"] = round(pair["c"]["cpu_s"] / pair["b"]["cpu_s"], 3)
        pair["equal_cpu_ratio"] = round(pair["ratio"] * pair["cpu_ratio"], 3)
        print(
            f"  pair {n + 1} ({order}): (b) {pair['b']['wall_s']:.1f} s, "
            f"(c) {pair['c']['wall_s']:.1f} s → {pair['ratio']:.2f}×",
            file=sys.stderr,
        )
        results.append(pair)
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir()
    return results


def table(pairs: list[dict]) -> str:
    lines = [
        "| pair | order | (b) wall / CPU | (c) wall / CPU | (b)/(c) wall | (c)/(b) CPU "
        "| at equal CPU | others' CPU (b), (c) |",
        "|--:|:-:|--:|--:|--:|--:|--:|--:|",
    ]
    for i, p in enumerate(pairs, 1):
        b, c = p["b"], p["c"]
        lines.append(
            f"| {i} | {p['order']} | {b['wall_s']:.1f} / {b['cpu_s']:.1f} s "
            f"| {c['wall_s']:.1f} / {c['cpu_s']:.1f} s | {p['ratio']:.2f}× "
            f"| {p['cpu_ratio']:.2f} | {p['equal_cpu_ratio']:.2f}× "
            f"| {b['others_cpu_s']:.1f}, {c['others_cpu_s']:.1f} s |"
        )
    ratios = [p["ratio"] for p in pairs]
    lines.append(
        f"\nmedian (b)/(c): **{statistics.median(ratios):.2f}×** "
        f"(from {min(ratios):.2f} to {max(ratios):.2f}); median (c)/(b) CPU "
        f"{statistics.median(p['cpu_ratio'] for p in pairs):.2f}; median at equal CPU "
        f"**{statistics.median(p['equal_cpu_ratio'] for p in pairs):.2f}×**"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=OUT / "corpus")
    parser.add_argument("--pairs", type=int, default=4, help="pairs of (b) and (c) to run")
    args = parser.parse_args()
    if args.pairs < 1:
        parser.error(f"--pairs must be at least 1, not {args.pairs}")
    if not (args.corpus / "raw").is_dir():
        sys.exit(f"no corpus in {args.corpus}: run bench/make_corpus.py first (make bench does)")
    started = time.perf_counter()
    pairs = run_pairs(args.corpus, args.pairs)
    result = {
        "machine": machine(),
        "pairs": pairs,
        "median_ratio": statistics.median(p["ratio"] for p in pairs),
        "median_equal_cpu_ratio": statistics.median(p["equal_cpu_ratio"] for p in pairs),
        "bench_seconds": round(time.perf_counter() - started, 1),
    }
    (OUT / "scaling.json").write_text(json.dumps(result, indent=1))
    print(table(pairs))


if __name__ == "__main__":
    main()
