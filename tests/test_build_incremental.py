"""Rebuilds catch every edit: the affected pages change, the others are left alone, and the
tree is the one a cold build would write.

A rebuild reads from the build cache and renders only the pages whose inputs changed
(desk.pagekeys). Each test edits one kind of input — a report's body, a template, a
plugin file, pelicanconf.py, a comment, an image, a report's slug — then compares the
rebuilt tree, byte for byte, with a build of the edited site that uses no cache at all.
"""

import io
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PIL import Image

from conftest import soup
from desk.build import ROOT, build_site
from pouls_common.paths import python_path
from test_build_identity import assert_same_tree, tree

SITES = ROOT / "tests" / "sites"


def mtimes(folder):
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in Path(folder).rglob("*") if p.is_file()}


class Site:
    """A copy of a content folder, built again and again into one output with one cache."""

    def __init__(self, tmp_path, content, settings_file="pelicanconf.py", overrides=None):
        self.tmp = tmp_path
        self.content = tmp_path / "content"
        shutil.copytree(content, self.content)
        self.output = tmp_path / "output"
        self.settings_file = settings_file
        self.overrides = {"DESK_BUILD_CACHE_PATH": str(tmp_path / "cache"), **(overrides or {})}

    def build(self, jobs=2):
        result = build_site(self.settings_file, content=self.content, output=self.output, jobs=jobs,
                            overrides=self.overrides, quiet=True)
        assert result.errors == [], result.errors
        return result

    def cold(self, name="cold"):
        """The edited site built from nothing: no cache, a fresh output folder."""
        result = build_site(self.settings_file, content=self.content, output=self.tmp / name, cache=False,
                            overrides=self.overrides, quiet=True)
        assert result.errors == [], result.errors
        return result.output

    def page(self, name):
        return soup(self.output / name)


def replace_in(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_a_rebuild_with_nothing_changed_writes_no_file(tmp_path):
    site = Site(tmp_path, ROOT / "content")
    site.build()
    before = mtimes(site.output)
    again = site.build()
    assert again.written.rendered == 0 and again.written.written == 0
    assert again.read[0].read == 0  # every report came from the cache
    assert mtimes(site.output) == before  # not one file written, feeds and images included


SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def sitemap_addresses(output):
    from lxml import etree

    return sorted(loc.text for loc in etree.parse(str(output / "sitemap.xml")).getroot().iter(f"{SITEMAP}loc"))


def report_pages(output):
    """Every report page of a built site (the pages with article.article and a date)."""
    return sorted(
        str(path.relative_to(output).parent) + "/" for path in output.rglob("index.html")
        if "brouillons" not in path.parts and soup(path).select_one("article.article time[datetime]")
    )


def test_a_published_rebuild_with_nothing_changed_keeps_a_complete_sitemap_and_writes_nothing(tmp_path):
    # publishconf.py: absolute addresses, so sitemap.xml and news-sitemap.xml are written.
    # The sitemap lists what the build wrote; a rebuild that renders no page at all must
    # still list every page (the output's, not only this run's), in the same bytes.
    from desk.steps import finish_build

    site = Site(tmp_path, ROOT / "content", settings_file="publishconf.py")
    first = site.build()
    siteurl = first.settings["SITEURL"]
    addresses = sitemap_addresses(site.output)
    reports = report_pages(site.output)
    assert len(reports) >= 15
    assert {f"{siteurl}/{page}" for page in reports} <= set(addresses)
    assert f"{siteurl}/" in addresses and f"{siteurl}/a-propos/" in addresses
    # The publication steps (search index, .gz/.br copies), run in the output folder.
    finish_build(site.output, first.settings, io.StringIO())
    assert (site.output / "pagefind" / "pagefind.js").is_file()
    assert list(site.output.rglob("*.html.br")) and list(site.output.rglob("*.html.gz"))
    before_bytes, before = tree(site.output), mtimes(site.output)
    again = site.build()
    assert again.written.rendered == 0 and again.written.written == 0
    finish_build(site.output, again.settings, io.StringIO())
    assert mtimes(site.output) == before  # not one file written: pages, sitemaps, index, copies
    assert tree(site.output) == before_bytes
    assert sitemap_addresses(site.output) == addresses
    # And the same sitemap as a build from nothing.
    cold = site.cold()
    assert (site.output / "sitemap.xml").read_bytes() == (cold / "sitemap.xml").read_bytes()


def test_a_body_edit_rewrites_the_reports_page_and_leaves_the_others(tmp_path):
    site = Site(tmp_path, ROOT / "content")
    site.build()
    before = mtimes(site.output)
    source = site.content / "articles" / "urgences" / "regulation-samu-nuit.md"
    source.write_text(source.read_text(encoding="utf-8") + "\nUn paragraphe ajouté pendant le test.\n",
                      encoding="utf-8")
    result = site.build()
    page = "urgences/regulation-samu-nuit/index.html"
    assert "Un paragraphe ajouté pendant le test." in site.page(page).select_one(".article-body").get_text()
    after = mtimes(site.output)
    assert after[page] != before[page]
    assert result.written.rendered < result.written.planned / 4  # only what reads the body renders
    untouched = [name for name in ("index.html", "rubriques/index.html", "a-propos/index.html")
                 if after[name] == before[name]]
    assert untouched == ["index.html", "rubriques/index.html", "a-propos/index.html"]
    assert_same_tree(site.output, site.cold())


def test_a_template_edit_rewrites_every_page_using_it(tmp_path):
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)
    site = Site(tmp_path, ROOT / "content", overrides={"THEME": str(theme)})
    site.build()
    replace_in(theme / "templates" / "partials" / "site_footer.html", "</footer>",
               "<p class=\"test-edit\">Pied de page modifié</p></footer>")
    site.build()
    for name in ("index.html", "urgences/regulation-samu-nuit/index.html", "rubrique/urgences/index.html"):
        assert site.page(name).select_one(".test-edit").get_text() == "Pied de page modifié"
    assert_same_tree(site.output, site.cold())


def test_a_settings_edit_rewrites_the_pages(tmp_path):
    settings = tmp_path / "editedconf.py"
    settings.write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT)!r})\nfrom pelicanconf import *\nSITESUBTITLE = 'Avant'\n",
        encoding="utf-8",
    )
    site = Site(tmp_path, SITES / "desk-publish", settings_file=str(settings))
    site.build()
    replace_in(settings, "SITESUBTITLE = 'Avant'", "SITESUBTITLE = 'Après la modification'")
    result = site.build()
    assert result.read[0].read == result.read[0].files  # new settings: nothing read before counts
    assert site.page("index.html").select_one(".site-tagline").get_text() == "Après la modification"
    assert_same_tree(site.output, site.cold())


def test_a_new_comment_appears_on_its_report(tmp_path):
    site = Site(tmp_path, SITES / "comments-basic")
    site.build()
    page = "hematologie/greffe-a-domicile/index.html"
    count = len(site.page(page).select("article.comment"))
    (site.content / "comments" / "greffe-a-domicile" / "c9zzzz.md").write_text(
        "Author: Yves\nDate: 2026-09-05T10:00:00+02:00\n\nMerci pour ce reportage.\n", encoding="utf-8"
    )
    site.build()
    comments = site.page(page).select("article.comment")
    assert len(comments) == count + 1
    assert "Merci pour ce reportage." in site.page(page).select_one("#comment-c9zzzz").get_text()
    assert_same_tree(site.output, site.cold())


def test_a_replaced_image_changes_its_pages_and_its_copy(tmp_path):
    site = Site(tmp_path, ROOT / "content")
    site.build()
    image = site.content / "images" / "radiotherapie.webp"
    with Image.open(image) as picture:
        width, height = picture.size
        picture.resize((width // 2, height // 2)).save(image, format="WEBP")
    site.build()
    page = site.page("cancerologie/radiotherapie-stereotaxique/index.html")
    shown = [img for img in page.select("img") if "radiotherapie" in img.get("src", "")]
    assert shown and shown[0]["width"] == str(width // 2)
    assert (site.output / "images" / "radiotherapie.webp").read_bytes() == image.read_bytes()
    cold = tree(site.cold())
    rebuilt = tree(site.output)
    # responsive_images writes the copies an image needs and never deletes one: the copies
    # of the former, wider picture that the narrower one no longer gets stay in a reused
    # output folder (as with plain Pelican). A publication builds into a fresh folder,
    # where they never appear.
    stale = sorted(set(rebuilt) - set(cold))
    assert stale and all(re.fullmatch(r"images/radiotherapie-(\d+)w\.webp", name) for name in stale)
    assert all(int(re.search(r"-(\d+)w", name).group(1)) >= width // 2 for name in stale)
    assert {path: data for path, data in rebuilt.items() if path in cold} == cold


def test_a_slug_change_moves_the_page_and_removes_the_old_one(tmp_path):
    site = Site(tmp_path, SITES / "desk-publish")
    site.build()
    assert (site.output / "urgences" / "regulation-de-nuit" / "index.html").is_file()
    replace_in(site.content / "articles" / "urgences" / "regulation-de-nuit.md", "Date:", "Slug: nuit-au-samu\nDate:")
    site.build()
    assert (site.output / "urgences" / "nuit-au-samu" / "index.html").is_file()
    assert not (site.output / "urgences" / "regulation-de-nuit" / "index.html").exists()
    assert_same_tree(site.output, site.cold())


PLUGIN_BUILD = textwrap.dedent("""
    import sys
    from desk.build import build_site
    settings, content, output, cache, use_cache = sys.argv[1:6]
    result = build_site(settings, content=content, output=output, quiet=True, cache=use_cache == "cache",
                        overrides={"DESK_BUILD_CACHE_PATH": cache})
    print(result.errors, result.read[0].read)
""")


def test_a_plugin_edit_rewrites_the_pages_it_changes(tmp_path):
    # The edited plugin is a copy found first on the path, as a plugin under edition is.
    plugins = tmp_path / "plugins"
    shutil.copytree(ROOT / "plugins" / "article_meta", plugins / "article_meta")
    settings = tmp_path / "pluginconf.py"
    settings.write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT)!r})\nfrom pelicanconf import *\n"
        f"PLUGIN_PATHS = [{str(plugins)!r}, *PLUGIN_PATHS]\n",
        encoding="utf-8",
    )
    content = tmp_path / "content"
    shutil.copytree(SITES / "desk-publish", content)
    env = python_path()
    env["PYTHONPATH"] = f"{plugins}:{env['PYTHONPATH']}"

    def build(output, cached=True):
        result = subprocess.run(
            [sys.executable, "-c", PLUGIN_BUILD, str(settings), str(content), str(tmp_path / output),
             str(tmp_path / "cache"), "cache" if cached else "none"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
        )
        assert result.returncode == 0 and result.stdout.startswith("[] "), result.stdout + result.stderr
        return tmp_path / output

    output = build("output")
    page = "urgences/regulation-de-nuit/index.html"
    before = (output / page).read_bytes()
    # A reader of one word a minute: every reading time changes.
    replace_in(plugins / "article_meta" / "article_meta.py", "DEFAULT_WORDS_PER_MINUTE = 230",
               "DEFAULT_WORDS_PER_MINUTE = 1")
    build("output")
    assert (output / page).read_bytes() != before
    assert_same_tree(output, build("cold", cached=False))


def test_a_warm_rebuild_on_one_core_gives_the_same_tree(tmp_path):
    site = Site(tmp_path, SITES / "desk-publish")
    site.build(jobs=1)
    replace_in(site.content / "articles" / "hematologie" / "greffe-en-visio.md", "Title:", "Title: Modifié :")
    result = site.build(jobs=1)
    assert result.written.processes == 1 and result.written.rendered > 0
    assert tree(site.output) == tree(site.cold())


def test_a_first_build_in_one_process_leaves_the_tracing_to_the_next_build(tmp_path):
    # Tracing would make the first one-process build slower than Pelican's own run:
    # the next build, reading from the cache, traces every page; the one after skips them.
    site = Site(tmp_path, SITES / "desk-publish")
    first = site.build(jobs=1)
    assert first.read[0].cached == 0 and first.written.rendered == first.written.planned
    before = mtimes(site.output)
    second = site.build(jobs=1)
    assert second.read[0].read == 0
    assert second.written.rendered == second.written.planned and second.written.written == 0
    assert mtimes(site.output) == before
    third = site.build(jobs=1)
    assert third.written.rendered == 0 and third.written.written == 0
    assert_same_tree(site.output, site.cold())


def test_a_page_moved_after_an_untraced_build_leaves_no_copy_behind(tmp_path):
    site = Site(tmp_path, SITES / "desk-publish")
    site.build(jobs=1)  # untraced: every page recorded without a key, but recorded
    old = site.output / "urgences" / "regulation-de-nuit" / "index.html"
    assert old.is_file()
    replace_in(site.content / "articles" / "urgences" / "regulation-de-nuit.md", "Date:", "Slug: nuit-au-samu\nDate:")
    site.build(jobs=1)
    assert (site.output / "urgences" / "nuit-au-samu" / "index.html").is_file() and not old.exists()
    assert_same_tree(site.output, site.cold())


def test_per_report_work_is_done_when_reading_and_then_kept_in_the_cache(tmp_path, monkeypatch):
    # article_meta's standfirst and reading time depend on the report alone: they run in
    # the reading process (pouls_common.signals.report_read), once per file.
    import article_meta.article_meta as article_meta

    counted = []
    original = article_meta.reading_time
    monkeypatch.setattr(article_meta, "reading_time", lambda *args: counted.append(args) or original(*args))
    site = Site(tmp_path, SITES / "desk-publish")
    cold = site.build(jobs=1)  # one process: the reading happens here, where it is counted
    assert len(counted) == cold.read[0].read > 0
    counted.clear()
    warm = site.build(jobs=1)
    assert warm.read[0].read == 0 and counted == []
    page = site.page("urgences/regulation-de-nuit/index.html")
    assert re.search(r"\d+\s*min", page.get_text())  # the reading time still shows, from the cache
    assert_same_tree(site.output, site.cold())


@pytest.mark.parametrize("jobs", [1, 2])
def test_warnings_of_reading_processes_reach_the_build_every_time(tmp_path, jobs):
    site = Site(tmp_path, SITES / "desk-publish")
    source = site.content / "articles" / "urgences" / "regulation-de-nuit.md"
    source.write_text(source.read_text(encoding="utf-8") + '\nUn guillemet " seul.\n', encoding="utf-8")
    expected = build_site(content=site.content, output=tmp_path / "plain", cache=False, jobs=1, quiet=True).warnings
    assert any("unpaired straight double quote" in warning for warning in expected)
    cold = build_site(content=site.content, output=site.output, jobs=jobs, quiet=True, overrides=site.overrides)
    warm = build_site(content=site.content, output=site.output, jobs=jobs, quiet=True, overrides=site.overrides)
    assert warm.read[0].read == 0  # the warning comes from the cache, replayed
    assert sorted(cold.warnings) == sorted(warm.warnings) == sorted(expected)
