"""Speed and memory of « Sur le même sujet » on synthetic sites (part of `make bench`).

    .venv/bin/python tests/bench/bench_related.py [--sizes 1000 5000 10000] [--runs 3]

For each size, a corpus from tests/bench/corpus.py is written once to a temporary folder.
Each measurement runs in a fresh subprocess that reads the reports (not timed), then times
the related computation alone with time.perf_counter and reports the growth of the peak
resident memory (ru_maxrss) during it. The related_articles plugin and a tags-only ranking
like Pelican's related_posts plugin run alternately in the same session, so both see the
same machine load; medians of `--runs` runs are printed side by side.
"""

import argparse
import gc
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime
from itertools import chain
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "plugins"))
sys.path.insert(0, str(HERE))


class Item:
    """An article for the tags-only baseline: hashed by identity, like a Pelican article."""

    __slots__ = ("slug", "tags")

    def __init__(self, slug, tags):
        self.slug, self.tags = slug, tags


def load_reports(root):
    """The corpus as the Reports the plugin builds from Pelican articles."""
    from related_articles.ranking import Report

    reports = []
    for path in sorted(Path(root).glob("articles/*/*.md")):
        head, body = path.read_text(encoding="utf-8").split("\n\n", 1)
        meta = dict(line.split(": ", 1) for line in head.splitlines())
        reports.append(Report(
            slug=path.stem,
            rubrique=path.parent.name,
            date=datetime.fromisoformat(meta["Date"]),
            title=meta["Title"],
            summary=meta.get("Summary", ""),
            body="".join(f"<p>{paragraph}</p>\n" for paragraph in body.strip().split("\n\n")),
            tags=tuple(meta["Tags"].split(", ")) if meta.get("Tags") else (),
            hospitals=tuple(meta["Hospitals"].split(", ")) if meta.get("Hospitals") else (),
            region=meta.get("Region", ""),
            source=str(path.relative_to(root)),
        ))
    return reports


def related_articles(reports):
    from related_articles.ranking import compute_related

    lists, _others, _notices = compute_related(reports)
    return lists


def tags_only(reports, limit=3):
    """Pelican's related_posts: count shared tags over every tag's article list."""
    items = [Item(report.slug, report.tags) for report in reports]
    by_tag = {}
    for item in items:
        for tag in item.tags:
            by_tag.setdefault(tag, []).append(item)
    related = {}
    for item in items:
        scores = Counter(chain(*(by_tag[tag] for tag in item.tags)))
        scores.pop(item, None)
        related[item.slug] = [other for other, _count in scores.most_common(limit)]
    return related


METHODS = {"related_articles": related_articles, "tags-only": tags_only}


def worker(method, root):
    reports = load_reports(root)
    gc.collect()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    result = METHODS[method](reports)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "peak_mb": (after - before) / 1024, "lists": len(result)}))


def measure(method, root):
    done = subprocess.run(
        [sys.executable, __file__, "--worker", method, str(root)],
        capture_output=True, text=True, check=True,
    )
    return json.loads(done.stdout.splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 10000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--worker", nargs=2, metavar=("METHOD", "CORPUS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(*args.worker)
        return 0

    from corpus import make_corpus

    print(f"related computation alone, median of {args.runs} runs, each in a fresh process")
    print(f"{'reports':>8} {'method':<17} {'time s':>8} {'peak +MB':>9} {'µs/report':>10} {'time vs tags-only':>18}")
    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix=f"pouls-related-{size}-") as folder:
            make_corpus(folder, size)
            samples = {method: [] for method in METHODS}
            for _run in range(args.runs):
                for method in METHODS:
                    samples[method].append(measure(method, folder))
        medians = {
            method: (statistics.median(s["seconds"] for s in runs),
                     statistics.median(s["peak_mb"] for s in runs))
            for method, runs in samples.items()
        }
        baseline = medians["tags-only"][0]
        for method, (seconds, peak) in medians.items():
            ratio = f"{seconds / baseline:.2f}×" if baseline else "-"
            print(f"{size:>8} {method:<17} {seconds:>8.2f} {peak:>9.1f} "
                  f"{seconds / size * 1e6:>10.0f} {ratio:>18}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
