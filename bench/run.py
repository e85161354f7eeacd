"""Benchmark plan-etl ingest against pdfplumber's own floor, side by side, in one run.

    python bench/run.py [--corpus bench/out/corpus] [--floor2]

Runs, each as its own subprocess on the corpus that bench/make_corpus.py built:

  (a)  floor, 1 process   bench/floor.py: pdfplumber.open + extract_words on every page
  (a2) floor, 2 processes the same split over two forked processes (with --floor2)
  (b)  ingest --jobs 1 --no-cache
  (c)  ingest --jobs 2 into an empty cache: parses every file (as --no-cache does) and
       also writes the cache
  (d)  ingest --jobs 2 again into a new folder: the dataset rebuilt from (c)'s cache
  (d2) ingest --jobs 2 once more into (d)'s folder: the warm re-run a user makes, which
       finds the folder already built from these very files and leaves it (plan_etl/runs.py)

in the order a a2 b c d d2 e c b a2 a: every run but the warm ones twice, mirrored around
them. On a shared virtual machine the same work costs 15-40 % more from one minute to the
next; in a mirrored order a drift that is steady over the bench falls on both sides of every
ratio alike, which running each once, minutes apart, does not give. Ratios are of the summed
wall times.

How it measures: wall time around the subprocess; CPU time (user + sys) and the largest
resident set of any one process from os.wait4, whose rusage covers the process and every
descendant it waited for (pebble joins its workers, so they count); and, because two
workers and the parent are alive at once, the peak of the summed resident sets of the whole
process tree, sampled from /proc/PID/statm every 50 ms. That sum counts pages shared after
fork once per process, so it is an upper bound; it is read from statm because the exact
figure (PSS, from smaps_rollup) costs the kernel a page-table walk per read, which took 15 %
of a core, enough to slow the very run it measured. "Others' CPU" is what the rest of the
machine used during the run (/proc/stat, minus the run's own CPU and the bench's, plus
hypervisor steal): near 0 on a quiet machine; when it is not, the wall times are not to be
trusted. Children run with Python's default bytecode caching (PYTHONDONTWRITEBYTECODE is
dropped from their environment), as an installed plan-etl would.

Checks: every ingest run writes equal Parquet tables (same rows, same order); every decree
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
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import cut_words  # bench/: the words of the corpus's cells
import pyarrow.parquet as pq

BENCH = Path(__file__).resolve().parent
OUT = BENCH / "out"
TABLES = ("documents", "activities", "catalogue")
SUMMARY = re.compile(r"(\d+) parsed, (\d+) from cache")
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


# --- measuring a subprocess --------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                found += [int(c) for c in fh.read().split()]
    except FileNotFoundError:  # a kernel without CONFIG_PROC_CHILDREN: every process's parent
        return _children_by_parent(pid)
    except OSError:
        pass
    return found


def _children_by_parent(pid: int) -> list[int]:
    """The children of `pid` from each process's `stat` (its parent is the fourth field)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as fh:
                    stat = fh.read()
                if int(stat[stat.rindex(b")") + 2 :].split()[1]) == pid:
                    found.append(int(entry))
            except (OSError, ValueError, IndexError):
                continue
    return found


def _rss_kb(pid: int) -> int:
    """Resident set of one process, from statm (cheap: no page-table walk)."""
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * PAGE_KB
    except OSError:
        return 0


class TreeSampler(threading.Thread):
    """Peak summed RSS of a process and all its descendants, sampled every `every` s."""

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
            total = sum(_rss_kb(pid) for pid in pids)
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
        own_before = time.process_time()
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        sampler = TreeSampler(proc.pid)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        busy_after, steal_after = cpu_ticks()
        sampler.stop()
        own = time.process_time() - own_before
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    cpu = usage.ru_utime + usage.ru_stime
    return {
        "cmd": " ".join(cmd),
        "wall_s": round(wall, 3),
        "cpu_s": round(cpu, 3),
        "max_rss_mb": round(usage.ru_maxrss / 1024, 1),  # Linux reports kB
        "tree_rss_mb": round(sampler.peak_kb / 1024, 1),
        "tree_processes": sampler.peak_processes,
        "bench_cpu_s": round(own, 2),
        "others_cpu_s": round(busy_after - busy_before - cpu - own, 1),
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
    of rows, rows whose item number or deadline differ from the drawn ones, and the words of
    the cells: cuts left unjoined and words a wrong join made (`cut_words.py`)."""
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
    cuts_left, words_made = cut_words.count(out, cut_words.lexicon())
    return {
        "decrees": len(drawn),
        "rows": sum(map(len, drawn.values())),
        "decrees_count_differs": count_differs,
        "rows_differ": len(rows_differ),
        "rows_differ_examples": rows_differ[:10],
        "cut_words_left": sum(cuts_left.values()),  # the words of the cells (cut_words.py)
        "words_made": sum(words_made.values()),
    }


@dataclass(frozen=True)
class Step:
    """One measured run of the sequence."""

    key: str  # a, a2, b, c, d
    label: str
    cmd: list[str]
    out: Path | None = None  # where an ingest writes its dataset


def with_one_added(raw: Path, folder: Path) -> Path:
    """`raw` plus one decree the cache has not seen (links to the corpus files, and a copy of
    one of them with a comment appended after its end, so that its bytes are new)."""
    folder.mkdir(parents=True)
    files = sorted(raw.glob("*.pdf"))
    for path in files:
        (folder / path.name).symlink_to(path.resolve())
    added = folder / "zzzz-added-after-the-warm-run.pdf"
    added.write_bytes(files[0].read_bytes() + b"\n% added after the warm run\n")
    return folder


def sequence(raw: Path, plus: Path, work: Path, floor2: bool) -> list[Step]:
    """a a2 b c d d2 e c b a2 a: each run but the warm ones twice, mirrored around them. The two
    (c) runs each start from an empty cache of their own; (d) and (e) read the first one's,
    (e) on `plus`, the corpus with one decree added."""
    floor = [sys.executable, str(BENCH / "floor.py"), str(raw)]
    cli = plan_etl()
    ingest = [*cli, "ingest", str(raw)]

    def cold(n: int) -> list[Step]:
        cache = ["--cache-dir", str(work / f"cache{n}")]
        return [
            Step(
                "b",
                "(b) plan-etl ingest --jobs 1 --no-cache",
                [*ingest, "--out", str(work / f"b{n}"), "--jobs", "1", "--no-cache"],
                work / f"b{n}",
            ),
            Step(
                "c",
                "(c) plan-etl ingest --jobs 2, empty cache",
                [*ingest, "--out", str(work / f"c{n}"), "--jobs", "2", *cache],
                work / f"c{n}",
            ),
        ]

    floors = [Step("a", "(a) floor: pdfplumber open + extract_words, 1 process", floor)]
    if floor2:
        floors.append(Step("a2", "(a2) floor, 2 processes", [*floor, "--jobs", "2"]))
    warm_cache = ["--cache-dir", str(work / "cache1")]
    warm = Step(
        "d",
        "(d) plan-etl ingest --jobs 2, warm cache",
        [*ingest, "--out", str(work / "d"), "--jobs", "2", *warm_cache],
        work / "d",
    )
    rerun = Step(
        "d2",
        "(d2) plan-etl ingest --jobs 2 into (d)'s folder again",
        [*ingest, "--out", str(work / "d"), "--jobs", "2", *warm_cache],
        work / "d",
    )
    added = Step(
        "e",
        "(e) plan-etl ingest --jobs 2, warm cache, one decree added",
        [*cli, "ingest", str(plus), "--out", str(work / "e"), "--jobs", "2", *warm_cache],
    )
    first = floors + cold(1)
    second = floors + cold(2)
    return [*first, warm, rerun, added, *second[::-1]]


def run_all(corpus: Path, floor2: bool) -> dict:
    manifest = json.loads((corpus / "manifest.json").read_text())
    raw = corpus / "raw"
    work = OUT / "runs"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    load_before = os.getloadavg()
    runs: dict[str, list[dict]] = {}
    outputs: list[Path] = []
    attempts = 1
    plus = with_one_added(raw, work / "raw-plus")
    for step in sequence(raw, plus, work, floor2):
        print(f"  {step.label} …", end="", flush=True, file=sys.stderr)
        run = measure(step.cmd, env)
        check(run, step.label)
        while step.key == "d" and parsed_cached(run)[0]:
            # the parser's code changed since (c) (someone editing src/): the run just
            # made refilled the cache, so the next one is warm
            print(" the cache was stale, measuring again …", end="", file=sys.stderr)
            attempts += 1
            if attempts > 3:
                sys.exit("the warm run kept parsing: is src/ being edited while the bench runs?")
            run = measure(step.cmd, env)
            check(run, step.label)
        print(f" {run['wall_s']:.1f} s", file=sys.stderr)
        if step.key in ("a", "a2"):
            pages = json.loads(run["stdout"])["pages"]
            if pages != manifest["pages"]:
                sys.exit(f"floor read {pages} pages, the manifest says {manifest['pages']}")
        else:
            run["parsed_cached"] = parsed_cached(run)
        if step.out:
            outputs.append(step.out)
        run.pop("stdout")
        run["stderr"] = run["stderr"][-400:]
        runs.setdefault(step.key, []).append({"label": step.label, **run})

    checks = {
        "all_ingests_equal": {
            out.name: all(tables_equal(outputs[0], out).values()) for out in outputs[1:]
        },
        "read_as_drawn": rows_as_drawn(outputs[0], manifest),
        "added_one_parsed_cached": runs["e"][0]["parsed_cached"],
        "attempts_warm": attempts,
    }
    return {
        "machine": machine(),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "corpus": {k: manifest[k] for k in ("decrees", "pages", "items", "bytes")},
        "runs": runs,
        "checks": checks,
    }


# --- the report --------------------------------------------------------------------------------


def wall(results: dict, key: str) -> float:
    """The summed wall time of a run's repetitions."""
    return sum(run["wall_s"] for run in results["runs"][key])


def summarise(results: dict) -> dict:
    runs = results["runs"]
    peak_mb = max(
        max(run["tree_rss_mb"], run["max_rss_mb"]) for key in ("b", "c", "d") for run in runs[key]
    )
    b, c = runs["b"], runs["c"]
    figures = {
        "ratio_b_over_a_wall": round(wall(results, "b") / wall(results, "a"), 3),
        "ratio_b_over_a_cpu": round(
            sum(r["cpu_s"] for r in b) / sum(r["cpu_s"] for r in runs["a"]), 3
        ),
        "speedup_c_vs_b": round(wall(results, "b") / wall(results, "c"), 3),
        # the pairs next to each other in the sequence: (b1, c1) and (c2, b2)
        "speedup_each_pair": [
            round(x["wall_s"] / y["wall_s"], 3) for x, y in zip(b, c, strict=True)
        ],
        "warm_s": runs["d"][0]["wall_s"],
        "rerun_s": runs["d2"][0]["wall_s"],
        "added_one_s": runs["e"][0]["wall_s"],
        "peak_memory_mb": peak_mb,
    }
    if "a2" in runs:
        figures["speedup_floor2_vs_floor"] = round(wall(results, "a") / wall(results, "a2"), 3)
    checks = results["checks"]
    figures["targets"] = {
        "(b)/(a) <= 1.3": figures["ratio_b_over_a_wall"] <= 1.3,
        "(c) >= 1.8x faster than (b)": figures["speedup_c_vs_b"] >= 1.8,
        "rebuild from a warm cache < 2 s": figures["warm_s"] < 2.0,
        "warm re-run of the same folder < 1 s": figures["rerun_s"] < 1.0,
        "adding one decree parses only it": tuple(checks["added_one_parsed_cached"])
        == (1, results["corpus"]["decrees"]),
        "peak memory < 1 GB": peak_mb < 1024,
        "all ingest runs write equal tables": all(checks["all_ingests_equal"].values()),
    }
    pages = results["corpus"]["pages"]
    figures["pages_per_s"] = {  # (e) reads one decree more than the corpus: left out
        key: round(pages * len(reps) / wall(results, key), 1)
        for key, reps in runs.items()
        if key != "e"
    }
    return figures


def table(results: dict) -> str:
    runs, pages, fig = results["runs"], results["corpus"]["pages"], results["summary"]
    lines = [
        "| run | pages | wall s (each run) | pages/s | CPU s | largest process MB "
        "| all processes MB (RSS sum) | others' CPU s |",
        "|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for key, reps in runs.items():
        walls = " / ".join(f"{r['wall_s']:.2f}" for r in reps)
        cpu = " / ".join(f"{r['cpu_s']:.1f}" for r in reps)
        others = " / ".join(f"{r['others_cpu_s'] + r['steal_s']:.1f}" for r in reps)
        lines.append(
            f"| {reps[0]['label']} | {pages} | {walls} | {fig['pages_per_s'].get(key, '—')} "
            f"| {cpu} | {max(r['max_rss_mb'] for r in reps):.0f} "
            f"| {max(r['tree_rss_mb'] for r in reps):.0f} | {others} |"
        )
    pairs = ", ".join(f"{x:.2f}×" for x in fig["speedup_each_pair"])
    lines += [
        "",
        f"- (b)/(a): **{fig['ratio_b_over_a_wall']:.2f}** wall time, "
        f"{fig['ratio_b_over_a_cpu']:.2f} CPU time",
        f"- (c) vs (b): **{fig['speedup_c_vs_b']:.2f}×** faster (each adjacent pair: {pairs})"
        + (
            f"; the floor on 2 processes vs 1: {fig['speedup_floor2_vs_floor']:.2f}×"
            if "speedup_floor2_vs_floor" in fig
            else ""
        ),
        f"- warm re-run of the same folder (d2): **{fig['rerun_s']:.2f} s**; the dataset rebuilt "
        f"from the warm cache into a new folder (d): **{fig['warm_s']:.2f} s** for "
        f"{results['corpus']['decrees']} decrees;"
        f" with one decree added (e): {fig['added_one_s']:.2f} s, "
        "{} parsed, {} from cache".format(*results["checks"]["added_one_parsed_cached"]),
        f"- peak memory of an ingest: **{fig['peak_memory_mb']:.0f} MB** (summed RSS, an upper "
        "bound)",
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
        "another item number or deadline; "
        f"{fidelity.get('cut_words_left', '?')} words a column cut left unjoined, "
        f"{fidelity.get('words_made', '?')} made by a wrong join"
    )
    for example in (fidelity["decrees_count_differs"] + fidelity["rows_differ_examples"])[:5]:
        print(f"  {example}")
    print(f"\nbench took {results['bench_seconds']:.0f} s; figures in {OUT / 'results.json'}")


if __name__ == "__main__":
    main()
