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
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
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

    from desk.build import build_site, load_settings

    overrides = {}
    if kind in ("pouls", "before") and without:
        plugins = load_settings("pelicanconf.py")["PLUGINS"]
        overrides["PLUGINS"] = [name for name in plugins if name != without]
    if kind == "before":
        # Pouls as it was built before desk.build: Pelican's own run, one process, no cache.
        settings = load_settings("pelicanconf.py", content=corpus, output=output, overrides=overrides)
    elif kind == "vanilla":
        settings = read_settings(None, override={"PATH": corpus, "OUTPUT_PATH": output})

    spent = _time_plugins() if time_plugins else {}
    extra = {}
    start = time.perf_counter()
    if profile_to:
        profiler = cProfile.Profile()
        profiler.enable()
    if kind == "steps":
        # The publication steps (desk.steps.STEPS: the search index, then the .gz/.br
        # copies) on a finished build, as `make publish` runs them before its swap.
        import io

        from desk.steps import finish_build

        stream = io.StringIO()
        finish_build(Path(output), load_settings("pelicanconf.py", content=corpus, output=output), stream)
        extra = {"log": stream.getvalue()}
    elif kind == "pouls":
        # The build of make html / make publish: every core (POULS_JOBS), the build cache
        # (POULS_BUILD_CACHE, set by the parent; BENCH_COLD=1: none at all).
        result = build_site(content=corpus, output=output, overrides=overrides, quiet=True,
                            cache=os.environ.get("BENCH_COLD") != "1")
        extra = {"rendered": result.written.rendered, "planned": result.written.planned,
                 "read": sum(stats.read for stats in result.read), "processes": result.written.processes,
                 "phases": result.phases}
    elif kind != "steps":
        Pelican(settings).run()
    if profile_to:
        profiler.disable()
        profiler.dump_stats(profile_to)
    run_seconds = time.perf_counter() - start
    print("BENCH " + json.dumps({"run": run_seconds, "plugins": spent, **counter, **extra}))


class MemorySampler:
    """Peak memory of a process and all its descendants: the sum of their PSS, sampled.

    PSS (proportional set size) shares each page of memory among the processes that map
    it, so forked workers sharing the parent's memory copy-on-write count once, not twice.
    """

    def __init__(self, pid, every=0.05):
        self.pid = pid
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(every,), daemon=True)
        self._thread.start()

    def _tree(self):
        pids, stack = [], [self.pid]
        while stack:
            pid = stack.pop()
            pids.append(pid)
            try:
                for task in os.listdir(f"/proc/{pid}/task"):
                    with open(f"/proc/{pid}/task/{task}/children") as handle:
                        stack.extend(int(child) for child in handle.read().split())
            except OSError:
                continue
        return pids

    def _run(self, every):
        while not self._stop.is_set():
            total = 0
            for pid in self._tree():
                try:
                    with open(f"/proc/{pid}/smaps_rollup") as handle:
                        for line in handle:
                            if line.startswith("Pss:"):
                                total += int(line.split()[1])
                                break
                except OSError:
                    continue
            self.peak_kb = max(self.peak_kb, total)
            self._stop.wait(every)

    def stop(self):
        self._stop.set()
        self._thread.join()
        return self.peak_kb / 1024


def _run_measured(command, env, cwd=ROOT):
    """Run a command; wall and CPU seconds (its whole tree), peak PSS of the tree, peak RSS, output."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, cwd=cwd, env=env)
        sampler = MemorySampler(process.pid)
        # wait4: this child's resources, including the processes it forked and waited for.
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        pss = sampler.stop()
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    return process.returncode, stdout, stderr, {
        "wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
        # ru_maxrss of a child is the largest of its tree's processes, not their sum.
        "peak_mb": usage.ru_maxrss / 1024, "pss_mb": pss,
    }


def _build(kind, corpus, output, profile_to=None, without=None, must_succeed=True, time_plugins=False,
           cache=None, jobs=None, cpus=None):
    """One build in a new interpreter; returns wall seconds, run seconds, memory, counts.

    `cache`: the folder of the build cache (kind "pouls"; None: no cache at all); `jobs`:
    POULS_JOBS; `cpus`: run pinned to these CPUs (taskset), as on a smaller machine.
    """
    command = [sys.executable, str(Path(__file__).resolve()), "--child", kind, str(corpus), str(output)]
    if profile_to:
        command += ["--profile-to", str(profile_to)]
    if without:
        command += ["--without", without]
    if time_plugins:
        command += ["--time-plugins"]
    if cpus:
        command = ["taskset", "-c", cpus, *command]
    env = python_path({**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    env.pop("POULS_JOBS", None)
    if jobs:
        env["POULS_JOBS"] = str(jobs)
    if cache:
        env["POULS_BUILD_CACHE"] = str(cache)
    else:
        env["BENCH_COLD"] = "1"
    before = _mtimes(output)
    returncode, stdout, stderr, measured = _run_measured(command, env)
    if returncode != 0:
        if not must_succeed:
            return None
        sys.exit(f"bench_build: the {kind} build of {corpus} failed:\n{stderr[-3000:]}")
    line = next(line for line in stdout.splitlines() if line.startswith("BENCH "))
    result = json.loads(line[len("BENCH "):])
    # CPU seconds of the child (and its workers): far less sensitive than wall time to
    # other processes on a shared machine, so the ablation compares those.
    result.update(measured)
    # Counted here, after the child's times are taken: walking one folder per page (Pouls'
    # clean URLs) cost the child some 35 ms of CPU that no build spends.
    after = _mtimes(output)
    result["files"] = len(after)
    result["written"] = sum(1 for path, stamp in after.items() if before.get(path) != stamp)
    return result


def _mtimes(folder):
    stamps = {}
    for root, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(root, name)
            stamps[path] = os.stat(path).st_mtime_ns
    return stamps


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
            # Pouls cold: every core, no cache (what a first build costs).
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
                            must_succeed=name is None, jobs=1)
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
    # One process (POULS_JOBS=1): every receiver runs where it is timed.
    builds = [_build("pouls", corpus, workdir / f"out-timed-{run}", time_plugins=True, jobs=1) for run in range(runs)]
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
    # One process (POULS_JOBS=1): cProfile sees reading and rendering too.
    result = _build("pouls", corpus, workdir / "out-profile", profile_to=stats_file, jobs=1)
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



# ------------------------------------------------------------------------ the targets table

README = HERE / "README.md"
TARGET_SIZES = (2000, 10000)
PREVIEW_SIZE = 5000
# One core: three rounds, its verdict (within 2 %) hangs on a second either way.
ONE_CORE_ROUNDS = 3


def _hugo(site, output):
    """One Hugo build of `site` into a fresh `output` folder (Hugo's own caches cleared)."""
    env = {**os.environ, "HUGO_CACHEDIR": str(Path(output).with_name(Path(output).name + "-hugo-cache"))}
    returncode, _, stderr, measured = _run_measured(
        ["hugo", "--quiet", "--source", str(site), "--destination", str(output)], env, cwd=site,
    )
    if returncode != 0:
        sys.exit(f"bench_build: hugo failed on {site}:\n{stderr[-3000:]}")
    measured["files"] = sum(len(names) for _, _, names in os.walk(output))
    return measured


def _steps(corpus, output):
    """The publication steps (search index, compression) on the build in `output`, timed."""
    return _build("steps", corpus, output)


def _edit_body(corpus, size, run):
    """Add a sentence to the body of one report in the middle of the corpus."""
    from corpus import RUBRIQUES

    index = size // 2
    path = corpus / "articles" / RUBRIQUES[index % len(RUBRIQUES)] / f"report-{index:05d}.md"
    path.write_text(path.read_text(encoding="utf-8") + f"\nUne phrase ajoutée par le banc d’essai, tour {run}.\n",
                    encoding="utf-8")
    return path


def _step_file(relative):
    """A file the publication steps write (search bundle, .gz/.br copies), not the build."""
    return relative.startswith("pagefind" + os.sep) or relative.endswith((".gz", ".br"))


def _same_tree(one, other):
    """True when two folders hold the same paths with the same bytes (the build's files:
    a rebuild does not run the publication steps, a publication runs them on its own folder)."""
    def tree(folder):
        paths = {os.path.relpath(os.path.join(root, name), folder): os.path.join(root, name)
                 for root, _, names in os.walk(folder) for name in names}
        return {relative: path for relative, path in paths.items() if not _step_file(relative)}

    mine, theirs = tree(one), tree(other)
    if sorted(mine) != sorted(theirs):
        return False
    return all(Path(mine[path]).read_bytes() == Path(theirs[path]).read_bytes() for path in mine)


def targets(sizes, rounds, preview_size, preview_edits, one_core_rounds, workdir, progress=None):
    """Every measure of the targets table, side by side, alternating; returns the figures.

    Order: the smallest size, the preview, the larger sizes, one core; after each,
    `progress(figures)` is called with what is measured so far (the README is written
    with the rows measured, so a run cut short still leaves honest figures).
    """
    from corpus import make_corpus, make_hugo_site

    has_hugo = shutil.which("hugo") is not None
    figures = {"sizes": {}, "load": [os.getloadavg()[0]], "hugo": has_hugo}

    def one_size(size):
        runs = rounds.get(size, 2)
        corpus = make_corpus(workdir / f"corpus-{size}", size)
        hugo_site = make_hugo_site(workdir / f"hugo-{size}", size) if has_hugo else None
        kinds = ["vanilla", "pouls", *(["hugo"] if has_hugo else [])]
        found = {"vanilla": [], "pouls": [], "hugo": [], "nochange": [], "warm": [], "identical": [],
                 "steps": [], "steps_nochange": []}
        previous_warm = None
        print(f"N = {size}: {runs} rounds of " + ", ".join(kinds) + " (cold), then Pouls with nothing changed "
              "and after one report's body is edited", flush=True)
        for run in range(runs):
            # Alternate, and rotate who goes first each round, so drift hits every side.
            order = kinds[run % len(kinds):] + kinds[:run % len(kinds)]
            for kind in order:
                output = workdir / f"out-{kind}-{size}-{run}"
                if kind == "hugo":
                    found["hugo"].append(_hugo(hugo_site, output))
                elif kind == "vanilla":
                    found["vanilla"].append(_build("vanilla", corpus, output))
                else:
                    cache = workdir / f"cache-{size}-{run}"
                    found["pouls"].append(_build("pouls", corpus, output, cache=cache))
                    if previous_warm is not None:
                        # The edited corpus, built cold: the last rebuild must have the same bytes.
                        found["identical"].append(_same_tree(previous_warm, output))
                    # What a publication adds to the build: the steps run before the swap.
                    found["steps"].append(_steps(corpus, output))
                    found["nochange"].append(_build("pouls", corpus, output, cache=cache))
                    # ...and run again on a site where nothing changed: they must write nothing.
                    found["steps_nochange"].append(_steps(corpus, output))
                    _edit_body(corpus, size, run)
                    found["warm"].append(_build("pouls", corpus, output, cache=cache))
                    previous_warm = output
                shown = found[kind][-1]
                print(f"  round {run + 1}/{runs} {kind:8} {shown['wall']:7.2f} s wall {shown['cpu']:7.2f} s CPU "
                      f"{shown['pss_mb']:6.0f} MB", flush=True)
            print(f"  round {run + 1}/{runs} publication steps {found['steps'][-1]['wall']:.2f} s; "
                  f"Pouls, nothing changed {found['nochange'][-1]['wall']:.2f} s, "
                  f"{found['nochange'][-1]['written']} files written, steps again "
                  f"{found['steps_nochange'][-1]['written']} files written; one body edited "
                  f"{found['warm'][-1]['wall']:.2f} s, {found['warm'][-1]['rendered']} pages rendered", flush=True)
        check = _build("pouls", corpus, workdir / f"out-check-{size}")
        found["identical"].append(_same_tree(previous_warm, workdir / f"out-check-{size}"))
        found["check"] = check
        figures["sizes"][size] = found
        figures["load"].append(os.getloadavg()[0])

    def one_core():
        size = min(sizes)
        corpus = workdir / f"corpus-{size}"
        found = {"pouls": [], "before": [], "first": [], "later": [], "rendered": []}
        print(f"N = {size} on one core (taskset -c 0): Pouls (cold, then two one-edit rebuilds) and Pouls "
              f"before desk.build, {one_core_rounds} rounds", flush=True)
        # Not counted: after the larger sizes, the first build would also pay for reading
        # this corpus and the libraries from disk again.
        _build("before", corpus, workdir / "out-1core-warm-up", cpus="0")
        for run in range(one_core_rounds):
            for kind in (("pouls", "before") if run % 2 == 0 else ("before", "pouls")):
                output = workdir / f"out-1core-{kind}-{run}"
                if kind == "before":
                    found["before"].append(_build("before", corpus, output, cpus="0"))
                    print(f"  round {run + 1} before   {found['before'][-1]['wall']:7.2f} s", flush=True)
                    continue
                cache = workdir / f"cache-1core-{run}"
                found["pouls"].append(_build("pouls", corpus, output, cpus="0", cache=cache))
                # The build after a one-process cold build renders every page (it traces
                # them, desk.build.Build.traces_pages); the one after that only the edited.
                for step in ("first", "later"):
                    _edit_body(corpus, size, f"1core-{run}-{step}")
                    found[step].append(_build("pouls", corpus, output, cpus="0", cache=cache))
                print(f"  round {run + 1} pouls    {found['pouls'][-1]['wall']:7.2f} s cold, "
                      f"{found['first'][-1]['wall']:.2f} s first rebuild ({found['first'][-1]['rendered']} rendered), "
                      f"{found['later'][-1]['wall']:.2f} s next ({found['later'][-1]['rendered']} rendered)", flush=True)
        figures["one_core"] = found

    def preview():
        from bench_preview import measure as measure_preview

        print(f"make serve on {preview_size} reports: {preview_edits} edits", flush=True)
        figures["preview"] = measure_preview(preview_size, preview_edits)
        figures["load"].append(os.getloadavg()[0])

    phases = [lambda: one_size(sizes[0])]
    if preview_size:
        phases.append(preview)
    phases += [lambda size=size: one_size(size) for size in sizes[1:]]
    if one_core_rounds:
        phases.append(one_core)
    for phase in phases:
        phase()
        if progress is not None:
            progress(figures)
    return figures


def _median(items, key):
    return statistics.median(item[key] for item in items)


def _n(number):
    return f"{number:,}".replace(",", "\u202f")


def _fmt(seconds):
    return f"{seconds:.1f} s" if seconds >= 10 else f"{seconds:.2f} s"


def targets_table(figures):
    """The targets table, Markdown, every figure a median."""
    rows = []
    hugo = figures["hugo"]
    header = "| measure | target | Pouls | vanilla Pelican | ratio | " + ("Hugo 0.111 | " if hugo else "") + "verdict |"
    rows.append(header)
    rows.append("|" + " --- |" * (header.count("|") - 1))

    def row(measure, target, pouls, vanilla="", ratio="", hugo_value="", verdict=""):
        cells = [measure, target, pouls, vanilla, ratio, *([hugo_value] if hugo else []), verdict]
        rows.append("| " + " | ".join(cells) + " |")

    sizes = sorted(figures["sizes"])
    for size in sizes:
        found = figures["sizes"][size]
        pouls, vanilla = _median(found["pouls"], "wall"), _median(found["vanilla"], "wall")
        ratio = pouls / vanilla
        hugo_wall = _median(found["hugo"], "wall") if found["hugo"] else None
        row(f"cold full build, {_n(size)} reports, wall", "≤ 0.5× vanilla",
            f"{_fmt(pouls)} ({_fmt(_median(found['pouls'], 'cpu'))} CPU)",
            f"{_fmt(vanilla)} ({_fmt(_median(found['vanilla'], 'cpu'))} CPU)", f"{ratio:.2f}×",
            f"{_fmt(hugo_wall)}" if hugo_wall else "",
            "met" if ratio <= 0.5 else f"missed by {ratio / 0.5 - 1:.0%}")
    for size in sizes:
        found = figures["sizes"][size]
        steps, pouls = _median(found["steps"], "wall"), _median(found["pouls"], "wall")
        vanilla = _median(found["vanilla"], "wall")
        row(f"publication steps (Pagefind index + .gz/.br), {_n(size)} reports", "(no target: cost shown)",
            f"{_fmt(steps)}; build + steps {_fmt(pouls + steps)}", f"{_fmt(vanilla)} (indexes nothing)",
            f"{(pouls + steps) / vanilla:.2f}× (build + steps)", "", "—")
    for size in sizes:
        found = figures["sizes"][size]
        warm = _median(found["warm"], "wall")
        identical = all(found["identical"])
        row(f"rebuild after one body edit, {_n(size)} reports", "≤ 5 s (at 10\u202f000), identical to cold",
            f"{_fmt(warm)}, {int(_median(found['warm'], 'rendered'))} pages rendered, "
            + ("byte-identical" if identical else "NOT identical"), "", "", "",
            "met" if warm <= 5 and identical else (f"missed by {warm - 5:.1f} s" if identical else "NOT identical"))
    largest = figures["sizes"][sizes[-1]]
    for size in sizes:
        found = figures["sizes"][size]
        written = max(item["written"] for item in found["nochange"])
        steps_written = max(item["written"] for item in found["steps_nochange"])
        row(f"rebuild with nothing changed, {_n(size)} reports", "writes 0 files",
            f"{written} files written, {_fmt(_median(found['nochange'], 'wall'))}; publication steps again: "
            f"{steps_written} files written, {_fmt(_median(found['steps_nochange'], 'wall'))}", "", "", "",
            "met" if written == 0 and steps_written == 0 else "missed")
    if "preview" in figures:
        preview = figures["preview"]
        shown = statistics.median(preview["shown"])
        row(f"save → the open page shows the edit, {_n(preview['n'])} reports",
            "≤ 1 s (median)", f"{_fmt(shown)} (whole site {_fmt(statistics.median(preview['whole']))})", "", "", "",
            "met" if shown <= 1 else f"missed by {shown - 1:.2f} s")
    memory = {size: max(item["pss_mb"] for item in figures["sizes"][size]["pouls"]) for size in sizes}
    vanilla_memory = {size: max(item["pss_mb"] for item in figures["sizes"][size]["vanilla"]) for size in sizes}
    growth = ""
    if len(sizes) > 1:
        small, large = sizes[0], sizes[-1]
        per_report = (memory[large] - memory[small]) / (large - small) * 1000
        growth = f"; {per_report:.0f} MB per 1\u202f000 reports from {_n(small)} to {_n(large)}"
    hugo_memory = max((item["pss_mb"] for item in largest["hugo"]), default=None)
    row(f"peak memory, {_n(sizes[-1])} reports (PSS, all processes)", "≤ 1 GB, linear",
        f"{memory[sizes[-1]]:.0f} MB{growth}", f"{vanilla_memory[sizes[-1]]:.0f} MB", "",
        f"{hugo_memory:.0f} MB" if hugo_memory else "",
        "met" if memory[sizes[-1]] <= 1024 else f"missed by {memory[sizes[-1]] - 1024:.0f} MB")
    if hugo and largest["hugo"]:
        hugo_wall = _median(largest["hugo"], "wall")
        pouls = _median(largest["pouls"], "wall")
        row(f"stretch: cold build, {_n(sizes[-1])} reports, vs Hugo", "≤ Hugo", _fmt(pouls), "",
            f"{pouls / hugo_wall:.1f}× Hugo", _fmt(hugo_wall),
            "met" if pouls <= hugo_wall else f"{pouls / hugo_wall:.1f}× slower")
    if "one_core" in figures:
        found = figures["one_core"]
        before = _median(found["before"], "wall")
        for kind, what in (("pouls", "cold"), ("first", "first rebuild after one edit"),
                           ("later", "next rebuild after one edit")):
            pouls = _median(found[kind], "wall")
            rendered = f", {int(_median(found[kind], 'rendered'))} pages rendered" if kind != "pouls" else ""
            row(f"one core (taskset -c 0), {_n(min(sizes))} reports, {what}",
                "not slower than before", f"{_fmt(pouls)} vs {_fmt(before)} before desk.build{rendered}", "",
                f"{pouls / before:.2f}×", "", "met" if pouls <= before * 1.02 else f"{pouls / before - 1:.0%} slower")
    return "\n".join(rows)


def missing_rows(figures, sizes, preview_size, one_core_rounds):
    """What the run was to measure and has not (yet): said in the README, never filled in."""
    missing = [f"every row at {_n(size)} reports" for size in sizes if size not in figures["sizes"]]
    if preview_size and "preview" not in figures:
        missing.append(f"save → page shown at {_n(preview_size)} reports")
    if one_core_rounds and "one_core" not in figures:
        missing.append("one core")
    return missing


def write_readme(figures, table, command, missing=()):
    load = ", ".join(f"{value:.1f}" for value in figures["load"])
    if missing:
        table += ("\n\n**This run stopped before measuring: " + "; ".join(missing)
                  + ".** Those rows are absent, not estimated.")
    rounds = {size: len(found["pouls"]) for size, found in figures["sizes"].items()}
    text = f"""# Benchmarks

Regenerated by `make bench` (`{command}`); every figure is a median, Pouls and the others
measured alternately in the same run, each build in a fresh process.

{table}

- **Pouls**: `desk.build.build_site()`, every plugin, our theme, every core (POULS_JOBS
  unset), its build cache in a new folder for each cold build. **vanilla Pelican**:
  Pelican's default settings and theme on the same corpus, one process (Pelican has no
  other way). **Hugo**: Debian's hugo 0.111 on the same reports (tests/bench/corpus.py
  `make_hugo_site`: sections, three taxonomies, pages of 20, related content, feeds).
- Rounds per size: {", ".join(f"{size}: {count}" for size, count in sorted(rounds.items()))}. Load average of the
  machine during the run: {load} (2 cores, shared with other work: wall times move with it;
  the CPU seconds beside them move less).
- *Rebuild after one body edit*: one sentence added to one report, then a build into the
  same folder with the same cache; compared byte for byte with a cold build of the edited
  corpus. *Nothing changed*: the same build again; files written are counted by their
  modification time.
- *Save → page shown*: tests/bench/bench_preview.py, `make serve` on a synthetic site,
  from the save to the reload event of the open page and the page fetched again with the
  edit; then to the end of the full rebuild that follows.
- Each Pouls build process ends as `make publish` does, without the interpreter's
  teardown (`desk.build.exit_now`: 2.3 s after a 10 000-report build); vanilla Pelican
  and Pouls before desk.build end as their commands do, teardown included.
- *One core*: every build pinned to CPU 0 (`taskset -c 0`, so POULS_JOBS defaults to 1),
  against Pouls before desk.build (Pelican's own run with our plugins and theme, no
  cache). Pouls's cold build (a new cache) renders untraced (`Build.traces_pages`); the
  first rebuild after one edit renders every page, traced, from the cache; the next
  one renders only what the edit changed.
- *Peak memory*: the sum of the PSS of the build process and of every process it forked,
  sampled every 50 ms (pages shared copy-on-write count once).
- *Publication steps*: `desk.steps.STEPS` (the Pagefind search index, then the `.gz`/`.br`
  copies), run in a fresh process on the cold build's folder, as `make publish` runs them
  before its swap; `make publish` costs the build plus these. They are not inside the
  cold-build rows compared with vanilla Pelican and Hugo, which index and compress
  nothing. *Steps again*: the same steps on the same folder after the nothing-changed
  rebuild; files written are counted by their modification time. The identity check of
  the rebuild compares the build's files (the steps' files left out: a rebuild does not
  run them).

Other measures: `make bench BENCH_ARGS="2000 --profile"` (where a build spends its time,
on one core), `--ablation` (what each plugin costs), `tests/bench/bench_preview.py 5000 5`,
`tests/bench/bench_plugins.py /work/main` (each plugin's time, this checkout against another).
"""
    README.write_text(text, encoding="utf-8")

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
    parser.add_argument("--targets", action="store_true",
                        help="measure the targets table (cold 2000 and 10000, rebuilds, preview 5000, memory, "
                             "one core, Hugo if installed) and write tests/bench/README.md")
    parser.add_argument("--target-sizes", default=",".join(map(str, TARGET_SIZES)),
                        help="sizes of the targets table (default 2000,10000)")
    parser.add_argument("--target-rounds", type=int, default=None,
                        help="rounds of each cold build per size (default 3 at the smallest size, 2 above)")
    parser.add_argument("--preview-size", type=int, default=PREVIEW_SIZE, help="reports of the preview measure")
    parser.add_argument("--edits", type=int, default=5, help="edits of the preview measure (default 5)")
    parser.add_argument("--without", help=argparse.SUPPRESS)
    parser.add_argument("--time-plugins", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child", nargs=3, metavar=("KIND", "CORPUS", "OUTPUT"), help=argparse.SUPPRESS)
    parser.add_argument("--profile-to", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        _child(*args.child, profile_to=args.profile_to, without=args.without, time_plugins=args.time_plugins)
        if args.child[0] == "pouls":
            # Ends as `make publish` ends (no teardown of the model); the others as their
            # commands do: Pelican's and Pouls-before-desk's exit frees every object.
            from desk.build import exit_now

            exit_now(0)
        return None

    if args.targets:
        sizes = sorted({int(size) for size in args.target_sizes.split(",")})
        command = "tests/bench/bench_build.py " + " ".join(sys.argv[1:])

        def progress(figures):
            missing = missing_rows(figures, sizes, args.preview_size, ONE_CORE_ROUNDS)
            write_readme(figures, targets_table(figures), command, missing)
            print(f"(tests/bench/README.md written{'; still to measure: ' + '; '.join(missing) if missing else ''})",
                  flush=True)

        with tempfile.TemporaryDirectory(prefix="pouls-bench-") as tmp:
            rounds = ({sizes[0]: 3, **dict.fromkeys(sizes[1:], 2)} if args.target_rounds is None
                      else dict.fromkeys(sizes, args.target_rounds))
            figures = targets(sizes, rounds, args.preview_size,
                              args.edits, one_core_rounds=ONE_CORE_ROUNDS, workdir=Path(tmp), progress=progress)
        table = targets_table(figures)
        print("\n" + table)
        write_readme(figures, table, command)
        print(f"\nwritten to {README.relative_to(ROOT)}")
        if not (args.profile or args.ablation):
            return 0

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
