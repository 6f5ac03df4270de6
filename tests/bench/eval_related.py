"""Quality of « Sur le même sujet » on the labelled sets, in one table.

    .venv/bin/python tests/bench/eval_related.py [--sets services genres …] [--representations]
                                                 [--misses]

Every set of tests/eval/related/ (`<set>/articles/`, `topics.txt`, `rubriques.txt`) is built
with the real pelicanconf.py, its folders declared as RUBRIQUES (round1 keeps the site's own),
into a temporary folder; the blocks are read from the rendered pages
(`aside.related-articles`, drafts' previews included). Rows per set:

* related_articles: the plugin as built;
* plain TF-IDF: cosine of TF-IDF vectors of title + standfirst + body, words cut to their
  first 6 letters, no stop list, no other signal (raw counts, idf ln((1+N)/(1+df)) + 1,
  vectors of length 1);
* tags only: Pelican's related_posts (shared tag count; an untagged report gets nothing).

Columns: P@3 (share of the three slots holding a report of the same topic, an empty slot
counting as wrong), nDCG@3 (binary gains), the number of listed items that are the report
itself, a draft, a hidden or a future-dated report, over every block (previews included),
and the number of published reports whose block holds fewer than 3 items. The role column
says which set the method and its weights were chosen on (« fitted »), which one was tuned
on in round 1, and which are held out.

`--representations` adds a second table: text-only rankings with other representations
(exact cosines, no context), the comparison the plugin README records.
`--misses` lists the wrong neighbours of the plugin, for the sets run.
"""

import argparse
import math
import re
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from types import MappingProxyType

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "plugins"), str(HERE)]

from bs4 import BeautifulSoup

from bench_related import LANDED, import_landed
from desk.build import build_site, reset_pelican_state
from pouls_common.reports import every_report, is_public
from related_articles import ranking
from related_articles.analysis import fold, strip_accents
from related_articles.config import RelatedSettings
from related_articles.explain import read_articles
from related_articles.related_articles import report_from_article

K = 3
EVAL = ROOT / "tests" / "eval" / "related"
# The role of each set in choosing the method: see tests/eval/related/README.md.
SETS = {
    "services": "fitted",
    "round1": "fitted (round 1; small-site rule)",
    "genres": "held out",
    "long": "held out",
}


@dataclass
class LabelledSet:
    name: str
    role: str
    published: list
    topics: dict
    unlisted: dict  # slug -> "draft" | "hidden" | "future"
    rubriques: dict
    blocks: dict = field(default_factory=dict)  # slug -> listed slugs, rendered


def read_pairs(path):
    """`<key>: <value>` lines of a set's topics.txt or rubriques.txt (# comments skipped)."""
    pairs = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            key, value = line.split(":", 1)
            pairs[key.strip()] = value.strip()
    return pairs


def read_topics(path):
    return {slug: topic for topic, slugs in read_pairs(path).items() for slug in slugs.split()}


def load_set(name, work):
    """Read the set with the real settings and plugins, build it, read the rendered blocks."""
    folder = EVAL / name
    rubriques = read_pairs(folder / "rubriques.txt") if (folder / "rubriques.txt").exists() else {}
    overrides = {"RUBRIQUES": rubriques} if rubriques else {}
    reset_pelican_state()
    _settings, generator = read_articles(ROOT / "pelicanconf.py", folder, overrides)
    now = datetime.now(UTC)
    everyone = every_report(generator, translations=False)
    published = [article for article in everyone if is_public(article, now)]
    unlisted = {}
    for article in everyone:
        if is_public(article, now):
            continue
        if article.status == "hidden":
            unlisted[article.slug] = "hidden"
        elif article.date > now:
            unlisted[article.slug] = "future"
        else:
            unlisted[article.slug] = "draft"
    labelled = LabelledSet(name, SETS.get(name, "held out"),
                           [report_from_article(article) for article in published],
                           read_topics(folder / "topics.txt"), unlisted, rubriques)
    result = build_site("pelicanconf.py", content=folder, output=Path(work) / name,
                        overrides=overrides, quiet=True)
    if result.errors:
        raise SystemExit(f"eval_related: the {name} set does not build: {result.errors[0]}")
    for page in sorted(result.output.rglob("index.html")):
        html = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        if html.select_one("article.article h1") is None:
            continue
        slug = page.parent.name
        block = html.select_one("aside.related-articles")
        hrefs = [] if block is None else [a["href"] for a in block.select("li a[href]")]
        labelled.blocks[slug] = [href.strip("/").split("/")[-1] for href in hrefs]
    return labelled


# -- rankings to compare -------------------------------------------------------------------


_LETTERS = re.compile(r"[a-zà-öø-ÿ]+")


def prefix_words(report):
    text = " ".join((report.title, report.summary, report.body))
    return [strip_accents(word)[:6] for word in _LETTERS.findall(fold(text))]


def cosine_top(vectors, slugs, limit=K):
    """{slug: the `limit` slugs of highest cosine}, vectors given as {term: weight} of length 1."""
    related = {}
    for i, mine in enumerate(vectors):
        scored = sorted(
            (-sum(weight * theirs.get(term, 0.0) for term, weight in mine.items()), slugs[j])
            for j, theirs in enumerate(vectors) if j != i)
        related[slugs[i]] = [slug for _score, slug in scored[:limit]]
    return related


def plain_tfidf(reports):
    """The baseline: 6-letter prefixes, no stop list, title + standfirst + body."""
    documents = [Counter(prefix_words(report)) for report in reports]
    n = len(documents)
    df = Counter(term for document in documents for term in document)
    vectors = []
    for document in documents:
        weights = {term: count * (math.log((1 + n) / (1 + df[term])) + 1)
                   for term, count in document.items()}
        norm = math.sqrt(sum(weight * weight for weight in weights.values())) or 1.0
        vectors.append({term: weight / norm for term, weight in weights.items()})
    return cosine_top(vectors, [report.slug for report in reports])


def tags_only(reports, limit=K):
    """Pelican's related_posts: count shared tags, most common first, untagged → nothing."""
    by_tag = {}
    for position, report in enumerate(reports):
        for tag in report.tags:
            by_tag.setdefault(tag, []).append(position)
    related = {}
    for position, report in enumerate(reports):
        counts = Counter(other for tag in report.tags for other in by_tag[tag] if other != position)
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        related[report.slug] = [reports[other].slug for other, _count in ranked[:limit]]
    return related


def landed(reports):
    """The related_articles plugin as it landed (commit LANDED), read from git history."""
    ranking = import_landed(LANDED)
    old = [ranking.Report(**{key: getattr(report, key) for key in ranking.Report.__dataclass_fields__})
           for report in reports]
    lists, _others, _notices = ranking.compute_related(old)
    return {old[i].slug: [old[j].slug for j in positions] for i, positions in enumerate(lists)}


# -- figures -------------------------------------------------------------------------------


def measure(blocks, labelled, listing=None):
    """(P@3, nDCG@3, bad items by kind, short blocks) of {slug: [slugs]}.

    `listing`: the slugs whose blocks are checked for bad items (every rendered page for
    the plugin, the published reports for the baselines).
    """
    topics = labelled.topics
    published = [report.slug for report in labelled.published]
    precision = gain = 0.0
    short = 0
    for slug in published:
        items = blocks.get(slug, [])
        right = [topics.get(other) == topics[slug] for other in items[:K]]
        precision += sum(right) / K
        relevant = sum(topics.get(other) == topics[slug] for other in published if other != slug)
        ideal = sum(1 / math.log2(rank + 2) for rank in range(min(K, relevant)))
        gain += (sum(1 / math.log2(rank + 2) for rank, ok in enumerate(right) if ok) / ideal
                 if ideal else 0.0)
        short += len(items) < K
    bad = Counter()
    for slug in listing or published:
        for other in blocks.get(slug, []):
            if other == slug:
                bad["self"] += 1
            elif other in labelled.unlisted:
                bad[labelled.unlisted[other]] += 1
    return precision / len(published), gain / len(published), bad, short


def representations(reports):
    """Text-only rankings with other representations, for the README's comparison."""
    import numpy as np

    from related_articles.analysis import _WORD as WORDS
    from related_articles.analysis import Analyzer, fragments

    analyzer = Analyzer()
    n = len(reports)

    def stems(report, bigrams=False, pieces=False):
        counts = Counter()
        text = " ".join([report.title] * 2 + [report.summary, report.body])
        # Stop words stay in the sequence as "": a bigram never spans one.
        sequence = [analyzer.stem(word) for word in WORDS.findall(fold(text))]
        for stem in sequence:
            if stem:
                counts[stem] += 1
                if pieces:
                    counts.update("#" + piece for piece in fragments(stem))
        if bigrams:
            counts.update(f"{a}_{b}" for a, b in pairwise(sequence) if a and b)
        return counts

    def matrix(documents, bm25=False):
        df = Counter(term for document in documents for term in document)
        vocabulary = sorted(term for term in df if df[term] >= 2)
        column = {term: j for j, term in enumerate(vocabulary)}
        lengths = np.array([sum(document.values()) for document in documents], dtype=float)
        x = np.zeros((n, len(vocabulary)))
        for i, document in enumerate(documents):
            for term, count in document.items():
                if term in column:
                    tf = (count * 2.2 / (count + 1.2 * (0.25 + 0.75 * lengths[i] / lengths.mean()))
                          if bm25 else count)
                    x[i, column[term]] = tf * math.log((1 + n) / df[term])
        return x / (np.linalg.norm(x, axis=1, keepdims=True) + 1e-12)

    def top(similarity):
        similarity = similarity.copy()
        np.fill_diagonal(similarity, -np.inf)
        order = np.argsort(-similarity, axis=1, kind="stable")[:, :K]
        return {reports[i].slug: [reports[j].slug for j in order[i]] for i in range(n)}

    def feedback(x, k=3, beta=1.0):
        similarity = x @ x.T
        np.fill_diagonal(similarity, -np.inf)
        nearest = np.argsort(-similarity, axis=1)[:, :k]
        q = x + beta * x[nearest].mean(axis=1)
        return q / np.linalg.norm(q, axis=1, keepdims=True)

    def neighbours(similarity):
        """The plugin's neighbour stage on an exact similarity matrix (same constants)."""
        k, blend = RelatedSettings().neighbours, ranking.GRAPH_BLEND
        scores = similarity.copy()
        np.fill_diagonal(scores, 0.0)
        for _round in range(ranking.GRAPH_ROUNDS):
            nearest = np.argsort(-scores, axis=1, kind="stable")[:, :k]
            profiles = np.zeros_like(scores)
            rows = np.arange(n)[:, None]
            profiles[rows, nearest] = np.maximum(scores[rows, nearest], 0)
            best = profiles.max(axis=1)
            profiles[np.arange(n), np.arange(n)] = best
            profiles /= np.linalg.norm(profiles, axis=1, keepdims=True) + 1e-12
            overlap = profiles @ profiles.T
            np.fill_diagonal(overlap, 0.0)
            scores = (1 - blend) * scores + blend * best[:, None] * overlap
        return scores

    def lsa(x, dims=20, share=0.5):
        u, s, _vt = np.linalg.svd(x, full_matrices=False)
        z = u[:, :dims] * s[:dims]
        z /= np.linalg.norm(z, axis=1, keepdims=True) + 1e-12
        return (1 - share) * (x @ x.T) + share * (z @ z.T)

    plain_stems = matrix([stems(report) for report in reports])
    with_pieces = matrix([stems(report, pieces=True) for report in reports])
    text_only = RelatedSettings(weights=MappingProxyType(dict.fromkeys(RelatedSettings().weights, 0)))

    def plugin(**constants):
        saved = {name: getattr(ranking, name) for name in constants}
        try:
            for name, value in constants.items():
                setattr(ranking, name, value)
            index = ranking.RelatedIndex(reports, text_only)
            return {report.slug: [reports[j].slug for j in index.related(i)]
                    for i, report in enumerate(reports)}
        finally:
            for name, value in saved.items():
                setattr(ranking, name, value)

    similarities = {
        "stems (the landed text signal)": plain_stems @ plain_stems.T,
        "stems + bigrams": (lambda x: x @ x.T)(matrix([stems(r, bigrams=True) for r in reports])),
        "BM25 over stems (k1 1.2, b 0.75)": (lambda x: x @ x.T)(
            matrix([stems(report) for report in reports], bm25=True)),
        "stems + feedback (Rocchio, 3 nearest)": (lambda q: q @ q.T)(feedback(plain_stems)),
        "stems + LSA (20 dimensions, half)": lsa(plain_stems),
        "stems + 6-letter fragments": with_pieces @ with_pieces.T,
    }
    rankings = {name: top(similarity) for name, similarity in similarities.items()}
    rankings.update({f"{name}, then the neighbour stage": top(neighbours(similarity))
                     for name, similarity in similarities.items()})
    return {
        **rankings,
        "related_articles text score, no fragments": plugin(FRAGMENT_LENGTH=1000),
        "related_articles text score, no neighbour stage": plugin(GRAPH_ROUNDS=0),
        "related_articles text score (fragments + neighbours)": plugin(),
    }


# -- the tables ----------------------------------------------------------------------------


def row(labelled, name, figures):
    precision, gain, bad, short = figures
    return (f"| {labelled.name} | {labelled.role} | {name} | {precision:.3f} | {gain:.3f} | "
            f"{bad['self']} | {bad['draft']} | {bad['hidden']} | {bad['future']} | {short} |")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", nargs="+", default=list(SETS), help="sets to run (all by default)")
    parser.add_argument("--representations", action="store_true",
                        help="also compare text representations (text only, exact cosines)")
    parser.add_argument("--no-landed", action="store_true",
                        help=f"leave out the plugin as landed ({LANDED}, read with git show)")
    parser.add_argument("--misses", action="store_true", help="list the plugin's wrong neighbours")
    args = parser.parse_args(argv)

    sets = []
    with tempfile.TemporaryDirectory(prefix="pouls-eval-related-") as work:
        for name in args.sets:
            sets.append(load_set(name, work))

    print("| set | role | ranking | P@3 | nDCG@3 | self | draft | hidden | future | short blocks |")
    print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    verdicts = []
    for labelled in sets:
        published = labelled.published
        ours = measure(labelled.blocks, labelled, listing=list(labelled.blocks))
        plain = measure(plain_tfidf(published), labelled)
        print(row(labelled, "related_articles", ours))
        print(row(labelled, "plain TF-IDF", plain))
        print(row(labelled, "tags only", measure(tags_only(published), labelled)))
        if not args.no_landed:
            print(row(labelled, f"related_articles as landed ({LANDED})",
                      measure(landed(published), labelled)))
        if labelled.role == "held out":
            precision, _gain, bad, short = ours
            met = (precision >= 0.9 and precision >= plain[0] + 0.1 and not sum(bad.values())
                   and not short)
            verdicts.append(
                f"{labelled.name} (held out): P@3 {precision:.3f} (target ≥ 0.9 and ≥ plain "
                f"{plain[0]:.3f} + 0.1), bad items {sum(bad.values())}, short blocks {short}: "
                + ("met" if met else "NOT MET"))
    print()
    for labelled in sets:
        print(f"{labelled.name}: {len(labelled.published)} published reports, "
              f"{len(labelled.unlisted)} never to be listed, "
              f"{len({labelled.topics[r.slug] for r in labelled.published})} topics, "
              f"{len(labelled.blocks)} blocks read")
    for verdict in verdicts:
        print(verdict)

    if args.representations:
        print("\n| set | role | text representation (text only, exact cosine) | P@3 | nDCG@3 |")
        print("| --- | --- | --- | ---: | ---: |")
        for labelled in sets:
            for name, blocks in representations(labelled.published).items():
                precision, gain, _bad, _short = measure(blocks, labelled)
                print(f"| {labelled.name} | {labelled.role} | {name} | {precision:.3f} | {gain:.3f} |")

    if args.misses:
        for labelled in sets:
            print(f"\nwrong neighbours in {labelled.name} (related_articles):")
            for report in labelled.published:
                topic = labelled.topics[report.slug]
                wrong = [other for other in labelled.blocks.get(report.slug, [])
                         if labelled.topics.get(other) != topic]
                if wrong:
                    print(f"  {report.slug} ({topic}): "
                          + ", ".join(f"{other} ({labelled.topics.get(other)})" for other in wrong))
    return 0


if __name__ == "__main__":
    sys.exit(main())
