"""Ranking for « Sur le même sujet »: which published reports are about the same thing.

Plain data in, positions out; nothing here knows Pelican, so tests and the benchmark call it
directly:

    index = RelatedIndex(published_reports, RelatedSettings())
    index.related(0)            # positions in published_reports, best first
    index.explain(0)            # the candidates with their score broken down by signal

The text decides; the other signals only nudge. A candidate's score is

    score = text × (1 + context),   context ≤ CONTEXT_SHARE / (1 − CONTEXT_SHARE)

so tags, hospitals, region, rubrique and recency together make at most CONTEXT_SHARE
(10 %) of any score: they break near-ties, and a candidate whose text score is more than
10 % below another's can never pass it. The threshold RELATED_ARTICLES_MIN_SCORE is
applied to the text score alone.

The text score, in three steps (every constant below was chosen on the labelled set
tests/eval/related/services/, where folders cut across topics, and nowhere else):

1. Features. Title (×2), standfirst and body go through the French analysis
   (analysis.py: stop words, Snowball stems, accents folded). Each stem also counts for
   its 6-letter fragments (analysis.fragments), so that « épilepsie » and
   « épileptique », or « dermatologue » and « télédermatologie », meet although the
   stemmer keeps them apart. TF-IDF weights, features of a single report dropped (they
   cannot link two reports), each report's vector of length 1.
2. Words: the cosine of two vectors, computed through an inverted index. Each report is
   searched by its `terms_per_report` strongest features, and each feature lists at most
   `candidates_per_term` reports, the strongest first; the score of a pair is the larger
   of its two directions. The `CANDIDATES` best per report are kept.
3. Neighbours: two reports on the same subject have the same nearest reports; two that
   merely share words do not. Each report's neighbourhood profile is its own weight (that
   of its best candidate) and its `neighbours` best candidates with their scores, of
   length 1; the cosine of two profiles says how much their neighbourhoods overlap. The
   score becomes (1 − GRAPH_BLEND) × score + GRAPH_BLEND × overlap × best, `best` being
   the report's best score, twice (GRAPH_ROUNDS), each round from the neighbourhoods the
   previous one gave. A text score is thus never above the report's best word score.
   Small-site rule: below GRAPH_FULL_SITE (30) published reports the overlap's share
   shrinks in proportion to the site's size (GRAPH_BLEND × N / 30), because there every
   report is in nearly every neighbourhood: overlaps would flatten the word scores and
   leave the context to decide.

Why it stays fast on 10 000 reports: every step is a sparse product whose size per report
is bounded (`terms_per_report` × `candidates_per_term` postings, then `CANDIDATES` and
`neighbours` entries), so the work grows linearly with the site: no N × N matrix, no loop
over all pairs. Drafts and hidden reports are searched the same way but never listed, and
they never change a published report's list (document frequencies and neighbourhoods come
from the published reports only).
"""

import math
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise

import numpy as np
from scipy import sparse

from .analysis import Analyzer, fragments, normalise_key, tokens
from .config import SIGNALS, RelatedSettings
from .pins import parse_pins, resolve_pins, unlisted_names

__all__ = ["RelatedIndex", "Report", "compute_related", "parse_pins", "resolve_pins"]

TITLE_WEIGHT = 2
SUMMARY_WEIGHT = 1
FRAGMENT_LENGTH = 6
# Step 3: how much of the score the neighbourhood overlap makes, and how many rounds.
GRAPH_BLEND = 0.8
GRAPH_ROUNDS = 2
# ... at full strength from this many published reports; on a smaller site the overlap's
# share shrinks in proportion (GRAPH_BLEND × N / GRAPH_FULL_SITE): there every report is
# in nearly every neighbourhood, and overlaps say little (chosen on subsamples of 10 to
# 45 reports of services and round1).
GRAPH_FULL_SITE = 30
# The rule « text decides »: the non-text signals make at most this share of a score.
CONTEXT_SHARE = 0.1
CONTEXT_MAX = CONTEXT_SHARE / (1 - CONTEXT_SHARE)
# Lexical candidates kept per report before the neighbour stage.
CANDIDATES = 30
# Candidates per report whose context is looked at (and that `make related` lists).
RERANK_DEPTH = 15
# Scores are rounded before comparison so that float noise never decides a tie: ties go
# to the newer report, then to the slug in alphabetical order.
PRECISION = 9
# Rows per sparse product: bounds the memory of one step whatever the size of the site.
BLOCK = 500
# Reports per block when the vectors are built.
BUILD_BLOCK = 2500


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


# -- sparse helpers ------------------------------------------------------------------------


def _csr(rows, width, dtype=np.float64):
    """A CSR matrix from per-row (columns, values) pairs."""
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    indptr[1:] = np.cumsum([len(columns) for columns, _values in rows])
    indices = np.fromiter((c for columns, _values in rows for c in columns), dtype=np.int32,
                          count=int(indptr[-1]))
    data = np.fromiter((v for _columns, values in rows for v in values), dtype=dtype,
                       count=int(indptr[-1]))
    matrix = sparse.csr_matrix((data, indices, indptr), shape=(len(rows), width))
    matrix.sum_duplicates()
    return matrix


def _row_ids(matrix):
    return np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))


def _normalise_rows(matrix):
    """Scale each row of a CSR matrix to length 1 (empty rows stay empty)."""
    lengths = np.diff(matrix.indptr)
    norms = np.ones(matrix.shape[0], dtype=matrix.data.dtype)
    filled = lengths > 0
    if filled.any():
        squares = np.add.reduceat(np.square(matrix.data), matrix.indptr[:-1][filled])
        norms[filled] = np.sqrt(squares)
        norms[norms == 0] = 1.0
    matrix.data /= np.repeat(norms, lengths)
    return matrix


def _cut_rows(matrix, keep, values=None):
    """Each row's `keep` strongest entries (by `values`, the data by default); at equal
    strength, those stored first: the lower columns when a row's columns are sorted.

    The matrix must hold no duplicate entries (products and transposes hold none).
    """
    indptr, data = matrix.indptr, matrix.data
    values = data if values is None else values
    mask = np.ones(len(data), dtype=bool)
    for row in np.flatnonzero(np.diff(indptr) > keep):
        start, stop = indptr[row], indptr[row + 1]
        segment = values[start:stop]
        floor = np.partition(segment, len(segment) - keep)[len(segment) - keep]
        above = segment > floor
        above[np.flatnonzero(segment == floor)[: keep - int(above.sum())]] = True
        mask[start:stop] = above
    if mask.all():
        return matrix
    kept = np.concatenate([[0], np.cumsum(mask)])
    return sparse.csr_matrix((data[mask], matrix.indices[mask], kept[indptr]), shape=matrix.shape)


def _top_per_row(matrix, keep):
    """The `keep` largest entries of each row, compared at PRECISION digits; at equal
    values, the lower columns (the newer reports)."""
    matrix = matrix.tocsr()
    matrix.sort_indices()
    return _cut_rows(matrix, keep, np.round(matrix.data, PRECISION))


def _profiles(scores, k, self_columns):
    """Neighbourhood profiles: each row's own weight and its k best entries, of length 1.

    The own weight is the row's best score; with `self_columns` it is written in that
    column, otherwise it only takes its share of the length (reports outside the index,
    which no profile of the index can contain). Returns (profiles, own weights).
    """
    best = _top_per_row(scores, k)
    rows = _row_ids(best)
    own = np.zeros(best.shape[0])
    np.maximum.at(own, rows, best.data)
    norms = np.sqrt(np.bincount(rows, best.data ** 2, minlength=best.shape[0]) + own ** 2)
    norms[norms == 0] = 1.0
    data = best.data / norms[rows]
    if self_columns is None:
        return sparse.csr_matrix((data, (rows, best.indices)), shape=best.shape), own
    present = np.flatnonzero(own)
    return sparse.csr_matrix(
        (np.concatenate([data, own[present] / norms[present]]),
         (np.concatenate([rows, present]), np.concatenate([best.indices, self_columns[present]]))),
        shape=best.shape,
    ), own


def _without_self(matrix, columns):
    """Drop the entry (row, columns[row]) of each CSR row: a report is never its own candidate."""
    own = matrix.indices == columns[_row_ids(matrix)]
    if own.any():
        matrix.data[own] = 0
        matrix.eliminate_zeros()
    return matrix


# -- the index -----------------------------------------------------------------------------


class _Labels:
    """Label → column numbering of one kind of context (tags, hospitals, regions)."""

    def __init__(self):
        self.ids, self.df, self._keys = {}, [], {}

    def key(self, label):
        # normalise_key is a regex and a Unicode pass; a site repeats the same labels.
        key = self._keys.get(label)
        if key is None:
            key = self._keys[label] = normalise_key(label) if str(label).strip() else ""
        return key

    def count(self, labels):
        """Number the labels of one published report and count it in their frequency."""
        keys = sorted({self.key(label) for label in labels} - {""})
        for key in keys:
            column = self.ids.setdefault(key, len(self.ids))
            if column == len(self.df):
                self.df.append(0)
            self.df[column] += 1
        return keys

    def matrix(self, label_lists, n):
        """Rows weighted so that the product of two rows is their agreement from 0 to 1:
        the rarity of each shared label, over sqrt(|A| × |B|)."""
        df = np.array(self.df, dtype=np.float64)
        rarity = np.log((1 + n) / np.maximum(df, 1)) / math.log(1 + n) if n else df
        rows = []
        for labels in label_lists:
            keys = sorted({self.key(label) for label in labels} - {""})
            columns = [self.ids[key] for key in keys if key in self.ids]
            size = math.sqrt(len(keys)) if keys else 1.0
            rows.append((columns, [math.sqrt(rarity[c]) / size for c in columns]))
        return _csr(rows, len(self.ids))


class _Ids(dict):
    """word → number: a new word gets the next number (dict lookups call __missing__)."""

    def __missing__(self, key):
        value = self[key] = len(self)
        return value


class RelatedIndex:
    """Text vectors, candidates and context of the published reports, built once per build."""

    def __init__(self, reports, settings=None, analyzer=None):
        self.reports = list(reports)
        self.settings = settings or RelatedSettings()
        self.analyzer = analyzer or Analyzer(self.settings.extra_stop_words)
        reports = self.reports
        n = len(reports)

        stamps = [report.date.timestamp() for report in reports]
        self.by_recency = sorted(
            range(n), key=lambda i: (-stamps[i], reports[i].slug, reports[i].rubrique))
        self.rank = [0] * n
        for position, i in enumerate(self.by_recency):
            self.rank[i] = position
        self.by_rubrique = {}
        for i in self.by_recency:
            self.by_rubrique.setdefault(reports[i].rubrique, []).append(i)

        self._slug_positions = {}
        for i, report in enumerate(reports):
            self._slug_positions.setdefault(report.slug, []).append(i)
            self._slug_positions.setdefault(f"{report.rubrique}/{report.slug}", []).append(i)

        # Internally every matrix row and column is a report in recency order (`rank`), so
        # the same reports given in any order give the same floats and the same ties.
        self._order = np.array(self.by_recency, dtype=np.int64)
        self._extras = {}
        canonical = [reports[i] for i in self.by_recency]
        newest = max(stamps, default=0.0)
        half_life = self.settings.recency_half_life_days * 86400
        self._recency = np.array(
            [0.5 ** ((newest - report.date.timestamp()) / half_life) for report in canonical])
        self._build_context(canonical)
        self._build_vectors(canonical)
        self._build_candidates()

    # -- features -----------------------------------------------------------------------

    def _word_counts(self, reports, grow):
        """[reports × words] counts of the folded words of title (×2), standfirst and body.

        Words are found as bytes (analysis.tokens: a byte table and a split, in C) and
        counted by a Counter; only distinct words are handled in Python: stems and
        fragments come from one sparse product with the word → feature table, each word
        stemmed once per build. With `grow`, new words get a number; otherwise words no
        published report uses are dropped. Each row stores its words in the order of their
        first occurrence (the Counter's): at equal strength, `_cut_rows` keeps the entries
        stored first, so that order is part of the ranking.
        """
        ids = self._word_ids
        columns, values = [], []
        for report in reports:
            counts = Counter(tokens(" ".join(
                [report.title] * TITLE_WEIGHT + [report.summary] * SUMMARY_WEIGHT + [report.body])))
            if grow:
                found = np.fromiter(map(ids.__getitem__, counts), dtype=np.int32, count=len(counts))
            else:
                found = np.fromiter((ids.get(word, -1) for word in counts), dtype=np.int32,
                                    count=len(counts))
            # NumPy arrays per report, not one list of every count: a list of millions of
            # Python ints would be the largest thing in memory.
            columns.append(found)
            values.append(np.fromiter(counts.values(), dtype=np.float32, count=len(counts)))
        indptr = np.zeros(len(reports) + 1, dtype=np.int64)
        indptr[1:] = np.cumsum([len(found) for found in columns])
        matrix = sparse.csr_matrix(
            (np.concatenate(values) if values else np.zeros(0, np.float32),
             np.concatenate(columns) if columns else np.zeros(0, np.int32), indptr),
            shape=(len(reports), len(ids) if grow else self._mapping.shape[0]))
        if not grow:
            # Words no published report uses: no feature.
            matrix.data[matrix.indices < 0] = 0
            matrix.indices[matrix.indices < 0] = 0
            matrix.eliminate_zeros()
        return matrix

    def _build_vectors(self, canonical):
        """TF-IDF vectors of stems and stem fragments, published reports in recency order."""
        n = len(canonical)
        self._word_ids = _Ids()
        words = self._word_counts(canonical, grow=True)
        feature_ids, per_stem, rows, columns = {}, {}, [], []
        for word, row in self._word_ids.items():
            # A one-letter word is no term (analysis._WORD wants two letters or more).
            stem = self.analyzer.stem(word.decode("latin-1")) if len(word) > 1 else ""
            if not stem:
                continue
            keys = per_stem.get(stem)
            if keys is None:
                keys = per_stem[stem] = [
                    feature_ids.setdefault(key, len(feature_ids))
                    for key in (stem, *("#" + piece for piece in fragments(stem, FRAGMENT_LENGTH)))
                ]
            rows.extend([row] * len(keys))
            columns.extend(keys)
        # word → its stem and the stem's fragments (a stem's features are never shared
        # with a fragment's: fragments carry a « # »).
        self._mapping = sparse.csr_matrix(
            (np.ones(len(rows), dtype=np.float32),
             (np.array(rows, dtype=np.int32), np.array(columns, dtype=np.int32))),
            shape=(len(self._word_ids), len(feature_ids)))
        del feature_ids, per_stem, rows, columns
        # Blocks of reports, twice (frequencies, then vectors): the full [reports ×
        # features] matrix is never in memory at once.
        width = self._mapping.shape[1]
        df = np.zeros(width, dtype=np.int64)
        for start in range(0, n, BUILD_BLOCK):
            df += np.bincount((words[start:start + BUILD_BLOCK] @ self._mapping).indices,
                              minlength=width)
        # A feature of a single report links it to nothing: it only dilutes its vector.
        self._idf = np.where(df >= 2, np.log((1 + n) / np.maximum(df, 1)), 0.0).astype(np.float32)
        # Postings: for each feature, the `candidates_per_term` reports it weighs most in
        # (all of them when several weigh the same at the cut), kept up to date block
        # after block.
        cap = self.settings.candidates_per_term
        queries, postings = [], []
        for start in range(0, n, BUILD_BLOCK):
            vectors = self._weigh((words[start:start + BUILD_BLOCK] @ self._mapping).tocsr())
            queries.append(_cut_rows(vectors, self.settings.terms_per_report))
            # Each block's best reports per feature: together they hold the site's best.
            postings.append(_cut_rows(vectors.T.tocsr(), cap))
            del vectors
        self.postings = _cut_rows(sparse.hstack(postings, format="csr"), cap) if postings else (
            sparse.csr_matrix((width, 0), dtype=np.float32))
        self._queries = sparse.vstack(queries, format="csr") if queries else (
            sparse.csr_matrix((0, width), dtype=np.float32))

    def _vectors_of(self, reports):
        """Vectors of reports outside the index, in the index's features and weights."""
        return self._weigh((self._word_counts(reports, grow=False) @ self._mapping).tocsr())

    def _weigh(self, features):
        features.data *= self._idf[features.indices]
        features.eliminate_zeros()
        return _normalise_rows(features)

    # -- steps 2 and 3: words, then neighbours ------------------------------------------

    def _build_candidates(self):
        n = len(self.reports)
        own = np.arange(n)
        words = self._lexical(self._queries, own)
        del self._queries
        # The larger of the two directions: each is a lower bound of the cosine.
        words = words.maximum(words.T).tocsr()
        self._graph = self._neighbour_stage(words, own)
        self._ranked = self._rank(self._graph["text"], self._context, np.arange(n))

    def _lexical(self, queries, own):
        """[rows × published] word scores: the CANDIDATES best of each row (own report excluded).

        `queries`: the reports' vectors, each cut to its `terms_per_report` strongest features.
        """
        n = len(self.reports)
        blocks = []
        for start in range(0, queries.shape[0], BLOCK):
            block = (queries[start:start + BLOCK] @ self.postings).tocsr()
            if own is not None:
                block = _without_self(block, own[start:start + BLOCK])
            blocks.append(_cut_rows(block, CANDIDATES))
        if not blocks:
            return sparse.csr_matrix((0, n))
        return _top_per_row(sparse.vstack(blocks, format="csr", dtype=np.float64), CANDIDATES)

    def _neighbour_stage(self, words, own):
        """Text scores after GRAPH_ROUNDS rounds of neighbourhood overlap.

        `own` gives each row's own column for the published reports (None for reports
        outside the index); their profiles are compared with those of the published
        reports, kept from the index's own rounds.
        """
        k = self.settings.neighbours
        blend = self._graph_blend()
        scores = words
        rounds = []
        for round_number in range(GRAPH_ROUNDS):
            profiles, best = _profiles(scores, k, own)
            if own is not None:
                # A report in everyone's neighbourhood is compared through the CANDIDATES
                # profiles it weighs most in, like a common word: the work stays linear.
                published = _cut_rows(profiles.T.tocsr(), CANDIDATES)
            else:
                published = self._graph["published"][round_number]
            rounds.append(published)
            overlap = (profiles @ published).tocsr()
            if own is not None:
                overlap = _without_self(overlap, own)
            # The overlap (0 to 1) is scaled by the report's best score: a report whose
            # closest match is weak keeps weak scores, so the threshold still means
            # « nothing on the same subject » after this stage.
            overlap = sparse.diags(best) @ overlap
            scores = ((1 - blend) * scores + blend * overlap).tocsr()
            keep = CANDIDATES if round_number + 1 < GRAPH_ROUNDS else RERANK_DEPTH
            scores = _top_per_row(scores, keep)
        return {"words": words, "published": rounds, "text": scores}

    def _graph_blend(self):
        """The neighbourhood overlap's share of the text score: GRAPH_BLEND from
        GRAPH_FULL_SITE published reports, in proportion below (the small-site rule)."""
        return GRAPH_BLEND * min(1.0, len(self.reports) / GRAPH_FULL_SITE)

    # -- context ------------------------------------------------------------------------

    def _build_context(self, canonical):
        n = len(canonical)
        self._tags, self._hospitals, self._regions = _Labels(), _Labels(), _Labels()
        self._rubriques = {}
        for report in canonical:
            self._rubriques.setdefault(report.rubrique, len(self._rubriques))
            self._tags.count(report.tags)
            self._hospitals.count(report.hospitals)
            self._regions.count([report.region])
        weights = self.settings.weights
        total = sum(weights[signal] for signal in SIGNALS)
        # Each signal agrees from 0 to 1; the weights share CONTEXT_MAX between them.
        self._context_scale = {
            signal: (CONTEXT_MAX * weights[signal] / total if total else 0.0) for signal in SIGNALS
        }
        self._context = self._context_of(canonical)
        df = np.array(self._regions.df, dtype=np.float64)
        self._region_rarity = (np.log((1 + n) / np.maximum(df, 1)) / math.log(1 + n)
                               if n else df)

    def _context_of(self, reports):
        """Context of reports as arrays and matrices, in the published reports' numbering."""
        n = len(self.reports)
        regions = [self._regions.key(report.region) for report in reports]
        return {
            "rubrique": np.array([self._rubriques.get(report.rubrique, -1) for report in reports],
                                 dtype=np.int64),
            "region": np.array([self._regions.ids.get(key, -1) if key else -1 for key in regions],
                               dtype=np.int64),
            "tags": self._tags.matrix([report.tags for report in reports], n),
            "hospitals": self._hospitals.matrix([report.hospitals for report in reports], n),
        }

    def _context_parts(self, context, rows, columns):
        """{signal: nudge} for the pairs (query row, published column), each a share of text."""
        published, scale = self._context, self._context_scale

        def shared(kind):
            if not published[kind].nnz:
                return np.zeros(len(rows))
            return np.asarray(context[kind][rows].multiply(published[kind][columns]).sum(axis=1)).ravel()

        same_region = (context["region"][rows] == published["region"][columns]) & (
            context["region"][rows] >= 0)
        agree = {
            "tags": shared("tags"),
            "hospitals": shared("hospitals"),
            "region": np.where(same_region, self._region_rarity[np.maximum(published["region"][columns], 0)]
                               if len(self._region_rarity) else 0.0, 0.0),
            "rubrique": ((context["rubrique"][rows] == published["rubrique"][columns])
                         & (context["rubrique"][rows] >= 0)).astype(np.float64),
            "recency": self._recency[columns],
        }
        return {signal: scale[signal] * agree[signal] for signal in SIGNALS}

    def _rank(self, text, context, own):
        """Each row's candidates, best first, as [(score, text, published position)].

        score = text × (1 + nudge), the nudge capped at CONTEXT_MAX whatever the weights:
        this line is the rule « the text decides ».
        """
        rows, columns = _row_ids(text), text.indices
        values = np.round(text.data, PRECISION)
        parts = self._context_parts(context, rows, columns)
        nudge = np.minimum(sum(parts.values()), CONTEXT_MAX)
        scores = np.round(values * (1 + nudge), PRECISION)
        # Best score first; equal scores: the newer report (lower column), then the slug.
        order = np.lexsort((columns, -scores, rows))
        positions = self._order[columns[order]].tolist()
        scores, values = scores[order].tolist(), values[order].tolist()
        bounds = np.searchsorted(rows[order], np.arange(text.shape[0] + 1)).tolist()
        return [
            [(scores[x], values[x], positions[x]) for x in range(start, stop)]
            for start, stop in pairwise(bounds)
        ]

    # -- ranking ------------------------------------------------------------------------

    def position(self, slug):
        """Positions of the published reports answering to `slug` (or `rubrique/slug`)."""
        return self._slug_positions.get(slug, [])

    def add_extras(self, reports):
        """Search reports outside the index (drafts, hidden) all at once; never listed."""
        new = [report for report in reports if id(report) not in self._extras]
        if not new or not self.reports:
            return
        queries = _cut_rows(self._vectors_of(new), self.settings.terms_per_report)
        graph = self._neighbour_stage(self._lexical(queries, None), None)
        context = self._context_of(new)
        graph["context"] = context
        ranked = self._rank(graph["text"], context, None)
        for row, report in enumerate(new):
            self._extras[id(report)] = (report, graph, row, ranked[row])

    def _where(self, i=None, report=None):
        """(neighbour stage, matrix row, context, ranked candidates) of a report."""
        if i is not None:
            row = self.rank[i]
            return self._graph, row, self._context, self._ranked[row]
        self.add_extras([report])
        _report, graph, row, ranked = self._extras[id(report)]
        return graph, row, graph["context"], ranked

    def related(self, i, pins=(), limit=None):
        """Related positions for published report `i`; `pins` (positions) come first."""
        return self._select(self._ranked[self.rank[i]], i, self.reports[i].rubrique, pins, limit)

    def related_for(self, report, pins=(), limit=None):
        """Related positions for a report outside the index (draft or hidden)."""
        if not self.reports:
            return list(pins)
        ranked = self._where(report=report)[3]
        return self._select(ranked, None, report.rubrique, pins, limit)

    def _select(self, scored, self_position, rubrique, pins, limit):
        limit = self.settings.max_items if limit is None else limit
        chosen = list(pins[:limit])
        if len(chosen) >= limit:
            return chosen
        exclude = set(chosen)
        if self_position is not None:
            exclude.add(self_position)
        min_score = self.settings.min_score

        # Reports on the same subject (text score at the threshold or above), best first.
        for _score, text, j in scored:
            if len(chosen) >= limit:
                break
            if text >= min_score and j not in exclude:
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
        for j in [j for *_rest, j in scored] + self.by_recency:
            if j not in exclude:
                chosen.append(j)
                exclude.add(j)
                if len(chosen) >= limit:
                    break
        return chosen

    # -- explanation --------------------------------------------------------------------

    def explain(self, i=None, report=None, limit=10):
        """Candidates of one report with their score broken down by signal, best first.

        Each row: `cosine` (the word score before the neighbour stage), `text` and its two
        parts `words` (what the word score still weighs after the neighbour stage) and
        `neighbours` (the rest), one entry per non-text signal, `score` (text + the
        non-text entries) and `share`, each one's part of the score from 0 to 1.
        """
        if not self.reports:
            return []
        graph, row, context, ranked = self._where(i, report)
        ranked = ranked[:limit]
        words = graph["words"]
        start, stop = words.indptr[row], words.indptr[row + 1]
        direct = dict(zip(self._order[words.indices[start:stop]].tolist(),
                          words.data[start:stop].tolist(), strict=True))
        columns = np.array([self.rank[j] for _s, _t, j in ranked], dtype=np.int64)
        parts = self._context_parts(context, np.full(len(ranked), row), columns)
        rows = []
        for x, (score, text, j) in enumerate(ranked):
            lexical = (1 - self._graph_blend()) ** GRAPH_ROUNDS * direct.get(j, 0.0)
            nudges = {signal: float(parts[signal][x]) for signal in SIGNALS}
            total = sum(nudges.values())
            factor = min(total, CONTEXT_MAX) / total if total else 0.0
            entry = {
                "position": j,
                "slug": self.reports[j].slug,
                "title": self.reports[j].title,
                "cosine": direct.get(j, 0.0),
                "text": text,
                "words": lexical,
                "neighbours": text - lexical,
                **{signal: text * value * factor for signal, value in nudges.items()},
                "score": score,
            }
            entry["share"] = {
                key: (entry[key] / score if score else 0.0)
                for key in ("text", "words", "neighbours", *SIGNALS)
            }
            rows.append(entry)
        return rows


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
    index.add_extras(unlisted)
    for report in unlisted:
        pins, pin_notices = resolve_pins(report, index, unlisted_slugs, settings.max_items)
        notices.extend(pin_notices)
        for_unlisted.append(index.related_for(report, pins))
    return for_published, for_unlisted, notices
