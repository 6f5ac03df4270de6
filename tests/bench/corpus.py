"""Synthetic Pouls corpora for the benchmarks: N reports in rubrique folders.

    python tests/bench/corpus.py /tmp/corpus-2000 2000
    python tests/bench/corpus.py /tmp/hugo-2000 2000 --hugo   # the same reports as a Hugo site

Reports are deterministic for a given (n, seed), French-looking, with tags, hospitals,
regions, a summary and a body of a few paragraphs, spread over a few years and the
rubriques of pelicanconf.py, so every plugin has realistic work to do.
"""

import random
import sys
from datetime import datetime, timedelta
from pathlib import Path

RUBRIQUES = ["hematologie", "cancerologie", "urgences", "brules", "femme-enfant", "organisation"]
TOPICS = {
    "hematologie": ["leucémie", "lymphome", "myélome", "greffe de moelle", "transfusion", "hématologue"],
    "cancerologie": ["chimiothérapie", "radiothérapie", "tumeur", "oncologue", "dépistage", "immunothérapie"],
    "urgences": ["SAMU", "arrêt cardiaque", "défibrillateur", "régulation", "urgentiste", "SMUR"],
    "brules": ["brûlure", "greffe de peau", "pansement", "cicatrisation", "réanimation", "kinésithérapie"],
    "femme-enfant": ["maternité", "accouchement", "sage-femme", "néonatalogie", "grossesse", "pédiatrie"],
    "organisation": ["télémédecine", "territoire", "financement", "recrutement", "informatique", "qualité"],
}
HOSPITALS = [
    "CHU de Rennes", "CHU de Nantes", "CHU de Lille", "CHU de Brest", "CH de Vannes",
    "CH de Lorient", "CH de Quimper", "CH de Laval", "CH de Saint-Malo", "CH de Saint-Brieuc",
]
REGIONS = ["Bretagne", "Pays de la Loire", "Hauts-de-France", "Normandie"]
FILLER = (
    "les équipes du service ont présenté leur organisation aux patients et à leurs proches ; "
    "l'objectif reste d'améliorer la prise en charge au quotidien, avec des moyens comptés. "
    "Selon les soignants, la coordination entre les établissements du territoire a progressé : "
    "« nous partageons désormais nos dossiers chaque semaine », explique une cadre de santé."
)


def report_fields(index, rng):
    """One report's data, drawn from `rng` (the same draws, in the same order, as ever)."""
    rubrique = RUBRIQUES[index % len(RUBRIQUES)]
    words = TOPICS[rubrique]
    subject = rng.choice(words)
    other = rng.choice(words)
    date = datetime(2020, 1, 1, 9, 0) + timedelta(hours=index * 7 + rng.randrange(5))
    tags = sorted({rng.choice(words), rng.choice(words)})
    hospitals = sorted({rng.choice(HOSPITALS) for _ in range(rng.randrange(1, 3))})
    paragraphs = [
        f"Au cœur du sujet, {subject} et {other} : {FILLER}" for _ in range(rng.randrange(3, 7))
    ]
    return {
        "rubrique": rubrique, "slug": f"report-{index:05d}", "date": date, "tags": tags, "hospitals": hospitals,
        "title": f"Reportage {index} : {subject} et {other} à l'hôpital",
        "region": rng.choice(REGIONS),
        "summary": f"Un reportage sur {subject} : ce qui change pour les patients et les soignants.",
        "body": "\n\n".join(paragraphs),
    }


def report_text(index, rng):
    fields = report_fields(index, rng)
    return fields["rubrique"], fields["slug"], (
        f"Title: {fields['title']}\n"
        f"Date: {fields['date']:%Y-%m-%d %H:%M}\n"
        f"Authors: Rédaction de Pouls\n"
        f"Tags: {', '.join(fields['tags'])}\n"
        f"Hospitals: {', '.join(fields['hospitals'])}\n"
        f"Region: {fields['region']}\n"
        f"Summary: {fields['summary']}\n"
        f"\n{fields['body']}\n"
    )


def make_corpus(root, n, seed=0):
    """Write n reports under root/articles/<rubrique>/ and return root."""
    root = Path(root)
    rng = random.Random(seed)
    for index in range(n):
        rubrique, slug, text = report_text(index, rng)
        folder = root / "articles" / rubrique
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{slug}.md").write_text(text, encoding="utf-8")
    return root


# ---------------------------------------------------------------------- the same corpus for Hugo

HUGO_CONFIG = """\
baseURL = "https://pouls.example.fr/"
languageCode = "fr"
title = "Pouls"
paginate = 20
disableKinds = ["robotsTXT"]

[taxonomies]
  tag = "tags"
  etablissement = "etablissements"
  auteur = "auteurs"

[related]
  includeNewer = true
  threshold = 20
  toLower = true
  [[related.indices]]
    name = "tags"
    weight = 100
  [[related.indices]]
    name = "etablissements"
    weight = 50
"""

HUGO_LAYOUTS = {
    "_default/baseof.html": """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>{{ block "title" . }}{{ .Site.Title }}{{ end }}</title>
<meta name="description" content="{{ with .Params.summary }}{{ . }}{{ else }}{{ .Site.Title }}{{ end }}">
{{ range .AlternativeOutputFormats }}<link rel="{{ .Rel }}" type="{{ .MediaType.Type }}" href="{{ .Permalink }}">{{ end }}
</head><body><header><a href="{{ .Site.BaseURL }}">{{ .Site.Title }}</a>
<nav><ul>{{ range .Site.Sections }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul></nav></header>
<main>{{ block "main" . }}{{ end }}</main></body></html>
""",
    "_default/single.html": """{{ define "title" }}{{ .Title }} — {{ .Site.Title }}{{ end }}
{{ define "main" }}<article class="article"><h1>{{ .Title }}</h1><div class="standfirst">{{ .Params.summary }}</div>
<time datetime="{{ .Date.Format "2006-01-02T15:04:05" }}">{{ .Date.Format "2 January 2006" }}</time>
<p>Lecture : {{ .ReadingTime }} min</p>{{ .Content }}
<ul>{{ range .GetTerms "tags" }}<li><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a></li>{{ end }}</ul>
<ul>{{ range .GetTerms "etablissements" }}<li><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a></li>{{ end }}</ul></article>
{{ $related := .Site.RegularPages.Related . | first 3 }}{{ with $related }}<aside class="related-articles"><h2>Sur le même sujet</h2><ul>
{{ range . }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a><p>{{ .Params.summary }}</p></li>{{ end }}</ul></aside>{{ end }}{{ end }}
""",
    "_default/list.html": """{{ define "main" }}<h1>{{ .Title }}</h1><ul class="cards">
{{ range .Paginator.Pages }}<li><article class="card"><h2><a href="{{ .RelPermalink }}">{{ .Title }}</a></h2>
<div>{{ .Params.summary }}</div><time>{{ .Date.Format "2 January 2006" }}</time></article></li>{{ end }}</ul>
{{ with .Paginator }}{{ if .HasPrev }}<a href="{{ .Prev.URL }}">Page précédente</a>{{ end }}
{{ if .HasNext }}<a href="{{ .Next.URL }}">Page suivante</a>{{ end }}{{ end }}{{ end }}
""",
    "_default/terms.html": """{{ define "main" }}<h1>{{ .Title }}</h1><ul>
{{ range .Data.Terms.Alphabetical }}<li><a href="{{ .Page.RelPermalink }}">{{ .Page.Title }}</a> ({{ .Count }})</li>{{ end }}</ul>{{ end }}
""",
    "index.html": """{{ define "main" }}<h1>Derniers reportages</h1><ul class="cards">
{{ range (.Paginate .Site.RegularPages).Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a><div>{{ .Params.summary }}</div></li>{{ end }}</ul>{{ end }}
""",
}


def _yaml(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def make_hugo_site(root, n, seed=0):
    """The corpus of make_corpus(n, seed) as a Hugo site: same reports, rubriques as sections,
    tags, établissements and authors as taxonomies, pages of 20, related reports, RSS feeds."""
    root = Path(root)
    rng = random.Random(seed)
    (root / "layouts" / "_default").mkdir(parents=True, exist_ok=True)
    (root / "config.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    for name, text in HUGO_LAYOUTS.items():
        (root / "layouts" / name).write_text(text, encoding="utf-8")
    for index in range(n):
        fields = report_fields(index, rng)
        folder = root / "content" / fields["rubrique"]
        folder.mkdir(parents=True, exist_ok=True)
        front = "\n".join([
            "---",
            f"title: {_yaml(fields['title'])}",
            f"date: {fields['date']:%Y-%m-%dT%H:%M:%S}+01:00",
            f"tags: [{', '.join(_yaml(tag) for tag in fields['tags'])}]",
            f"etablissements: [{', '.join(_yaml(name) for name in fields['hospitals'])}]",
            'auteurs: ["Rédaction de Pouls"]',
            f"region: {_yaml(fields['region'])}",
            f"summary: {_yaml(fields['summary'])}",
            "---",
        ])
        (folder / f"{fields['slug']}.md").write_text(f"{front}\n\n{fields['body']}\n", encoding="utf-8")
    return root


if __name__ == "__main__":
    if len(sys.argv) > 3 and sys.argv[3] == "--hugo":
        make_hugo_site(sys.argv[1], int(sys.argv[2]))
    else:
        make_corpus(sys.argv[1], int(sys.argv[2]))
