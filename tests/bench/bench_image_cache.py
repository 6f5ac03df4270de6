"""Publication build time of the sample site with the picture caches cold, warm, or off.

    .venv/bin/python tests/bench/bench_image_cache.py            # 3 runs of each mode
    .venv/bin/python tests/bench/bench_image_cache.py --runs 5

Each run builds content/ with publishconf.py into a new folder, as `make publish` does
(`desk.build.build_site`, in a fresh Python process so Pelican's global state never leaks),
the caches in a temporary folder, never the project's var/cache:

- cold: both caches empty (a fresh clone, or after `make clean`);
- warm: both caches filled by an earlier build (every publication after the first);
- no-copy-cache: share crops cached (warm), responsive copies made again (main before
  RESPONSIVE_IMAGES_CACHE_PATH).

The modes run **alternately**, so the noise of a shared machine spreads over all three.
It prints the median wall time of each (time.perf_counter around the child process),
the ratios, and the load average before and after. The outputs of a cold and a warm
build are compared file by file: the cache must not change a byte.
"""

import argparse
import filecmp
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "plugins")]

from pouls_common.paths import python_path

CHILD = """
import sys
from desk.build import build_site
result = build_site("publishconf.py", output=sys.argv[1], quiet=True, overrides={
    "RESPONSIVE_IMAGES_CACHE_PATH": sys.argv[2] or None, "SOCIAL_CARDS_CACHE_PATH": sys.argv[3] or None})
sys.exit(1 if result.errors else 0)
"""


def timed_build(output, copies_cache, crops_cache):
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", CHILD, str(output), str(copies_cache or ""), str(crops_cache or "")],
                   cwd=ROOT, env=python_path(), check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def same_tree(left, right):
    """Relative paths that differ between two folders (missing on a side, or other bytes)."""
    names = {path.relative_to(left) for path in left.rglob("*") if path.is_file()}
    names |= {path.relative_to(right) for path in right.rglob("*") if path.is_file()}
    return sorted(str(name) for name in names
                  if not (left / name).is_file() or not (right / name).is_file()
                  or not filecmp.cmp(left / name, right / name, shallow=False))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    times = {"cold": [], "warm": [], "no-copy-cache": []}
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="pouls-bench-cache-") as scratch:
        scratch = Path(scratch)
        warm_copies, warm_crops = scratch / "warm-copies", scratch / "warm-crops"
        timed_build(scratch / "fill", warm_copies, warm_crops)  # fills the warm caches, not timed
        outputs = {}
        for run in range(args.runs):
            for mode in times:
                output = scratch / f"out-{mode}-{run}"
                if mode == "cold":
                    copies, crops = scratch / f"cold-copies-{run}", scratch / f"cold-crops-{run}"
                elif mode == "warm":
                    copies, crops = warm_copies, warm_crops
                else:
                    copies, crops = None, warm_crops
                times[mode].append(timed_build(output, copies, crops))
                outputs.setdefault(mode, output)
                if run:  # keep the first output of each mode for the comparison, not the rest
                    shutil.rmtree(output)
        differ = same_tree(outputs["cold"], outputs["warm"])
        differ_off = same_tree(outputs["cold"], outputs["no-copy-cache"])
        files = sum(1 for path in outputs["cold"].rglob("*") if path.is_file())
    load_after = os.getloadavg()
    cold, warm, off = (statistics.median(times[mode]) for mode in times)
    print(f"sample site, publishconf.py, {args.runs} runs per mode, alternated; {os.cpu_count()} cores")
    print(f"load average before {load_before[0]:.2f} {load_before[1]:.2f}, after {load_after[0]:.2f} {load_after[1]:.2f}")
    print(f"{'mode':<16}{'median s':>10}   runs")
    for mode, values in times.items():
        print(f"{mode:<16}{statistics.median(values):>10.2f}   " + " ".join(f"{value:.2f}" for value in values))
    print(f"warm / cold = {warm / cold:.2f}; warm / no-copy-cache = {warm / off:.2f}")
    print(f"cold and warm outputs: {files} files, {len(differ)} differ {differ[:5]}")
    print(f"cold and no-copy-cache outputs: {len(differ_off)} differ {differ_off[:5]}")
    return 1 if differ or differ_off else 0


if __name__ == "__main__":
    sys.exit(main())
