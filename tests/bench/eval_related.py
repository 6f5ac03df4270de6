"""Quality of « Sur le même sujet » on the labelled evaluation set.

    .venv/bin/python tests/bench/eval_related.py [--content tests/eval/related] [--verbose]

Reads tests/eval/related/ with the real settings and plugins (nothing is written), then
prints, for the related_articles plugin, for a tags-only ranking like Pelican's
related_posts plugin (shared tag count, no tag → nothing) and for a plain scikit-learn
TF-IDF cosine over the text with the plugin's French analysis (the other engine issue 3
considered, from bench_related.py; requirements-dev.txt):

* mean precision@3: the share of the three slots holding a report on the same true topic
  (topics.txt), an empty slot counting as wrong;
* how many lists hold the report itself, a draft, a hidden or a future-dated report;
* how many reports end with fewer than three items.

A few ablations of our own ranking (one signal switched off or alone) follow, to show
what each signal brings.
"""

import argparse
import sys
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "plugins"), str(HERE)]

from bench_related import sklearn_tfidf
from desk.build import reset_pelican_state
from pouls_common.reports import is_public
from related_articles.config import read_settings
from related_articles.explain import read_articles
from related_articles.ranking import compute_related
from related_articles.related_articles import report_from_article

K = 3


def read_topics(path):
    topics = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            topic, slugs = line.split(":", 1)
            for slug in slugs.split():
                topics[slug] = topic.strip()
    return topics


def tags_only(articles, limit=K):
    """Pelican's related_posts: count shared tags, most common first, untagged → nothing."""
    by_tag = {}
    for article in articles:
        for tag in getattr(article, "tags", []):
            by_tag.setdefault(tag, []).append(article)
    related = {}
    for article in articles:
        scores = Counter(other for tag in getattr(article, "tags", []) for other in by_tag[tag])
        scores.pop(article, None)
        related[article.slug] = [other for other, _count in scores.most_common(limit)]
    return related


def measure(name, related, published, topics, unlisted):
    """One line of figures for {slug: [related articles or slugs]} over the published reports."""
    precision, short, bad = 0.0, 0, Counter()
    misses = []
    for article in published:
        items = [getattr(item, "slug", item) for item in related.get(article.slug, [])]
        right = sum(topics[slug] == topics[article.slug] for slug in items[:K])
        precision += right / K
        short += len(items) < K
        bad["self"] += items.count(article.slug)
        for slug in items:
            if slug in unlisted:
                bad[unlisted[slug]] += 1
        if right < K:
            misses.append((article.slug, [s for s in items if topics[s] != topics[article.slug]]))
    mean = precision / len(published)
    print(
        f"{name:<34} precision@3 {mean:.3f}   self {bad['self']}  draft {bad['draft']}  "
        f"hidden {bad['hidden']}  future {bad['future']}   fewer than 3: {short}"
    )
    return mean, misses


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--content", default=str(ROOT / "tests/eval/related"))
    parser.add_argument("--verbose", action="store_true", help="list the wrong neighbours")
    args = parser.parse_args(argv)

    content = Path(args.content)
    topics = read_topics(content / "topics.txt")
    reset_pelican_state()
    settings, generator = read_articles(ROOT / "pelicanconf.py", content)
    now = datetime.now(UTC)
    everyone = list(generator.articles) + list(generator.drafts) + list(generator.hidden_articles)
    published = [article for article in everyone if is_public(article, now)]
    unlisted = {}
    for article in everyone:
        if article in published:
            continue
        if article.status == "hidden":
            unlisted[article.slug] = "hidden"
        elif article.date > now:
            unlisted[article.slug] = "future"
        else:
            unlisted[article.slug] = "draft"
    print(f"{len(published)} published reports, {len(topics) - len(published)} never to be listed, "
          f"{len({topics[a.slug] for a in published})} topics\n")

    ours = {article.slug: article.related_articles for article in published}
    _score, misses = measure("related_articles (this plugin)", ours, published, topics, unlisted)
    measure("tags only (Pelican related_posts)", tags_only(generator.articles), published,
            topics, unlisted)
    reports = [report_from_article(article) for article in published]
    measure("scikit-learn TF-IDF (text only)", sklearn_tfidf(reports), published, topics, unlisted)

    print("\nablations of this plugin's ranking:")
    options = read_settings(settings)
    variants = {"text only": {"text": 1.0}}  # every other signal at 0, neighbours included
    for signal in options.weights:
        variants[f"without {signal}"] = {signal: 0.0}
    variants["no recency"] = None
    for name, change in variants.items():
        if change is None:
            variant = replace(options, recency_weight=0.0)
        elif name == "text only":
            variant = replace(options, weights=MappingProxyType(
                {signal: (1.0 if signal == "text" else 0.0) for signal in options.weights}))
        else:
            variant = replace(options, weights=MappingProxyType({**options.weights, **change}))
        lists, _others, _notices = compute_related(reports, [], variant)
        related = {reports[i].slug: [reports[j].slug for j in positions]
                   for i, positions in enumerate(lists)}
        measure(f"  {name}", related, published, topics, unlisted)

    if args.verbose:
        print("\nwrong neighbours (this plugin):")
        for slug, wrong in misses:
            print(f"  {slug} ({topics[slug]}): " + ", ".join(f"{s} ({topics[s]})" for s in wrong))
    return 0


if __name__ == "__main__":
    sys.exit(main())
