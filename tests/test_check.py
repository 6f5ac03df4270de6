"""`make check`: one fixture file per defect, each with its exact French message.

In the expected messages `~` stands for a no-break space (U+00A0) and `^` for a
narrow no-break space (U+202F), the way TeX writes them: the messages carry the
real characters, the notation only keeps this file readable.
"""

import subprocess
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

import markdown
import pytest
from pelican.settings import read_settings

from desk.checks import (
    CheckSettings,
    CheckSettingsError,
    check_site,
    parse_header,
    repeated_standfirst_line,
    tag_key,
)
from pouls_common.paths import ROOT, python_path

SITES = ROOT / "tests" / "sites"
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=ZoneInfo("Europe/Paris"))


def fr(text):
    return text.replace("~", "\u00a0").replace("^", "\u202f")


def settings_for(scenario, **overrides):
    return CheckSettings.from_settings(
        read_settings(str(ROOT / "pelicanconf.py"), override={"PATH": str(SITES / scenario), **overrides})
    )


@pytest.fixture(scope="module")
def defects():
    return check_site(settings_for("check-defects"), now=NOW)


def messages(report, name):
    """Messages of one fixture file, without its path prefix."""
    prefix = f"check-defects/articles/{name}:"
    found = report.for_file(f"check-defects/articles/{name}")
    assert all(line.startswith(prefix) for line in found)
    return [line[len(prefix):] for line in found]


# --------------------------------------------------------------------- errors, one file each


@pytest.mark.parametrize(
    "name, expected",
    [
        ("urgences/vide.md", [
            "1: erreur~: le fichier est vide. Écrivez l’en-tête (Title, Date, Summary) puis le texte, "
            "ou supprimez le fichier.",
        ]),
        ("urgences/titre-manquant.md", [
            "1: erreur~: le titre manque. Ajoutez une ligne «~Title: …~» dans l’en-tête.",
        ]),
        ("urgences/titre-vide.md", [
            "1: erreur~: le titre est vide. Écrivez-le après «~Title:~».",
        ]),
        ("urgences/date-manquante.md", [
            "1: erreur~: la date manque. Ajoutez une ligne «~Date: …~» dans l’en-tête.",
        ]),
        ("urgences/chapo-manquant.md", [
            "1: erreur~: le chapô (Summary) manque. Ajoutez une ligne «~Summary: …~» dans l’en-tête.",
        ]),
        ("urgences/chapo-vide.md", [
            "3: erreur~: le chapô (Summary) est vide. Écrivez-le après «~Summary:~».",
        ]),
        ("urgences/date-impossible.md", [
            "2: erreur~: la date «~2025-13-45~» de «~Date~» n’est pas une date. "
            "Écrivez-la «~AAAA-MM-JJ HH:MM~», par exemple «~Date: 2026-11-27 09:30~».",
        ]),
        ("urgences/date-demain.md", [
            "2: erreur~: la date «~demain~» de «~Date~» n’est pas une date. "
            "Écrivez-la «~AAAA-MM-JJ HH:MM~», par exemple «~Date: 2026-11-27 09:30~».",
        ]),
        # The typo hides the standfirst, so both are reported.
        ("urgences/cle-sumary.md", [
            "1: erreur~: le chapô (Summary) manque. Ajoutez une ligne «~Summary: …~» dans l’en-tête.",
            "3: erreur~: clé inconnue «~Sumary~». Écrivez «~Summary~».",
        ]),
        ("urgences/cle-avec-espace.md", [
            "3: erreur~: «~Image alt~» n’est pas un nom de clé valide. Écrivez «~ImageAlt: …~».",
        ]),
        ("urgences/cle-doublee.md", [
            "4: erreur~: la clé «~Date~» est déjà donnée ligne 2. Gardez une seule ligne «~Date: …~».",
        ]),
        ("urgences/statut-inconnu.md", [
            "3: erreur~: statut «~brouillon~» inconnu. Écrivez «~Status: draft~» (draft, hidden ou published).",
        ]),
        ("urgences/commentaires-inconnu.md", [
            "3: erreur~: valeur «~non~» inconnue pour Comments. Écrivez «~Comments: closed~» (open ou closed).",
        ]),
        ("urgences/doublon.md", [
            "1: erreur~: le slug «~doublon~» est déjà celui de check-defects/articles/brules/doublon.md. "
            "Renommez l’un des deux fichiers.",
        ]),
        ("urgences/Slug_Pas_Propre.md", [
            "1: erreur~: le slug «~Slug_Pas_Propre~» n’est pas propre (minuscules sans accent, chiffres et tirets). "
            "Renommez le fichier «~slug-pas-propre.md~».",
        ]),
        ("urgences/slug-cle.md", [
            "3: erreur~: le slug «~Régulation de nuit~» n’est pas propre (minuscules sans accent, chiffres et "
            "tirets). Écrivez «~Slug: regulation-de-nuit~».",
        ]),
        ("urgences/image-introuvable.md", [
            "3: erreur~: l’image «~images/absente.jpg~» n’existe pas. "
            "Ajoutez le fichier dans content/images/absente.jpg ou corrigez le chemin.",
        ]),
        ("urgences/lien-introuvable.md", [
            "5: erreur~: le lien interne «~{filename}/articles/urgences/nulle-part.md~» ne mène à aucun fichier "
            "(/articles/urgences/nulle-part.md introuvable). Corrigez le chemin ou retirez le lien.",
        ]),
        ("urgences/related-introuvable.md", [
            "3: erreur~: «~Related~» cite «~regulation-de-jour~», qui n’est le slug d’aucun reportage. "
            "Corrigez-le ou retirez-le.",
        ]),
        ("urgences/non-utf8.md", [
            "1: erreur~: le fichier n’est pas enregistré en UTF-8 (octet 0xE9 illisible, sans doute du "
            "Windows-1252). Convertissez-le~: iconv -f WINDOWS-1252 -t UTF-8 "
            "check-defects/articles/urgences/non-utf8.md > check-defects/articles/urgences/non-utf8.md.utf8 "
            "&& mv check-defects/articles/urgences/non-utf8.md.utf8 check-defects/articles/urgences/non-utf8.md "
            "(ou, dans votre éditeur, «~Enregistrer sous~» avec l’encodage «~UTF-8~»).",
        ]),
        ("urgences/entete-sans-deux-points.md", [
            "3: erreur~: la ligne d’en-tête «~Authors Rédaction de Pouls~» n’a pas de deux-points. "
            "Écrivez «~Clé: valeur~», ou laissez une ligne vide entre l’en-tête et le texte.",
        ]),
        ("urgences/video-pas-url.md", [
            "3: erreur~: la vidéo «~la vidéo du service~» n’est pas une adresse web. "
            "Donnez l’adresse de la page de la vidéo, «~Video: https://…~».",
        ]),
        ("cardiologie/hors-rubrique.md", [
            "1: erreur~: le dossier «~cardiologie~» n’est pas une rubrique. Déplacez le fichier dans l’un des "
            "dossiers brules, cancerologie, femme-enfant, hematologie, organisation, urgences, "
            "ou ajoutez «~cardiologie~» à RUBRIQUES dans pelicanconf.py.",
        ]),
    ],
)
def test_each_error_has_its_exact_message(defects, name, expected):
    assert messages(defects, name) == [fr(line) for line in expected]


# --------------------------------------------------------------------- warnings, one file each


@pytest.mark.parametrize(
    "name, expected",
    [
        ("urgences/chapo-trop-long.md", [
            "3: avertissement~: le chapô fait 332 caractères, trop pour une carte (limite~: 300). "
            "Raccourcissez-le à 300 caractères au plus.",
        ]),
        # The seed's defect: the standfirst typed with straight apostrophes, the body with curly ones.
        ("urgences/chapo-repete.md", [
            "5: avertissement~: le premier paragraphe répète le chapô. "
            "Supprimez ce paragraphe~: le chapô s’affiche déjà au-dessus du texte.",
        ]),
        ("urgences/image-sans-alt.md", [
            "3: avertissement~: l’image «~images/ambulance.png~» n’a pas de texte alternatif. "
            "Décrivez ce qu’elle montre dans «~ImageAlt: …~»^; sans ce texte, make publish refuse de publier.",
        ]),
        ("urgences/image-sans-credit.md", [
            "3: avertissement~: l’image «~images/ambulance.png~» n’a pas de crédit. "
            "Indiquez son auteur dans «~ImageCredit: …~».",
        ]),
        ("urgences/modifie-avant-date.md", [
            "3: avertissement~: la mise à jour (2026-02-20 10:00) est antérieure à la publication "
            "(2026-03-02 09:00). Corrigez «~Modified~» ou «~Date~».",
        ]),
        ("urgences/etiquette-majuscule.md", [
            "3: avertissement~: l’étiquette «~Urgences~» ressemble à «~urgences~» (4 reportages). "
            "Écrivez «~urgences~» pour les réunir.",
        ]),
        ("urgences/etiquette-repetee.md", [
            "3: avertissement~: l’étiquette «~urgences~» est donnée deux fois. Retirez le doublon.",
        ]),
        ("urgences/etiquette-unique.md", [
            "3: avertissement~: l’étiquette «~simulation~» n’est utilisée que par ce reportage. "
            "Reprenez une étiquette existante, ou gardez-la si d’autres reportages suivront.",
        ]),
        ("urgences/script.md", [
            "7: avertissement~: balise <script> dans le texte. Retirez-la~: Pouls ne publie aucun script^; "
            "pour une vidéo, donnez son adresse dans «~Video:~».",
        ]),
        ("urgences/st-malo.md", [
            "5: avertissement~: «~St Malo~»~: la maison écrit «~Saint-Malo~». Remplacez-le.",
        ]),
        ("urgences/cle-inconnue.md", [
            "3: avertissement~: clé inconnue «~Humeur~», ignorée par le site. Supprimez-la ou corrigez-la "
            "(clés connues~: Author, Authors, Category, Comments, Date, Hospitals, Image, ImageAlt, ImageCredit, "
            "Lang, Modified, Region, Related, Slug, Sources, Status, Summary, Tags, Template, Title, Transcript, "
            "Video, VideoCaptions, VideoFile, VideoPoster).",
        ]),
        # A draft is work in progress: its missing standfirst must not block a publication.
        ("urgences/brouillon.md", [
            "4: avertissement~: le chapô (Summary) est vide. Écrivez-le après «~Summary:~».",
        ]),
    ],
)
def test_each_warning_has_its_exact_message(defects, name, expected):
    assert messages(defects, name) == [fr(line) for line in expected]


def test_bom_and_crlf_line_endings_are_fine(defects):
    assert messages(defects, "urgences/bom-crlf.md") == []


def test_a_clean_report_beside_broken_ones_gets_no_message(defects):
    assert messages(defects, "urgences/propre.md") == []
    assert messages(defects, "brules/doublon.md") == []


def test_scheduled_report_is_listed_with_its_date(defects):
    assert [str(item) for item in defects.scheduled] == [fr(
        "check-defects/articles/urgences/programme.md:2: programmé~: sera publié par la première construction "
        "après le jeudi 1er janvier 2099 à 07:30."
    )]
    assert messages(defects, "urgences/programme.md") == []


def test_every_file_is_checked_despite_the_broken_ones(defects):
    checked = sorted(p.name for p in (SITES / "check-defects" / "articles").rglob("*.md"))
    assert defects.files == len(checked) == 41


# --------------------------------------------------------------------- the report as printed


def run_check(*args):
    return subprocess.run(
        [sys.executable, "-m", "desk.check", *args],
        cwd=ROOT, capture_output=True, text=True, env=python_path({"PATH": "/usr/bin:/bin"}),
        check=False,
    )


def test_report_lists_errors_then_warnings_then_scheduled_then_a_count():
    result = run_check("--content", "tests/sites/check-defects")
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stdout.splitlines()
    headings = [line for line in lines if line.endswith("\u00a0:") and ".md:" not in line]
    assert headings == [
        fr("Erreurs (à corriger avant de publier)~:"), fr("Avertissements~:"), fr("Programmés~:"),
    ]
    sections = result.stdout.split(fr("Avertissements~:"))
    assert sections[0].count(fr(": erreur~: ")) == 24 and fr("avertissement~:") not in sections[0]
    assert sections[1].split(fr("Programmés~:"))[0].count(fr(": avertissement~: ")) == 12
    assert lines[-1] == fr("Bilan~: 24 erreurs, 12 avertissements, 1 reportage programmé, 41 fichiers relus.")


def test_clean_site_passes_with_exit_status_zero():
    result = run_check("--content", "tests/sites/check-clean")
    assert result.returncode == 0, result.stdout
    assert result.stdout.splitlines() == [
        fr("Bilan~: 0 erreur, 0 avertissement, 0 reportage programmé, 2 fichiers relus.")
    ]


def test_missing_content_folder_is_a_clear_message_not_a_traceback(tmp_path):
    result = run_check("--content", str(tmp_path / "absent"))
    assert result.returncode == 2
    assert "absent does not exist; pass --content <folder>" in result.stdout
    assert "Traceback" not in result.stderr


def test_bad_summary_limit_setting_is_quoted():
    with pytest.raises(CheckSettingsError, match=r"DESK_CHECK_SUMMARY_MAX_LENGTH is '300'; set it to a positive"):
        settings_for("check-clean", DESK_CHECK_SUMMARY_MAX_LENGTH="300")


def test_summary_limit_comes_from_the_setting():
    report = check_site(settings_for("check-clean", DESK_CHECK_SUMMARY_MAX_LENGTH=40), now=NOW)
    assert [p.message.split(".")[0] for p in report.warnings] == [
        fr("le chapô fait 110 caractères, trop pour une carte (limite~: 40)"),
        fr("le chapô fait 112 caractères, trop pour une carte (limite~: 40)"),
    ]


def test_sample_content_has_no_error():
    result = run_check()
    assert result.returncode == 0, result.stdout


# --------------------------------------------------------------------- the rules as plain functions


@pytest.mark.parametrize(
    "header",
    [
        "Title: Un titre\nDate: 2026-01-01\n\nTexte.",
        "Title: Un titre\nSummary: Une première ligne\n    et sa suite\nTags: a, b\n\nTexte.",
        "---\nTitle: Un titre\n---\nTexte.",
        "Title: Un titre\nDate:\nStatus: draft\n\nTexte.",
    ],
)
def test_header_is_read_like_python_markdown_meta(header):
    md = markdown.Markdown(extensions=["meta"])
    md.convert(header)
    fields, bad, _ = parse_header(header.splitlines())
    assert bad == []
    assert {f.key.lower(): f.value for f in fields} == {k: "\n".join(v).strip() for k, v in md.Meta.items()}


@pytest.mark.parametrize(
    "summary, paragraph",
    [
        ("C'est l'hôpital d'une région.", "C’est l’hôpital d’une région."),
        ("C’est l’hôpital d’une région.", "C'est l'hôpital d'une région."),
        ("Deux points : le test !", "Deux points\u00a0: le test\u202f!"),
        ("Une *belle* journée.", "Une belle journée."),
    ],
)
def test_standfirst_repeated_despite_apostrophes_spaces_and_emphasis(summary, paragraph):
    body = [(5, ""), (6, "[//]: # (Aide à la saisie.)"), (7, ""), (8, paragraph), (9, ""), (10, "Suite.")]
    assert repeated_standfirst_line(summary, body) == 8


def test_standfirst_not_repeated_when_the_body_says_something_else():
    assert repeated_standfirst_line("Un chapô.", [(5, "Un autre paragraphe.")]) is None


@pytest.mark.parametrize("a, b", [("Urgences", "urgences"), ("urgence", "Urgences"), ("Sage-femme", "sage femme"),
                                  ("hôpital", "Hopital")])
def test_near_duplicate_tags_share_a_key(a, b):
    assert tag_key(a) == tag_key(b)


def test_different_tags_keep_different_keys():
    assert tag_key("urgences") != tag_key("urgences gynécologiques")
