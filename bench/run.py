"""Benchmark plan-etl ingest against pdfplumber's own floor, side by side, in one run.

    python bench/run.py [--corpus bench/out/corpus] [--floor2]

Runs, each as its own subprocess on the corpus that bench/make_corpus.py built:

  (a)  floor, 1 process   bench/floor.py: pdfplumber.open + extract_words on every page
  (a2) floor, 2 processes the same split over two forked processes (with --floor2)
  (b)  ingest --jobs 1 --no-cache
  (c)  ingest --jobs 2 into an empty cache: parses every file (as --no-cache does) and
       also writes the cache
  (d)  ingest --jobs 2 again: the warm re-run, everything from (c)'s cache
  then, paired: the floor and the ingest on 1 and 2 processes, back to back on 2 slices of
  50 decrees (see paired())

How it measures: wall time around the subprocess; CPU time (user + sys) and the largest
resident set of any one process from os.wait4, whose rusage covers the process and every
descendant it waited for (pebble joins its workers, so they count); and, because two
workers and the parent are alive at once, the peak of the summed proportional set size
(PSS, which splits pages shared after fork between the processes sharing them) of the whole
process tree, sampled from /proc every 50 ms. "Others' CPU" is what the rest of the machine
used during the run (/proc/stat, minus the run's own CPU, plus hypervisor steal): on a quiet
machine it is near 0; when it is not, the wall times are not to be trusted. Children run
with Python's default bytecode caching (PYTHONDONTWRITEBYTECODE is dropped from their
environment), as an installed plan-etl would.

Checks: (b), (c) and (d) write equal Parquet tables (same rows, same order); every decree
yields the rows make_corpus.py drew (their number, item numbers and deadlines). Prints a
table and writes bench/out/results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from importlib.metadata import version
from pathlib import Path

import pyarrow.parquet as pq

BENCH = Path(__file__).resolve().parent
OUT = BENCH / "out"
TABLES = ("documents", "activities", "catalogue")
SUMMARY = re.compile(r"(\d+) parsed, (\d+) from cache")


# --- measuring a subprocess --------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                found += [int(c) for c in fh.read().split()]
    except OSError:
        pass
    return found


def _pss_kb(pid: int) -> int:
    """Proportional set size of one process (RSS where smaps_rollup is missing)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
    except OSError:
        return 0


class TreeSampler(threading.Thread):
    """Peak summed PSS of a process and all its descendants, sampled every `every` s."""

    def __init__(self, pid: int, every: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.pid, self.every = pid, every
        self.peak_kb = 0
        self.peak_processes = 0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            pids, todo = [], [self.pid]
            while todo:
                pid = todo.pop()
                pids.append(pid)
                todo += _children(pid)
            total = sum(_pss_kb(pid) for pid in pids)
            if total > self.peak_kb:
                self.peak_kb, self.peak_processes = total, len(pids)
            self._done.wait(self.every)

    def stop(self) -> None:
        self._done.set()
        self.join()


def cpu_ticks() -> tuple[float, float]:
    """Seconds of CPU the whole machine has used, and stolen by the hypervisor, since boot."""
    with open("/proc/stat") as fh:
        fields = [int(x) for x in fh.readline().split()[1:]]
    hz = os.sysconf("SC_CLK_TCK")
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq) / hz, steal / hz


def measure(cmd: list[str], env: dict[str, str]) -> dict:
    """Run `cmd`; its wall and CPU time, peak memory, exit code and output, and how much CPU
    the rest of the machine used meanwhile (other processes, and time the hypervisor stole),
    which says how far a figure can be trusted on a shared machine."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        busy_before, steal_before = cpu_ticks()
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        sampler = TreeSampler(proc.pid)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        busy_after, steal_after = cpu_ticks()
        sampler.stop()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    return {
        "cmd": " ".join(cmd),
        "wall_s": round(wall, 3),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
        "max_rss_mb": round(usage.ru_maxrss / 1024, 1),  # Linux reports kB
        "tree_pss_mb": round(sampler.peak_kb / 1024, 1),
        "tree_processes": sampler.peak_processes,
        "others_cpu_s": round(busy_after - busy_before - usage.ru_utime - usage.ru_stime, 1),
        "steal_s": round(steal_after - steal_before, 1),
        "returncode": proc.returncode,
        "stdout": stdout,
        "stderr": stderr,
    }


# --- the runs ----------------------------------------------------------------------------------


def machine() -> dict:
    cpu = "unknown"
    with open("/proc/cpuinfo") as fh:
        for line in fh:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as fh:
        mem_kb = int(fh.readline().split()[1])
    return {
        "cores": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "libraries": {
            name: version(name) for name in ("pdfplumber", "pdfminer.six", "pyarrow", "pydantic")
        },
    }


def plan_etl() -> list[str]:
    script = Path(sys.executable).parent / "plan-etl"
    found = str(script) if script.exists() else shutil.which("plan-etl")
    if not found:
        sys.exit("plan-etl is not installed in this environment (make setup)")
    return [found]


def check(run: dict, name: str) -> None:
    if run["returncode"] != 0:
        sys.exit(f"{name} failed (exit {run['returncode']}):\n{run['stderr'][-2000:]}")


def parsed_cached(run: dict) -> tuple[int, int]:
    match = SUMMARY.search(run["stderr"])
    if not match:
        sys.exit(f"no summary line in plan-etl's output:\n{run['stderr'][-2000:]}")
    return int(match.group(1)), int(match.group(2))


def tables_equal(a: Path, b: Path) -> dict[str, bool]:
    return {
        t: pq.read_table(a / f"{t}.parquet").equals(pq.read_table(b / f"{t}.parquet"))
        for t in TABLES
    }


def rows_as_drawn(out: Path, manifest: dict) -> dict:
    """How faithfully the ingest read what make_corpus.py drew: decrees with another number
    of rows, and rows whose item number or deadline differ from the drawn ones."""
    drawn = {f["file"]: [tuple(r) for r in f["rows"]] for f in manifest["files"]}
    cols = ["source_file", "item_number", "deadline_raw"]
    read: dict[str, list[tuple]] = {}
    for row in pq.read_table(out / "activities.parquet", columns=cols).to_pylist():
        read.setdefault(row["source_file"], []).append(
            (row["item_number"], row["deadline_raw"] or "")
        )
    count_differs, rows_differ = [], []
    for name, want in drawn.items():
        got = read.get(name, [])
        if len(got) != len(want):
            count_differs.append(f"{name}: {len(got)} rows read, {len(want)} drawn")
        rows_differ += [
            f"{name} {w[0]}: read {g!r}, drew {w!r}"
            for g, w in zip(got, want, strict=False)
            if g != w
        ]
    return {
        "decrees": len(drawn),
        "rows": sum(map(len, drawn.values())),
        "decrees_count_differs": count_differs,
        "rows_differ": len(rows_differ),
        "rows_differ_examples": rows_differ[:10],
    }


def paired(raw: Path, work: Path, measure_one, slices: int = 2, size: int = 50) -> dict:
    """(b)/(a) and (c) vs (b) again, on slices of the corpus where the floor and the ingest,
    each on 1 and on 2 processes, run back to back (reversed on every other slice), so that
    the machine's drift over minutes (on a shared virtual machine the same work costs 15-40%
    more from one minute to the next) falls on all four alike. Each ingest pays its start-up
    (imports, the pool, writing) on `size` decrees instead of on the whole corpus, so these
    figures lean against plan-etl, the speedup most."""
    files = sorted(raw.glob("*.pdf"))
    stride = len(files) // slices
    out = []
    for k in range(slices):
        folder = work / f"slice-{k}" / "raw"
        folder.mkdir(parents=True)
        for path in files[k * stride : k * stride + size]:
            shutil.copy(path, folder / path.name)
        order = [("floor", 1), ("ingest", 1), ("ingest", 2), ("floor", 2)]
        runs = {
            (what, jobs): measure_one(what, folder, jobs)
            for what, jobs in order[:: 1 - 2 * (k % 2)]
        }
        out.append(
            {
                "pages": json.loads(runs["floor", 1]["stdout"])["pages"],
                **{f"{what}_j{jobs}_s": run["wall_s"] for (what, jobs), run in runs.items()},
                **{f"{what}_j{jobs}_cpu_s": run["cpu_s"] for (what, jobs), run in runs.items()},
            }
        )

    def total(key: str) -> float:
        return sum(s[key] for s in out)

    return {
        "slices": out,
        "pages": sum(s["pages"] for s in out),
        "ratio_wall": round(total("ingest_j1_s") / total("floor_j1_s"), 3),
        "ratio_cpu": round(total("ingest_j1_cpu_s") / total("floor_j1_cpu_s"), 3),
        "speedup_ingest": round(total("ingest_j1_s") / total("ingest_j2_s"), 3),
        "speedup_floor": round(total("floor_j1_s") / total("floor_j2_s"), 3),
    }


def run_all(corpus: Path, floor2: bool) -> dict:
    manifest = json.loads((corpus / "manifest.json").read_text())
    raw = corpus / "raw"
    work = OUT / "runs"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    py, cli = sys.executable, plan_etl()
    load_before = os.getloadavg()
    runs: dict[str, dict] = {}

    def step(key: str, label: str, cmd: list[str]) -> dict:
        print(f"  {label} …", end="", flush=True, file=sys.stderr)
        run = measure(cmd, env)
        check(run, label)
        run["label"] = label
        runs[key] = run
        print(f" {run['wall_s']:.1f} s", file=sys.stderr)
        return run

    floor_cmd = [py, str(BENCH / "floor.py"), str(raw)]
    floor = step("a", "(a) floor: pdfplumber open + extract_words, 1 process", floor_cmd)
    pages = json.loads(floor["stdout"])["pages"]
    if pages != manifest["pages"]:
        sys.exit(f"floor read {pages} pages, the manifest says {manifest['pages']}")
    if floor2:
        step("a2", "(a2) floor, 2 processes", [*floor_cmd, "--jobs", "2"])
    ingest = [*cli, "ingest", str(raw)]
    step(
        "b",
        "(b) plan-etl ingest --jobs 1 --no-cache",
        [*ingest, "--out", str(work / "b"), "--jobs", "1", "--no-cache"],
    )
    cache = ["--cache-dir", str(work / "cache")]
    step(
        "c",
        "(c) plan-etl ingest --jobs 2, empty cache",
        [*ingest, "--out", str(work / "c"), "--jobs", "2", *cache],
    )
    warm_label = "(d) plan-etl ingest --jobs 2, warm cache"
    warm_cmd = [*ingest, "--out", str(work / "d"), "--jobs", "2", *cache]
    attempts = 1
    while parsed_cached(step("d", warm_label, warm_cmd))[0]:
        # the parser's code changed between (c) and (d) (someone editing src/): the run
        # just made refilled the cache, so the next one is warm
        print("  (d) parsed files: the cache was stale, measuring again", file=sys.stderr)
        attempts += 1
        if attempts > 3:
            sys.exit("the warm run kept parsing: is src/ being edited while the bench runs?")

    def measure_one(what: str, folder: Path, jobs: int) -> dict:
        if what == "floor":
            cmd = [py, str(BENCH / "floor.py"), str(folder), "--jobs", str(jobs)]
        else:
            out = folder.parent / f"out-{jobs}"
            cmd = [
                *cli,
                "ingest",
                str(folder),
                "--out",
                str(out),
                "--jobs",
                str(jobs),
                "--no-cache",
            ]
        run = measure(cmd, env)
        check(run, " ".join(cmd))
        return run

    print(
        "  paired: floor and ingest, 1 and 2 processes, 2 slices of 50 decrees …", file=sys.stderr
    )
    pairs = paired(raw, work, measure_one)
    print(
        f"  (b)/(a) {pairs['ratio_wall']:.2f}, speedup ingest {pairs['speedup_ingest']:.2f}×, "
        f"floor {pairs['speedup_floor']:.2f}×",
        file=sys.stderr,
    )

    parsed = {k: parsed_cached(runs[k]) for k in ("b", "c", "d")}
    checks = {
        "parsed_cached": parsed,
        "b_equals_c": tables_equal(work / "b", work / "c"),
        "b_equals_d": tables_equal(work / "b", work / "d"),
        "read_as_drawn": rows_as_drawn(work / "b", manifest),
        "attempts_warm": attempts,
    }
    for run in runs.values():
        run.pop("stdout")
        run["stderr"] = run["stderr"][-400:]
    return {
        "machine": machine(),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "corpus": {k: manifest[k] for k in ("decrees", "pages", "items", "bytes")},
        "runs": runs,
        "paired": pairs,
        "checks": checks,
    }


# --- the report --------------------------------------------------------------------------------


def summarise(results: dict) -> dict:
    runs, pages = results["runs"], results["corpus"]["pages"]
    a, b, c, d = runs["a"], runs["b"], runs["c"], runs["d"]
    peak_mb = max(
        max(r["tree_pss_mb"], r["max_rss_mb"]) for k, r in runs.items() if k in ("b", "c", "d")
    )
    figures = {
        "ratio_b_over_a_wall": round(b["wall_s"] / a["wall_s"], 3),
        "ratio_b_over_a_cpu": round(b["cpu_s"] / a["cpu_s"], 3),
        "speedup_c_vs_b": round(b["wall_s"] / c["wall_s"], 3),
        "warm_s": d["wall_s"],
        "peak_memory_mb": peak_mb,
    }
    if "a2" in runs:
        figures["speedup_floor2_vs_floor"] = round(a["wall_s"] / runs["a2"]["wall_s"], 3)
    figures["ratio_paired_wall"] = results["paired"]["ratio_wall"]
    figures["ratio_paired_cpu"] = results["paired"]["ratio_cpu"]
    figures["speedup_paired"] = results["paired"]["speedup_ingest"]
    figures["speedup_paired_floor"] = results["paired"]["speedup_floor"]
    checks = results["checks"]
    figures["targets"] = {
        "(b)/(a) <= 1.3, whole corpus": figures["ratio_b_over_a_wall"] <= 1.3,
        "(b)/(a) <= 1.3, paired slices": figures["ratio_paired_wall"] <= 1.3,
        "(c) >= 1.8x faster than (b), whole corpus": figures["speedup_c_vs_b"] >= 1.8,
        "--jobs 2 >= 1.8x faster than --jobs 1, paired slices": figures["speedup_paired"] >= 1.8,
        "warm re-run < 2 s": d["wall_s"] < 2.0,
        "peak memory < 1 GB": peak_mb < 1024,
        "(b) == (c) == (d) tables": all(checks["b_equals_c"].values())
        and all(checks["b_equals_d"].values()),
    }
    figures["pages_per_s"] = {k: round(pages / r["wall_s"], 1) for k, r in runs.items()}
    return figures


def table(results: dict) -> str:
    runs, pages, fig = results["runs"], results["corpus"]["pages"], results["summary"]
    lines = [
        "| run | pages | wall s | pages/s | CPU s | largest process MB "
        "| all processes MB (PSS) | others' CPU s |",
        "|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for key, run in runs.items():
        lines.append(
            f"| {run['label']} | {pages} | {run['wall_s']:.2f} | {fig['pages_per_s'][key]:.1f} "
            f"| {run['cpu_s']:.1f} | {run['max_rss_mb']:.0f} | {run['tree_pss_mb']:.0f} "
            f"| {run['others_cpu_s'] + run['steal_s']:.1f} |"
        )
    lines += [
        "",
        f"- (b)/(a): **{fig['ratio_b_over_a_wall']:.2f}** wall time, "
        f"{fig['ratio_b_over_a_cpu']:.2f} CPU time; paired on {results['paired']['pages']} pages "
        f"(floor and ingest back to back, start-up included): **{fig['ratio_paired_wall']:.2f}** "
        f"wall time, {fig['ratio_paired_cpu']:.2f} CPU time",
        f"- (c) vs (b): **{fig['speedup_c_vs_b']:.2f}×** faster"
        + (
            f" (the floor on 2 processes: {fig['speedup_floor2_vs_floor']:.2f}×)"
            if "speedup_floor2_vs_floor" in fig
            else ""
        )
        + f"; paired, --jobs 2 vs --jobs 1: **{fig['speedup_paired']:.2f}×** "
        f"(the floor, 2 processes vs 1, in the same minutes: {fig['speedup_paired_floor']:.2f}×)",
        f"- warm re-run (d): **{fig['warm_s']:.2f} s** for {results['corpus']['decrees']} decrees",
        f"- peak memory of an ingest: **{fig['peak_memory_mb']:.0f} MB**",
        "",
        "| target | met |",
        "|---|---|",
        *(f"| {name} | {'yes' if ok else '**no**'} |" for name, ok in fig["targets"].items()),
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=OUT / "corpus")
    parser.add_argument("--floor2", action="store_true", help="time the floor on 2 processes too")
    args = parser.parse_args()
    if not (args.corpus / "manifest.json").exists():
        sys.exit(f"no corpus in {args.corpus}: run bench/make_corpus.py first (make bench does)")
    started = time.perf_counter()
    results = run_all(args.corpus, args.floor2)
    results["summary"] = summarise(results)
    results["bench_seconds"] = round(time.perf_counter() - started, 1)
    (OUT / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=1))
    m, corpus = results["machine"], results["corpus"]
    load = results["load_average_before"][0], results["load_average_after"][0]
    print(
        f"\n{corpus['decrees']} decrees, {corpus['pages']} PDF pages, {corpus['items']} plan rows; "
        f"{m['cores']} cores {m['cpu']}, {m['memory_gb']} GB, Python {m['python']}; "
        f"load average {load[0]} before, {load[1]} after\n"
    )
    print(table(results))
    fidelity = results["checks"]["read_as_drawn"]
    differs = len(fidelity["decrees_count_differs"])
    print(
        f"\nread as drawn: {differs} of {fidelity['decrees']} decrees with another row count,"
        f" {fidelity['rows_differ']} of {fidelity['rows']} rows with "
        "another item number or deadline"
    )
    for example in (fidelity["decrees_count_differs"] + fidelity["rows_differ_examples"])[:5]:
        print(f"  {example}")
    print(f"\nbench took {results['bench_seconds']:.0f} s; figures in {OUT / 'results.json'}")


if __name__ == "__main__":
    main()
