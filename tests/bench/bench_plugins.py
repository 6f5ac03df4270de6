"""Time inside each local plugin, this checkout against another one, side by side.

    .venv/bin/python tests/bench/bench_plugins.py /work/main            # N = 2000, 5 runs each
    .venv/bin/python tests/bench/bench_plugins.py /work/main 10000 --runs 3

A change to a plugin is judged against the code it replaces: each run builds the same
synthetic corpus (`corpus.py`) cold, on one core (POULS_JOBS=1, so every receiver runs
where it is timed), once with this checkout and once with the other one, alternately,
each build in a fresh process with that checkout's own `.venv` and `bench_build.py
--child … --time-plugins` (the receivers and generators of each local plugin, timed
without a profiler). It prints, per plugin, the median seconds of each and their ratio.

Jinja filters (french_dates, plain_text) run inside template rendering and are not in a
plugin's row: compare `build run()` for them, or `bench_build.py --profile`.

`--rebuild` compares what an editor waits for after saving one report, as `make html`
builds it (every core, the build cache): each checkout builds the corpus once with its
own cache and output folder (not counted), then, run after run, one sentence is added
to one report (`bench_build._edit_body`) and both checkouts rebuild, alternately. It
prints the median rebuild and its phases (read, context, plan, render).
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(HERE)]

from corpus import make_corpus


def timed_build(checkout, corpus, output, cache=None):
    """One build with `checkout`'s code: {"run": seconds, "plugins": {name: seconds}, "phases": …}.

    Without `cache`: cold, on one core. With it: every core, that build cache folder.
    """
    python = checkout / ".venv" / "bin" / "python"
    if not python.exists():
        sys.exit(f"bench_plugins: {python} is missing; run `make venv` in {checkout}")
    env = {**os.environ, "PYTHONPATH": f"{checkout}{os.pathsep}{checkout / 'plugins'}",
           "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("POULS_JOBS", None)
    env.update({"POULS_BUILD_CACHE": str(cache)} if cache else {"POULS_JOBS": "1", "BENCH_COLD": "1"})
    command = [str(python), str(checkout / "tests" / "bench" / "bench_build.py"), "--child", "pouls",
               str(corpus), str(output), "--time-plugins"]
    done = subprocess.run(command, cwd=checkout, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"bench_plugins: the build with {checkout} failed:\n{done.stderr[-3000:]}")
    line = next(line for line in done.stdout.splitlines() if line.startswith("BENCH "))
    return json.loads(line[len("BENCH "):])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("other", type=Path, help="the checkout to compare with (its own .venv), e.g. /work/main")
    parser.add_argument("n", nargs="?", type=int, default=2000, help="reports in the corpus (default 2000)")
    parser.add_argument("--runs", type=int, default=5, help="builds with each checkout (default 5)")
    parser.add_argument("--rebuild", action="store_true", help="time rebuilds after one edit instead (every core, cache)")
    args = parser.parse_args()
    checkouts = {"this": ROOT, "other": args.other.resolve()}
    if args.rebuild:
        return rebuilds(checkouts, args.n, args.runs)
    results = {label: [] for label in checkouts}
    with tempfile.TemporaryDirectory(prefix="bench-plugins-") as tmp:
        corpus = Path(tmp) / "corpus"
        make_corpus(corpus, args.n)
        for run in range(args.runs):
            # Alternated, first one then the other: the noise of a shared machine falls on both.
            for label in ("this", "other") if run % 2 == 0 else ("other", "this"):
                output = Path(tmp) / f"out-{label}-{run}"
                results[label].append(timed_build(checkouts[label], corpus, output))
                shutil.rmtree(output)
                print(f"  run {run + 1}/{args.runs} {label:5} {results[label][-1]['run']:.2f} s", flush=True)
    names = sorted({name for builds in results.values() for build in builds for name in build["plugins"]})
    print(f"\nTime inside each local plugin, N={args.n}, cold, one core, median of {args.runs} "
          f"(this: {ROOT}, other: {checkouts['other']})")
    print(f"  {'plugin':20} {'this':>8} {'other':>8} {'this/other':>10}")

    def row(name, this, other):
        ratio = f"{this / other:10.2f}" if other else f"{'':10}"
        print(f"  {name:20} {this:8.3f} {other:8.3f} {ratio}")

    totals = dict.fromkeys(checkouts, 0.0)
    for name in names:
        medians = {label: statistics.median(build["plugins"].get(name, 0.0) for build in builds)
                   for label, builds in results.items()}
        for label in checkouts:
            totals[label] += medians[label]
        row(name, medians["this"], medians["other"])
    row("(all local plugins)", totals["this"], totals["other"])
    run_medians = {label: statistics.median(build["run"] for build in builds) for label, builds in results.items()}
    row("build run()", run_medians["this"], run_medians["other"])
    return 0


def rebuilds(checkouts, n, runs):
    from bench_build import _edit_body

    results = {label: [] for label in checkouts}
    with tempfile.TemporaryDirectory(prefix="bench-rebuild-") as tmp:
        corpus = Path(tmp) / "corpus"
        make_corpus(corpus, n)
        folders = {label: (Path(tmp) / f"out-{label}", Path(tmp) / f"cache-{label}") for label in checkouts}
        for label, (output, cache) in folders.items():
            first = timed_build(checkouts[label], corpus, output, cache=cache)
            print(f"  first build {label:5} {first['run']:.2f} s (not counted)", flush=True)
        for run in range(runs):
            _edit_body(corpus, n, run)
            # Both rebuild the same edit, alternately first.
            for label in ("this", "other") if run % 2 == 0 else ("other", "this"):
                results[label].append(timed_build(checkouts[label], corpus, *folders[label]))
                print(f"  run {run + 1}/{runs} {label:5} {results[label][-1]['run']:.2f} s, "
                      f"{results[label][-1]['rendered']} pages rendered", flush=True)
    print(f"\nRebuild after one body edit, N={n}, every core, median of {runs} "
          f"(this: {checkouts['this']}, other: {checkouts['other']})")
    print(f"  {'':20} {'this':>8} {'other':>8} {'this/other':>10}")
    for name in ("run", "read", "context", "plan", "render"):
        this, other = (statistics.median(build["run"] if name == "run" else build["phases"][name]
                                         for build in results[label]) for label in ("this", "other"))
        print(f"  {'build run()' if name == 'run' else name:20} {this:8.2f} {other:8.2f} {this / other:10.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
