"""What search costs on a large site: index time, peak memory, bundle size, bytes per query.

    .venv/bin/python tests/bench/bench_search.py             # N = 10 000 reports, 3 runs
    .venv/bin/python tests/bench/bench_search.py 2000 --runs 5

Steps, all in one run so the figures sit side by side on the same (shared) machine:

1. `tests/bench/corpus.py` writes N synthetic reports into a temporary folder.
2. Each run builds the site (a fresh Python process, as `bench_build.py` does), then
   indexes it with the publication step's own function (`build_search_index`, another
   fresh process). For both it records wall time, CPU time and peak memory; Pagefind is
   a child of the indexing process, so its peak is read with RUSAGE_CHILDREN. Medians
   are printed with the share of the index in the full build (build + index), which is
   the figure `make publish` makes the editor wait for.
3. The index is made a second time on the same output: both bundles must be
   byte-identical (same content, same files).
4. The bundle's size on disk (all files, then what a reader can download).
5. Headless Chromium opens `/rechercher/?q=<word>` on the built site, served on
   127.0.0.1, and sums the bytes each response put on the wire (Playwright's
   `request.sizes()`, from the network log): the page itself, then everything under
   /pagefind/ for the first query (cold: Pagefind's code and WebAssembly included), then
   a second query on the same page (warm).

Targets (issue 11): index ≤ 40 s, bundle ≤ 45 MB, one query ≤ 300 KB, at N = 10 000.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "plugins"), str(HERE), str(ROOT / "tests")]

from bench_build import _build
from corpus import make_corpus
from pouls_common.paths import python_path

TARGETS = {"index_s": 40.0, "bundle_mb": 45.0, "query_kb": 300.0}
QUERIES = ("greffe", "hopital")


# ------------------------------------------------------------------ child process


def _child_index(site):
    """Index `site` in this (fresh) process; print the timings as JSON."""
    from site_search.index import build_search_index

    start = time.perf_counter()
    summary = build_search_index(site)
    seconds = time.perf_counter() - start
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    own = resource.getrusage(resource.RUSAGE_SELF)
    print("BENCH " + json.dumps({
        "index_s": seconds, "copy_s": summary.copy_seconds, "pagefind_s": summary.pagefind_seconds,
        "pages": summary.pages, "words": summary.words,
        "pagefind_peak_mb": children.ru_maxrss / 1024, "pagefind_cpu_s": children.ru_utime + children.ru_stime,
        "python_peak_mb": own.ru_maxrss / 1024, "python_cpu_s": own.ru_utime + own.ru_stime,
    }))


def index_once(site):
    """Index in a new interpreter; returns its figures plus wall, CPU and peak of the Python side."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child-index", str(site)]
    env = python_path({**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT, env=env, text=True)
    stdout, stderr = process.communicate()
    wall = time.perf_counter() - start
    if process.returncode != 0:
        sys.exit(f"bench_search: indexing {site} failed:\n{stderr[-3000:]}")
    line = next(line for line in stdout.splitlines() if line.startswith("BENCH "))
    result = json.loads(line[len("BENCH "):])
    result["wall"] = wall
    return result


# ------------------------------------------------------------------ bundle and browser


def bundle_files(bundle):
    return {str(p.relative_to(bundle)): p.read_bytes() for p in sorted(Path(bundle).rglob("*")) if p.is_file()}


def bundle_size(bundle):
    files = [p for p in Path(bundle).rglob("*") if p.is_file()]
    unused = [p for p in files if p.name.startswith(("pagefind-ui", "pagefind-modular-ui", "pagefind-component-ui",
                                                     "pagefind-highlight"))]
    return sum(p.stat().st_size for p in files), len(files), sum(p.stat().st_size for p in unused)


def _wait_for_status(page, word):
    page.wait_for_function(
        "(word) => { const s = document.getElementById('search-status').textContent;"
        " return s.includes(word) && !s.includes('en cours'); }", arg=word, timeout=120_000)


def _on_the_wire(requests):
    """Bytes the responses took on the network (headers and encoded body), from the network log."""
    total = 0
    for request in requests:
        sizes = request.sizes()
        total += sizes["responseBodySize"] + sizes["responseHeadersSize"]
    return total


def query_bytes(site, queries):
    """Bytes on the wire for the search page, its first query and a second one, in Chromium."""
    from browser import chromium, recorded_page, serve_directory

    rows = []
    with serve_directory(site) as base, chromium() as browser:
        for first, second in (queries, tuple(reversed(queries))):
            with recorded_page(browser) as tab:
                page = tab.page
                responses = []

                def finished(request, responses=responses):
                    responses.append(request)

                page.on("requestfinished", finished)
                page.goto(f"{base}/rechercher/?q={first}", wait_until="load")
                _wait_for_status(page, first)
                page.wait_for_load_state("networkidle")
                page_requests = [r for r in responses if "/pagefind/" not in r.url]
                cold = [r for r in responses if "/pagefind/" in r.url]
                count = page.locator("#search-status").inner_text()
                seen = len(responses)
                page.fill("#recherche-q", second)
                page.press("#recherche-q", "Enter")
                _wait_for_status(page, second)
                page.wait_for_load_state("networkidle")
                warm = responses[seen:]
                rows.append({
                    "first": first, "second": second, "status": count,
                    "page_kb": _on_the_wire(page_requests) / 1024, "cold_kb": _on_the_wire(cold) / 1024,
                    "cold_requests": len(cold), "warm_kb": _on_the_wire(warm) / 1024, "warm_requests": len(warm),
                    "outside": tab.outside_requests,
                })
    return rows


# ------------------------------------------------------------------ main


def main():
    parser = argparse.ArgumentParser(description="What search costs on a large site.")
    parser.add_argument("n", nargs="?", type=int, default=10_000, help="reports in the corpus (default 10 000)")
    parser.add_argument("--runs", type=int, default=3, help="build + index runs (default 3)")
    parser.add_argument("--child-index", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_index:
        _child_index(args.child_index)
        return 0

    with tempfile.TemporaryDirectory(prefix="pouls-bench-search-") as tmp:
        workdir = Path(tmp)
        corpus = make_corpus(workdir / "corpus", args.n)
        builds, indexes = [], []
        for run in range(args.runs):
            output = workdir / f"out-{run}"
            builds.append(_build("pouls", corpus, output))
            indexes.append(index_once(output))
            print(f"  N={args.n} run {run + 1}/{args.runs}: build {builds[-1]['wall']:6.1f} s, "
                  f"index {indexes[-1]['wall']:5.1f} s ({indexes[-1]['pages']} pages)", flush=True)
        site = workdir / "out-0"
        first_bundle = bundle_files(site / "pagefind")
        again = index_once(site)
        identical = first_bundle == bundle_files(site / "pagefind")
        size, count, unused = bundle_size(site / "pagefind")
        browser_rows = query_bytes(site, QUERIES)

    def med(items, key):
        return statistics.median(item[key] for item in items)

    build_wall, index_wall = med(builds, "wall"), med(indexes, "wall")
    print(f"\nN = {args.n} reports, {args.runs} runs (medians)")
    print(f"  {'':28} {'wall s':>8} {'CPU s':>8} {'peak MB':>8}")
    print(f"  {'Pelican build (Pouls)':28} {build_wall:8.2f} {med(builds, 'cpu'):8.2f} {med(builds, 'peak_mb'):8.0f}")
    print(f"  {'search index (whole step)':28} {index_wall:8.2f} "
          f"{med(indexes, 'pagefind_cpu_s') + med(indexes, 'python_cpu_s'):8.2f} "
          f"{max(med(indexes, 'pagefind_peak_mb'), med(indexes, 'python_peak_mb')):8.0f}")
    print(f"  {'  copy of the pages (Python)':28} {med(indexes, 'copy_s'):8.2f} {med(indexes, 'python_cpu_s'):8.2f} "
          f"{med(indexes, 'python_peak_mb'):8.0f}")
    print(f"  {'  Pagefind':28} {med(indexes, 'pagefind_s'):8.2f} {med(indexes, 'pagefind_cpu_s'):8.2f} "
          f"{med(indexes, 'pagefind_peak_mb'):8.0f}")
    total = build_wall + index_wall
    print(f"  full build (build + index): {total:.2f} s; index = {index_wall / total:.0%} of it, "
          f"{index_wall / build_wall:.2f}× the Pelican build")
    print(f"  pages indexed {indexes[0]['pages']}, words {indexes[0]['words']}; "
          f"a second index of the same site is {'byte-identical' if identical else 'DIFFERENT'} "
          f"({again['wall']:.1f} s)")
    print(f"  bundle: {size / 1e6:.1f} MB in {count} files ({unused / 1e3:.0f} KB of it Pagefind's unused stock UI)")
    for row in browser_rows:
        print(f"  Chromium, /rechercher/?q={row['first']} ({row['status']}): page {row['page_kb']:.0f} KB; "
              f"first query {row['cold_kb']:.0f} KB in {row['cold_requests']} requests; "
              f"then « {row['second']} » {row['warm_kb']:.0f} KB in {row['warm_requests']} requests"
              + (f"; OUTSIDE REQUESTS {row['outside']}" if row["outside"] else ""))
    worst_query = max(row["cold_kb"] for row in browser_rows)
    for label, value, target, unit in (
        ("index time", index_wall, TARGETS["index_s"], "s"),
        ("bundle", size / 1e6, TARGETS["bundle_mb"], "MB"),
        ("one query (cold, worst)", worst_query, TARGETS["query_kb"], "KB"),
    ):
        verdict = "within" if value <= target else "OVER"
        print(f"  {label}: {value:.1f} {unit} — {verdict} the {target:g} {unit} target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
