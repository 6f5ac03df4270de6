"""How long `make check` takes on the sample site and on a synthetic site of N reports.

    .venv/bin/python tests/bench/bench_check.py            # N = 5000, 5 runs each
    .venv/bin/python tests/bench/bench_check.py 2000 3

Two figures per site, medians of several runs, side by side:
- « command »: `python -m desk.check` as `make check` runs it (interpreter start,
  settings, reading and checking every file, printing the report);
- « rules »: `check_site()` alone, in this process.
Target: under 3 s for the command on 5 000 reports.
"""

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "plugins"), str(HERE)]

from corpus import make_corpus
from desk.check import load_check_settings
from desk.checks import check_site
from pouls_common.paths import python_path


def time_command(content, runs):
    env = python_path()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "desk.check", "--content", str(content)], cwd=ROOT, env=env,
                       stdout=subprocess.DEVNULL, check=False)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def time_rules(content, runs):
    settings = load_check_settings(content=content)
    samples, files = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        files = check_site(settings).files
        samples.append(time.perf_counter() - started)
    return statistics.median(samples), files


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    with tempfile.TemporaryDirectory(prefix="pouls-bench-check-") as tmp:
        synthetic = make_corpus(Path(tmp) / "content", n)
        print(f"make check, median of {runs} runs")
        print(f"{'site':<24}{'files':>8}{'command (s)':>14}{'rules (s)':>12}")
        for label, content in (("sample content/", ROOT / "content"), (f"synthetic, N={n}", synthetic)):
            rules, files = time_rules(content, runs)
            command = time_command(content, runs)
            print(f"{label:<24}{files:>8}{command:>14.2f}{rules:>12.2f}")


if __name__ == "__main__":
    main()
