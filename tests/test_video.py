"""Video to RGAA 4.1: a clip published with the site, captioned; a platform's video stays a link."""

import re
import shutil

import pytest
from pelican.settings import read_settings

from article_meta.video import check_captions, platform_name
from conftest import soup
from desk.build import ROOT
from desk.checks import CheckSettings, check_site

CLIP = "urgences/clip-publie/index.html"
YOUTUBE = "urgences/video-youtube/index.html"
PEERTUBE = "brules/video-peertube/index.html"
GOOD = "WEBVTT\n\n1\n00:00.000 --> 00:01.000\nTrente compressions,\n\n2\n00:01.000 --> 00:02.000\npuis deux.\n"


@pytest.fixture
def videos(site_once):
    return site_once("video-reports")


# ---------------------------------------------------------------- the captions rule


@pytest.mark.parametrize(
    ("name", "text", "line", "english"),
    [
        ("sans-entete", "00:00.000 --> 00:01.000\nBonjour\n", 1, "does not start with « WEBVTT »"),
        ("minutage", "WEBVTT\n\n00:00.000 --> 00:01.000\nBonjour\n\n00:0x.000 --> 00:02.000\nMal\n", 6,
         "is not valid WebVTT (Invalid cue block"),
        ("fleche", "WEBVTT\n\n00:00.000 --> 00:01.000\nBonjour\n\n00:01.000 -> 00:02.000\nMal\n", 6,
         "this block is not a cue"),
        ("ligne-vide", "WEBVTT\n\n00:00.000 --> 00:01.000\nBonjour\n00:01.000 --> 00:02.000\nMal\n", 5,
         "is not valid WebVTT"),
        ("reglage", "WEBVTT\n\n00:00.000 --> 00:01.000\nA\n\n00:01.000 --> 00:02.000 align:foo\nB\n", 6,
         "Invalid cue setting 'align:foo'"),
        ("seconde", "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nA\n\n00:00:01.000 --> 00:00:61.000\nB\n", 6,
         "Invalid timestamp '00:00:61.000'"),
        ("vide", "WEBVTT\n", 1, "holds no cue"),
        ("a-rebours", "WEBVTT\n\n00:00.000 --> 00:01.000\nA\n\n00:05.000 --> 00:02.000\nB\n", 6,
         "this cue ends (00:02.000) before it starts (00:05.000)"),
    ],
)
def test_a_captions_file_that_does_not_parse_names_its_line(tmp_path, name, text, line, english):
    path = tmp_path / f"{name}.vtt"
    path.write_text(text, encoding="utf-8")
    problem = check_captions(path)
    assert problem is not None and problem.line == line, problem
    assert english in problem.english
    assert problem.french.endswith(".") and "Invalid" not in problem.french  # French only, for make check


def test_good_captions_with_notes_and_identifiers_pass(tmp_path):
    path = tmp_path / "bon.vtt"
    path.write_text("WEBVTT\n\nNOTE Sous-titres.\n\n" + GOOD.split("\n", 2)[2], encoding="utf-8")
    assert check_captions(path) is None


def test_captions_not_in_utf8_name_the_line_of_the_bad_byte(tmp_path):
    path = tmp_path / "latin.vtt"
    path.write_bytes("WEBVTT\n\n00:00.000 --> 00:01.000\nSécurité\n".encode("latin-1"))
    problem = check_captions(path)
    assert problem.line == 4 and "UTF-8" in problem.english


def test_the_sample_captions_parse():
    assert check_captions(ROOT / "content" / "videos" / "friction-hydro-alcoolique.fr.vtt") is None


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("https://www.youtube.com/watch?v=aBc", "YouTube"),
        ("https://youtu.be/aBc", "YouTube"),
        ("https://m.youtube.com/watch?v=aBc", "YouTube"),
        ("https://www.dailymotion.com/video/x8abc", "Dailymotion"),
        ("https://dai.ly/x8abc", "Dailymotion"),
        ("https://tube.example.org/w/kT3qLm2x", "PeerTube"),
        ("https://videos.chu.example/videos/watch/9c9de5e8-0a1e-484a-b099-e80766180a6d", "PeerTube"),
        ("https://video.pouls.example.fr/centre-brules-nantes", "video.pouls.example.fr"),
    ],
)
def test_a_platform_is_named_by_its_address(url, name):
    assert platform_name(url) == name


# ---------------------------------------------------------------- pages


def test_the_complete_fixture_builds_without_warning(videos):
    assert (videos.errors, videos.warnings) == ([], [])


def test_a_clip_plays_in_a_native_player_with_a_local_poster_and_french_captions(videos):
    block = soup(videos.output / CLIP).select_one("article.article section.article-video")
    assert block.h2.get_text() == "Vidéo"
    [video] = block.select("video")
    assert video.has_attr("controls") and video["preload"] == "none"
    assert video["poster"] == "/images/essai-affiche.png" and (videos.output / "images/essai-affiche.png").is_file()
    assert (video["width"], video["height"]) == ("320", "180")
    assert not video.has_attr("autoplay")
    [source] = video.select("source")
    assert (source["src"], source["type"]) == ("/videos/essai.mp4", "video/mp4")
    assert (videos.output / "videos/essai.mp4").is_file()
    [track] = video.select("track")
    assert (track["kind"], track["srclang"], track["label"], track["src"]) == (
        "captions", "fr", "Français", "/videos/essai.fr.vtt"
    )
    assert (videos.output / "videos/essai.fr.vtt").read_text(encoding="utf-8").startswith("WEBVTT")


def test_the_transcript_comes_right_after_the_player(videos):
    block = soup(videos.output / CLIP).select_one("section.article-video")
    children = [child for child in block.children if getattr(child, "name", None)]
    assert [child.name for child in children] == ["h2", "figure", "h3", "div"]
    assert children[2].get_text() == "Transcription de la vidéo"
    assert [p.get_text() for p in children[3].select("p")] == [
        "[Un écran grenat.]", "Voix\u00a0: Trente compressions, puis deux insufflations.",
    ]


@pytest.mark.parametrize(("path", "platform", "href"), [
    (YOUTUBE, "YouTube", "https://www.youtube.com/watch?v=aBcDeFgHiJk"),
    (PEERTUBE, "PeerTube", "https://tube.example.org/w/kT3qLm2x"),
])
def test_a_platform_video_stays_a_link_with_our_poster_and_the_platforms_name(videos, path, platform, href):
    page = soup(videos.output / path)
    block = page.select_one("section.article-video")
    assert page.select("video, iframe, embed, object") == []
    [link] = block.select("a")
    assert link["href"] == href
    assert link.get_text(" ", strip=True) == f"Regarder la vidéo sur {platform} (site externe)"
    [poster] = link.select("img")
    assert poster["src"] == "/images/plateforme-affiche.png" and poster["alt"] == ""  # the link text names it
    assert block.select_one("h3").get_text() == "Transcription de la vidéo"
    for node in page.select("[src], link[href]"):
        address = node.get("src") or node.get("href")
        assert address.startswith("/") or node.name == "link", address


def test_a_platform_video_without_poster_uses_the_site_card(sample_site):
    page = soup(sample_site.output / "brules/centre-brules-nantes/index.html")
    link = page.select_one("section.article-video a")
    assert link.get_text(" ", strip=True) == "Regarder la vidéo sur video.pouls.example.fr (site externe)"
    # The site's card is a theme file, named through static_url(): fingerprinted (plugin theme_assets).
    assert re.fullmatch(r"/theme/img/partage/pouls-carte\.[0-9a-f]{12}\.png", link.img["src"]), link.img["src"]
    assert (sample_site.output / link.img["src"].lstrip("/")).is_file()
    assert (sample_site.output / "theme/img/partage/pouls-carte.png").is_file()


def test_reports_without_video_have_no_player(videos, sample_site):
    assert soup(sample_site.output / "urgences/regulation-samu-nuit/index.html").select(".article-video, video") == []
    clips = [p for p in sample_site.output.rglob("*.html") if soup(p).select("video")]
    assert [p.relative_to(sample_site.output).as_posix() for p in clips] == [
        "organisation/hygiene-des-mains-chu-brest/index.html"
    ]


# ---------------------------------------------------------------- bad input: build and make check agree


def _copy(tmp_path):
    content = tmp_path / "video-reports"
    shutil.copytree(ROOT / "tests" / "sites" / "video-reports", content)
    return content


def test_broken_captions_are_a_build_error_and_a_make_check_error_naming_the_file_and_line(build, tmp_path):
    content = _copy(tmp_path)
    captions = content / "videos" / "essai.fr.vtt"
    captions.write_text(GOOD.replace("00:01.000 --> 00:02.000", "00:01.000 --> 00:02,000"), encoding="utf-8")
    problem = check_captions(captions)
    assert problem.line == 7
    result = build(content)
    assert result.errors == [
        f"article_meta: articles/urgences/clip-publie.md: VideoCaptions content/videos/essai.fr.vtt:7: {problem.english}"
    ]
    page = soup(result.output / CLIP)
    assert page.select("video track") == []  # previewed without the broken track, never published (error)
    settings = CheckSettings.from_settings(read_settings(str(ROOT / "pelicanconf.py"), override={"PATH": str(content)}))
    errors = [str(p) for p in check_site(settings).errors]
    # make check prints it like every plugin rule, at the report's `VideoCaptions:` line (7),
    # naming the .vtt file and its own line (7 too, by chance).
    assert errors == [
        "video-reports/articles/urgences/clip-publie.md:7: erreur\u00a0: les sous-titres "
        f"\u00ab\u00a0content/videos/essai.fr.vtt\u00a0\u00bb, ligne 7\u00a0: {problem.french}"
    ]


def test_missing_video_files_are_named_by_the_build_and_by_make_check(build, tmp_path):
    content = _copy(tmp_path)
    (content / "videos" / "essai.mp4").unlink()
    (content / "videos" / "essai.fr.vtt").unlink()
    result = build(content)
    # A file that points nowhere is an error on both sides (make check always said so).
    assert [e for e in result.errors if "clip-publie.md" in e] == [
        "article_meta: articles/urgences/clip-publie.md: VideoFile 'videos/essai.mp4' does not exist under "
        "content/; add the file or fix the VideoFile key",
        "article_meta: articles/urgences/clip-publie.md: VideoCaptions 'videos/essai.fr.vtt' does not exist under "
        "content/; add the file or fix the VideoCaptions key",
    ]
    assert [w for w in result.warnings if "clip-publie.md" in w] == [
        "article_meta: articles/urgences/clip-publie.md: Transcript is set but Video is not; add « Video: https://… » "
        "or remove Transcript",
    ]
    settings = CheckSettings.from_settings(read_settings(str(ROOT / "pelicanconf.py"), override={"PATH": str(content)}))
    errors = [str(p) for p in check_site(settings).errors]
    assert errors == [
        "video-reports/articles/urgences/clip-publie.md:5: erreur\u00a0: le fichier «\u00a0videos/essai.mp4\u00a0» "
        "de «\u00a0VideoFile\u00a0» n’existe pas. Ajoutez-le dans content/videos/essai.mp4 ou corrigez le chemin.",
        "video-reports/articles/urgences/clip-publie.md:7: erreur\u00a0: le fichier «\u00a0videos/essai.fr.vtt\u00a0» "
        "de «\u00a0VideoCaptions\u00a0» n’existe pas. Ajoutez-le dans content/videos/essai.fr.vtt ou corrigez le chemin.",
    ]


def test_a_clip_without_captions_is_a_warning_citing_rgaa(build, tmp_path):
    content = _copy(tmp_path)
    report = content / "articles" / "urgences" / "clip-publie.md"
    report.write_text(report.read_text(encoding="utf-8").replace("VideoCaptions: videos/essai.fr.vtt\n", ""),
                      encoding="utf-8")
    result = build(content)
    assert result.warnings == [
        "article_meta: articles/urgences/clip-publie.md: VideoFile has no VideoCaptions; add « VideoCaptions: "
        "videos/<file>.fr.vtt », French captions in WebVTT (RGAA 4.3 asks for synchronised captions)"
    ]
    assert soup(result.output / CLIP).select("video track") == []
