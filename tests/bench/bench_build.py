"""Build time of Pouls against vanilla Pelican on the same synthetic corpus.

    .venv/bin/python tests/bench/bench_build.py              # N = 2000, 3 runs each
    .venv/bin/python tests/bench/bench_build.py 500 --runs 5
    .venv/bin/python tests/bench/bench_build.py --sizes 500,1000,2000
    .venv/bin/python tests/bench/bench_build.py 2000 --profile  # where Pouls spends its time

`make bench` runs the default. Steps:

1. `tests/bench/corpus.py` writes a corpus of N reports (and of each size of
   `--sizes`, for the growth table) into a temporary folder.
2. For each size, a Pouls build (our pelicanconf.py, every plugin, our theme) and a
   vanilla build (Pelican's default settings and theme, same corpus) run **alternately**,
   `--runs` times each, every build in a fresh Python process so Pelican's global state
   (signals, log filters, caches) never leaks from one to the next. Alternating spreads
   the noise of a shared machine over both.
3. It prints the median wall time of each (the whole process: imports, reading, writing),
   the median time inside `Pelican.run()`, the median CPU time of the process, the peak
   memory, and the ratios Pouls/vanilla. Target: ratio ≤ 1.3 at N = 2000. On a shared
   machine CPU time is the steadier figure; wall time is what an editor waits.
4. The growth table divides each CPU time by N: a cost per report that stays flat from
   500 to 2000 reports means the build grows linearly (a fixed start-up cost makes the
   smallest N look a little dearer per report).

`--ablation` builds N reports again without each local plugin in turn (medians of
`--runs`): the time a plugin costs, the pages and feeds it writes included.
`--profile` runs one more Pouls build under cProfile and prints the time spent inside
each local plugin (inclusive, counted from the calls that enter the plugin: signal
receivers, Jinja filters, template helpers) beside Pelican's own phases.
"""

import argparse
import cProfile
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PLUGINS = ROOT / "plugins"
sys.path[:0] = [str(ROOT), str(ROOT / "plugins"), str(HERE)]

from pouls_common.paths import python_path

# ------------------------------------------------------------------ child processes

def _time_plugins():
    """Time, inside this build, every signal receiver and generator a local plugin adds.

    Returns the dict it fills: plugin name -> seconds. Exclusive of nesting is not
    needed: Pelican's signals are sent from Pelican's code, never from a receiver.
    """
    import blinker
    from pelican import Pelican

    spent = {}

    def plugin_of(function):
        module = getattr(function, "__module__", "") or ""
        name = module.split(".")[0]
        return name if (PLUGINS / name).is_dir() else None

    def timed(function, plugin):
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[plugin] = spent.get(plugin, 0.0) + time.perf_counter() - start
        return wrapper

    original_send = blinker.base.Signal.send

    def send(self, sender=None, /, **kwargs):
        results = []
        for receiver in self.receivers_for(sender):
            plugin = plugin_of(receiver)
            call = timed(receiver, plugin) if plugin else receiver
            results.append((receiver, call(sender, **kwargs)))
        return results

    blinker.base.Signal.send = send
    original_classes = Pelican._get_generator_classes

    def generator_classes(self):
        classes = original_classes(self)
        for cls in classes:
            plugin = plugin_of(cls)
            if plugin and not getattr(cls, "_bench_timed", False):
                for method in ("generate_context", "generate_output"):
                    if hasattr(cls, method):
                        setattr(cls, method, timed(getattr(cls, method), plugin))
                cls._bench_timed = True
        return classes

    Pelican._get_generator_classes = generator_classes
    assert original_send  # kept referenced: the patch lives as long as this process
    return spent


def _child(kind, corpus, output, profile_to=None, without=None, time_plugins=False):
    """Run one build in this (fresh) process and print its timing as JSON."""
    import logging

    counter = {"warnings": 0, "errors": 0}

    class Count(logging.Handler):
        def emit(self, record):
            counter["errors" if record.levelno >= logging.ERROR else "warnings"] += 1

    logging.getLogger().addHandler(Count(level=logging.WARNING))
    logging.getLogger().setLevel(logging.WARNING)

    from pelican import Pelican
    from pelican.settings import read_settings

    if kind == "pouls":
        from desk.build import load_settings

        settings = load_settings("pelicanconf.py", content=corpus, output=output)
        if without:
            settings = load_settings(
                "pelicanconf.py", content=corpus, output=output,
                overrides={"PLUGINS": [name for name in settings["PLUGINS"] if name != without]},
            )
    else:
        settings = read_settings(None, override={"PATH": corpus, "OUTPUT_PATH": output})

    spent = _time_plugins() if time_plugins else {}
    start = time.perf_counter()
    if profile_to:
        profiler = cProfile.Profile()
        profiler.enable()
    Pelican(settings).run()
    if profile_to:
        profiler.disable()
        profiler.dump_stats(profile_to)
    run_seconds = time.perf_counter() - start
    print("BENCH " + json.dumps({"run": run_seconds, "plugins": spent, **counter}))


def _build(kind, corpus, output, profile_to=None, without=None, must_succeed=True, time_plugins=False):
    """One build in a new interpreter; returns wall seconds, run seconds, peak RSS, counts."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child", kind, str(corpus), str(output)]
    if profile_to:
        command += ["--profile-to", str(profile_to)]
    if without:
        command += ["--without", without]
    if time_plugins:
        command += ["--time-plugins"]
    env = python_path({**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, cwd=ROOT, env=env)
        # wait4 gives this child's own peak memory (getrusage would mix every child).
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if process.returncode != 0:
        if not must_succeed:
            return None
        sys.exit(f"bench_build: the {kind} build of {corpus} failed:\n{stderr[-3000:]}")
    line = next(line for line in stdout.splitlines() if line.startswith("BENCH "))
    result = json.loads(line[len("BENCH "):])
    # CPU seconds of the child alone: far less sensitive than wall time to other
    # processes on a shared machine, so the ablation compares those.
    result.update(wall=wall, cpu=usage.ru_utime + usage.ru_stime, peak_mb=usage.ru_maxrss / 1024)
    # Counted here, after the child's times are taken: walking one folder per page (Pouls'
    # clean URLs) cost the child some 35 ms of CPU that no build spends.
    result["files"] = sum(len(names) for _, _, names in os.walk(output))
    return result


# ------------------------------------------------------------------------ measuring

def measure(size, runs, workdir):
    from corpus import make_corpus

    corpus = make_corpus(workdir / f"corpus-{size}", size)
    results = {"pouls": [], "vanilla": []}
    for run in range(runs):
        # Alternate, and swap who goes first each round, so drift hits both sides.
        order = ("pouls", "vanilla") if run % 2 == 0 else ("vanilla", "pouls")
        for kind in order:
            output = workdir / f"out-{kind}-{size}-{run}"
            results[kind].append(_build(kind, corpus, output))
            print(f"  N={size} run {run + 1}/{runs} {kind:8} {results[kind][-1]['wall']:7.2f} s", flush=True)
    return corpus, results


def median(results, key):
    return statistics.median(item[key] for item in results)


def report(size, results):
    pouls, vanilla = results["pouls"], results["vanilla"]
    print(f"\nN = {size} reports, {len(pouls)} runs each (medians)")
    print(f"  {'':10} {'wall s':>8} {'run() s':>8} {'CPU s':>8} {'peak MB':>8} {'files':>7} {'warnings':>9}")
    for name, items in (("Pouls", pouls), ("vanilla", vanilla)):
        print(
            f"  {name:10} {median(items, 'wall'):8.2f} {median(items, 'run'):8.2f} {median(items, 'cpu'):8.2f} "
            f"{median(items, 'peak_mb'):8.0f} {items[0]['files']:7d} {items[0]['warnings']:9d}"
        )
    wall_ratio = median(pouls, "wall") / median(vanilla, "wall")
    run_ratio = median(pouls, "run") / median(vanilla, "run")
    cpu_ratio = median(pouls, "cpu") / median(vanilla, "cpu")
    verdict = "within" if wall_ratio <= 1.3 else "OVER"
    print(f"  ratio Pouls / vanilla: {wall_ratio:.2f}× wall, {run_ratio:.2f}× run(), {cpu_ratio:.2f}× CPU  "
          f"({verdict} the 1.3× target)")
    return wall_ratio


def growth(table):
    print("\nGrowth (median CPU time per report; flat = linear)")
    print(f"  {'N':>6} {'Pouls s':>8} {'ms/report':>10} {'vanilla s':>10} {'ms/report':>10} {'ratio':>6}")
    for size, results in sorted(table.items()):
        pouls, vanilla = median(results["pouls"], "cpu"), median(results["vanilla"], "cpu")
        print(
            f"  {size:6d} {pouls:8.2f} {pouls / size * 1000:10.2f} {vanilla:10.2f} "
            f"{vanilla / size * 1000:10.2f} {pouls / vanilla:6.2f}"
        )
    sizes = sorted(table)
    if len(sizes) > 1:
        small, large = sizes[0], sizes[-1]
        for kind, label in (("pouls", "Pouls"), ("vanilla", "vanilla")):
            grew = median(table[large][kind], "cpu") / median(table[small][kind], "cpu")
            print(f"  {label}: CPU ×{grew:.2f} from N={small} to N={large} (linear: ×{large / small:.2f})")


def ablation(corpus, runs, workdir):
    """Build without each local plugin in turn: what a plugin costs, pages it writes included."""
    from desk.build import load_settings

    plugins = list(load_settings("pelicanconf.py")["PLUGINS"])
    timings = {name: [] for name in [None, *plugins]}
    for run in range(runs):
        # Rotate the order each round so slow moments of the machine do not always hit one plugin.
        names = list(timings)
        for name in names[run % len(names):] + names[:run % len(names)]:
            result = _build("pouls", corpus, workdir / f"out-ablation-{name}-{run}", without=name,
                            must_succeed=name is None)
            timings[name].append(result)
            label = f"without {name}" if name else "all plugins"
            shown = f"{result['cpu']:7.2f} s CPU" if result else "build fails without it"
            print(f"  ablation run {run + 1}/{runs} {label:30} {shown}", flush=True)
    full = statistics.median(item["cpu"] for item in timings[None])
    size = len(list(corpus.rglob("*.md")))
    print(f"\nAblation at N={size}: median CPU time of a Pouls build without one plugin ({runs} runs each)")
    print(f"  {'all plugins':30} {full:7.2f} s")
    for name in plugins:
        done = [item for item in timings[name] if item]
        if not done:
            print(f"  without {name:22} {'—':>7}   (the theme needs it: its filters or data)")
            continue
        seconds = statistics.median(item["cpu"] for item in done)
        files = done[0]["files"]
        print(f"  without {name:22} {seconds:7.2f} s   costs {full - seconds:6.2f} s ({(full - seconds) / full:5.1%}), "
              f"{timings[None][0]['files'] - files:5d} files")


# ------------------------------------------------------------------------ profiling

def _plugin_of(filename):
    path = Path(filename)
    try:
        return path.resolve().relative_to(PLUGINS).parts[0]
    except (ValueError, IndexError):
        return None


def plugin_times(corpus, runs, workdir):
    """Median, over `runs` builds, of the time inside each plugin's receivers and generators."""
    builds = [_build("pouls", corpus, workdir / f"out-timed-{run}", time_plugins=True) for run in range(runs)]
    total = statistics.median(item["run"] for item in builds)
    names = sorted({name for item in builds for name in item["plugins"]})
    size = len(list(corpus.rglob("*.md")))
    print(f"\nTime inside each local plugin, N={size} (receivers and generators, no profiler; "
          f"median of {runs}; build run() {total:.2f} s)")
    rows = [(statistics.median(item["plugins"].get(name, 0.0) for item in builds), name) for name in names]
    for seconds, name in sorted(rows, reverse=True):
        print(f"  {name:20} {seconds:7.2f} s  {seconds / total:6.1%}")
    print(f"  {'(all local plugins)':20} {sum(row[0] for row in rows):7.2f} s  "
          f"{sum(row[0] for row in rows) / total:6.1%}")
    print("  Jinja filters (french_dates, plain_text) run inside template rendering: see the profile.")


def profile(corpus, workdir):
    stats_file = workdir / "pouls.prof"
    result = _build("pouls", corpus, workdir / "out-profile", profile_to=stats_file)
    stats = pstats.Stats(str(stats_file))
    total = result["run"]
    inclusive = {}
    # A plugin's inclusive time: what its functions cost when called from outside it
    # (signal receivers, filters); calls inside the plugin are already counted there.
    for func, (_, _, _, _, callers) in stats.stats.items():
        plugin = _plugin_of(func[0])
        if plugin is None:
            continue
        for caller, caller_stats in callers.items():
            if _plugin_of(caller[0]) != plugin:
                inclusive[plugin] = inclusive.get(plugin, 0.0) + caller_stats[3]
    print(f"\nProfile of one Pouls build of N={len(list(corpus.rglob('*.md')))} (cProfile, run() {total:.1f} s under the profiler)")
    print("  local plugins, inclusive time (receivers, filters and what they call):")
    for plugin, seconds in sorted(inclusive.items(), key=lambda item: -item[1]):
        print(f"    {plugin:20} {seconds:7.2f} s  {seconds / total:6.1%}")
    phases = {
        "reading Markdown (readers.read_file)": ("readers.py", "read_file"),
        "rendering templates (Template.render)": ("environment.py", "render"),
        "writing pages (writers.write_file)": ("writers.py", "write_file"),
        "writing feeds (writers.write_feed)": ("writers.py", "write_feed"),
    }
    print("  Pelican phases (cumulative, overlapping plugins):")
    for label, (file_end, name) in phases.items():
        seconds = sum(
            value[3] for func, value in stats.stats.items() if func[0].endswith(file_end) and func[2] == name
        )
        print(f"    {label:42} {seconds:7.2f} s  {seconds / total:6.1%}")
    print("  top functions by own time:")
    rows = sorted(stats.stats.items(), key=lambda item: -item[1][2])[:12]
    for (filename, line, name), (_, calls, own, cumulative, _) in rows:
        short = "/".join(Path(filename).parts[-2:]) if filename != "~" else "builtin"
        print(f"    {own:6.2f} s own {cumulative:6.2f} s cum {calls:9d}×  {short}:{line} {name}")


# ----------------------------------------------------------------------------- main

def main():
    parser = argparse.ArgumentParser(description="Time Pouls against vanilla Pelican.")
    parser.add_argument("n", nargs="?", type=int, default=2000, help="reports in the corpus (default 2000)")
    parser.add_argument("--runs", type=int, default=3, help="builds of each kind per size (default 3)")
    parser.add_argument("--sizes", default=None,
                        help="sizes for the growth table, comma-separated (default 500,1000,N when N > 1000)")
    parser.add_argument("--profile", action="store_true", help="also profile one Pouls build of N reports")
    parser.add_argument("--ablation", action="store_true",
                        help="also build N reports without each plugin in turn (what each one costs)")
    parser.add_argument("--without", help=argparse.SUPPRESS)
    parser.add_argument("--time-plugins", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child", nargs=3, metavar=("KIND", "CORPUS", "OUTPUT"), help=argparse.SUPPRESS)
    parser.add_argument("--profile-to", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        _child(*args.child, profile_to=args.profile_to, without=args.without, time_plugins=args.time_plugins)
        return None

    if args.sizes:
        sizes = sorted({int(size) for size in args.sizes.split(",")} | {args.n})
    else:
        sizes = sorted({size for size in (500, 1000) if size < args.n} | {args.n})
    with tempfile.TemporaryDirectory(prefix="pouls-bench-") as tmp:
        workdir = Path(tmp)
        table = {}
        for size in sizes:
            print(f"N = {size}: {args.runs} Pouls and {args.runs} vanilla builds, alternating", flush=True)
            corpus, table[size] = measure(size, args.runs, workdir)
            if size == args.n:
                main_corpus = corpus
        report(args.n, table[args.n])
        growth(table)
        if args.ablation:
            ablation(main_corpus, args.runs, workdir)
        if args.profile:
            plugin_times(main_corpus, args.runs, workdir)
            profile(main_corpus, workdir)
    # A ratio over target is a finding to report, not a broken benchmark: exit 0.
    return 0


if __name__ == "__main__":
    sys.exit(main())
