"""Search, without a browser: the header form, the search page, what the index holds, when it is built."""

import io
import os
import re
import shutil
import sys
import time
from pathlib import Path

import pytest

from conftest import SITES, soup
from desk.publish import PublishError, publish
from desk.search_index import PreviewSearchIndex
from searchkit import build_and_index, fragments
from site_search import index as search_index
from site_search.site_search import SiteSearchSettings, SiteSearchSettingsError

NBSP = "\u00a0"
PUBLISHED = {
    "/hematologie/greffe-moelle-nantes/",
    "/brules/greffe-peau-cultivee/",
    "/organisation/greffe-renale-donneur-vivant/",
    "/urgences/regulation-nuit-morlaix/",
    "/femme-enfant/maternite-morlaix/",
    "/cancerologie/radiotherapie-brest/",
}
# Each word is in one place only: a draft, a scheduled report, a hidden report, a comment,
# the footer of every page, an information page.
KEPT_OUT = {
    "ornithorynque": "draft",
    "xylophoniste": "scheduled report",
    "wapiti": "hidden report",
    "tarentelle": "comment",
    "traceur": "footer",
    "dromadaire": "information page",
    "quinoa": "data-pagefind-ignore block of a report",
}


@pytest.fixture(scope="module")
def published_site(tmp_path_factory):
    """search-relevance built for publishing (publishconf.py) and indexed like `make publish` does."""
    output = tmp_path_factory.mktemp("search-publish") / "site"
    return build_and_index(SITES / "search-relevance", output, "publishconf.py")


@pytest.fixture(scope="module")
def preview_site(tmp_path_factory):
    """search-relevance built with the development settings (drafts written) and indexed."""
    output = tmp_path_factory.mktemp("search-preview") / "site"
    return build_and_index(SITES / "search-relevance", output, "pelicanconf.py")


def html_pages(result):
    return sorted(p for p in result.output.rglob("*.html") if "pagefind" not in p.parts)


# ------------------------------------------------------------------ the form and the page


def test_every_page_has_a_get_search_form_in_its_header(preview_site):
    result, _, _ = preview_site
    pages = html_pages(result)
    assert len(pages) > 20
    for path in pages:
        header = soup(path).select_one("body > header.site-header")
        forms = header.select('form[role="search"]')
        assert len(forms) == 1, path
        form = forms[0]
        assert (form["action"], form["method"]) == ("/rechercher/", "get"), path
        field = form.select_one('input[name="q"]')
        assert field["type"] == "search"
        label = form.select_one(f'label[for="{field["id"]}"]')
        assert label.get_text(strip=True) == "Rechercher un reportage"
        assert field["placeholder"] == f"Par exemple{NBSP}: greffe"
        assert form.select_one('button[type="submit"]').get_text(strip=True) == "Rechercher"
        assert form["aria-label"] == "Rechercher sur le site"


def test_a_publish_build_points_the_form_and_the_bundle_at_siteurl(published_site):
    result, _, _ = published_site
    page = soup(result.output / "rechercher" / "index.html")
    assert page.select_one("header form[role=search]")["action"] == "https://pouls.example.fr/rechercher/"
    form = page.select_one("main form.search-form")
    assert form["data-search-bundle"] == "https://pouls.example.fr/pagefind/"
    assert form["data-search-base"] == "https://pouls.example.fr/"
    # theme_assets gives theme files fingerprinted names (search.<12 hex>.js).
    assert re.fullmatch(r"https://pouls\.example\.fr/theme/js/search\.[0-9a-f]{12}\.js", page.select_one("script[src]")["src"])


def test_the_search_page_is_rechercher_never_recherche(preview_site):
    result, _, _ = preview_site
    assert (result.output / "rechercher" / "index.html").is_file()
    assert not (result.output / "recherche").exists()


def test_the_search_page_explains_itself_without_javascript_and_offers_browsing(preview_site):
    result, _, _ = preview_site
    page = soup(result.output / "rechercher" / "index.html")
    assert page.h1.get_text(strip=True) == "Rechercher"
    form = page.select_one('main form[role="search"]')
    assert (form["action"], form["method"]) == ("/rechercher/", "get")
    assert form.select_one('label[for="recherche-q"]').get_text(strip=True) == "Mots à chercher"
    assert form.select_one("#recherche-q")["name"] == "q"
    assert [o["value"] for o in form.select("select[name=rubrique] option")] == [
        "", "brules", "cancerologie", "femme-enfant", "hematologie", "organisation", "urgences",
    ]
    sentence = page.select_one("#search-needs-js").get_text(" ", strip=True)
    assert sentence.startswith(f"La recherche a besoin de JavaScript{NBSP}:")
    browse = {a["href"] for a in page.select(".search-browse a")}
    assert {"/rubriques/", "/etablissements/", "/etiquettes/", "/archives/", "/rubrique/hematologie/"} <= browse
    # No result list and an empty status region before any search (RGAA 9.3, 7.5).
    assert page.select("main ol") == []
    status = page.select_one('[role="status"]')
    assert status["id"] == "search-status" and status.get_text(strip=True) == ""
    assert page.select_one("#search-results").has_attr("hidden")
    assert page.select_one('meta[name="robots"]')["content"] == "noindex"


def test_pages_run_only_same_origin_script_files_and_no_inline_code_or_style(preview_site):
    result, _, _ = preview_site
    search_page = result.output / "rechercher" / "index.html"
    for path in html_pages(result):
        page = soup(path)
        scripts = page.select("script")
        for script in scripts:
            if script.get("type") == "application/ld+json":
                continue
            assert script.get("src", "").startswith("/theme/js/"), (path, str(script)[:80])
            assert script.has_attr("defer") and not script.get_text(strip=True), path
        # JSON-LD (plugin structured_data) is data, never run; a report also runs js/share.js
        # (plugin social_cards' copy and share buttons).
        run = [re.sub(r"\.[0-9a-f]{12}\.js$", ".js", s["src"]) for s in scripts if s.get("type") != "application/ld+json"]
        if path == search_page:
            assert run == ["/theme/js/search.js"]
        elif page.select_one("section.share"):
            assert run == ["/theme/js/share.js"], path
        else:
            assert run == [], path
    for path in (search_page, result.output / "hematologie" / "greffe-moelle-nantes" / "index.html"):
        assert soup(path).select("[style]") == [], path
    assert (result.output / "theme" / "js" / "search.js").is_file()


# ------------------------------------------------------------------ what is marked for the index


def test_only_published_report_pages_are_marked_for_the_index(preview_site):
    result, _, _ = preview_site
    marked = set()
    for path in html_pages(result):
        page = soup(path)
        bodies = page.select("[data-pagefind-body]")
        if bodies:
            assert len(bodies) == 1 and bodies[0].name == "article" and "article" in bodies[0]["class"], path
            marked.add("/" + str(path.parent.relative_to(result.output)) + "/")
    assert marked == PUBLISHED
    # The preview wrote the draft and the scheduled report, unmarked.
    assert (result.output / "brouillons" / "brouillon-car-t" / "index.html").is_file()
    assert (result.output / "brouillons" / "programme-2099" / "index.html").is_file()


def test_a_report_declares_its_rubrique_and_etablissements_as_filters_and_weighs_its_standfirst(preview_site):
    result, _, _ = preview_site
    page = soup(result.output / "urgences" / "regulation-nuit-morlaix" / "index.html")
    article = page.select_one("article.article")
    assert article["data-pagefind-filter"] == "rubrique:urgences"
    assert article["data-pagefind-meta"] == "rubrique:Urgences"
    assert [a["data-pagefind-filter"] for a in article.select(".byline-hospitals a")] == [
        "etablissement:centre-hospitalier-de-morlaix"
    ]
    assert article.select_one(".standfirst")["data-pagefind-weight"] == "4"
    # The title is the h1, inside the indexed element: Pagefind weighs it 7 (the body 1).
    assert article.select_one("h1") is not None and not article.select_one("h1").has_attr("data-pagefind-weight")
    assert article.select_one("time")["data-pagefind-meta"] == "date, datetime[datetime]"


# ------------------------------------------------------------------ what the index holds


@pytest.mark.parametrize("site", ["published_site", "preview_site"])
def test_the_index_holds_the_published_reports_and_nothing_else(site, request):
    result, summary, log = request.getfixturevalue(site)
    assert summary.pages == 6 and summary.bundle == result.output / "pagefind"
    assert log == f"Index de recherche{NBSP}: 6 reportages en {summary.seconds:.1f}{NBSP}s.\n".replace(".", ",", 1)
    indexed = fragments(summary.bundle)
    assert {page["url"] for page in indexed} == PUBLISHED
    text = " ".join(page["content"] + " " + " ".join(page["meta"].values()) for page in indexed).lower()
    for word, where in KEPT_OUT.items():
        assert word not in text, f"{word!r} (only in a {where}) is in the index"
    # What every report page shows around the report is not indexed either.
    assert "sur le même sujet" not in text and "aller au contenu" not in text and "commentaires" not in text
    # Nor the share block every report ends with (plugin social_cards): « mastodon » would find them all.
    for words in ("partager ce reportage", "mastodon", "envoyer par courriel", "copier le lien"):
        assert words not in text, words


def test_a_block_marked_data_pagefind_ignore_is_shown_but_not_indexed(published_site):
    result, _, _ = published_site
    block = soup(result.output / "organisation" / "greffe-renale-donneur-vivant" / "index.html").select_one(
        "article.article .encadre[data-pagefind-ignore]")
    assert "quinoa" in block.get_text()


def test_the_index_knows_each_report_rubrique_etablissements_title_and_date(published_site):
    _, summary, _ = published_site
    page = next(p for p in fragments(summary.bundle) if p["url"] == "/urgences/regulation-nuit-morlaix/")
    assert page["filters"] == {"rubrique": ["urgences"], "etablissement": ["centre-hospitalier-de-morlaix"]}
    assert page["meta"]["title"] == "La nuit, deux médecins régulateurs pour tout le Finistère nord"
    assert page["meta"]["rubrique"] == "Urgences"
    assert page["meta"]["datetime"] == "2026-06-02T22:00+02:00"
    assert page["meta"]["date"] == "mardi 2 juin 2026"


def test_the_index_splits_french_elisions(published_site):
    """« l’hôpital » is indexed with an ASCII apostrophe, so Pagefind also indexes « hôpital »."""
    _, summary, _ = published_site
    page = next(p for p in fragments(summary.bundle) if p["url"] == "/femme-enfant/maternite-morlaix/")
    assert "l'hôpital" in page["content"].lower() and "\u2019" not in page["content"]
    published = (summary.bundle.parent / "femme-enfant" / "maternite-morlaix" / "index.html").read_text("utf-8")
    assert "l\u2019hôpital" in published  # the page itself keeps its typography


def test_two_indexes_of_the_same_site_are_byte_identical(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    build_and_index(SITES / "search-relevance", first)
    shutil.copytree(first, second, ignore=shutil.ignore_patterns("pagefind"))
    search_index.build_search_index(second)
    files = sorted(p.relative_to(first) for p in (first / "pagefind").rglob("*") if p.is_file())
    assert files and files == sorted(p.relative_to(second) for p in (second / "pagefind").rglob("*") if p.is_file())
    for name in files:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_indexing_again_replaces_the_bundle_and_leaves_no_stale_file(tmp_path):
    result, _, _ = build_and_index(SITES / "search-relevance", tmp_path / "site")
    shutil.rmtree(result.output / "cancerologie" / "radiotherapie-brest")
    summary = search_index.build_search_index(result.output)
    assert summary.pages == 5
    assert {p["url"] for p in fragments(summary.bundle)} == PUBLISHED - {"/cancerologie/radiotherapie-brest/"}
    assert len(list((summary.bundle / "fragment").iterdir())) == 5
    assert sorted(p.name for p in result.output.iterdir() if p.name.startswith(".")) == []


def test_indexing_an_unchanged_site_again_writes_no_file_of_the_bundle(tmp_path):
    # Pagefind writes its whole bundle on every run; only changed bytes may reach the site,
    # or `make deploy` would send the whole index after every build.
    result, summary, _ = build_and_index(SITES / "search-relevance", tmp_path / "site")
    before = {p: p.stat().st_mtime_ns for p in summary.bundle.rglob("*") if p.is_file()}
    assert len(before) > 5
    again = search_index.build_search_index(result.output)
    assert {p: p.stat().st_mtime_ns for p in again.bundle.rglob("*") if p.is_file()} == before


def test_a_site_without_a_published_report_gets_no_bundle(tmp_path):
    result, summary, _ = build_and_index(SITES / "search-relevance", tmp_path / "site")
    assert summary.bundle.is_dir()
    # The same output folder, rebuilt from a content folder holding one draft only.
    draft = tmp_path / "content" / "articles" / "hematologie" / "brouillon.md"
    draft.parent.mkdir(parents=True)
    draft.write_text("Title: Un brouillon\nDate: 2026-07-01 09:00\nStatus: draft\nSummary: Pas encore.\n\nTexte.\n",
                     encoding="utf-8")
    shutil.rmtree(result.output / "hematologie")
    for folder in ("brules", "organisation", "urgences", "femme-enfant", "cancerologie"):
        shutil.rmtree(result.output / folder)
    result, summary, log = build_and_index(tmp_path / "content", tmp_path / "site")
    assert summary.bundle is None and summary.pages == 0
    assert not (result.output / "pagefind").exists()
    assert log == f"Index de recherche{NBSP}: aucun reportage publié à indexer.\n"


def test_a_missing_folder_is_a_clear_message(tmp_path):
    with pytest.raises(search_index.SearchIndexError) as error:
        search_index.build_search_index(tmp_path / "nowhere")
    assert str(error.value) == (
        f"L’index de recherche n’a pas pu être construit{NBSP}: le dossier {tmp_path / 'nowhere'} n’existe pas."
    )


# ------------------------------------------------------------------ settings


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"SITE_SEARCH_URL": ""}, "site_search: SITE_SEARCH_URL is ''; set it to a non-empty string like 'rechercher/' in pelicanconf.py"),
        ({"SITE_SEARCH_URL": "/rechercher/"}, "site_search: SITE_SEARCH_URL is '/rechercher/'; write it like "
         "Pelican's other *_URL settings, without a leading slash and with a trailing one: 'rechercher/'"),
        ({"SITE_SEARCH_SAVE_AS": "rechercher/"}, "site_search: SITE_SEARCH_SAVE_AS is 'rechercher/'; it names a "
         "file and must end in .html, like 'rechercher/index.html'"),
        ({"SITE_SEARCH_BUNDLE": "../pagefind"}, "site_search: SITE_SEARCH_BUNDLE is '../pagefind'; give one folder "
         "name in lowercase letters, digits, « - » or « _ », like 'pagefind'"),
        ({"SITE_SEARCH_URL": "recherche/", "RUBRIQUES": {"recherche": "Recherche"}},
         "site_search: SITE_SEARCH_URL is 'recherche/', but 'recherche' is a rubrique folder (RUBRIQUES): its "
         "reports live under that address; choose another, like 'rechercher/'"),
    ],
    ids=["empty", "leading-slash", "save-as-folder", "bundle-path", "rubrique-folder"],
)
def test_an_unusable_setting_is_quoted_with_its_fix(settings, message):
    with pytest.raises(SiteSearchSettingsError) as error:
        SiteSearchSettings.from_settings(settings)
    assert str(error.value) == message


def test_an_unusable_setting_stops_the_build_before_anything_is_written(build, tmp_path):
    with pytest.raises(SiteSearchSettingsError, match="SITE_SEARCH_BUNDLE is 'Pagefind bundle'"):
        build("search-relevance", overrides={"SITE_SEARCH_BUNDLE": "Pagefind bundle"})
    assert not (tmp_path / "output-search-relevance" / "index.html").exists()


# ------------------------------------------------------------------ make publish


def test_publish_puts_the_index_inside_the_atomic_build(tmp_path, copy_site):
    content = copy_site("search-relevance")
    link = tmp_path / "site" / "output"
    link.parent.mkdir()
    stream = io.StringIO()
    publish("publishconf.py", content, link, stream=stream)
    assert link.is_symlink() and (link / "pagefind" / "pagefind.js").is_file()
    assert {p["url"] for p in fragments(link / "pagefind")} == PUBLISHED
    assert f"Index de recherche{NBSP}: 6 reportages en " in stream.getvalue()
    assert not list(link.resolve().glob(".pagefind*"))


def test_a_failing_index_refuses_the_publication_and_keeps_the_site_online(tmp_path, copy_site, monkeypatch):
    content = copy_site("search-relevance")
    link = tmp_path / "site" / "output"
    link.parent.mkdir()
    publish("publishconf.py", content, link, stream=io.StringIO())
    live = os.readlink(link)
    # A real process that fails the way Pagefind does: a message, then a non-zero exit.
    monkeypatch.setattr(search_index, "pagefind_command", lambda site, output: [
        sys.executable, "-c", "print('Error: Pagefind was not able to build an index.'); raise SystemExit(1)",
    ])
    with pytest.raises(PublishError) as error:
        publish("publishconf.py", content, link, stream=io.StringIO())
    assert str(error.value) == (
        f"L’index de recherche n’a pas pu être construit (Pagefind{NBSP}: Error: Pagefind was not able to build "
        "an index.). Le site en ligne n’a pas changé."
    )
    assert os.readlink(link) == live and (link / "pagefind" / "pagefind.js").is_file()
    assert [p.name for p in (tmp_path / "site" / "output.builds").iterdir() if p.name.endswith(".partial")] == []


# ------------------------------------------------------------------ make serve


def wait_for(predicate, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_preview_index_runs_in_the_background_and_a_newer_request_wins(tmp_path):
    result = build_and_index(SITES / "search-relevance", tmp_path / "site")[0]
    shutil.rmtree(result.output / "pagefind")
    stream = io.StringIO()
    indexer = PreviewSearchIndex(result.output, result.settings, stream)
    first = indexer.refresh()
    second = indexer.refresh()
    first.join(60)
    second.join(60)
    assert {p["url"] for p in fragments(result.output / "pagefind")} == PUBLISHED
    lines = stream.getvalue().splitlines()
    # The first request was stopped (or never started): one report, from the second.
    assert len(lines) == 1 and lines[0].startswith("Recherche de l’aperçu à jour (6 reportages en "), lines
    assert sorted(p.name for p in result.output.iterdir() if p.name.startswith(".")) == []
    indexer.close()


def test_make_serve_indexes_the_preview_and_again_after_a_change(tmp_path, copy_site):
    import subprocess

    from pouls_common.paths import ROOT, python_path

    content = copy_site("search-relevance")
    output = tmp_path / "preview"
    log_path = tmp_path / "serve.log"
    with open(log_path, "w+", encoding="utf-8") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "desk.serve", "--content", str(content), "--output", str(output), "--port", "0"],
            cwd=ROOT, env=python_path(), stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            done = "Recherche de l’aperçu à jour (6 reportages"
            assert wait_for(lambda: done in log_path.read_text(encoding="utf-8"), 120), log_path.read_text("utf-8")
            assert {p["url"] for p in fragments(output / "pagefind")} == PUBLISHED
            report = content / "articles" / "cancerologie" / "radiotherapie-brest.md"
            report.write_text(report.read_text(encoding="utf-8") + "\nUn kangourou en peluche attend les enfants.\n",
                              encoding="utf-8")
            assert wait_for(lambda: log_path.read_text(encoding="utf-8").count(done) == 2, 120), \
                log_path.read_text("utf-8")
            brest = next(p for p in fragments(output / "pagefind") if p["url"] == "/cancerologie/radiotherapie-brest/")
            assert "kangourou" in brest["content"]
        finally:
            process.terminate()
            process.wait(timeout=30)


def test_the_search_module_is_wired_into_publication_steps():
    from desk.search_index import index_search
    from desk.steps import STEPS

    assert index_search in STEPS
    assert Path(search_index.__file__).parent.name == "site_search"
