"""Ranking for « Sur le même sujet »: which published reports are about the same thing.

Plain data in, positions out; nothing here knows Pelican, so tests and the benchmark call it
directly:

    index = RelatedIndex(published_reports, RelatedSettings())
    index.related(0)            # positions in published_reports, best first
    index.explain(0)            # the candidates with their score broken down by signal

How a pair of reports is scored, in two stages.

First stage, the score of what the reports say and where they happen:

* text — cosine of TF-IDF vectors of the title (×2), standfirst and body after French
  analysis (analysis.py). IDF makes words present in many reports weigh little, and each
  word is further multiplied by its *topicality*: the share of its reports that sit in
  one rubrique. Rubriques are the editors' own topic labels, so « myélome » (nearly all
  in haematology) counts fully while « greffe » (haematology and burns) or « domicile »
  (anywhere) count less. Raw term counts, not their logarithm: a report's subject is the
  word it keeps coming back to.
* tags — shared tags, each worth its rarity log((1+N)/df)/log(1+N) and its topicality:
  a tag on half the site says little. Divided by sqrt(|A|·|B|), so two reports with the
  same rare tags score the tag weight.
* hospitals, region, rubrique — context. Unrelated reports share them too, so they only
  raise the content score by a share: content × (1 + hospitals + region + rubrique).
* recency — the result is multiplied by (1 − r) + r·2^(−age/half-life), the age counted
  from the newest published report (never from the clock: same content, same lists).

Second stage, shared neighbours (Jarvis & Patrick): each report's best candidates are
re-scored by × (1 + w·|N(a) ∩ N(b)| / k), N being the k best first-stage candidates.
Two reports on the same subject have the same neighbours; two reports that merely share a
word (« urgences » in an emergency room and a maternity) do not.

Why it stays fast on 10 000 reports: each report keeps only its `terms_per_report` most
distinctive words, and each word or tag lists at most `candidates_per_term` reports, the
strongest first. Scoring one report therefore touches a bounded number of postings,
whatever the size of the site: no N×N matrix, no loop over all pairs. Hospitals, region
and rubrique never generate candidates (they are shared by too many reports).
"""

import heapq
import math
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter

from .analysis import Analyzer, normalise_key
from .config import RelatedSettings
from .pins import parse_pins, resolve_pins, unlisted_names

__all__ = ["RelatedIndex", "Report", "compute_related", "parse_pins", "resolve_pins"]

TITLE_WEIGHT = 2
SUMMARY_WEIGHT = 1
# Scores are rounded before comparison so that float noise never decides a tie: ties go
# to the newer report, then to the slug in alphabetical order.
PRECISION = 9
MIN_RELATIVE_WEIGHT = 0.1
# How many first-stage candidates per report the shared-neighbour stage re-scores.
RERANK_DEPTH = 15
_TEXT, _TAG, _HOSPITAL, _REGION = "w:", "t:", "h:", "r:"


@dataclass(frozen=True)
class Report:
    """What the ranking needs to know about one report (built from a Pelican article)."""

    slug: str
    rubrique: str
    date: datetime
    title: str = ""
    summary: str = ""
    body: str = ""
    tags: tuple = ()
    hospitals: tuple = ()
    region: str = ""
    pins: tuple = ()
    source: str = ""


def _rarity(df, n):
    return math.log((1 + n) / df) / math.log(1 + n)


class RelatedIndex:
    """Inverted index over the published reports, built once per site build."""

    def __init__(self, reports, settings=None, analyzer=None):
        self.reports = list(reports)
        self.settings = settings or RelatedSettings()
        self.analyzer = analyzer or Analyzer(self.settings.extra_stop_words)
        reports = self.reports
        n = len(reports)

        stamps = [report.date.timestamp() for report in reports]
        self.by_recency = sorted(range(n), key=lambda i: (-stamps[i], reports[i].slug))
        self.rank = [0] * n
        for position, i in enumerate(self.by_recency):
            self.rank[i] = position
        newest = max(stamps, default=0.0)
        decay = self.settings.recency_weight
        half_life = self.settings.recency_half_life_days * 86400
        self.recency = [
            1 - decay + decay * 0.5 ** ((newest - stamp) / half_life) for stamp in stamps
        ]
        self.by_rubrique = {}
        for i in self.by_recency:
            self.by_rubrique.setdefault(reports[i].rubrique, []).append(i)

        self._slug_positions = {}
        for i, report in enumerate(reports):
            self._slug_positions.setdefault(report.slug, []).append(i)
            self._slug_positions.setdefault(f"{report.rubrique}/{report.slug}", []).append(i)

        terms = [self._term_counts(report) for report in reports]
        tags = [self._keys(report.tags, _TAG) for report in reports]
        self.df = {}
        for counts in terms:
            for term in counts:
                self.df[_TEXT + term] = self.df.get(_TEXT + term, 0) + 1
        for keys in tags:
            for key in keys:
                self.df[key] = self.df.get(key, 0) + 1
        # Topicality: the rubriques are the editors' own topic labels. A word or tag whose
        # reports sit mostly in one rubrique (« myélome ») is about a subject; one spread
        # over many (« greffe » in haematology and burns, « domicile ») is not.
        per_rubrique = {}
        for report, counts, keys in zip(reports, terms, tags, strict=True):
            rubrique = report.rubrique
            for key in [_TEXT + term for term in counts] + keys:
                bucket = per_rubrique.get(key)
                if bucket is None:
                    per_rubrique[key] = {rubrique: 1}
                else:
                    bucket[rubrique] = bucket.get(rubrique, 0) + 1
        self.topicality = {
            key: (max(bucket.values()) + 1) / (self.df[key] + 1)
            for key, bucket in per_rubrique.items()
        }

        self.context_df = {}
        self.contexts = []
        for report in reports:
            context = self._context_of(report)
            self.contexts.append(context)
            for key in context[2]:
                self.context_df[key] = self.context_df.get(key, 0) + 1
            if context[1]:
                self.context_df[context[1]] = self.context_df.get(context[1], 0) + 1

        postings = {}
        self.queries = []
        for i in range(n):
            query, values = self._vector(terms[i], tags[i], minimum_df=2)
            self.queries.append(query)
            for key, value in values:
                postings.setdefault(key, []).append((i, value))
        cap = self.settings.candidates_per_term
        rank = self.rank
        for plist in postings.values():
            # Strongest postings first, newer first on equal strength: when a common word
            # is cut to `cap` reports, those kept are the most relevant ones.
            plist.sort(key=lambda entry: (-entry[1], rank[entry[0]]))
            del plist[cap:]
        self.postings = postings
        self._stage = None

    # -- features -----------------------------------------------------------------------

    def _term_counts(self, report):
        counts = self.analyzer.stems(report.title, TITLE_WEIGHT)
        self.analyzer.stems(report.summary, SUMMARY_WEIGHT, into=counts)
        self.analyzer.stems(report.body, 1, into=counts)
        return counts

    @staticmethod
    def _keys(labels, prefix):
        return sorted({prefix + normalise_key(label) for label in labels if str(label).strip()})

    def _context_of(self, report):
        """(rubrique, region key, hospital keys) of a report."""
        region = _REGION + normalise_key(report.region) if str(report.region).strip() else ""
        return report.rubrique, region, tuple(self._keys(report.hospitals, _HOSPITAL))

    def _vector(self, counts, tags, minimum_df):
        """Return (query, postings) of one report.

        query: [(feature, weight as the report asking)], postings: [(feature, value as a
        candidate)]; their product, summed over shared features, is the content similarity.
        Features of fewer than `minimum_df` reports cannot link the report to another and
        are left out, norm included: a report's unique words (names, places) would only
        dilute what it shares with others.
        """
        n = len(self.reports)
        weights = self.settings.weights
        df, topicality = self.df, self.topicality
        log = math.log
        scored = []
        norm = 0.0
        for term, count in counts.items():
            key = _TEXT + term
            frequency = df.get(key, 0)
            if frequency >= minimum_df:
                weight = count * log((1 + n) / frequency) * topicality.get(key, 1.0)
                norm += weight * weight
                scored.append((-weight, key))
        query, values = [], []
        if scored and norm and weights["text"]:
            norm = math.sqrt(norm)
            scored.sort()
            # A word far weaker than the report's strongest one is on nearly every report
            # (« service », « patients »): it would cost a full posting list for nothing.
            floor = -scored[0][0] * MIN_RELATIVE_WEIGHT
            for negative, key in scored[: self.settings.terms_per_report]:
                if -negative < floor:
                    break
                value = -negative / norm
                query.append((key, weights["text"] * value))
                values.append((key, value))
        shared = [key for key in tags if df.get(key, 0) >= minimum_df]
        if shared and weights["tags"]:
            # Divided by the report's full tag count: an unshared tag still dilutes.
            value = 1 / math.sqrt(len(tags))
            for key in shared:
                query.append((key, weights["tags"] * _rarity(df[key], n) * value * topicality.get(key, 1.0)))
                values.append((key, value))
        return query, values

    def _prepare(self, context):
        """A target's context, ready to be compared with many candidates."""
        rubrique, region, hospitals = context
        n = len(self.reports)
        weights = self.settings.weights
        region_part = weights["region"] * _rarity(self.context_df[region], n) if region else 0.0
        hospital_parts = {
            key: weights["hospitals"] * _rarity(self.context_df[key], n) / math.sqrt(len(hospitals))
            for key in hospitals
            if key in self.context_df
        }
        return rubrique, region, region_part, hospital_parts, weights["rubrique"]

    def _context_parts(self, prepared, j):
        """Weighted (hospitals, region, rubrique) agreement between a target and report j."""
        rubrique, region, region_part, hospital_parts, rubrique_part = prepared
        other_rubrique, other_region, other_hospitals = self.contexts[j]
        hospital_part = 0.0
        if hospital_parts and other_hospitals:
            for key in other_hospitals:
                if key in hospital_parts:
                    hospital_part += hospital_parts[key]
            hospital_part /= math.sqrt(len(other_hospitals))
        return (
            hospital_part,
            region_part if region and other_region == region else 0.0,
            rubrique_part if rubrique == other_rubrique else 0.0,
        )

    def _final(self, prepared, j, content):
        hospital_part, region_part, rubrique_part = self._context_parts(prepared, j)
        # Same order of additions as the loop in _select(), so both give the same float.
        factor = 1.0 + rubrique_part + region_part + hospital_part
        return round(content * factor * self.recency[j], PRECISION)

    # -- ranking ------------------------------------------------------------------------

    def position(self, slug):
        """Positions of the published reports answering to `slug` (or `rubrique/slug`)."""
        return self._slug_positions.get(slug, [])

    def query_for(self, report):
        """Query vector of a report that is not in the index (a draft, a hidden report)."""
        counts = self._term_counts(report)
        query, _values = self._vector(counts, self._keys(report.tags, _TAG), minimum_df=1)
        return query

    def _accumulate(self, query, exclude):
        scores = {}
        get = scores.get
        postings = self.postings
        for key, weight in query:
            plist = postings.get(key)
            if plist is None:
                continue
            for j, value in plist:
                scores[j] = get(j, 0.0) + weight * value
        for j in exclude:
            scores.pop(j, None)
        return scores

    def _first_stage(self, query, self_position, context):
        """The RERANK_DEPTH best candidates as (score, position), best first."""
        scores = self._accumulate(query, () if self_position is None else (self_position,))
        ordered = sorted(scores.items(), key=itemgetter(1), reverse=True)
        rubrique, region, region_part, hospital_parts, rubrique_part = self._prepare(context)
        contexts, recency, rank = self.contexts, self.recency, self.rank
        ceiling = 1 + sum(hospital_parts.values()) + region_part + rubrique_part
        depth = RERANK_DEPTH
        best, kept = [], []
        for j, content in ordered:
            # Stop once even the largest context share cannot lift the next candidate
            # into the best `depth`: the rest of the list is never looked at.
            if len(best) == depth and content * ceiling < best[0] - 10**-PRECISION:
                break
            # _final() inlined: this loop runs for every candidate of every report.
            other_rubrique, other_region, other_hospitals = contexts[j]
            factor = 1.0
            if rubrique == other_rubrique:
                factor += rubrique_part
            if region and region == other_region:
                factor += region_part
            if hospital_parts and other_hospitals:
                shared = 0.0
                for key in other_hospitals:
                    if key in hospital_parts:
                        shared += hospital_parts[key]
                factor += shared / math.sqrt(len(other_hospitals))
            final = round(content * factor * recency[j], PRECISION)
            kept.append((-final, rank[j], j))
            if len(best) < depth:
                heapq.heappush(best, final)
            elif final > best[0]:
                heapq.heapreplace(best, final)
        kept.sort()
        return [(-negative, j) for negative, _rank, j in kept[:depth]]

    def _stage_one(self):
        """First-stage candidates of every published report and their neighbour sets."""
        if self._stage is None:
            k = self.settings.neighbours
            candidates = [
                self._first_stage(self.queries[i], i, self.contexts[i])
                for i in range(len(self.reports))
            ]
            neighbours = [frozenset(j for _score, j in found[:k]) for found in candidates]
            self._stage = (candidates, neighbours)
        return self._stage

    def _rescore(self, candidates, own_neighbours):
        """Second stage: [(score, position)] raised by the neighbours each shares with the target."""
        _candidates, neighbours = self._stage_one()
        weight = self.settings.weights["neighbours"] / self.settings.neighbours
        return [
            (round(score * (1 + weight * len(own_neighbours & neighbours[j])), PRECISION), j)
            if weight
            else (score, j)
            for score, j in candidates
        ]

    def related(self, i, pins=(), limit=None):
        """Related positions for published report `i`; `pins` (positions) come first."""
        candidates, neighbours = self._stage_one()
        scored = self._rescore(candidates[i], neighbours[i])
        return self._select(scored, i, self.reports[i].rubrique, pins, limit)

    def related_for(self, report, pins=(), limit=None):
        """Related positions for a report outside the index (draft or hidden)."""
        scored = self._scored_for(report)
        return self._select(scored, None, report.rubrique, pins, limit)

    def _scored_for(self, report):
        candidates = self._first_stage(self.query_for(report), None, self._context_of(report))
        own = frozenset(j for _score, j in candidates[: self.settings.neighbours])
        return self._rescore(candidates, own)

    def _select(self, scored, self_position, rubrique, pins, limit):
        limit = self.settings.max_items if limit is None else limit
        chosen = list(pins[:limit])
        if len(chosen) >= limit:
            return chosen
        exclude = set(chosen)
        if self_position is not None:
            exclude.add(self_position)
        rank, min_score = self.rank, self.settings.min_score
        ordered = sorted((-score, rank[j], j) for score, j in scored if j not in exclude)

        # Reports on the same subject, best first.
        for negative, _rank, j in ordered:
            if -negative < min_score or len(chosen) >= limit:
                break
            chosen.append(j)
            exclude.add(j)
        if len(chosen) >= limit:
            return chosen

        # Not enough close reports: complete with the newest of the same rubrique.
        for j in self.by_rubrique.get(rubrique, ()):
            if j not in exclude:
                chosen.append(j)
                exclude.add(j)
                if len(chosen) >= limit:
                    return chosen

        # A rubrique too small: the best remaining candidates, then the newest reports.
        for j in [j for _negative, _rank, j in ordered] + self.by_recency:
            if j not in exclude:
                chosen.append(j)
                exclude.add(j)
                if len(chosen) >= limit:
                    break
        return chosen

    # -- explanation --------------------------------------------------------------------

    def explain(self, i=None, report=None, limit=10):
        """Candidates of one report with their score broken down by signal, best first.

        Give `i` for a published report or `report` for a draft. Each row holds what each
        signal adds to the first-stage score before recency (text and tags make the
        content; hospitals, region and rubrique add their share of it), the recency
        factor, what shared neighbours add, and the score used for ranking:
        (text + tags + hospitals + region + rubrique) × recency + neighbours.
        """
        if report is None:
            query, context = self.queries[i], self.contexts[i]
            candidates, neighbours = self._stage_one()
            first, scored = candidates[i], self._rescore(candidates[i], neighbours[i])
        else:
            query, context = self.query_for(report), self._context_of(report)
            first = self._first_stage(query, None, context)
            scored = self._scored_for(report)
        prepared = self._prepare(context)
        wanted = {j for _score, j in first}
        parts = {j: {"text": 0.0, "tags": 0.0} for j in wanted}
        for key, weight in query:
            signal = "text" if key.startswith(_TEXT) else "tags"
            for j, value in self.postings.get(key, ()):
                if j in wanted:
                    parts[j][signal] += weight * value
        rows = []
        for (first_score, j), (score, _same) in zip(first, scored, strict=True):
            row = parts[j]
            content = row["text"] + row["tags"]
            hospitals, region, rubrique = self._context_parts(prepared, j)
            rows.append({
                "position": j,
                "slug": self.reports[j].slug,
                "title": self.reports[j].title,
                **row,
                "hospitals": content * hospitals,
                "region": content * region,
                "rubrique": content * rubrique,
                "recency": self.recency[j],
                "neighbours": score - first_score,
                "score": score,
            })
        rows.sort(key=lambda row: (-row["score"], self.rank[row["position"]]))
        return rows[:limit]


def compute_related(published, unlisted=(), settings=None):
    """Related positions for every report, with the notices for the editor.

    published: Reports that may be listed (and get a block); unlisted: drafts and hidden
    reports, which get a block for their preview but are never listed.
    Returns (lists for published, lists for unlisted, notices), positions in `published`.
    """
    settings = settings or RelatedSettings()
    index = RelatedIndex(published, settings)
    unlisted_slugs = unlisted_names(unlisted)
    notices, for_published, for_unlisted = [], [], []
    for i, report in enumerate(index.reports):
        pins, pin_notices = resolve_pins(report, index, unlisted_slugs, settings.max_items)
        notices.extend(pin_notices)
        for_published.append(index.related(i, pins))
    for report in unlisted:
        pins, pin_notices = resolve_pins(report, index, unlisted_slugs, settings.max_items)
        notices.extend(pin_notices)
        for_unlisted.append(index.related_for(report, pins))
    return for_published, for_unlisted, notices
