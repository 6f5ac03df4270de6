"""Speed and memory of « Sur le même sujet » on synthetic sites (part of `make bench`).

    .venv/bin/python tests/bench/bench_related.py [--sizes 1000 5000 10000] [--runs 3] [--with-sklearn]

For each size, a corpus from tests/bench/corpus.py is written once to a temporary folder.
Each measurement runs in a fresh subprocess that reads the reports (not timed), then times
the related computation alone with time.perf_counter and reports the growth of the peak
resident memory (ru_maxrss) during it. The related_articles plugin and a tags-only ranking
like Pelican's related_posts plugin run alternately in the same session, so both see the
same machine load; medians of `--runs` runs are printed side by side.

`--with-sklearn` adds the other engine issue 3 considered, a plain scikit-learn sparse
TF-IDF (requirements-dev.txt only) with the plugin's own French analysis, cosine by
sparse products 500 rows at a time and a top 3 per row with argpartition. Its imports
(numpy, scipy, scikit-learn) happen before the clock starts, like the plugin's; their own
cost is printed once on the side. It is off by default: it nearly doubles the run
(about 48 s instead of 25 s here), and `make bench` need not wait for an engine not chosen.
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
sys.path[:0] = [str(ROOT), str(ROOT / "plugins"), str(HERE)]


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


def sklearn_tfidf(reports, limit=3, block=500):
    """A plain scikit-learn TF-IDF cosine over title, standfirst and body.

    The same French analysis as the plugin (its Analyzer, title ×2), so only the engine
    differs: a sparse TF-IDF matrix (smooth idf, l2 norm, scikit-learn's defaults), the
    cosines of `block` reports against all computed as one sparse product, made dense for
    that block only (block × N, never N × N), the `limit` best per row by argpartition.
    Text only: no tags, context, recency or pins. Returns {slug: [slugs]}.
    """
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    from related_articles.analysis import Analyzer
    from related_articles.ranking import SUMMARY_WEIGHT, TITLE_WEIGHT

    analyzer = Analyzer()

    def stems(report):
        counts = analyzer.stems(report.title, TITLE_WEIGHT)
        analyzer.stems(report.summary, SUMMARY_WEIGHT, into=counts)
        analyzer.stems(report.body, 1, into=counts)
        return [stem for stem, count in counts.items() for _ in range(count)]

    matrix = TfidfVectorizer(analyzer=stems).fit_transform(reports)  # CSR, rows l2-normed
    columns = matrix.T.tocsr()
    n = matrix.shape[0]
    k = min(limit, n - 1)
    related = {}
    if k <= 0:
        return {report.slug: [] for report in reports}
    for start in range(0, n, block):
        stop = min(start + block, n)
        cosines = (matrix[start:stop] @ columns).toarray()
        rows = np.arange(stop - start)
        cosines[rows, rows + start] = -np.inf  # never the report itself
        best = np.argpartition(-cosines, k - 1, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(cosines, best, axis=1), axis=1, kind="stable")
        for row, positions in zip(range(start, stop), np.take_along_axis(best, order, axis=1), strict=True):
            related[reports[row].slug] = [reports[j].slug for j in positions.tolist()]
    return related


def import_sklearn():
    import numpy  # noqa: F401
    import scipy.sparse  # noqa: F401
    import sklearn.feature_extraction.text  # noqa: F401


METHODS = {"related_articles": related_articles, "tags-only": tags_only}
OPTIONAL = {"scikit-learn TF-IDF": sklearn_tfidf}
SETUP = {"scikit-learn TF-IDF": import_sklearn}


def worker(method, root):
    if method == "imports":
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        start = time.perf_counter()
        import_sklearn()
        seconds = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps({"seconds": seconds, "peak_mb": (after - before) / 1024}))
        return
    reports = load_reports(root)
    if method in SETUP:
        SETUP[method]()
    gc.collect()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    result = {**METHODS, **OPTIONAL}[method](reports)
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
    parser.add_argument("--with-sklearn", action="store_true",
                        help="also time scikit-learn's sparse TF-IDF (requirements-dev.txt)")
    parser.add_argument("--worker", nargs=2, metavar=("METHOD", "CORPUS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(*args.worker)
        return 0

    from corpus import make_corpus

    methods = dict(METHODS, **(OPTIONAL if args.with_sklearn else {}))
    print(f"related computation alone, median of {args.runs} runs, each in a fresh process")
    if args.with_sklearn:
        imports = [measure("imports", "-") for _run in range(args.runs)]
        print("not counted below: importing numpy, scipy and scikit-learn takes "
              f"{statistics.median(s['seconds'] for s in imports):.2f} s and "
              f"{statistics.median(s['peak_mb'] for s in imports):.0f} MB more; "
              "the plugin's own import is not counted either")
    print(f"{'reports':>8} {'method':<20} {'time s':>8} {'peak +MB':>9} {'µs/report':>10} {'time vs tags-only':>18}")
    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix=f"pouls-related-{size}-") as folder:
            make_corpus(folder, size)
            samples = {method: [] for method in methods}
            for _run in range(args.runs):
                for method in methods:
                    samples[method].append(measure(method, folder))
        medians = {
            method: (statistics.median(s["seconds"] for s in runs),
                     statistics.median(s["peak_mb"] for s in runs))
            for method, runs in samples.items()
        }
        baseline = medians["tags-only"][0]
        for method, (seconds, peak) in medians.items():
            ratio = f"{seconds / baseline:.2f}×" if baseline else "-"
            print(f"{size:>8} {method:<20} {seconds:>8.2f} {peak:>9.1f} "
                  f"{seconds / size * 1e6:>10.0f} {ratio:>18}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
