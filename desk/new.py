"""`make new`: start a report as a draft, with every key ready to fill and explained in French.

    make new TITLE="Les urgences pédiatriques de Brest s’agrandissent" RUBRIQUE=urgences
    .venv/bin/python -m desk.new --title "…" --rubrique urgences [--content content]

Writes `content/articles/<rubrique>/<slug>.md`: the slug is made from the title,
the date is now (Europe/Paris), `Status: draft`. It refuses a slug that another
report already has, in any rubrique.

The explanations sit under the header as `[//]: # (…)` lines. Markdown metadata
cannot hold comments, and an HTML comment would be copied into the published page;
these lines are Markdown link definitions nobody refers to, so Python-Markdown
renders nothing for them, and `make check` skips them.
"""

import argparse
import sys
import unicodedata
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from pelican.settings import read_settings

from desk.build import ROOT
from desk.checks import suggest_slug

SLUG_MAX_LENGTH = 60

TEMPLATE = """\
Title: {title}
Date: {date}
Status: draft
Summary:
Authors:
Tags:
Hospitals:
Region:
Image:
ImageAlt:
ImageCredit:
Video:
VideoFile:
VideoPoster:
VideoCaptions:
Transcript:
Sources:
Related:
Comments: open

[//]: # (MODE D’EMPLOI — les lignes qui commencent par « [//]: # » ne sont jamais publiées : effacez-les quand vous voulez.)
[//]: # (L’en-tête ci-dessus s’arrête à la première ligne vide. Une clé par ligne, « Clé: valeur ». Une clé inutile peut rester vide ou être supprimée.)
[//]: # (Title : le titre, affiché en haut de la page et dans les listes.)
[//]: # (Date : date et heure de publication, AAAA-MM-JJ HH:MM. Une date future programme le reportage : il partira avec la première publication après cette heure.)
[//]: # (Status : draft tant que vous écrivez — visible seulement dans l’aperçu « make serve », avec un bandeau « Brouillon ». published pour publier ; hidden pour une page en ligne mais absente des listes.)
[//]: # (Summary : le chapô, un seul paragraphe de 300 caractères au plus. Il s’affiche au-dessus du texte : ne le répétez pas en tête du texte.)
[//]: # (Authors : les auteurs, séparés par des virgules.)
[//]: # (Tags : les étiquettes, séparées par des virgules. Reprenez de préférence des étiquettes existantes, avec la même orthographe.)
[//]: # (Hospitals : les établissements concernés, séparés par des virgules, par exemple « CHU de Rennes, Centre hospitalier de Vannes ».)
[//]: # (Region : la région, par exemple « Bretagne ».)
[//]: # (Image : une image rangée dans content/images/, par exemple « images/service.jpg ». ImageAlt : ce qu’elle montre, pour qui ne la voit pas. ImageCredit : son auteur.)
[//]: # (Video : l’adresse d’une vidéo sur une plateforme, https://… — un lien, jamais une vidéo intégrée.)
[//]: # (VideoFile : une vidéo publiée avec le site, rangée dans content/videos/, par exemple « videos/reportage.mp4 », en MP4, WebM ou Ogg ; donnez VideoFile ou Video, pas les deux.)
[//]: # (VideoPoster : l’image affichée avant la lecture, rangée dans content/images/, par exemple « images/reportage-affiche.jpg » ; elle sert aussi d’aperçu à un lien Video.)
[//]: # (VideoCaptions : les sous-titres français de VideoFile, un fichier WebVTT rangé dans content/videos/, par exemple « videos/reportage.fr.vtt ».)
[//]: # (Transcript : la transcription de la vidéo, obligatoire avec Video ou VideoFile : le texte, ou un fichier texte rangé sous content/.)
[//]: # (Sources : « Libellé <https://adresse>; Autre libellé », séparées par des points-virgules, l’adresse est facultative.)
[//]: # (Related : les slugs des reportages à montrer dans « Sur le même sujet », séparés par des virgules.)
[//]: # (Comments : open pour ouvrir les commentaires, closed pour les fermer.)
[//]: # (Modified : à ajouter en corrigeant un reportage déjà publié, AAAA-MM-JJ HH:MM ; la page affichera « Mis à jour le … ».)
[//]: # (L’adresse de la page vient du nom du fichier, « {slug} » : ne le changez plus une fois le reportage publié. Vérifiez tout avec « make check ».)

Écrivez ici le texte du reportage. Séparez les paragraphes par une ligne vide.
"""


class NewReportError(Exception):
    """The report cannot be created; the message says why and what to do, in French."""


def make_slug(title, substitutions=()):
    """A clean slug from a title, cut at a word boundary."""
    slug = suggest_slug(title, substitutions)
    if len(slug) > SLUG_MAX_LENGTH:
        slug = slug[:SLUG_MAX_LENGTH].rsplit("-", 1)[0]
    return slug


def _fold(text):
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def find_rubrique(value, rubriques):
    """The rubrique folder for a folder name or its label (« Urgences », « brules », « Brûlés et plaies »)."""
    wanted = _fold(value)
    for folder, label in rubriques.items():
        if wanted in (_fold(folder), _fold(label)):
            return folder
    return None


def create_report(title, rubrique, settings, now=None):
    """Write the draft; return its path. Raises NewReportError."""
    title = " ".join((title or "").split())
    rubriques = settings.get("RUBRIQUES", {})
    known = ", ".join(sorted(rubriques))
    if not title:
        raise NewReportError(
            f"Donnez un titre\u00a0: make new TITLE=\"Le titre du reportage\" RUBRIQUE=urgences (rubriques\u00a0: {known})."
        )
    folder = find_rubrique(rubrique or "", rubriques)
    if folder is None:
        raise NewReportError(
            f"Rubrique «\u00a0{rubrique}\u00a0» inconnue. Choisissez RUBRIQUE= parmi\u00a0: {known}."
            if rubrique else f"Donnez une rubrique\u00a0: RUBRIQUE= parmi\u00a0: {known}."
        )
    slug = make_slug(title, settings.get("SLUG_REGEX_SUBSTITUTIONS", ()))
    if not slug:
        raise NewReportError(f"Le titre «\u00a0{title}\u00a0» ne donne aucun slug\u00a0: mettez-y des lettres.")
    articles = Path(settings["PATH"]) / settings.get("ARTICLE_PATHS", ["articles"])[0]
    existing = sorted(articles.glob(f"*/{slug}.md")) + sorted(articles.glob(f"{slug}.md"))
    if existing:
        raise NewReportError(
            f"Le slug «\u00a0{slug}\u00a0» existe déjà\u00a0: {existing[0]}. "
            "Choisissez un autre titre (l’adresse d’un reportage publié ne change pas)."
        )
    now = now or datetime.now(ZoneInfo(settings.get("TIMEZONE", "Europe/Paris")))
    path = articles / folder / f"{slug}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = TEMPLATE.format(title=title, date=f"{now:%Y-%m-%d %H:%M}", slug=slug)
    # "x": never overwrite a file that appeared since the check above.
    with open(path, "x", encoding="utf-8") as handle:
        handle.write(text)
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(prog="make new", description=__doc__.splitlines()[0])
    parser.add_argument("--title", default="", help="the report's title")
    parser.add_argument("--rubrique", default="", help="the rubrique folder (urgences, hematologie…)")
    parser.add_argument("--content", help="content folder (default: PATH from pelicanconf.py)")
    args = parser.parse_args(argv)
    override = {"PATH": str(Path(args.content).resolve())} if args.content else None
    settings = read_settings(str(ROOT / "pelicanconf.py"), override=override)
    try:
        path = create_report(args.title, args.rubrique, settings)
    except (NewReportError, FileExistsError) as exc:
        print(exc)
        return 1
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    print(f"Brouillon créé\u00a0: {shown}")
    print(f"Aperçu avec «\u00a0make serve\u00a0»\u00a0: http://127.0.0.1:8000/brouillons/{path.stem}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
