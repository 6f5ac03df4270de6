"""Speed and memory of « Sur le même sujet » on synthetic sites (part of `make bench`).

    .venv/bin/python tests/bench/bench_related.py [--sizes 1000 5000 10000] [--runs 3]
                                                  [--corpora synthetic text] [--with-sklearn]
                                                  [--compare COMMIT …]

Two corpora, each written once per size to a temporary folder:

* synthetic: tests/bench/corpus.py, the corpus the first ranking was measured on (short
  bodies over a vocabulary of a few dozen topic words);
* text: reports of 450 to 800 words made of real sentences (the sample site and the labelled
  sets services and round1, never the held-out ones), into which the words of a planted
  subject are written, five reports per subject, each subject sharing part of its words
  with another one. It has the vocabulary and the length of real reports, so it is the
  harder one for the text analysis and the one whose planted subjects give a P@3.

Each measurement runs in a fresh subprocess that reads the reports (not timed), then times
with time.perf_counter (and the CPU time with time.process_time: the machine is shared)
the related computation *including the import of the plugin and of numpy and scipy*, and
reports the growth of the peak resident memory (ru_maxrss) during it. related_articles
and a tags-only ranking like Pelican's related_posts plugin run alternately in the same
session, so both see the same machine load; medians of `--runs` runs are printed side by
side, with the growth from the smallest to the largest size and the budget (3 s and
300 MB more at 10 000 reports) checked on each corpus.

The plugin as it landed before this round (commit 85ac5fc, read with git show) runs beside
them: it is the reference of the first budget figures (1.92 s and 42 MB at 10 000 reports on
the synthetic corpus, measured on a quiet machine), so its ratio to ours carries over when
the machine is busy. `--compare COMMIT` runs the plugin at other commits beside it the same
way (e.g. the commit a speed change started from), each read with git show.

`--with-sklearn` adds the other engine issue 3 considered, a plain scikit-learn sparse
TF-IDF (requirements-bench.txt only) with the plugin's French analysis, cosine by sparse
products 500 rows at a time and a top 3 per row with argpartition; its imports count too.
"""

import argparse
import gc
import json
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta
from itertools import chain
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "plugins"), str(HERE)]

BUDGET_SIZE, BUDGET_SECONDS, BUDGET_MB = 10_000, 3.0, 300.0
# Subjects of the text corpus: this many reports each.
SUBJECT_SIZE = 5
SENTENCE_SOURCES = ("content/articles", "tests/eval/related/services/articles",
                    "tests/eval/related/round1/articles")
# Invented subject words: syllables and a medical-looking ending (« lymcytose »).
SYLLABLES = tuple(re.findall(r"\w+", """ba ca co da de di fa fi ga go la le li lo ma me mi mo na ne
    ni no pa pe pi po ra re ri ro sa se si so ta te ti to va ve vi vo tri pro car neo lym cyt gas
    der hem ost neu pul ren hep ur an on ex"""))
ENDINGS = tuple(re.findall(r"\w+", "ie ique ome ose ite ale aire isme logue ectomie ine ase ode cyte pathie"))


class Item:
    """An article for the tags-only baseline: hashed by identity, like a Pelican article."""

    __slots__ = ("slug", "tags")

    def __init__(self, slug, tags):
        self.slug, self.tags = slug, tags


def read_corpus(root):
    """The corpus as plain dicts of a Report's fields (no plugin import: it is timed)."""
    fields = []
    for path in sorted(Path(root).glob("articles/*/*.md")):
        head, body = path.read_text(encoding="utf-8").split("\n\n", 1)
        meta = dict(line.split(": ", 1) for line in head.splitlines())
        fields.append({
            "slug": path.stem,
            "rubrique": path.parent.name,
            "date": datetime.fromisoformat(meta["Date"]),
            "title": meta["Title"],
            "summary": meta.get("Summary", ""),
            "body": "".join(f"<p>{paragraph}</p>\n" for paragraph in body.strip().split("\n\n")),
            "tags": tuple(meta["Tags"].split(", ")) if meta.get("Tags") else (),
            "hospitals": tuple(meta["Hospitals"].split(", ")) if meta.get("Hospitals") else (),
            "region": meta.get("Region", ""),
            "source": str(path.relative_to(root)),
        })
    return fields


def load_reports(root):
    """The corpus as the Reports the plugin builds from Pelican articles."""
    from related_articles.ranking import Report

    return [Report(**fields) for fields in read_corpus(root)]


def make_text_corpus(root, n, seed=0):
    """Write n reports of real sentences with planted subjects under root/articles/."""
    rng = random.Random(seed)
    sentences = []
    for source in SENTENCE_SOURCES:
        for path in sorted((ROOT / source).rglob("*.md")):
            body = path.read_text(encoding="utf-8").split("\n\n", 1)[-1]
            sentences += [sentence for sentence in re.split(r"(?<=[.!?])\s+", body.replace("\n", " "))
                          if len(sentence.split()) >= 6 and not sentence.startswith("#")]
    real_words = sorted({word for sentence in sentences for word in re.findall(r"\w{7,}", sentence.lower())})

    def invented():
        return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))) + rng.choice(ENDINGS)

    count = max(1, -(-n // SUBJECT_SIZE))
    own = [[invented() for _ in range(8)] + rng.sample(real_words, 6) for _ in range(count)]
    # Each subject borrows a third of its words from the next one: near subjects.
    subjects = [own[s] + own[(s + 1) % count][:7] for s in range(count)]
    root = Path(root)
    for i in range(n):
        words = subjects[i // SUBJECT_SIZE]

        def sentence(words=words):
            tokens = rng.choice(sentences).split()
            for _ in range(rng.choice((0, 1, 1, 2))):
                tokens[rng.randrange(len(tokens))] = rng.choice(words)
            return " ".join(tokens)

        paragraphs, length = [], 0
        target = rng.randint(450, 800)
        while length < target:
            paragraph = " ".join(sentence() for _ in range(rng.randint(3, 6)))
            paragraphs.append(paragraph)
            length += len(paragraph.split())
        title = " ".join([rng.choice(words).capitalize(), *rng.choice(sentences).split()[:6],
                          rng.choice(words)])
        date = datetime(2019, 1, 1, 9) + timedelta(hours=i * 7 + rng.randrange(5))
        folder = root / "articles" / rng.choice(["reportage", "portrait", "entretien", "enquete"])
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"report-{i:05d}.md").write_text(
            f"Title: {title}\nDate: {date:%Y-%m-%d %H:%M}\n"
            f"Tags: {rng.choice(words)}, {rng.choice(['innovation', 'enfants', 'prévention'])}\n"
            f"Hospitals: Centre hospitalier {rng.randrange(40)}\nRegion: Région {rng.randrange(13)}\n"
            f"Summary: {sentence()}\n\n" + "\n\n".join(paragraphs) + "\n",
            encoding="utf-8",
        )
    return root


def planted_precision(slugs, lists):
    """P@3 against the planted subjects of the text corpus (report-<i> is in subject i // 5)."""
    def subject(slug):
        return int(slug.split("-")[1]) // SUBJECT_SIZE

    return statistics.fmean(
        sum(subject(other) == subject(slug) for other in listed[:3]) / 3
        for slug, listed in zip(slugs, lists, strict=True)
    )


def related_articles(fields):
    from related_articles.ranking import Report, compute_related

    reports = [Report(**report) for report in fields]
    lists, _others, _notices = compute_related(reports)
    return [[reports[j].slug for j in positions] for positions in lists]


def tags_only(fields, limit=3):
    """Pelican's related_posts: count shared tags over every tag's article list."""
    items = [Item(report["slug"], report["tags"]) for report in fields]
    by_tag = {}
    for item in items:
        for tag in item.tags:
            by_tag.setdefault(tag, []).append(item)
    related = []
    for item in items:
        scores = Counter(chain(*(by_tag[tag] for tag in item.tags)))
        scores.pop(item, None)
        related.append([other.slug for other, _count in scores.most_common(limit)])
    return related


def sklearn_tfidf(fields, limit=3, block=500):
    """A plain scikit-learn TF-IDF cosine over title (×2), standfirst and body, text only."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    from related_articles.analysis import Analyzer

    analyzer = Analyzer()

    def stems(report):
        counts = analyzer.stems(" ".join([report["title"]] * 2 + [report["summary"], report["body"]]))
        return [stem for stem, count in counts.items() for _ in range(count)]

    matrix = TfidfVectorizer(analyzer=stems).fit_transform(fields)  # CSR, rows l2-normed
    columns = matrix.T.tocsr()
    n = matrix.shape[0]
    k = min(limit, n - 1)
    related = []
    if k <= 0:
        return [[] for _report in fields]
    for start in range(0, n, block):
        stop = min(start + block, n)
        cosines = (matrix[start:stop] @ columns).toarray()
        rows = np.arange(stop - start)
        cosines[rows, rows + start] = -np.inf  # never the report itself
        best = np.argpartition(-cosines, k - 1, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(cosines, best, axis=1), axis=1, kind="stable")
        for positions in np.take_along_axis(best, order, axis=1):
            related.append([fields[j]["slug"] for j in positions.tolist()])
    return related


# The plugin as it landed before round 2 (issue 9): the reference of the budget figures.
LANDED = "85ac5fc"


_SOURCES = {}


def landed_sources(commit=LANDED):
    """{module name: source} of related_articles at `commit`, read with git show (cached)."""
    if commit not in _SOURCES:
        sources = {}
        for name in ("config", "analysis", "pins", "ranking"):
            done = subprocess.run(
                ["git", "show", f"{commit}:plugins/related_articles/{name}.py"],
                cwd=ROOT, capture_output=True, text=True)
            if done.returncode and name == "pins":
                continue  # pins.py came with round 2 (issue 9)
            done.check_returncode()
            sources[name] = done.stdout
        _SOURCES[commit] = sources
    return _SOURCES[commit]


def import_landed(commit=LANDED):
    """The ranking module of related_articles at `commit`, read with git show (no checkout)."""
    import importlib.util
    import types

    package = f"related_articles_{commit}"
    if f"{package}.ranking" in sys.modules:
        return sys.modules[f"{package}.ranking"]
    module = types.ModuleType(package)
    module.__path__ = []
    sys.modules[package] = module
    for name, source in landed_sources(commit).items():
        code = types.ModuleType(f"{package}.{name}")
        code.__package__ = package
        code.__spec__ = importlib.util.spec_from_loader(code.__name__, loader=None)
        # The stop words file is found next to __file__: the current one is the same list.
        code.__file__ = str(ROOT / "plugins" / "related_articles" / f"{name}.py")
        sys.modules[code.__name__] = code
        exec(compile(source, code.__file__, "exec"), code.__dict__)
    return sys.modules[f"{package}.ranking"]


def landed(fields, commit=LANDED):
    ranking = import_landed(commit)
    reports = [ranking.Report(**report) for report in fields]
    lists, _others, _notices = ranking.compute_related(reports)
    return [[reports[j].slug for j in positions] for positions in lists]


METHODS = {"related_articles": related_articles, "tags-only": tags_only,
           f"landed ({LANDED})": landed}
OPTIONAL = {"scikit-learn TF-IDF": sklearn_tfidf}


def worker(method, root):
    fields = read_corpus(root)
    commit = re.fullmatch(r"at (\w+)", method)
    if method.startswith("landed"):
        # Reading the old code with git show is not the old plugin's cost (it needed only
        # PyStemmer, loaded by the build anyway): done before the clock.
        import_landed()
    elif commit:
        # Only read before the clock: its import (numpy, scipy) is timed, like ours.
        landed_sources(commit[1])
    gc.collect()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start, cpu = time.perf_counter(), time.process_time()
    if commit:
        lists = landed(fields, commit[1])
    else:
        lists = {**METHODS, **OPTIONAL}[method](fields)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_mb": (after - before) / 1024,
                      "lists": len(lists),
                      "p3": planted_precision([report["slug"] for report in fields], lists)}))


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
    parser.add_argument("--corpora", nargs="+", choices=["synthetic", "text"],
                        default=["synthetic", "text"])
    parser.add_argument("--with-sklearn", action="store_true",
                        help="also time scikit-learn's sparse TF-IDF (requirements-bench.txt)")
    parser.add_argument("--compare", nargs="+", default=[], metavar="COMMIT",
                        help="also time the plugin at these commits (read with git show), "
                             "e.g. the one a change started from")
    parser.add_argument("--worker", nargs=2, metavar=("METHOD", "CORPUS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(*args.worker)
        return 0

    from corpus import make_corpus

    makers = {"synthetic": make_corpus, "text": make_text_corpus}
    methods = dict(METHODS, **(OPTIONAL if args.with_sklearn else {}))
    for commit in args.compare:
        methods[f"at {commit}"] = None
        landed_sources(commit)  # fails here, before any timing, on an unknown commit
    print(f"related computation with its imports, median of {args.runs} runs, each in a fresh "
          "process; CPU s is the process's own CPU time (the machine is shared)")
    print(f"{'corpus':<10}{'reports':>8} {'method':<20}{'time s':>8}{'CPU s':>7}{'peak +MB':>9}"
          f"{'µs/report':>10}{'vs tags-only':>13}{'P@3 planted':>12}")
    verdicts = []
    for corpus in args.corpora:
        medians = {}
        for size in args.sizes:
            with tempfile.TemporaryDirectory(prefix=f"pouls-related-{corpus}-{size}-") as folder:
                makers[corpus](folder, size)
                samples = {method: [] for method in methods}
                for _run in range(args.runs):
                    for method in methods:
                        samples[method].append(measure(method, folder))
            for method, runs in samples.items():
                medians[size, method] = {key: statistics.median(run[key] for run in runs)
                                         for key in ("seconds", "cpu", "peak_mb", "p3")}
            baseline = medians[size, "tags-only"]["seconds"]
            for method in methods:
                m = medians[size, method]
                ratio = f"{m['seconds'] / baseline:.2f}×" if baseline else "-"
                planted = f"{m['p3']:.3f}" if corpus == "text" else "-"
                print(f"{corpus:<10}{size:>8} {method:<20}{m['seconds']:>8.2f}{m['cpu']:>7.2f}"
                      f"{m['peak_mb']:>9.1f}{m['seconds'] / size * 1e6:>10.0f}{ratio:>13}"
                      f"{planted:>12}")
        small, large = min(args.sizes), max(args.sizes)
        if small != large:
            ours = medians[large, "related_articles"]["seconds"] / medians[small, "related_articles"]["seconds"]
            verdicts.append(f"{corpus}: related_articles time ×{ours:.1f} from {small} to {large} "
                            f"reports (×{large / small:.0f} reports)")
        if (BUDGET_SIZE, "related_articles") in medians:
            m = medians[BUDGET_SIZE, "related_articles"]
            reference = medians[BUDGET_SIZE, f"landed ({LANDED})"]
            verdicts.append(
                f"{corpus}: at {BUDGET_SIZE} reports related_articles takes "
                f"{m['seconds'] / reference['seconds']:.2f}× the time of the plugin as landed "
                f"({m['cpu'] / reference['cpu']:.2f}× its CPU time)")
            for commit in args.compare:
                other = medians[BUDGET_SIZE, f"at {commit}"]
                verdicts.append(
                    f"{corpus}: at {BUDGET_SIZE} reports related_articles takes "
                    f"{m['seconds'] / other['seconds']:.2f}× the time of the plugin at {commit} "
                    f"({m['cpu'] / other['cpu']:.2f}× its CPU time, "
                    f"{m['peak_mb'] - other['peak_mb']:+.0f} MB peak)")
            within = m["seconds"] <= BUDGET_SECONDS and m["peak_mb"] <= BUDGET_MB
            verdicts.append(
                f"{corpus}: at {BUDGET_SIZE} reports {m['seconds']:.2f} s ({m['cpu']:.2f} s CPU) and "
                f"{m['peak_mb']:.0f} MB more, budget {BUDGET_SECONDS:.0f} s and {BUDGET_MB:.0f} MB: "
                + ("within" if within else "OVER"))
    print()
    for verdict in verdicts:
        print(verdict)
    return 0


if __name__ == "__main__":
    sys.exit(main())
