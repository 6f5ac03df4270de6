"""related_articles without Pelican: French analysis, settings, ranking, pins, fill, ties."""

import random
from datetime import UTC, datetime, timedelta, timezone
from itertools import pairwise
from types import MappingProxyType, SimpleNamespace

import numpy
import pytest

from pouls_common.reports import is_public
from related_articles.analysis import _WORD, Analyzer, fold, fragments, normalise_key, tokens
from related_articles.config import RelatedArticlesSettingsError, RelatedSettings, read_settings
from related_articles.ranking import (
    CONTEXT_MAX,
    CONTEXT_SHARE,
    RelatedIndex,
    Report,
    compute_related,
    parse_pins,
    resolve_pins,
)

PARIS = timezone(timedelta(hours=1))


def report(slug, rubrique="hematologie", day=1, month=1, text="", title=None, **fields):
    """A report dated 2026-<month>-<day>; `text` becomes its body."""
    return Report(
        slug=slug,
        rubrique=rubrique,
        date=datetime(2026, month, day, 9, 0, tzinfo=PARIS),
        title=title if title is not None else slug.replace("-", " "),
        body=text,
        source=f"articles/{rubrique}/{slug}.md",
        **fields,
    )


def slugs(reports, positions):
    return [reports[j].slug for j in positions]


LEUKAEMIA = "La leucémie aiguë se soigne par chimiothérapie ; l’hématologue suit la moelle osseuse."
LYMPHOMA = "Le lymphome se soigne par chimiothérapie ; l’hématologue surveille les ganglions et la moelle."
BURNS = "La brûlure profonde demande une greffe de peau, des pansements et de la kinésithérapie."
CARDIAC = "L’arrêt cardiaque impose le massage cardiaque et le défibrillateur en attendant le SAMU."
MATERNITY = "La sage-femme accompagne l’accouchement en salle de naissance jusqu’à la première tétée."


# -- French analysis ---------------------------------------------------------------------


def test_typography_accents_and_elisions_fold_to_the_same_stem():
    analyzer = Analyzer()
    typographed = analyzer.stems("L\u2019hôpital\u202f? «\u00a0Hôpitaux\u00a0»")
    plain = analyzer.stems("l'hopital ? << hopitaux >> <p>")
    assert typographed == plain == {"hopital": 2}


def test_stop_words_figures_and_markup_are_not_terms():
    analyzer = Analyzer()
    stems = analyzer.stems("<p>Les 400&nbsp;000 patients de l’hôpital et leurs familles</p>")
    assert set(stems) == {"patient", "hopital", "famill"}


def test_singular_and_plural_share_a_stem():
    analyzer = Analyzer()
    assert analyzer.stems("leucémie") == analyzer.stems("leucémies") == {"leucem": 1}


def test_extra_stop_words_from_the_settings_are_ignored():
    analyzer = Analyzer(extra_stop_words=["Reportage"])
    assert analyzer.stems("Reportage : la greffe") == {"greff": 1}


def test_derived_words_that_the_stemmer_keeps_apart_share_fragments():
    analyzer = Analyzer()
    (epilepsy,) = analyzer.stems("épilepsie")
    (epileptic,) = analyzer.stems("épileptique")
    assert epilepsy != epileptic
    assert set(fragments(epilepsy)) & set(fragments(epileptic))
    assert fragments("peau") == ()


def test_labels_typed_differently_share_a_key():
    assert normalise_key("Hôpital de jour") == normalise_key("hopital  de JOUR") == "hopital de jour"
    assert fold("l\u2019œil") == "l oeil"


def folded_words(text):
    """The words the ranking counts, through the fast path (analysis.tokens)."""
    return [word.decode("latin-1") for word in tokens(text) if len(word) > 1]


@pytest.mark.parametrize("text", [
    "L\u2019hôpital\u202f? «\u00a0Hôpitaux\u00a0» d\u02bcun cœur, l\u2018ex-æquo",
    "<p>Les 400&nbsp;000 patients &amp; l&#8217;équipe</p> <a href=\"/x\">lien</a> 3e étage",
    "Łódź, Ørsted, straße, ÉPILEPSIE, naïve, Noël ; Ωmega 😀 émoji x2 a à y",
    "coût—délai–prix_unitaire/été\tà\nl’aube «\u2009»",
])
def test_the_fast_word_path_finds_exactly_the_folded_words(text):
    assert folded_words(text) == _WORD.findall(fold(text))


def test_the_fast_word_path_reads_every_sample_report_like_the_regex():
    from pouls_common.paths import ROOT

    texts = [path.read_text(encoding="utf-8") for path in sorted((ROOT / "content").rglob("*.md"))]
    assert len(texts) >= 19
    for text in texts:
        assert folded_words(text) == _WORD.findall(fold(text))


# -- settings ----------------------------------------------------------------------------


def test_defaults_when_nothing_is_set():
    options = read_settings({})
    assert options == RelatedSettings()
    assert options.max_items == 3
    assert set(options.weights) == {"tags", "hospitals", "region", "rubrique", "recency"}


def test_partial_weights_keep_the_other_defaults_and_the_user_dict_intact():
    given = {"tags": 0.7}
    options = read_settings({"RELATED_ARTICLES_WEIGHTS": given})
    assert options.weights["tags"] == 0.7
    assert options.weights["rubrique"] == RelatedSettings().weights["rubrique"]
    assert given == {"tags": 0.7}


def test_all_context_weights_at_zero_rank_on_the_text_alone():
    options = read_settings({"RELATED_ARTICLES_WEIGHTS": dict.fromkeys(RelatedSettings().weights, 0)})
    assert not any(options.weights.values())


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"RELATED_ARTICLES_RECENCY_WEIGHT": 0.1},
         "related_articles: RELATED_ARTICLES_RECENCY_WEIGHT is no longer read; remove it and "
         "set RELATED_ARTICLES_WEIGHTS['recency'] instead"),
        ({"RELATED_ARTICLES_WEIGHTS": {"text": 1.0}},
         "related_articles: RELATED_ARTICLES_WEIGHTS has 'text', which is no longer a weight "
         "(the text always decides; only the other signals have a weight); remove it"),
        ({"RELATED_ARTICLES_WEIGHTS": {"neighbours": 2.0}},
         "related_articles: RELATED_ARTICLES_WEIGHTS has 'neighbours', which is no longer a "
         "weight (the shared-neighbour stage is part of the text score; "
         "RELATED_ARTICLES_NEIGHBOURS sets its size); remove it"),
    ],
)
def test_settings_of_the_first_ranking_say_what_replaced_them(settings, message):
    with pytest.raises(RelatedArticlesSettingsError) as error:
        read_settings(settings)
    assert str(error.value) == message


@pytest.mark.parametrize(
    "key, value, quoted",
    [
        ("RELATED_ARTICLES_MAX", "three", "'three'"),
        ("RELATED_ARTICLES_MAX", -1, "-1"),
        ("RELATED_ARTICLES_MAX", True, "True"),
        ("RELATED_ARTICLES_WEIGHTS", "heavy", "'heavy'"),
        ("RELATED_ARTICLES_WEIGHTS", {"txt": 1.0}, "'txt'"),
        ("RELATED_ARTICLES_WEIGHTS", {"tags": -0.5}, "-0.5"),
        ("RELATED_ARTICLES_WEIGHTS", {"recency": float("inf")}, "inf"),
        ("RELATED_ARTICLES_MIN_SCORE", float("nan"), "nan"),
        ("RELATED_ARTICLES_RECENCY_HALF_LIFE", 0, "0"),
        ("RELATED_ARTICLES_TERMS_PER_REPORT", 2.5, "2.5"),
        ("RELATED_ARTICLES_CANDIDATES_PER_TERM", 0, "0"),
        ("RELATED_ARTICLES_NEIGHBOURS", "5", "'5'"),
        ("RELATED_ARTICLES_EXTRA_STOP_WORDS", "reportage", "'reportage'"),
    ],
)
def test_a_bad_setting_names_the_key_and_quotes_the_value(key, value, quoted):
    with pytest.raises(RelatedArticlesSettingsError) as error:
        read_settings({key: value})
    message = str(error.value)
    assert message.startswith("related_articles: ")
    assert key.split("[")[0] in message
    assert quoted in message
    assert "set it to" in message or "use only" in message


# -- ranking -----------------------------------------------------------------------------


def test_single_report_lists_nothing():
    lists, _others, notices = compute_related([report("seul", text=LEUKAEMIA)])
    assert lists == [[]]
    assert notices == []


def test_reports_without_tags_are_matched_by_their_text():
    reports = [
        report("leucemie", text=LEUKAEMIA, day=1),
        report("brulure", "brules", text=BURNS, day=20),
        report("lymphome", "cancerologie", text=LYMPHOMA, day=2),
        report("arret", "urgences", text=CARDIAC, day=21),
        report("naissance", "femme-enfant", text=MATERNITY, day=22),
    ]
    lists, _others, _notices = compute_related(reports)
    assert slugs(reports, lists[0])[0] == "lymphome"
    assert slugs(reports, lists[2])[0] == "leucemie"


def test_a_report_never_lists_itself_and_the_block_is_full():
    reports = [report(f"r{i}", text=LEUKAEMIA if i % 2 else BURNS, day=i + 1) for i in range(6)]
    lists, _others, _notices = compute_related(reports)
    for i, positions in enumerate(lists):
        assert i not in positions
        assert len(positions) == len(set(positions)) == 3


def test_shared_context_breaks_a_tie_between_equally_close_texts():
    reports = [
        report("cible", text=LEUKAEMIA, tags=("leucémie",), hospitals=("CHU de Rennes",),
               region="Bretagne"),
        report("sans-contexte", "cancerologie", text=LEUKAEMIA, day=2),
        report("meme-contexte", "cancerologie", text=LEUKAEMIA, tags=("leucémie",),
               hospitals=("CHU de Rennes",), region="Bretagne", day=2),
        report("brulure", "brules", text=BURNS, day=3),
    ]
    lists, _others, _notices = compute_related(reports)
    assert slugs(reports, lists[0])[:2] == ["meme-contexte", "sans-contexte"]


def test_context_never_lifts_a_weaker_text_above_a_stronger_one():
    """Every signal but the text on the weaker candidate's side, at full weight."""
    strong = LEUKAEMIA + " La greffe de moelle osseuse suit la chimiothérapie."
    others = [BURNS, CARDIAC, MATERNITY]
    reports = [
        report("cible", text=strong, tags=("leucémie", "greffe"), hospitals=("CHU de Rennes",),
               region="Bretagne", day=1),
        report("texte-fort", "cancerologie", text=strong, day=1, month=1),
        # A burns report: it shares « greffe » and « moelle » only, and has its own
        # neighbours (the burns reports below).
        report("tout-le-reste", text=BURNS + " La moelle osseuse n’est pas touchée.",
               tags=("leucémie", "greffe"), hospitals=("CHU de Rennes",), region="Bretagne",
               day=28, month=2),
        # Three other subjects, three reports each: neighbourhoods mean something.
        *[report(f"autre-{n}-{copy}", "urgences", text=text + f" Version {copy}.", day=3 + copy)
          for n, text in enumerate(others) for copy in range(3)],
    ]
    options = RelatedSettings(weights=MappingProxyType(
        {"tags": 1.0, "hospitals": 1.0, "region": 1.0, "rubrique": 1.0, "recency": 1.0}))
    index = RelatedIndex(reports, options)
    rows = {row["slug"]: row for row in index.explain(0)}
    weak, strong_row = rows["tout-le-reste"], rows["texte-fort"]
    assert strong_row["text"] > weak["text"] * (1 + CONTEXT_MAX)
    assert weak["text"] * 1.05 < weak["score"] <= weak["text"] * (1 + CONTEXT_MAX)
    assert strong_row["score"] > weak["score"]
    assert slugs(reports, index.related(0))[0] == "texte-fort"


def test_tags_without_shared_words_do_not_make_reports_close():
    reports = [
        report("cible", "urgences", title="", tags=("innovation", "enfants")),
        report("memes-etiquettes", "brules", title="", tags=("innovation", "enfants"), day=2),
        report("meme-rubrique", "urgences", title="", day=3),
    ]
    index = RelatedIndex(reports)
    assert all(row["text"] == 0 for row in index.explain(0))
    # Nothing is close: the rubrique fills first, then the rest of the site.
    assert slugs(reports, index.related(0)) == ["meme-rubrique", "memes-etiquettes"]


def test_non_text_signals_never_make_more_than_their_share_of_a_score():
    rng = random.Random(9)
    words = (LEUKAEMIA + LYMPHOMA + BURNS + CARDIAC + MATERNITY).split()
    reports = [
        report(f"r{i:02d}", rng.choice(["a", "b"]), day=1 + i % 28, month=1 + i % 12,
               text=" ".join(rng.choices(words, k=30)),
               tags=tuple(rng.sample(["x", "y", "z"], rng.randint(0, 3))),
               hospitals=tuple(rng.sample(["CHU de Rennes", "CH de Vannes"], rng.randint(0, 2))),
               region=rng.choice(["", "Bretagne"]))
        for i in range(40)
    ]
    options = RelatedSettings(weights=MappingProxyType(
        {"tags": 5.0, "hospitals": 5.0, "region": 5.0, "rubrique": 5.0, "recency": 5.0}))
    index = RelatedIndex(reports, options)
    checked = 0
    for i in range(len(reports)):
        rows = index.explain(i, limit=15)
        for row in rows:
            context = sum(row[signal] for signal in ("tags", "hospitals", "region", "rubrique", "recency"))
            assert context <= CONTEXT_SHARE * row["score"] + 1e-9
            assert row["score"] <= row["text"] * (1 + CONTEXT_MAX) + 1e-9
            checked += context > 0
        for better, worse in pairwise(rows):
            assert better["text"] * (1 + CONTEXT_MAX) >= worse["text"] - 1e-9
    assert checked > 100


def test_ties_are_broken_by_date_then_slug():
    options = RelatedSettings(weights=MappingProxyType(dict.fromkeys(RelatedSettings().weights, 0)))
    same = {"text": LEUKAEMIA, "title": "Leucémie", "tags": ("leucémie",)}
    reports = [
        report("cible", day=1, **same),
        report("ancien", day=2, **same),
        report("recent-b", day=9, **same),
        report("recent-a", day=9, **same),
        report("brulure", "brules", text=BURNS, day=3),
    ]
    lists, _others, _notices = compute_related(reports, settings=options)
    assert slugs(reports, lists[0]) == ["recent-a", "recent-b", "ancien"]


def test_the_same_reports_in_any_order_give_the_same_lists():
    reports = [
        report("leucemie", text=LEUKAEMIA, tags=("leucémie",), day=1),
        report("lymphome", "cancerologie", text=LYMPHOMA, tags=("lymphome",), day=2),
        report("brulure", "brules", text=BURNS, day=3),
        report("arret", "urgences", text=CARDIAC, day=4),
        report("naissance", "femme-enfant", text=MATERNITY, day=5),
        report("leucemie-2", text=LEUKAEMIA + " Greffe.", day=6),
    ]

    def by_slug(items):
        lists, _others, _notices = compute_related(items)
        return {items[i].slug: slugs(items, positions) for i, positions in enumerate(lists)}

    shuffled = reports[:]
    random.Random(4).shuffle(shuffled)
    assert by_slug(reports) == by_slug(shuffled) == by_slug(list(reports))


def test_a_shared_surface_word_loses_to_the_same_subject():
    marrow = "La greffe de moelle osseuse remplace la moelle malade par les cellules souches d'un donneur."
    reports = [
        report("greffe-moelle", text=marrow, day=1),
        report("donneur-moelle", text="Le donneur de moelle osseuse offre ses cellules souches au registre.", day=2),
        report("greffe-peau", "brules", text="La greffe de peau couvre la brûlure ; la greffe prend en dix jours.", day=28),
        report("brulure", "brules", text=BURNS, day=3),
        report("arret", "urgences", text=CARDIAC, day=4),
    ]
    lists, _others, _notices = compute_related(reports)
    assert slugs(reports, lists[0])[0] == "donneur-moelle"


def test_too_few_close_reports_are_completed_from_the_same_rubrique_newest_first():
    reports = [
        report("cible", "urgences", text=CARDIAC, day=1),
        report("urgences-ancien", "urgences", text=MATERNITY, day=2),
        report("urgences-recent", "urgences", text=BURNS, day=20),
        report("urgences-moyen", "urgences", text=LYMPHOMA, day=10),
        report("ailleurs-tres-recent", "brules", text=LEUKAEMIA, day=28),
    ]
    lists, _others, _notices = compute_related(reports)
    assert slugs(reports, lists[0]) == ["urgences-recent", "urgences-moyen", "urgences-ancien"]


def test_a_small_rubrique_is_completed_from_the_rest_of_the_site():
    reports = [
        report("cible", "urgences", text=CARDIAC, day=1),
        report("urgences-seul", "urgences", text=MATERNITY, day=2),
        report("brules-ancien", "brules", text=BURNS, day=3),
        report("brules-recent", "brules", text=BURNS, day=9),
    ]
    lists, _others, _notices = compute_related(reports)
    assert slugs(reports, lists[0])[0] == "urgences-seul"
    assert len(lists[0]) == 3


def test_drafts_never_change_the_lists_of_published_reports():
    reports = [
        report("leucemie", text=LEUKAEMIA, day=1),
        report("lymphome", "cancerologie", text=LYMPHOMA, day=2),
        report("brulure", "brules", text=BURNS, day=3),
        report("arret", "urgences", text=CARDIAC, day=4),
        report("naissance", "femme-enfant", text=MATERNITY, day=5),
    ]
    drafts = [report("brouillon-leucemie", text=LEUKAEMIA + " " + LYMPHOMA, day=6),
              report("brouillon-brulure", "brules", text=BURNS, day=7)]
    alone, _none, _notices = compute_related(reports)
    with_drafts, for_drafts, _notices = compute_related(reports, drafts)
    assert alone == with_drafts
    assert slugs(reports, for_drafts[0])[:2] in (["leucemie", "lymphome"], ["lymphome", "leucemie"])
    assert slugs(reports, for_drafts[1])[0] == "brulure"


def test_a_draft_is_explained_like_a_published_report():
    reports = [
        report("leucemie", text=LEUKAEMIA, day=1),
        report("lymphome", "cancerologie", text=LYMPHOMA, day=2),
        report("brulure", "brules", text=BURNS, day=3),
    ]
    draft = report("brouillon", text=LEUKAEMIA, tags=("leucémie",), day=6)
    index = RelatedIndex(reports)
    rows = index.explain(report=draft)
    assert rows[0]["slug"] == "leucemie"
    assert rows[0]["cosine"] == pytest.approx(1.0, abs=1e-6)
    for row in rows:
        assert row["text"] + sum(row[s] for s in ("tags", "hospitals", "region", "rubrique", "recency")) \
            == pytest.approx(row["score"], abs=1e-8)
    assert slugs(reports, index.related_for(draft))[0] == "leucemie"


def test_max_zero_switches_the_block_off():
    reports = [report("a", text=LEUKAEMIA), report("b", text=LEUKAEMIA, day=2)]
    lists, _others, _notices = compute_related(reports, settings=RelatedSettings(max_items=0))
    assert lists == [[], []]


def test_a_common_word_lists_a_bounded_number_of_reports():
    options = RelatedSettings(candidates_per_term=7)
    reports = [report(f"r{i:03d}", text=LEUKAEMIA + f" Patient {i}.", day=1 + i % 28) for i in range(40)]
    index = RelatedIndex(reports, options)
    assert index.postings.nnz
    assert max(numpy.diff(index.postings.indptr)) == 7


def test_explain_rows_add_up_to_the_ranking_score():
    reports = [
        report("leucemie", text=LEUKAEMIA, tags=("leucémie",), hospitals=("CHU de Rennes",),
               region="Bretagne", day=1),
        report("lymphome", "cancerologie", text=LYMPHOMA, tags=("lymphome",),
               hospitals=("CHU de Rennes",), region="Bretagne", day=2),
        report("leucemie-2", text=LEUKAEMIA, tags=("leucémie",), region="Bretagne", day=5),
        report("arret", "urgences", text=CARDIAC, hospitals=("CHU de Rennes",), day=4),
        report("naissance", "femme-enfant", text=MATERNITY, day=3),
    ]
    index = RelatedIndex(reports)
    rows = index.explain(0)
    close = [row["slug"] for row in rows if row["text"] >= index.settings.min_score]
    assert close == ["leucemie-2", "lymphome"]
    # The block is those close reports, completed from the rubrique, then with the
    # site's newest report.
    assert slugs(reports, index.related(0)) == [*close, "arret"]
    signals = ("words", "neighbours", "tags", "hospitals", "region", "rubrique", "recency")
    for row in rows:
        assert row["words"] + row["neighbours"] == pytest.approx(row["text"], abs=1e-9)
        assert sum(row[signal] for signal in signals) == pytest.approx(row["score"], abs=1e-8)
        shares = row["share"]
        assert shares["words"] + shares["neighbours"] == pytest.approx(shares["text"], abs=1e-9)
        assert shares["text"] + sum(shares[signal] for signal in signals[2:]) == pytest.approx(1.0)
        assert row["cosine"] > 0
    lymphome = next(row for row in rows if row["slug"] == "lymphome")
    assert lymphome["hospitals"] > 0 and lymphome["region"] > 0 and lymphome["rubrique"] == 0
    assert lymphome["words"] > 0


# -- pins --------------------------------------------------------------------------------


def pinned_site(pins):
    return [
        report("cible", text=LEUKAEMIA, pins=parse_pins(pins), day=1),
        report("proche", text=LEUKAEMIA, day=2),
        report("brulure", "brules", text=BURNS, day=3),
        report("arret", "urgences", text=CARDIAC, day=4),
        report("naissance", "femme-enfant", text=MATERNITY, day=5),
    ]


def test_pins_come_first_in_the_editors_order():
    reports = pinned_site("naissance, arret")
    lists, _others, notices = compute_related(reports)
    assert slugs(reports, lists[0]) == ["naissance", "arret", "proche"]
    assert notices == []


def test_pins_over_the_limit_keep_the_first_ones_and_warn():
    reports = pinned_site("naissance; arret; brulure; proche")
    lists, _others, notices = compute_related(reports)
    assert slugs(reports, lists[0]) == ["naissance", "arret", "brulure"]
    assert [str(notice) for notice in notices] == [
        "related_articles: articles/hematologie/cible.md pins 4 reports in Related: but only 3 "
        "are shown; remove some or raise RELATED_ARTICLES_MAX"
    ]


def test_unknown_and_own_slugs_are_warnings_naming_the_file():
    reports = pinned_site("naissanse, cible, hematologie/cible, arret, arret")
    lists, _others, notices = compute_related(reports)
    assert slugs(reports, lists[0])[0] == "arret"
    messages = [str(notice) for notice in notices]
    assert messages == [
        "related_articles: articles/hematologie/cible.md pins unknown report 'naissanse' in "
        "Related:; use the file name of a published report without .md (did you mean 'naissance'?)",
        "related_articles: articles/hematologie/cible.md lists its own slug 'cible' in Related:; remove it",
        "related_articles: articles/hematologie/cible.md lists its own slug 'hematologie/cible' in "
        "Related:; remove it",
        "related_articles: articles/hematologie/cible.md pins 'arret' twice in Related:; keep one",
    ]


def test_a_pinned_draft_is_left_out_with_a_warning():
    reports = pinned_site("brouillon")
    draft = report("brouillon", text=LEUKAEMIA, day=6)
    lists, for_draft, notices = compute_related(reports, [draft])
    assert "brouillon" not in slugs(reports, lists[0])
    assert "draft, hidden or future-dated" in str(notices[0])
    assert "articles/hematologie/cible.md" in str(notices[0])
    assert slugs(reports, for_draft[0])[0] in {"cible", "proche"}


def test_pin_values_accept_commas_or_semicolons():
    assert parse_pins("a, b ,c") == ("a", "b", "c")
    assert parse_pins("a; b, suite; c") == ("a", "b, suite", "c")
    assert parse_pins(["a", "b"]) == ("a", "b")
    assert parse_pins(None) == parse_pins("") == ()


def test_resolving_pins_of_an_empty_site_reports_unknown_slugs():
    index = RelatedIndex([])
    positions, notices = resolve_pins(pinned_site("x")[0], index, set(), 3)
    assert positions == []
    assert "unknown report 'x'" in str(notices[0])


# -- what may be listed --------------------------------------------------------------------


NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "status, date, listable",
    [
        ("published", datetime(2026, 5, 1, tzinfo=UTC), True),
        ("published", datetime(2026, 6, 1, 12, 0, tzinfo=UTC), True),
        ("draft", datetime(2026, 5, 1, tzinfo=UTC), False),
        ("hidden", datetime(2026, 5, 1, tzinfo=UTC), False),
        # WITH_FUTURE_DATES = True makes Pelican publish it; it is still never listed.
        ("published", datetime(2026, 6, 2, tzinfo=UTC), False),
        ("published", datetime(2026, 6, 2), False),
        ("published", datetime(2026, 5, 2), True),
        ("published", None, False),
    ],
)
def test_only_published_reports_of_the_past_are_listable(status, date, listable):
    article = SimpleNamespace(status=status, date=date)
    assert is_public(article, NOW) is listable
