"""Where an ingest run's wall time goes: one run, timed from the inside.

    python bench/timeline.py [--corpus bench/out/corpus] [--jobs 2] [--cache]

Runs `plan-etl ingest RAW --jobs N --no-cache` (`--cache`: into an empty cache) in this
process with a clock around its phases (the CLI's imports, the files planned, the workers
started, the first and the last result, the plan in force, the publish) and around every
file a worker parses, and reads each of the parent's threads' CPU from /proc when the last
result is in. What it tells:
how long one core works alone before the first file and after the last (the part of a
run `--jobs 2` cannot split), how much CPU the parent spends while the workers parse (in
`--jobs 1` on the idle core, in `--jobs 2` taken from the workers), how long each worker
waits between files, and the workers' CPU (`--jobs 2` against `--jobs 1` on the same files:
what two workers cost each other), the parent's main-thread CPU step by step, and the
ratio to `--jobs 1` that these parts allow (`bound`). The wrappers add a few microseconds
a file.

Prints a table and writes bench/out/timeline-jobsN.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

STARTED = time.perf_counter()
OUT = Path(__file__).resolve().parent / "out"


def clock() -> float:
    return round(time.perf_counter() - STARTED, 3)


def thread_cpu() -> dict[str, float]:
    """CPU seconds (user + sys) of each thread of this process, by thread name and id."""
    hz = os.sysconf("SC_CLK_TCK")
    found = {}
    for task in sorted(Path("/proc/self/task").iterdir()):
        fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        name = (task / "comm").read_text().strip()
        found[f"{name} {task.name}"] = round((int(fields[11]) + int(fields[12])) / hz, 2)
    return found


STEPS: dict[str, list[float]] = {}  # the parent's step -> [calls, thread CPU seconds]


def count_cpu(owner: object, name: str, label: str) -> None:
    """Wrap `owner.name` so each call adds the calling thread's CPU to `STEPS[label]` (a
    step the code does not have, as in older code timed with PYTHONPATH, is not counted)."""
    inner = getattr(owner, name, None)
    if inner is None:
        return

    def wrapped(*args, **kwargs):  # type: ignore[no-untyped-def]
        begun = time.thread_time()
        try:
            return inner(*args, **kwargs)
        finally:
            step = STEPS.setdefault(label, [0, 0.0])
            step[0] += 1
            step[1] += time.thread_time() - begun

    setattr(owner, name, wrapped)


def count_steps() -> None:
    """The parent's per-file steps and its end, each counted by `count_cpu`."""
    from plan_etl import cache, executors, links, pipeline, task
    from plan_etl.write import DatasetWriter

    count_cpu(cache.ResultCache, "put", "cache entry written")
    count_cpu(pipeline, "_write_rows", "rows into the table (packed or models)")
    count_cpu(links.Linker, "add", "duplicates checked (linker.add)")
    count_cpu(task, "time_allowed", "page count for the timeout")
    executors.time_allowed = task.time_allowed
    count_cpu(executors.LocalPool, "submit", "file handed to pebble (incl. page count)")
    count_cpu(executors.LocalPool, "result", "result taken")
    count_cpu(pipeline, "_write_in_force", "plan in force")
    count_cpu(DatasetWriter, "commit", "publish")


def instrument(marks: dict, log_dir: Path) -> None:
    """Wrap the run's phases so they stamp `marks`, and `process_file` so every worker
    appends (start, end) of each file to a file of its own in `log_dir` (forked workers
    inherit the wrapper; pebble finds it by the original's name)."""
    from plan_etl import executors, pipeline, task
    from plan_etl.write import DatasetWriter

    original = task.process_file

    def process_file(*args, **kwargs):  # type: ignore[no-untyped-def]
        begun = time.perf_counter()
        result = original(*args, **kwargs)
        with open(log_dir / str(os.getpid()), "a") as log:
            log.write(f"{begun - STARTED} {time.perf_counter() - STARTED}\n")
        return result

    process_file.__module__, process_file.__qualname__ = "plan_etl.task", "process_file"
    task.process_file = executors.process_file = process_file  # type: ignore[assignment]

    def around(owner: object, name: str, before: str, after: str) -> None:
        inner = getattr(owner, name)

        def wrapped(*args, **kwargs):  # type: ignore[no-untyped-def]
            marks.setdefault(before, clock())
            result = inner(*args, **kwargs)
            marks[after] = clock()
            return result

        setattr(owner, name, wrapped)

    count_steps()
    around(pipeline, "_plan", "plan begun", "plan done")
    around(executors.LocalPool, "start", "workers starting", "workers started")
    around(pipeline, "_write_in_force", "in force begun", "in force done")
    around(DatasetWriter, "commit", "publish begun", "published")
    result = executors.LocalPool.result

    def result_stamped(self, ticket, source):  # type: ignore[no-untyped-def]
        found = result(self, ticket, source)
        marks.setdefault("first result", clock())
        marks["last result"] = clock()
        marks["threads at last result"] = thread_cpu()
        return found

    executors.LocalPool.result = result_stamped  # type: ignore[method-assign]


def workers(log_dir: Path) -> list[dict]:
    """Each worker's files, busy seconds and seconds idle between its first and last file."""
    out = []
    for log in sorted(log_dir.iterdir()):
        spans = [tuple(map(float, line.split())) for line in log.read_text().splitlines()]
        busy = sum(end - begun for begun, end in spans)
        out.append(
            {
                "files": len(spans),
                "first_begun": round(spans[0][0], 3),
                "last_ended": round(spans[-1][1], 3),
                "busy_s": round(busy, 2),
                "idle_between_s": round(spans[-1][1] - spans[0][0] - busy, 2),
            }
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=OUT / "corpus")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument(
        "--cache", action="store_true", help="into an empty cache, as scaling.py's (c)"
    )
    args = parser.parse_args()
    if not (args.corpus / "raw").is_dir():
        sys.exit(f"no corpus in {args.corpus}: run bench/make_corpus.py first (make bench does)")
    marks: dict = {}
    import plan_etl.cli as cli

    marks["cli imported"] = clock()
    with tempfile.TemporaryDirectory() as tmp:
        log_dir = Path(tmp, "files")
        log_dir.mkdir()
        instrument(marks, log_dir)
        sys.argv = ["plan-etl", "ingest", str(args.corpus / "raw"), "-q"]
        sys.argv += ["--cache-dir", str(Path(tmp, "cache"))] if args.cache else ["--no-cache"]
        sys.argv += ["--out", str(Path(tmp, "out")), "--jobs", str(args.jobs)]
        try:
            cli.command()
        except SystemExit as exit_:
            if exit_.code:
                raise
        marks["end"] = clock()
        per_worker = workers(log_dir)
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    report = {
        "jobs": args.jobs,
        "marks_s": marks,
        "parent_cpu_s": round(own.ru_utime + own.ru_stime, 2),
        "workers_cpu_s": round(children.ru_utime + children.ru_stime, 2),
        "workers": per_worker,
        "parent_steps": {k: [n, round(cpu, 3)] for k, (n, cpu) in STEPS.items()},
    }
    (OUT / f"timeline-jobs{args.jobs}.json").write_text(json.dumps(report, indent=1))
    threads = marks.pop("threads at last result", {})
    how = "into an empty cache" if args.cache else "--no-cache"
    print(f"ingest --jobs {args.jobs} {how}, {sum(w['files'] for w in per_worker)} files\n")
    print("| since the start | s |\n|---|--:|")
    for name, at in sorted(marks.items(), key=lambda kv: kv[1]):
        print(f"| {name} | {at:.3f} |")
    first = min(w["first_begun"] for w in per_worker)
    last = max(w["last_ended"] for w in per_worker)
    print(
        f"\none core alone: {first:.2f} s before the first file, {marks['end'] - last:.2f} s after"
    )
    print(f"parent CPU {report['parent_cpu_s']} s, workers' CPU {report['workers_cpu_s']} s")
    print(
        "parent's threads' CPU at the last result:",
        ", ".join(f"{k} {v} s" for k, v in threads.items()),
    )
    for i, w in enumerate(per_worker, 1):
        print(
            f"worker {i}: {w['files']} files, busy {w['busy_s']} s, "
            f"idle between files {w['idle_between_s']} s"
        )
    print("\n| the parent's main thread: step | calls | CPU ms |\n|---|--:|--:|")
    for name, (calls, cpu) in sorted(STEPS.items(), key=lambda kv: -kv[1][1]):
        print(f"| {name} | {calls} | {1000 * cpu:.0f} |")
    print(bound(report, first, marks["end"] - last))


def bound(report: dict, before: float, after: float) -> str:
    """What this run's parts allow `--jobs 2` at best against `--jobs 1`, at equal CPU cost
    (Amdahl). One core alone for `before` + `after` seconds (S), the workers' CPU W, the
    parent's CPU while they work P (its CPU minus S's, taken as one busy core): `--jobs 1`
    takes S + W (the parent on the idle core), `--jobs 2` S + (W + P) / 2 (the parent takes
    its share of the two cores). A corpus large enough that S vanishes tends to 2W / (W + P).
    Read from a `--jobs 2` run; the idle time between files is left out (both modes pay it),
    and (c)'s workers stand for (b)'s, though they also pack rows (`plan_etl.packing`:
    ≈ 1 % more of their CPU), so the figure errs up by about that much."""
    serial = before + after
    work, parent = report["workers_cpu_s"], max(0.0, report["parent_cpu_s"] - serial)
    ratio = (serial + work) / (serial + (work + parent) / 2)
    return (
        f"\nAmdahl at equal CPU: one core alone S = {serial:.2f} s, workers W = {work:.1f} s, "
        f"the parent beside them P = {parent:.2f} s → (S + W) / (S + (W + P) / 2) = "
        f"**{ratio:.2f}×** for this corpus; {2 * work / (work + parent):.2f}× for a corpus "
        f"large enough that S vanishes"
    )


if __name__ == "__main__":
    main()
