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
    DeskCheckSettingsError,
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


def messages(report, name, folder="check-defects/articles"):
    """Messages of one fixture file, without its path prefix."""
    prefix = f"{folder}/{name}:"
    found = report.for_file(f"{folder}/{name}")
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
        # Pelican would write one over the other: both files are named.
        ("urgences/doublon.md", [
            "1: erreur~: le slug «~doublon~» est aussi celui de check-defects/articles/brules/doublon.md~: "
            "une seule des deux pages serait publiée. Renommez l’un des deux fichiers.",
        ]),
        ("brules/doublon.md", [
            "1: erreur~: le slug «~doublon~» est aussi celui de check-defects/articles/urgences/doublon.md~: "
            "une seule des deux pages serait publiée. Renommez l’un des deux fichiers.",
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
        # The suggestion is the build's: the closest slug of a published report (slug-cle.md's).
        ("urgences/related-introuvable.md", [
            "3: erreur~: «~Related~» cite «~regulation-de-jour~», qui n’est le slug d’aucun reportage publié "
            "(vouliez-vous dire «~Régulation de nuit~»^?). Corrigez-le ou retirez-le.",
        ]),
        ("urgences/related-ambigu.md", [
            "3: erreur~: «~Related~» cite «~doublon~», mais plusieurs reportages ont ce slug. "
            "Écrivez «~<rubrique>/doublon~».",
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
        ("urgences/image-hors-contenu.md", [
            "3: erreur~: l’image «~../ambulance.png~» n’est pas un chemin sous content/. "
            "Écrivez «~Image: images/<fichier>~».",
        ]),
        ("urgences/image-hors-static.md", [
            "3: erreur~: l’image «~brouillons/ambulance.png~» n’est pas dans un dossier publié (images, videos)~: elle ne "
            "serait pas en ligne. Déplacez-la dans content/images/ et écrivez «~Image: images/<fichier>~».",
        ]),
        ("urgences/image-illisible.md", [
            "3: erreur~: le fichier «~images/pas-une-image.png~» n’est pas une image lisible. "
            "Exportez-le en JPEG, PNG ou WebP.",
        ]),
        ("urgences/transcription-hors-contenu.md", [
            "4: erreur~: la transcription «~../transcription.txt~» n’est pas un chemin sous content/. "
            "Écrivez «~Transcript: transcripts/<fichier>.txt~».",
        ]),
        ("urgences/transcription-introuvable.md", [
            "4: erreur~: la transcription «~transcripts/absente.txt~» n’existe pas. Ajoutez le fichier dans "
            "content/transcripts/absente.txt ou écrivez la transcription elle-même après «~Transcript:~».",
        ]),
        # A clip published with the site: each of its three files must exist, in a published folder,
        # in a format browsers read; the captions must parse (article_meta, as the build says).
        ("urgences/video-fichier-introuvable.md", [
            "4: erreur~: le fichier «~videos/absente.mp4~» de «~VideoFile~» n’existe pas. "
            "Ajoutez-le dans content/videos/absente.mp4 ou corrigez le chemin.",
        ]),
        ("urgences/video-affiche-hors-contenu.md", [
            "5: erreur~: «~VideoPoster~» vaut «~../affiche.png~», qui n’est pas un chemin sous content/. "
            "Écrivez «~VideoPoster: images/affiche.webp~».",
        ]),
        ("urgences/video-sous-titres-hors-static.md", [
            "6: erreur~: le fichier «~sous-titres/essai.fr.vtt~» de «~VideoCaptions~» n’est pas dans un dossier "
            "publié (images, videos)~: il ne serait pas en ligne. Déplacez-le et écrivez "
            "«~VideoCaptions: videos/reportage.fr.vtt~».",
        ]),
        ("urgences/video-format.md", [
            "4: erreur~: la vidéo «~videos/essai.avi~» n’est ni un MP4, ni un WebM, ni un Ogg. "
            "Exportez-la en MP4 (H.264 et AAC), que tous les navigateurs lisent.",
        ]),
        ("urgences/video-affiche-illisible.md", [
            "5: erreur~: l’affiche «~images/pas-une-image.png~» n’est pas une image lisible. "
            "Exportez-la en JPEG, PNG ou WebP.",
        ]),
        ("urgences/video-sous-titres-srt.md", [
            "6: erreur~: les sous-titres «~videos/essai.srt~» ne sont pas un fichier WebVTT (.vtt). "
            "Exportez-les en WebVTT.",
        ]),
        # Shown at the report's `VideoCaptions:` line (6), naming the .vtt file and its own line (7).
        ("urgences/video-sous-titres-casses.md", [
            "6: erreur~: les sous-titres «~content/videos/casse.fr.vtt~», ligne 7~: ce n’est pas du WebVTT valide. "
            "Écrivez le minutage d’une réplique «~00:01.000 --> 00:04.500~», son texte dessous, et une ligne vide "
            "entre deux répliques.",
        ]),
        # The folder is the rubrique: a Category header that says otherwise loses, and says so.
        ("urgences/categorie-autre.md", [
            "3: erreur~: «~Category: brules~» nomme la rubrique «~Brûlés et plaies~», mais la rubrique d’un "
            "reportage est son dossier~: c’est le dossier qui l’emporte, le reportage reste dans «~Urgences~». "
            "Retirez la ligne «~Category:~», ou déplacez le fichier dans content/articles/brules/ pour le classer "
            "dans «~Brûlés et plaies~».",
        ]),
        ("urgences/categorie-inconnue.md", [
            "3: erreur~: «~Category: Cardiologie~» ne nomme aucune rubrique, et la rubrique d’un reportage est son "
            "dossier~: c’est le dossier qui l’emporte, le reportage reste dans «~Urgences~». Retirez la ligne "
            "«~Category:~» (pour changer de rubrique, déplacez le fichier dans l’un des dossiers brules, "
            "cancerologie, femme-enfant, hematologie, organisation, urgences).",
        ]),
        ("urgences/categorie-vide.md", [
            "3: erreur~: la ligne «~Category:~» est vide. Retirez-la~: la rubrique d’un reportage est son dossier, "
            "ici «~Urgences~» (content/articles/urgences/).",
        ]),
        ("urgences/sans-texte.md", [
            "3: erreur~: le reportage n’a pas de texte~: rien ne suit l’en-tête. Écrivez le texte après une ligne "
            "vide sous l’en-tête.",
        ]),
        # dateutil, hence Pelican, reads the month first: 03/04 is the 4th of March.
        ("urgences/date-jour-mois.md", [
            "2: erreur~: la date «~03/04/2025 10:00~» de «~Date~» est ambiguë~: jour et mois peuvent s’échanger, "
            "et le site lit le 4 mars 2025. Écrivez-la «~AAAA-MM-JJ HH:MM~», par exemple "
            "«~Date: 2025-04-03 10:00~» pour le 3 avril 2025.",
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
        ("urgences/commentaires-inconnu.md", [
            "3: avertissement~: valeur «~non~» inconnue pour Comments~: les commentaires restent fermés. "
            "Écrivez «~Comments: closed~» (open ou closed).",
        ]),
        ("urgences/alt-sans-image.md", [
            "3: avertissement~: «~ImageAlt~» est donné sans «~Image~». Ajoutez «~Image: images/<fichier>~» "
            "ou retirez ImageAlt.",
        ]),
        ("urgences/video-sans-transcription.md", [
            "3: avertissement~: la vidéo n’a pas de transcription. Ajoutez «~Transcript: transcripts/<fichier>.txt~» "
            "ou le texte lui-même (le RGAA demande une alternative textuelle à toute vidéo).",
        ]),
        ("urgences/transcription-sans-video.md", [
            "3: avertissement~: «~Transcript~» est donné sans «~Video~». Ajoutez «~Video: https://…~» "
            "ou retirez Transcript.",
        ]),
        ("urgences/transcription-vide.md", [
            "4: avertissement~: le fichier de transcription «~transcripts/vide.txt~» est vide. "
            "Écrivez-y la transcription.",
        ]),
        ("urgences/source-pas-web.md", [
            "3: avertissement~: la source «~Note de service <ftp://serveur/note>~» a l’adresse «~ftp://serveur/note~», "
            "qui n’est pas une adresse web. Écrivez-la «~Libellé <https://…>~» ou retirez l’adresse.",
        ]),
        ("urgences/source-sans-libelle.md", [
            "3: avertissement~: la source «~<https://www.example.org/rapport>~» n’a pas de libellé. "
            "Écrivez «~Libellé <https://…>~».",
        ]),
        # The build warns about a report pinning itself: make check says so too.
        ("urgences/related-soi-meme.md", [
            "3: avertissement~: «~Related~» cite le reportage lui-même («~related-soi-meme~»). Retirez-le.",
        ]),
        ("urgences/related-deux-fois.md", [
            "3: avertissement~: «~Related~» cite «~propre~» deux fois. Gardez-en un.",
        ]),
        ("urgences/related-brouillon.md", [
            "3: avertissement~: «~Related~» cite «~brouillon~», qui est un brouillon, un reportage caché ou "
            "programmé~: il n’apparaîtra dans le bloc qu’une fois publié.",
        ]),
        ("urgences/related-trop.md", [
            "3: avertissement~: «~Related~» cite 4 reportages, mais le bloc n’en montre que 3. Retirez-en, "
            "ou augmentez RELATED_ARTICLES_MAX.",
        ]),
        ("urgences/modifie-futur.md", [
            "3: avertissement~: la mise à jour (2099-06-01 10:00) est postérieure à aujourd’hui~: les flux gardent "
            "la date de publication jusque-là. Corrigez «~Modified~».",
        ]),
        # 8 × 6 px is also too small for the share crops (social_cards, as the build says).
        ("brules/image-bmp.md", [
            "3: avertissement~: l’image «~images/pansement.bmp~» a un type que les flux ne savent pas annoncer. "
            "Utilisez l’un des types .avif, .gif, .jpeg, .jpg, .png, .svg, .webp.",
            "3: avertissement~: l’image «~images/pansement.bmp~» fait 8~×~6~px, trop peu pour des vignettes de "
            "partage de 1^200~px de large~: elles sont faites aussi grandes qu’elle le permet (16:9 de 8~px, "
            "4:3 de 8~px, 1:1 de 6~px, carte de 8~px). Exportez l’image en 1^200~×~1^200~px au moins (par exemple "
            "2^133~×~1^200 pour garder le 16:9)^; make publish refuse de la publier ainsi.",
        ]),
        ("urgences/video-et-plateforme.md", [
            "4: avertissement~: «~VideoFile~» et «~Video~» sont donnés tous les deux. Gardez VideoFile pour une "
            "vidéo publiée avec le site, ou Video pour une vidéo sur une plateforme.",
        ]),
        # RGAA 4.3: synchronised captions; the poster is what a reader sees before playing.
        ("urgences/video-sans-sous-titres-ni-affiche.md", [
            "4: avertissement~: la vidéo «~videos/essai.mp4~» n’a pas de sous-titres. Ajoutez "
            "«~VideoCaptions: videos/<fichier>.fr.vtt~», des sous-titres français en WebVTT (le RGAA demande des "
            "sous-titres synchronisés).",
            "4: avertissement~: la vidéo «~videos/essai.mp4~» n’a pas d’affiche. Ajoutez "
            "«~VideoPoster: images/<fichier>~», l’image montrée tant que le lecteur n’a pas lancé la vidéo.",
        ]),
        ("urgences/sous-titres-sans-video.md", [
            "4: avertissement~: «~VideoCaptions~» est donné sans «~VideoFile~». Ajoutez "
            "«~VideoFile: videos/<fichier>.mp4~» ou retirez VideoCaptions.",
        ]),
        # structured_data's rule: Google News may cut a headline beyond 110 characters.
        ("urgences/titre-trop-long.md", [
            "1: avertissement~: le titre fait 117~caractères^; au-delà de 110, les moteurs de recherche et les "
            "agrégateurs d’actualité peuvent le couper. Raccourcissez-le à 110~caractères au plus.",
        ]),
        # Europe/Paris skips 02:00-03:00 on the last Sunday of March and goes through it twice
        # on the last Sunday of October; the message names the offset the site uses.
        ("urgences/heure-inexistante.md", [
            "2: avertissement~: l’heure «~02:30~» du 29 mars 2026 n’existe pas à Paris (passage à l’heure d’été)~: "
            "le site la lit avec le décalage UTC+01:00, soit 03:30 (UTC+02:00). Écrivez une heure qui existe, "
            "par exemple «~Date: 2026-03-29 03:30~».",
        ]),
        ("urgences/heure-double.md", [
            "2: avertissement~: l’heure «~02:30~» du 26 octobre 2025 existe deux fois à Paris (retour à l’heure "
            "d’hiver)~: le site retient la première, décalage UTC+02:00. Pour la seconde, écrivez "
            "«~Date: 2025-10-26 02:30+01:00~».",
        ]),
        # An image pasted into the text as a data: URI.
        ("urgences/texte-trop-lourd.md", [
            "4: avertissement~: le texte pèse 1,1~Mo, au-delà de 1~Mo~: chaque page qui le liste et chaque flux le "
            "portent. Retirez les images collées dans le texte (rangez-les dans content/images/) ou scindez le "
            "document.",
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


def test_a_pin_written_rubrique_slug_is_valid(defects):
    # related_articles indexes `Related: rubrique/slug` and advises it: make check agrees.
    assert messages(defects, "urgences/related-rubrique-slug.md") == []


def test_scheduled_report_is_listed_with_its_date(defects):
    assert [str(item) for item in defects.scheduled] == [fr(
        "check-defects/articles/urgences/programme.md:2: programmé~: sera publié par la première construction "
        "après le jeudi 1er janvier 2099 à 07:30."
    )]
    # 2099 is beyond next year: a typo as often as a plan.
    assert messages(defects, "urgences/programme.md") == [fr(
        "2: avertissement~: la date «~2099-01-01 07:30~» est en 2099, au-delà de l’an prochain~: vérifiez "
        "l’année. Le reportage ne sera publié qu’à cette date."
    )]


def test_a_date_next_year_is_not_far(tmp_path):
    report = _check_one(tmp_path, "Date: 2027-12-31 23:00")
    assert report.problems == [] and len(report.scheduled) == 1


def _check_one(tmp_path, header):
    site = tmp_path / "content"
    (site / "articles" / "urgences").mkdir(parents=True)
    (site / "articles" / "urgences" / "un-reportage.md").write_text(
        f"Title: Un reportage\n{header}\nSummary: Un chapô.\n\nLe texte.\n", encoding="utf-8")
    return check_site(
        CheckSettings.from_settings(read_settings(str(ROOT / "pelicanconf.py"), override={"PATH": str(site)})),
        now=NOW,
    )


@pytest.mark.parametrize(
    "value, read, meant",
    [
        ("03-04-2025", "le 4 mars 2025", "«~Date: 2025-04-03 00:00~» pour le 3 avril 2025"),
        ("3.4.25 10:00", "le 4 mars 2025", "«~Date: 2025-04-03 10:00~» pour le 3 avril 2025"),
        # Day-first without doubt for dateutil, but still not the house form.
        ("25/04/2025", "le 25 avril 2025", "«~Date: 2025-04-25 00:00~» pour le 25 avril 2025"),
        ("31/31/2025", "une date impossible", "«~Date: 2026-11-27 09:30~»."),
    ],
)
def test_dates_written_day_or_month_first_are_errors_quoting_the_expected_form(tmp_path, value, read, meant):
    report = _check_one(tmp_path, f"Date: {value}")
    assert [(p.code, p.severity) for p in report.problems] == [("date-day-first", "erreur")]
    message = report.problems[0].message
    assert fr(f"le site lit {read}") in message and fr("«~AAAA-MM-JJ HH:MM~»") in message and fr(meant) in message


@pytest.mark.parametrize("value", ["2025-04-03", "2025-04-03 10:00", "2025/04/03 10:00", "2025-04-03T10:00+02:00"])
def test_year_first_dates_are_fine(tmp_path, value):
    assert _check_one(tmp_path, f"Date: {value}").problems == []


def test_control_characters_are_found_where_pelican_reads_them():
    # Form feeds and vertical tabs stay inside a line for Python-Markdown (str.splitlines()
    # would cut there): the header is read whole, and each field is named at its own line.
    report = check_site(settings_for("feeds-controls"), now=NOW)
    name = "feeds-controls/articles/hematologie/caracteres-controle.md"
    assert report.for_file(name) == [fr(
        f"{name}:{line}: avertissement~: caractère de contrôle invisible dans {field}~: les flux le retirent. "
        "Supprimez-le du fichier (retapez la ligne dans votre éditeur)."
    ) for line, field in ((1, "le titre"), (5, "le chapô"), (7, "le texte"))]


def test_every_file_is_checked_despite_the_broken_ones(defects):
    checked = sorted(p.name for p in (SITES / "check-defects" / "articles").rglob("*.md"))
    assert defects.files == len(checked) == 79


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
    assert sections[0].count(fr(": erreur~: ")) == 42 and fr("avertissement~:") not in sections[0]
    assert sections[1].split(fr("Programmés~:"))[0].count(fr(": avertissement~: ")) == 35
    assert lines[-1] == fr("Bilan~: 42 erreurs, 35 avertissements, 1 reportage programmé, 79 fichiers relus.")


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
    with pytest.raises(DeskCheckSettingsError, match=r"DESK_CHECK_SUMMARY_MAX_LENGTH is '300'; set it to a positive"):
        settings_for("check-clean", DESK_CHECK_SUMMARY_MAX_LENGTH="300")


@pytest.mark.parametrize(
    "override, quoted",
    [
        ("RUBRIQUES = ['urgences']", "rubriques: RUBRIQUES must be a non-empty dict of folder -> label, got ['urgences']"),
        ("RELATED_ARTICLES_MAX = 'trois'", "related_articles: RELATED_ARTICLES_MAX is 'trois' in the settings"),
        ("COMMENTS_PATH = '../secret'",
         "comments: pelicanconf setting COMMENTS_PATH = '../secret' must be a folder name relative to PATH"),
        ("SOCIAL_CARDS_WIDTH = 'large'", "social_cards: SOCIAL_CARDS_WIDTH is 'large'; set it to a width in pixels"),
    ],
)
def test_a_plugin_setting_the_build_refuses_make_check_refuses_too(tmp_path, override, quoted):
    settings = tmp_path / "reglages.py"
    settings.write_text(f"import sys\nsys.path.insert(0, {str(ROOT)!r})\nfrom pelicanconf import *\n{override}\n",
                        encoding="utf-8")
    result = run_check("--content", "tests/sites/check-clean", "--settings", str(settings))
    assert result.returncode == 2
    assert result.stdout.startswith(quoted)
    assert "Traceback" not in result.stdout + result.stderr


def test_summary_limit_comes_from_the_setting():
    report = check_site(settings_for("check-clean", DESK_CHECK_SUMMARY_MAX_LENGTH=40), now=NOW)
    assert [p.message.split(".")[0] for p in report.warnings] == [
        fr("le chapô fait 110 caractères, trop pour une carte (limite~: 40)"),
        fr("le chapô fait 112 caractères, trop pour une carte (limite~: 40)"),
    ]


def test_sample_content_has_no_error():
    result = run_check()
    assert result.returncode == 0, result.stdout


# --------------------------------------------------------------------- approved comment files


@pytest.fixture(scope="module")
def broken_comments():
    return check_site(settings_for("comments-broken"), now=NOW)


# Each is a build warning too, naming the same file (comments/rules.py; tests/test_check_drift.py).
SKIPPED = "le commentaire est ignoré."


@pytest.mark.parametrize(
    "name, expected",
    [
        ("egare.md", "1: avertissement~: le commentaire n’est rangé dans le dossier d’aucun reportage~: il est "
                     "ignoré. Déplacez-le dans comments/<slug-du-reportage>/."),
        ("article-disparu/lost0001.md", "1: avertissement~: aucun reportage n’a le slug «~article-disparu~»~: "
                                        f"{SKIPPED} Déplacez-le dans le dossier comments/<slug>/ d’un reportage "
                                        "existant, ou supprimez-le."),
        ("transfusion-mobile/Majuscule.md", "1: avertissement~: le nom du fichier «~Majuscule~» n’est pas un "
                                            f"identifiant de commentaire~: {SKIPPED} Renommez-le avec des minuscules "
                                            "sans accent, des chiffres, «~-~» ou «~_~», par exemple «~majuscule.md~»."),
        ("transfusion-mobile/dossier.md", f"1: avertissement~: le fichier ne peut pas être lu (c’est un dossier)~: "
                                          f"{SKIPPED} Corrigez ses droits de lecture, ou déplacez-le hors de ce dossier."),
        ("transfusion-mobile/latin001.md", "1: avertissement~: le fichier n’est pas enregistré en UTF-8 (octet 0xE9 "
                                           f"illisible)~: {SKIPPED} Dans votre éditeur, «~Enregistrer sous~» avec "
                                           "l’encodage «~UTF-8~»."),
        ("transfusion-mobile/noblank1.md", f"2: avertissement~: aucune ligne vide ne sépare l’en-tête du texte~: "
                                           f"{SKIPPED} Laissez une ligne vide après la dernière ligne d’en-tête, puis "
                                           "écrivez le texte."),
        # The text follows the header at line 3: that is where the blank line is missing.
        ("transfusion-mobile/colle001.md", f"3: avertissement~: aucune ligne vide ne sépare l’en-tête du texte~: "
                                           f"{SKIPPED} Laissez une ligne vide après la dernière ligne d’en-tête, puis "
                                           "écrivez le texte."),
        ("transfusion-mobile/badkey01.md", "2: avertissement~: la ligne «~Email: eve@example.org~» n’est pas une "
                                           f"ligne d’en-tête de commentaire~: {SKIPPED} Retirez-la, ou écrivez «~Clé: "
                                           "valeur~» avec l’une des clés Author, Website, Date, Parent, Role."),
        ("transfusion-mobile/double01.md", f"3: avertissement~: la clé «~Author~» est déjà donnée ligne 1~: {SKIPPED} "
                                           "Gardez une seule ligne «~Author: …~»."),
        ("transfusion-mobile/nodate01.md", f"1: avertissement~: la clé «~Date~» manque ou est vide~: {SKIPPED} "
                                           "Écrivez dans l’en-tête une ligne «~Date: …~»."),
        ("transfusion-mobile/longnom1.md", "1: avertissement~: le nom «~Ève, infirmière de nuit au service de "
                                           "transfusion du centre hospitalier de Vannes depuis 2009~» compte 93 "
                                           f"caractères, au lieu de 1 à 80~: {SKIPPED} Écrivez dans «~Author:~» un nom "
                                           "de 1 à 80 caractères."),
        ("transfusion-mobile/baddate1.md", f"2: avertissement~: la date «~hier soir~» n’est pas une date~: {SKIPPED} "
                                           "Écrivez-la avec l’heure et le décalage UTC, par exemple "
                                           "«~Date: 2026-10-17T08:12:00+02:00~»."),
        ("transfusion-mobile/naive001.md", "2: avertissement~: la date «~2026-05-12 13:00~» n’a pas de décalage UTC~: "
                                           f"{SKIPPED} Ajoutez-le, par exemple «~Date: 2026-05-12T13:00:00+02:00~» "
                                           "pour l’heure de Paris."),
        ("transfusion-mobile/badsite1.md", "2: avertissement~: l’adresse «~javascript:alert(1)~» de «~Website~» n’est "
                                           f"pas une adresse http(s)~: {SKIPPED} Corrigez-la (https://…) ou retirez la "
                                           "ligne."),
        ("transfusion-mobile/badpar01.md", "3: avertissement~: «~Parent: ../ok0001~» ne nomme pas un identifiant de "
                                           f"commentaire~: {SKIPPED} Écrivez le nom du fichier du commentaire auquel "
                                           "il répond, sans «~.md~», ou retirez la ligne."),
        ("transfusion-mobile/selfpar1.md", "3: avertissement~: «~Parent: selfpar1~» nomme ce commentaire lui-même~: "
                                           f"{SKIPPED} Écrivez le nom du fichier du commentaire auquel il répond, ou "
                                           "retirez la ligne."),
        ("transfusion-mobile/badrole1.md", f"3: avertissement~: le rôle «~admin~» est inconnu~: {SKIPPED} Le seul "
                                           "rôle est «~Role: newsroom~» (une réponse de la rédaction)^; sinon retirez "
                                           "la ligne."),
        ("transfusion-mobile/vide0001.md", "4: avertissement~: le commentaire n’a pas de texte~: il est ignoré. "
                                           "Écrivez le texte après la ligne vide qui suit l’en-tête, ou supprimez le "
                                           "fichier."),
        ("transfusion-mobile/orphan01.md", "3: avertissement~: «~Parent: absent99~» ne nomme aucun commentaire de ce "
                                           f"reportage~: {SKIPPED} Corrigez l’identifiant ou retirez la ligne."),
        ("transfusion-mobile/loopa1.md", "3: avertissement~: les lignes «~Parent:~» tournent en rond (loopa1 → "
                                         f"loopb2 → loopa1)~: {SKIPPED} Retirez la ligne «~Parent:~» de l’un de ces "
                                         "commentaires."),
        ("transfusion-mobile/loopb2.md", "3: avertissement~: les lignes «~Parent:~» tournent en rond (loopb2 → "
                                         f"loopa1 → loopb2)~: {SKIPPED} Retirez la ligne «~Parent:~» de l’un de ces "
                                         "commentaires."),
        # It answers a comment the model refused (baddate1.md): skipped with it, and told why.
        ("transfusion-mobile/repbad01.md", "3: avertissement~: «~Parent: baddate1~» nomme un commentaire qui est "
                                           "lui-même ignoré~: celui-ci l’est aussi. Corrigez d’abord le commentaire "
                                           "«~baddate1~»."),
    ],
)
def test_each_broken_comment_file_has_its_exact_message(broken_comments, name, expected):
    assert messages(broken_comments, name, folder="comments-broken/comments") == [fr(expected)]


def test_every_comment_file_is_reviewed_and_only_the_good_one_passes(broken_comments):
    folder = SITES / "comments-broken" / "comments"
    files = sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*.md"))
    named = {p.path.removeprefix("comments-broken/comments/") for p in broken_comments.problems}
    assert [name for name in files if name not in named] == ["transfusion-mobile/ok0001.md"]
    assert broken_comments.files == 2 + len(files) == 25  # the two reports, then every comment file
    assert {(p.code.startswith("comment"), p.severity) for p in broken_comments.problems
            if p.path.startswith("comments-broken/comments/")} == {(True, "avertissement")}


def test_a_bad_comments_value_is_a_warning_with_the_value_meant(broken_comments):
    messages = broken_comments.for_file("comments-broken/articles/urgences/triage-infirmier.md")
    assert fr(
        "comments-broken/articles/urgences/triage-infirmier.md:5: avertissement~: valeur «~peut-être~» inconnue pour "
        "Comments~: les commentaires restent fermés. Écrivez «~Comments: closed~» (open ou closed)."
    ) in messages


def _site_with_comments(tmp_path, reports, comments):
    """A content folder with reports {relative path: header} and comment files {relative path: text}."""
    site = tmp_path / "content"
    for relative, header in reports.items():
        (site / "articles" / relative).parent.mkdir(parents=True, exist_ok=True)
        (site / "articles" / relative).write_text(f"{header}\nSummary: Un chapô.\n\nLe texte.\n", encoding="utf-8")
    for relative, text in comments.items():
        (site / relative).parent.mkdir(parents=True, exist_ok=True)
        (site / relative).write_text(text, encoding="utf-8")
    return site


COMMENT = "Author: Anne\nDate: 2026-05-12T13:00:00+02:00\n\nMerci.\n"


def test_comments_of_drafts_and_hidden_reports_are_not_orphans(tmp_path):
    # The plugin attaches comments to every report it describes: drafts and hidden ones too.
    site = _site_with_comments(tmp_path, {
        "urgences/brouillon.md": "Title: Un brouillon\nDate: 2026-05-11 10:00\nStatus: draft",
        "urgences/cache.md": "Title: Un reportage caché\nDate: 2026-05-11 10:00\nStatus: hidden",
    }, {"comments/brouillon/a1.md": COMMENT, "comments/cache/a1.md": COMMENT, "comments/absent/a1.md": COMMENT})
    report = check_site(CheckSettings.from_settings(read_settings(str(ROOT / "pelicanconf.py"),
                                                                  override={"PATH": str(site)})), now=NOW)
    assert [(p.path, p.code) for p in report.problems if "/comments/" in p.path] == [
        ("content/comments/absent/a1.md", "comment-unknown-report")]


def test_comment_files_are_read_under_comments_path(tmp_path):
    site = _site_with_comments(tmp_path, {"urgences/un-reportage.md": "Title: Un reportage\nDate: 2026-05-11 10:00"},
                               {"avis/un-reportage/a1.md": COMMENT, "avis/un-reportage/b2.md": "Author: Bob\n"})
    report = check_site(CheckSettings.from_settings(read_settings(
        str(ROOT / "pelicanconf.py"), override={"PATH": str(site), "COMMENTS_PATH": "avis"})), now=NOW)
    assert [(p.path, p.line, p.code) for p in report.problems] == [
        ("content/avis/un-reportage/b2.md", 1, "comment-no-blank-line")]
    assert report.files == 3


def test_a_comment_folder_named_as_pelican_slugs_the_file_name_is_no_orphan(tmp_path):
    # Without `Slug:`, Pelican slugifies the file name: « Mon_Reportage.md » is « mon_reportage ».
    from desk.build import build_site

    site = _site_with_comments(tmp_path, {"urgences/Mon_Reportage.md": "Title: Un reportage\nDate: 2026-05-11 10:00"},
                               {"comments/mon_reportage/a1.md": COMMENT})
    report = check_site(CheckSettings.from_settings(read_settings(str(ROOT / "pelicanconf.py"),
                                                                  override={"PATH": str(site)})), now=NOW)
    assert [p.code for p in report.problems] == ["unclean-slug"]
    built = build_site("pelicanconf.py", content=site, output=tmp_path / "output", quiet=True)
    assert [w for w in built.warnings if "comments/" in w] == []
    assert (tmp_path / "output" / "urgences" / "mon_reportage" / "index.html").read_text(encoding="utf-8").count(
        'id="comment-a1"') == 1


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
