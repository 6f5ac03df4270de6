"""Synthetic Pouls corpora for the benchmarks: N reports in rubrique folders.

    python tests/bench/corpus.py /tmp/corpus-2000 2000

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


def report_text(index, rng):
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
    body = "\n\n".join(paragraphs)
    return rubrique, f"report-{index:05d}", (
        f"Title: Reportage {index} : {subject} et {other} à l'hôpital\n"
        f"Date: {date:%Y-%m-%d %H:%M}\n"
        f"Authors: Rédaction de Pouls\n"
        f"Tags: {', '.join(tags)}\n"
        f"Hospitals: {', '.join(hospitals)}\n"
        f"Region: {rng.choice(REGIONS)}\n"
        f"Summary: Un reportage sur {subject} : ce qui change pour les patients et les soignants.\n"
        f"\n{body}\n"
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


if __name__ == "__main__":
    make_corpus(sys.argv[1], int(sys.argv[2]))
