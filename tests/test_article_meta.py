"""article_meta: reading time, sources, image, video, transcript, and the standfirst printed once."""

from pathlib import Path

import pytest
from PIL import Image

from article_meta.article_meta import (
    ArticleMetaSettings,
    ArticleMetaSettingsError,
    reading_time,
    remove_repeated_standfirst,
)
from article_meta.rules import (
    check_video,
    describe_image,
    normalise_for_comparison,
    parse_sources,
    read_transcript,
)
from conftest import soup

REPORT = Path("hematologie") / "reunion-visio" / "index.html"
CURLY = Path("hematologie") / "chapo-courbe" / "index.html"
BARE = Path("urgences") / "sans-options" / "index.html"

SUMMARY = "<p>Chaque semaine, l'équipe d'hématologie décide : ensemble.</p>"


# ---------------------------------------------------------------- standfirst once (the seed's defect)


@pytest.mark.parametrize(
    "first_paragraph",
    [
        "Chaque semaine, l'équipe d'hématologie décide : ensemble.",  # same characters
        "Chaque semaine, l’équipe d’hématologie décide : ensemble.",  # curly apostrophes
        "Chaque semaine, l’équipe d’hématologie décide\u00a0: ensemble.",  # curly + no-break space
        "Chaque  semaine,\nl'équipe d'hématologie décide: ensemble.",  # spaces typed differently
        "Chaque semaine, <em>l’équipe</em> d’hématologie décide : ensemble.",  # inline markup
        "Chaque semaine, l&#8217;équipe d&rsquo;hématologie décide : ensemble.",  # entities
    ],
)
def test_first_paragraph_repeating_the_summary_is_removed(first_paragraph):
    body = f"<p>{first_paragraph}</p>\n<p>La suite du reportage.</p>"
    content, removed = remove_repeated_standfirst(body, SUMMARY)
    assert removed
    assert content == "<p>La suite du reportage.</p>"


def test_summary_with_curly_apostrophes_matches_a_body_typed_with_straight_ones():
    summary = "<p>L’hôpital d’Avranches rejoint la séance\u202f!</p>"
    body = "<p>L'hôpital d'Avranches rejoint la séance !</p><p>Suite.</p>"
    assert remove_repeated_standfirst(body, summary) == ("<p>Suite.</p>", True)


@pytest.mark.parametrize(
    "body",
    [
        "<p>Un tout autre début de reportage.</p><p>Chaque semaine, l'équipe d'hématologie décide : ensemble.</p>",
        "<h2>Titre</h2><p>Chaque semaine, l'équipe d'hématologie décide : ensemble.</p>",
        "<p>Chaque semaine, l'équipe d'hématologie décide : ensemble. Et bien plus encore.</p>",
        "",
    ],
)
def test_body_that_does_not_open_with_the_summary_is_left_alone(body):
    assert remove_repeated_standfirst(body, SUMMARY) == (body, False)


def test_normalisation_folds_apostrophes_spaces_and_ellipses():
    assert normalise_for_comparison("l'an… dit : «\u00a0oui\u00a0»") == normalise_for_comparison(
        "l’an... dit: « oui »"
    )


def test_report_page_prints_the_standfirst_once_and_not_in_the_body(theme_report):
    page = soup(theme_report.output / REPORT)
    standfirsts = page.select(".standfirst")
    assert len(standfirsts) == 1
    text = standfirsts[0].get_text(" ", strip=True)
    assert text.startswith("Chaque semaine, neuf équipes")
    assert "neuf équipes d’hématologie mettent" not in page.select_one(".article-body").get_text()
    assert page.select_one(".article-body h2").get_text() == "Comment se passe la séance"


def test_curly_body_paragraph_under_a_straight_summary_is_printed_once(theme_report):
    page = soup(theme_report.output / CURLY)
    assert len(page.select(".standfirst")) == 1
    assert "l’air et l’eau de la chambre" not in page.select_one(".article-body").get_text()
    assert "sas" in page.select_one(".article-body").get_text()


def test_standfirst_printed_once_even_without_the_typography_plugin(build):
    result = build("theme-report", overrides={"FRENCH_TYPOGRAPHY_ENABLED": False})
    for path in (REPORT, CURLY):
        page = soup(result.output / path)
        assert len(page.select(".standfirst")) == 1
        body = page.select_one(".article-body").get_text()
        standfirst = page.select_one(".standfirst").get_text(" ", strip=True)
        assert standfirst[:40] not in body.replace("’", "'")


def test_report_whose_body_differs_keeps_its_first_paragraph(theme_report):
    page = soup(theme_report.output / BARE)
    assert len(page.select(".standfirst")) == 1
    assert page.select_one(".article-body p").get_text().startswith("Les appels arrivent par vagues.")


# ---------------------------------------------------------------- reading time


def test_reading_time_rounds_up_and_is_at_least_one_minute():
    words = " ".join(["mot"] * 230)
    assert reading_time(f"<p>{words}</p>", 230) == 1
    assert reading_time(f"<p>{words} encore</p>", 230) == 2
    assert reading_time("", 230) == 1


def test_reading_time_counts_words_not_markup():
    markup = "<p>" + "<a href='https://example.org/a-very-long-url'>lien</a> " * 10 + "</p>"
    assert reading_time(markup, 10) == 1
    assert reading_time(markup, 9) == 2


def test_report_page_shows_the_reading_time(theme_report):
    dates = soup(theme_report.output / REPORT).select_one(".article-dates").get_text(" ", strip=True)
    assert "Lecture\u00a0: 1\u00a0min" in dates


# ---------------------------------------------------------------- sources


def test_sources_parse_labels_with_and_without_addresses():
    sources, problems = parse_sources("Rapport de l’ARS <https://ars.example.org/r.pdf>; Entretien avec une cadre")
    assert sources == [("Rapport de l’ARS", "https://ars.example.org/r.pdf"), ("Entretien avec une cadre", None)]
    assert problems == []


def test_source_with_a_non_web_address_is_reported_and_kept_as_a_label():
    sources, problems = parse_sources("Note interne <javascript:alert(1)>")
    assert sources == [("Note interne", None)]
    assert [problem.code for problem in problems] == ["source-not-http"]
    assert "'javascript:alert(1)'" in str(problems[0]) and "https" in str(problems[0])


def test_report_page_lists_sources_linked_when_an_address_is_given(theme_report):
    block = soup(theme_report.output / REPORT).select_one(".article-sources")
    assert block.h2.get_text() == "Sources"
    items = block.select("li")
    assert [li.get_text(strip=True) for li in items] == [
        "Registre régional des hémopathies",
        "Entretien avec le chef de service",
    ]
    assert items[0].a["href"] == "https://registre.example.org/rapport"
    assert items[1].a is None


def test_report_without_sources_has_no_sources_block(theme_report):
    assert soup(theme_report.output / BARE).select(".article-sources") == []


# ---------------------------------------------------------------- image


def test_image_carries_alt_credit_and_its_real_size(theme_report, tmp_path):
    page = soup(theme_report.output / REPORT)
    figure = page.select_one("article.article figure.article-image")
    img = figure.img
    assert img["src"] == "/images/salle-visio.png"
    assert img["alt"].startswith("Trois écrans bordeaux")
    with Image.open(theme_report.output / "images" / "salle-visio.png") as picture:
        assert (int(img["width"]), int(img["height"])) == picture.size
    assert figure.figcaption.get_text() == "Illustration\u00a0: Pouls"
    assert figure["aria-label"] == figure.figcaption.get_text()


def test_report_without_image_has_no_figure(theme_report):
    assert soup(theme_report.output / BARE).select("figure") == []


def _content_with_image(tmp_path):
    (tmp_path / "images").mkdir()
    Image.new("RGB", (40, 30), "white").save(tmp_path / "images" / "photo.png")
    (tmp_path / "images" / "notes.png").write_text("not an image", encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("value", "alt", "code", "expected"),
    [
        ("images/absente.jpg", "Une photo", "image-missing",
         ["'images/absente.jpg' does not exist under content/", "fix the Image key"]),
        ("images/photo.png", "", "image-no-alt", ["has no ImageAlt", "ImageAlt: …"]),
        ("images/notes.png", "Une photo", "image-unreadable", ["'images/notes.png' is not an image", "JPEG, PNG or WebP"]),
        ("https://cdn.example.org/x.jpg", "Une photo", "image-outside",
         ["give a path under content/", "images/photo.jpg"]),
        ("../secret.png", "Une photo", "image-outside", ["give a path under content/"]),
        ("photos/photo.png", "Une photo", "image-not-static", ["not in a static folder", "content/images/"]),
    ],
)
def test_bad_image_is_reported_with_the_value_and_the_fix(tmp_path, value, alt, code, expected):
    root = _content_with_image(tmp_path)
    image, problems = describe_image(value, alt, None, str(root), ["images"], {})
    assert image is None
    assert [problem.code for problem in problems] == [code]
    for fragment in expected:
        assert fragment in str(problems[0])


def test_good_image_is_described_with_its_size(tmp_path):
    root = _content_with_image(tmp_path)
    image, problems = describe_image("images/photo.png", "Un mur blanc", "Photo : X", str(root), ["images"], {})
    assert problems == []
    assert image == {"src": "images/photo.png", "alt": "Un mur blanc", "credit": "Photo : X", "width": 40, "height": 30}


# ---------------------------------------------------------------- video and transcript


def test_video_link_and_transcript_are_shown_as_text(theme_report):
    block = soup(theme_report.output / REPORT).select_one(".article-video")
    assert block.h2.get_text() == "Vidéo"
    assert block.a["href"] == "https://video.example.org/reunion-visio"
    assert block.select("iframe, video, embed, object") == []
    assert block.h3.get_text() == "Transcription de la vidéo"
    paragraphs = [p.get_text() for p in block.select(".transcript p")]
    assert paragraphs[0] == "Voix du médecin\u00a0: bonjour à toutes et à tous, nous avons six dossiers ce matin."
    assert len(paragraphs) == 2


def test_report_without_video_has_no_video_block(theme_report):
    assert soup(theme_report.output / BARE).select(".article-video") == []


def test_video_must_be_a_web_address():
    assert check_video("https://video.example.org/x") == ("https://video.example.org/x", [])
    url, problems = check_video("reportage.mp4")
    assert url is None and problems[0].code == "video-not-url" and problems[0].severity == "error"
    assert "'reportage.mp4'" in str(problems[0]) and "https://" in str(problems[0])


def test_transcript_is_read_from_a_file_or_taken_as_text(tmp_path):
    (tmp_path / "t.txt").write_text("Premier.\n\nSecond\nparagraphe.\n", encoding="utf-8")
    assert read_transcript("t.txt", str(tmp_path)) == (["Premier.", "Second paragraphe."], [])
    assert read_transcript("Le texte dit directement.", str(tmp_path)) == (["Le texte dit directement."], [])
    paragraphs, problems = read_transcript("absent.txt", str(tmp_path))
    assert paragraphs is None and "'absent.txt' does not exist under content/" in str(problems[0])


# ---------------------------------------------------------------- bad front matter through a real build


def _write(content_root, relative, text):
    path = content_root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_bad_front_matter_is_reported_naming_the_file_and_the_fix(build, copy_site):
    root = copy_site("theme-report")
    _write(root, "articles/urgences/mauvaise-image.md", (
        "Title: Une photo manquante\nDate: 2026-01-20 10:00\n"
        "Image: images/oubliee.jpg\nImageAlt: Une photo\n"
        "Video: fichier.mp4\nSources: Note <ftp://serveur/note>\n"
        "Summary: Un résumé.\n\nUn corps.\n"
    ))
    _write(root, "articles/urgences/video-seule.md", (
        "Title: Une vidéo sans transcription\nDate: 2026-01-21 10:00\n"
        "Video: https://video.example.org/x\nSummary: Un résumé.\n\nUn corps.\n"
    ))
    result = build(root)
    # What points nowhere (the image file, the video address) is an error, like in `make check`.
    errors = sorted(e for e in result.errors if e.startswith("article_meta:"))
    warnings = sorted(w for w in result.warnings if w.startswith("article_meta:"))
    assert (len(errors), len(warnings)) == (2, 2)
    ours = errors + warnings
    image, sources, video, transcript = (
        next(w for w in ours if key in w) for key in ("Image ", "Sources", "Video is", "no Transcript")
    )
    assert image in errors and video in errors
    assert image.startswith("article_meta: articles/urgences/mauvaise-image.md: Image 'images/oubliee.jpg'")
    assert "'ftp://serveur/note'" in sources and "mauvaise-image.md" in sources
    assert "'fichier.mp4'" in video
    assert transcript.startswith("article_meta: articles/urgences/video-seule.md: Video has no Transcript")
    # The report is still published, without the faulty blocks.
    page = soup(result.output / "urgences" / "mauvaise-image" / "index.html")
    assert page.h1.get_text() == "Une photo manquante"
    assert page.select("figure, .article-video") == []


def test_complete_fixture_builds_without_any_warning(theme_report):
    assert theme_report.errors == []
    assert theme_report.warnings == []


# ---------------------------------------------------------------- settings


@pytest.mark.parametrize("value", ["fast", 0, -3, 2.5, True])
def test_unusable_words_per_minute_is_refused_with_the_value_quoted(value):
    with pytest.raises(ArticleMetaSettingsError) as error:
        ArticleMetaSettings.from_settings({"ARTICLE_META_WORDS_PER_MINUTE": value})
    assert repr(value) in str(error.value)
    assert "ARTICLE_META_WORDS_PER_MINUTE" in str(error.value)


def test_bad_setting_stops_the_build_before_anything_is_written(build, tmp_path):
    with pytest.raises(ArticleMetaSettingsError, match="'fast'"):
        build("theme-report", overrides={"ARTICLE_META_WORDS_PER_MINUTE": "fast"})
    assert not (tmp_path / "output-theme-report" / "index.html").exists()


def test_words_per_minute_setting_changes_the_reading_time(build):
    result = build("theme-report", overrides={"ARTICLE_META_WORDS_PER_MINUTE": 10})
    dates = soup(result.output / REPORT).select_one(".article-dates").get_text(" ", strip=True)
    minutes = int(dates.split("Lecture\u00a0: ")[1].split("\u00a0")[0])
    assert minutes > 1


@pytest.fixture
def theme_report(site_once):
    return site_once("theme-report")


def test_alt_without_image_and_transcript_without_video_are_reported(build, copy_site):
    root = copy_site("theme-report")
    _write(root, "articles/urgences/orphelins.md", (
        "Title: Des clés orphelines\nDate: 2026-01-22 10:00\n"
        "ImageAlt: Une photo qui n’existe pas\nTranscript: Une transcription sans vidéo.\n"
        "Summary: Un résumé.\n\nUn corps.\n"
    ))
    ours = sorted(w for w in build(root).warnings if w.startswith("article_meta:"))
    assert ours == [
        "article_meta: articles/urgences/orphelins.md: ImageAlt is set but Image is not; "
        "add « Image: images/<file> » or remove ImageAlt",
        "article_meta: articles/urgences/orphelins.md: Transcript is set but Video is not; "
        "add « Video: https://… » or remove Transcript",
    ]
