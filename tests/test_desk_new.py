"""`make new`: a draft with every key explained, that builds and passes `make check` once filled in."""

import re
import shutil
import subprocess
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from pelican.settings import read_settings

from conftest import SITES, soup
from desk.checks import CheckSettings, check_site
from desk.new import NewReportError, create_report, make_slug
from pouls_common.paths import ROOT, python_path

NOW = datetime(2026, 11, 27, 10, 42, tzinfo=ZoneInfo("Europe/Paris"))
TITLE = "Les urgences pédiatriques de l'hôpital s’agrandissent !"
SLUG = "les-urgences-pediatriques-de-l-hopital-s-agrandissent"


def settings_for(content):
    return read_settings(str(ROOT / "pelicanconf.py"), override={"PATH": str(content)})


def fill_in(path, values, body=None):
    """Give header keys of the draft their values, and the body its text, as an editor would."""
    text = path.read_text(encoding="utf-8")
    for key, value in values.items():
        text = re.sub(rf"^{key}:.*$", lambda _, key=key, value=value: f"{key}: {value}", text, count=1, flags=re.M)
    if body:
        text = text.replace("Écrivez ici le texte du reportage. Séparez les paragraphes par une ligne vide.", body)
    path.write_text(text, encoding="utf-8")


def problems_of(content, path):
    report = check_site(CheckSettings.from_settings(settings_for(content)), now=NOW)
    shown = str(path.relative_to(content.parent))
    return report, [str(p) for p in report.problems if p.path == shown]


def test_new_report_is_a_draft_with_slug_date_and_every_key(copy_site):
    content = copy_site("desk-publish")
    path = create_report(TITLE, "urgences", settings_for(content), now=NOW)
    assert path == content / "articles" / "urgences" / f"{SLUG}.md"
    header = path.read_text(encoding="utf-8").split("\n\n", 1)[0].splitlines()
    assert header[:3] == [f"Title: {TITLE}", "Date: 2026-11-27 10:42", "Status: draft"]
    keys = [line.split(":", 1)[0] for line in header]
    assert keys == ["Title", "Date", "Status", "Summary", "Authors", "Tags", "Hospitals", "Region", "Image",
                    "ImageAlt", "ImageCredit", "Video", "VideoFile", "VideoPoster", "VideoCaptions", "Transcript",
                    "Sources", "Related", "Comments"]


def test_every_key_is_explained_in_french_below_the_header(copy_site):
    content = copy_site("desk-publish")
    text = create_report(TITLE, "urgences", settings_for(content), now=NOW).read_text(encoding="utf-8")
    help_lines = [line for line in text.splitlines() if line.startswith("[//]: # (")]
    explained = {line[len("[//]: # ("):].split(" :")[0] for line in help_lines}
    for key in ("Title", "Date", "Status", "Summary", "Authors", "Tags", "Hospitals", "Region", "Image",
                "Video", "VideoFile", "VideoPoster", "VideoCaptions", "Transcript", "Sources", "Related",
                "Comments", "Modified"):
        assert key in explained, key
    assert "ImageAlt : ce qu’elle montre" in text and "Transcript : la transcription" in text


def test_a_fresh_draft_builds_without_warning_and_shows_no_help_text(copy_site, build):
    content = copy_site("desk-publish")
    create_report(TITLE, "urgences", settings_for(content), now=NOW)
    result = build(content)
    assert (result.errors, result.warnings) == ([], [])
    page = soup(result.output / "brouillons" / SLUG / "index.html")
    assert page.h1.get_text(strip=True) == "Les urgences pédiatriques de l’hôpital s’agrandissent\u202f!"
    assert "MODE D’EMPLOI" not in str(page) and "[//]" not in str(page)


def test_a_fresh_draft_passes_make_check_with_only_a_reminder(copy_site):
    content = copy_site("desk-publish")
    path = create_report(TITLE, "urgences", settings_for(content), now=NOW)
    report, problems = problems_of(content, path)
    assert report.ok
    assert problems == [
        f"content-desk-publish/articles/urgences/{SLUG}.md:4: avertissement\u00a0: le chapô (Summary) est vide. "
        "Écrivez-le après «\u00a0Summary:\u00a0»."
    ]


def test_once_filled_in_the_report_passes_make_check_and_is_published(copy_site, build):
    content = copy_site("desk-publish")
    path = create_report(TITLE, "urgences", settings_for(content), now=NOW)
    fill_in(path, {"Date": "2026-03-12 08:00", "Status": "published",
                   "Summary": "Six box de plus et une salle d’attente pensée pour les familles.",
                   "Authors": "Rédaction de Pouls", "Tags": "SAMU", "Related": "regulation-de-nuit"},
            body="Le chantier a duré dix-huit mois, sans fermer un seul jour.")
    report, problems = problems_of(content, path)
    assert report.ok and problems == []
    result = build(content)
    assert (result.errors, result.warnings) == ([], [])
    page = soup(result.output / "urgences" / SLUG / "index.html")
    assert page.select_one(".article-body").get_text(strip=True) == "Le chantier a duré dix-huit mois, sans fermer un seul jour."


def test_once_filled_in_with_a_clip_the_report_passes_make_check_and_plays_it(copy_site, build):
    content = copy_site("desk-publish")
    # The clip, its poster, captions and transcript, as an editor would add them under content/.
    clip = SITES / "video-reports"
    for relative in ("videos/essai.mp4", "videos/essai.fr.vtt", "images/essai-affiche.png", "transcripts/essai.txt"):
        (content / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(clip / relative, content / relative)
    path = create_report(TITLE, "urgences", settings_for(content), now=NOW)
    fill_in(path, {"Date": "2026-03-12 08:00", "Status": "published", "Summary": "Six box de plus, visités en vidéo.",
                   "VideoFile": "videos/essai.mp4", "VideoPoster": "images/essai-affiche.png",
                   "VideoCaptions": "videos/essai.fr.vtt", "Transcript": "transcripts/essai.txt"})
    report, problems = problems_of(content, path)
    assert report.ok and problems == []
    result = build(content)
    assert (result.errors, result.warnings) == ([], [])
    [video] = soup(result.output / "urgences" / SLUG / "index.html").select("section.article-video video")
    assert video["poster"] == "/images/essai-affiche.png"
    assert video.select_one("source")["src"] == "/videos/essai.mp4"
    assert video.select_one("track")["src"] == "/videos/essai.fr.vtt"


def test_a_clip_whose_captions_and_poster_are_left_empty_is_named_by_make_check_and_the_build(copy_site, build):
    # The template's empty `VideoCaptions:` and `VideoPoster:` are missing keys, not given ones.
    content = copy_site("desk-publish")
    (content / "videos").mkdir()
    shutil.copyfile(SITES / "video-reports" / "videos" / "essai.mp4", content / "videos" / "essai.mp4")
    path = create_report(TITLE, "urgences", settings_for(content), now=NOW)
    fill_in(path, {"VideoFile": "videos/essai.mp4"})
    _, problems = problems_of(content, path)
    line = next(number for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                if text.startswith("VideoFile:"))
    at_key = [problem for problem in problems if problem.startswith(f"{path.relative_to(content.parent)}:{line}: ")]
    assert any("VideoCaptions" in problem for problem in at_key), problems
    assert any("VideoPoster" in problem for problem in at_key), problems
    warnings = build(content).warnings
    assert any("VideoFile has no VideoCaptions" in warning for warning in warnings), warnings
    assert any("VideoFile has no VideoPoster" in warning for warning in warnings), warnings


def test_an_existing_slug_is_refused_in_any_rubrique(copy_site):
    content = copy_site("desk-publish")
    before = (content / "articles" / "urgences" / "regulation-de-nuit.md").read_bytes()
    with pytest.raises(NewReportError, match="Le slug «\u00a0regulation-de-nuit\u00a0» existe déjà\u00a0: "):
        create_report("Régulation de nuit", "hematologie", settings_for(content), now=NOW)
    assert (content / "articles" / "urgences" / "regulation-de-nuit.md").read_bytes() == before
    assert not (content / "articles" / "hematologie" / "regulation-de-nuit.md").exists()


@pytest.mark.parametrize("value, folder", [("urgences", "urgences"), ("Brûlés et plaies", "brules"),
                                           ("FEMME-ENFANT", "femme-enfant")])
def test_rubrique_is_a_folder_name_or_its_label(copy_site, value, folder):
    content = copy_site("desk-publish")
    path = create_report("Un titre", value, settings_for(content), now=NOW)
    assert path.parent.name == folder


def test_unknown_rubrique_lists_the_known_ones(copy_site):
    with pytest.raises(NewReportError, match=re.escape("Rubrique «\u00a0cardiologie\u00a0» inconnue. Choisissez RUBRIQUE= "
                                                       "parmi\u00a0: brules, cancerologie, femme-enfant")):
        create_report("Un titre", "cardiologie", settings_for(copy_site("desk-publish")), now=NOW)


def test_missing_title_shows_the_command_to_type():
    result = subprocess.run(
        [sys.executable, "-m", "desk.new", "--title", "", "--rubrique", "urgences"],
        cwd=ROOT, capture_output=True, text=True, env=python_path({"PATH": "/usr/bin:/bin"}),
        check=False,
    )
    assert result.returncode == 1
    assert result.stdout.startswith('Donnez un titre\u00a0: make new TITLE="Le titre du reportage" RUBRIQUE=urgences')
    assert "Traceback" not in result.stderr


def test_long_titles_give_a_slug_cut_at_a_word():
    slug = make_slug("Au centre des brûlés de Nantes, une dizaine de métiers se relaient jour et nuit auprès "
                     "des patients")
    assert slug == "au-centre-des-brules-de-nantes-une-dizaine-de-metiers-se"
    assert len(slug) <= 60
