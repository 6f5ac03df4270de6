"""desk.contents computes once what Pelican recomputes on every access: same values, and
nothing kept once its inputs change (a plugin renaming a tag, moving a report, another
build with other settings in the same process)."""

import copy
import logging
import os
from pathlib import Path

import pelican.generators
import pelican.utils
import pytest
from pelican.contents import Article
from pelican.log import LimitFilter
from pelican.settings import DEFAULT_CONFIG
from pelican.urlwrappers import Author, Category, Tag

from desk import contents
from desk.build import build_site


def settings_for(path, **extra):
    settings = copy.deepcopy(DEFAULT_CONFIG)
    settings.update({"PATH": str(path), "OUTPUT_PATH": str(Path(path) / "output"), "AUTHOR": "Rédaction de Pouls",
                     "SLUGIFY_SOURCE": "basename", "ARTICLE_URL": "{category}/{slug}/",
                     "ARTICLE_SAVE_AS": "{category}/{slug}/index.html", **extra})
    return settings


def article(settings, name="report.md", folder="urgences", **metadata):
    values = {"title": "Un reportage", "date": pelican.utils.SafeDatetime(2024, 5, 2, 10, 0),
              "category": Category("Urgences vitales", settings), "tags": [Tag("Défibrillateur", settings)],
              **metadata}
    source = os.path.join(settings["PATH"], "articles", folder, name)
    return Article("<p>Texte</p>", metadata=values, settings=settings, source_path=source, context={})


# ------------------------------------------------------------------ slugs


def test_settled_slugs_are_pelicans(tmp_path):
    settings = settings_for(tmp_path)
    ours, theirs = article(settings), article(settings)
    contents.settle_slugs(ours)
    assert ours.category._slug == theirs.category.slug == "urgences-vitales"
    assert ours.tags[0]._slug == theirs.tags[0].slug == "defibrillateur"
    assert ours.author._slug == theirs.author.slug
    assert ours.url == theirs.url == "urgences-vitales/report/"


def test_a_renamed_tag_gets_its_new_slug(tmp_path):
    settings = settings_for(tmp_path)
    report = article(settings)
    contents.settle_slugs(report)
    report.tags[0].name = "Arrêt cardiaque"  # what a pretaxonomy plugin may do
    report.category.name = "Brûlés"
    assert report.tags[0].slug == "arret-cardiaque"
    assert report.url == "brules/report/"


def test_an_explicit_slug_is_kept(tmp_path):
    settings = settings_for(tmp_path)
    report = article(settings)
    report.category.slug = "urgences"
    contents.settle_slugs(report)
    assert report.category.slug == "urgences"


def test_an_empty_slug_is_left_to_pelican_which_warns(tmp_path, caplog):
    settings = settings_for(tmp_path)
    report = article(settings, tags=[Tag("???", settings)])
    contents.settle_slugs(report)
    assert report.tags[0]._slug is None
    with caplog.at_level(logging.WARNING):
        assert report.tags[0].slug == ""
    assert "Unable to generate valid slug" in caplog.text


def test_settled_slugs_follow_the_settings_of_the_object(tmp_path):
    settings = settings_for(tmp_path, TAG_REGEX_SUBSTITUTIONS=[(r"[^\w\s-]", ""), (r"\s+", "_")])
    report = article(settings, tags=[Tag("Arrêt cardiaque", settings)], author=Author("Équipe Pouls", settings))
    contents.settle_slugs(report)
    assert report.tags[0].slug == "arret_cardiaque"
    assert report.author.slug == "equipe-pouls"


# ------------------------------------------------------------------ relative source paths


PELICANS = contents._PELICAN_RELATIVE_SOURCE_PATH


@pytest.fixture
def memoised():
    with contents.shortcuts():
        assert Article.get_relative_source_path is contents.memoised_relative_source_path
        yield
    assert Article.get_relative_source_path is PELICANS


def test_relative_source_path_is_pelicans(tmp_path, memoised):
    settings = settings_for(tmp_path)
    report = article(settings)
    assert report.get_relative_source_path() == PELICANS(report) == "articles/urgences/report.md"
    other = os.path.join(settings["PATH"], "pages", "a.md")
    assert report.get_relative_source_path(other) == PELICANS(report, other) == "pages/a.md"
    assert report.save_as == "urgences-vitales/report/index.html"
    assert report.is_valid()


def test_a_moved_report_gets_its_new_path(tmp_path, memoised):
    settings = settings_for(tmp_path, ARTICLE_URL="{path}")
    report = article(settings)
    assert report.url == "articles/urgences/report.md"
    report.source_path = os.path.join(settings["PATH"], "articles", "brules", "report.md")
    assert report.get_relative_source_path() == "articles/brules/report.md"
    assert report.url == "articles/brules/report.md"


def test_two_sites_in_one_process_do_not_share_paths(tmp_path, memoised):
    one = settings_for(tmp_path / "one", ARTICLE_URL="{path}")
    two = settings_for(tmp_path / "two", ARTICLE_URL="{path}")
    report = article(one)
    assert report.url == "articles/urgences/report.md"
    # The same source file seen from another content folder (another build's settings).
    seen_from_two = article(two)
    seen_from_two.source_path = report.source_path
    assert seen_from_two.get_relative_source_path() == PELICANS(seen_from_two) == "../one/articles/urgences/report.md"
    assert seen_from_two.url == "../one/articles/urgences/report.md"


def test_a_relative_path_follows_the_working_directory(tmp_path, monkeypatch, memoised):
    settings = settings_for("content")
    (tmp_path / "a").mkdir()
    (tmp_path / "b" / "content").mkdir(parents=True)
    report = article(settings)
    report.source_path = str(tmp_path / "b" / "content" / "x.md")
    monkeypatch.chdir(tmp_path / "a")
    assert report.get_relative_source_path() == PELICANS(report) == "../../b/content/x.md"
    monkeypatch.chdir(tmp_path / "b")
    assert report.get_relative_source_path() == PELICANS(report) == "x.md"


def test_a_slug_changed_after_the_url_was_read_gives_the_new_url(tmp_path, memoised):
    settings = settings_for(tmp_path)
    report = article(settings)
    contents.settle_slugs(report)
    assert report.url == "urgences-vitales/report/"
    report.slug = "autre"
    report.category = Category("Brûlés", settings)
    assert report.url == "brules/autre/"
    assert report.save_as == "brules/autre/index.html"


# ------------------------------------------------------------------ translations


def translated_site(tmp_path):
    settings = settings_for(tmp_path, DEFAULT_LANG="fr")
    items = []
    for index, (slug, lang, extra) in enumerate([
        ("a", "fr", {}), ("a", "en", {}), ("b", "en", {}), ("c", "fr", {}), ("c", "fr", {}),
        ("d", "fr", {"translation": "true"}), ("d", "en", {}), ("e", "de", {"translation": "true"}),
        ("f", "fr", {}), ("f", "de", {}), ("f", "en", {}), ("b", "fr", {"translation": "true"}),
    ]):
        items.append(article(settings, name=f"{index}.md", slug=slug, lang=lang, **extra))
    return items


def outcome(function, items, caplog):
    caplog.clear()
    # Pelican's log filter drops a message it has seen: let each run log its own.
    LimitFilter._ignore = set()
    LimitFilter._raised_messages = set()
    LimitFilter._group_count.clear()
    originals, translations = function(list(items), "slug")
    return ([item.source_path for item in originals], [item.source_path for item in translations],
            {item.source_path: [t.source_path for t in item.translations] for item in items},
            [record.getMessage() for record in caplog.records])


def test_linear_translations_are_pelicans(tmp_path, caplog):
    items = translated_site(tmp_path)
    with caplog.at_level(logging.WARNING):
        ours = outcome(contents.linear_translations, items, caplog)
        theirs = outcome(pelican.utils.process_translations, items, caplog)
    assert ours == theirs
    assert ours[1]  # there are translations
    assert ours[3]  # and warnings (two originals of « c », all-translations « e »)
    for translation_id in (None, "", ["slug", "lang"]):
        assert contents.linear_translations(list(items), translation_id)[0] == \
            pelican.utils.process_translations(list(items), translation_id)[0]


def test_linear_translations_raise_pelicans_error(tmp_path):
    items = translated_site(tmp_path)
    with pytest.raises(AttributeError, match="'translation_id'"):
        contents.linear_translations(items, "no_such_attribute")


def test_pelicans_functions_are_put_back_even_on_error():
    seen = []

    def fail():
        with contents.shortcuts():
            seen.append(pelican.generators.process_translations)
            with contents.shortcuts():  # another build, overlapping
                pass
            raise RuntimeError

    with pytest.raises(RuntimeError):
        fail()
    assert seen == [contents.linear_translations]
    assert pelican.generators.process_translations is pelican.utils.process_translations
    assert Article.get_relative_source_path is PELICANS


# ------------------------------------------------------------------ in a build


def test_a_build_settles_slugs_and_puts_pelicans_functions_back(tmp_path):
    content = tmp_path / "content"
    (content / "articles" / "urgences").mkdir(parents=True)
    (content / "articles" / "urgences" / "un.md").write_text(
        "Title: Un\nDate: 2024-05-02 10:00\nTags: Arrêt cardiaque\nSummary: Un.\n\nTexte.\n", encoding="utf-8")
    result = build_site(content=content, output=tmp_path / "out", quiet=True, keep_model=True, jobs=1,
                        overrides={"DESK_BUILD_CACHE_PATH": str(tmp_path / "cache")})
    assert result.ok, result.errors
    report = result.build.generators["articles"].articles[0]
    assert report.tags[0]._slug == "arret-cardiaque"
    assert (tmp_path / "out" / "urgences" / "un" / "index.html").is_file()
    # Pelican's own functions are back once the build is over.
    assert pelican.generators.process_translations is pelican.utils.process_translations
    assert Article.get_relative_source_path is PELICANS


def test_a_file_of_a_disabled_reader_is_still_reported(tmp_path, monkeypatch):
    # desk.reading lists the content folder once; the listing of the disabled readers'
    # files is skipped only when no reader is disabled.
    import pelican.readers

    monkeypatch.setattr(pelican.readers.RstReader, "enabled", False)
    content = tmp_path / "content"
    (content / "articles" / "urgences").mkdir(parents=True)
    (content / "articles" / "urgences" / "un.md").write_text(
        "Title: Un\nDate: 2024-05-02 10:00\nSummary: Un.\n\nTexte.\n", encoding="utf-8")
    (content / "articles" / "urgences" / "ancien.rst").write_text("Ancien\n######\n", encoding="utf-8")
    result = build_site(content=content, output=tmp_path / "out", quiet=True, jobs=1,
                        overrides={"DESK_BUILD_CACHE_PATH": str(tmp_path / "cache")})
    assert [text for text in result.warnings if "ancien.rst" in text] == [
        "articles/urgences/ancien.rst: " + pelican.readers.RstReader.disabled_message(None)]
    assert (tmp_path / "out" / "urgences" / "un" / "index.html").is_file()


@pytest.mark.parametrize("output", ["/srv/site/out", "/srv/site/out/", "/", "relative/out"])
def test_a_written_page_is_named_as_relpath_names_it(output):
    # The desk's planning and the sitemap both name written pages with OutputFolder.
    from pouls_common.output import OutputFolder

    folder = OutputFolder(output)
    for path in ("/srv/site/out/urgences/un/index.html", "/srv/site/out/feeds/all.atom.xml",
                 "/srv/site/output/a.html", "/srv/site/out/../elsewhere.html", "/srv/site/out//a.html",
                 "/srv/site/out/./a.html", os.path.abspath("relative/out/b.html")):
        assert folder.relative(path) == os.path.relpath(path, output), path
