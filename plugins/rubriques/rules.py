"""The rubrique rules: the folder a report lives in is its rubrique, and nothing else is.

Plain functions over names, no Pelican: the plugin calls them on every report during the
build, `make check` on every source file, so both say the same thing at the same severity.
"""

from pouls_common.rules import ERROR, Finding, Rule

NOT_IN_RUBRIQUE = Rule(
    "not-in-rubrique", ERROR,
    message=(
        "le reportage n’est pas dans un dossier de rubrique. "
        "Déplacez-le dans content/articles/<rubrique>/ ({known})."
    ),
    log="rubriques: %(source)s is not in a rubrique folder; move it to content/articles/<rubrique>/",
)
UNKNOWN_RUBRIQUE = Rule(
    "unknown-rubrique", ERROR,
    message=(
        "le dossier « {folder} » n’est pas une rubrique. Déplacez le fichier dans l’un des dossiers {known}, "
        "ou ajoutez « {folder} » à RUBRIQUES dans pelicanconf.py."
    ),
    log=(
        "rubriques: %(source)s is in folder %(folder)r, which is not a rubrique; "
        "move it to one of %(known)s or add %(folder)r to RUBRIQUES in pelicanconf.py"
    ),
)
CATEGORY_OTHER = Rule(
    "category-other", ERROR,
    message=(
        "« Category: {value} » nomme la rubrique « {other_label} », mais la rubrique d’un reportage est "
        "son dossier : c’est le dossier qui l’emporte, le reportage reste dans « {label} ». "
        "Retirez la ligne « Category: », ou déplacez le fichier dans content/articles/{other}/ "
        "pour le classer dans « {other_label} »."
    ),
    log=(
        "rubriques: %(source)s says « Category: %(value)s », but a report's rubrique is its folder: "
        "it stays in %(folder)r; remove the Category line, or move the file to "
        "content/articles/%(other)s/ to file it under %(other)r"
    ),
)
CATEGORY_UNKNOWN = Rule(
    "category-unknown", ERROR,
    message=(
        "« Category: {value} » ne nomme aucune rubrique, et la rubrique d’un reportage est son dossier : "
        "c’est le dossier qui l’emporte, le reportage reste dans « {label} ». Retirez la ligne « Category: » "
        "(pour changer de rubrique, déplacez le fichier dans l’un des dossiers {known})."
    ),
    log=(
        "rubriques: %(source)s says « Category: %(value)s », which is no rubrique; a report's rubrique is "
        "its folder, so it stays in %(folder)r; remove the Category line"
    ),
)
# Pelican drops an empty `Category:` before any plugin reads the front matter: only
# `make check`, which reads the source, can see it.
CATEGORY_EMPTY = Rule(
    "category-empty", ERROR,
    message=(
        "la ligne « Category: » est vide. Retirez-la : la rubrique d’un reportage est son dossier, "
        "ici « {label} » (content/articles/{folder}/)."
    ),
)
RULES = (NOT_IN_RUBRIQUE, UNKNOWN_RUBRIQUE, CATEGORY_OTHER, CATEGORY_UNKNOWN, CATEGORY_EMPTY)


def folder_findings(folder, at_root, rubriques):
    """Findings about the folder a report is in: at the root of the articles, or not a rubrique."""
    known = ", ".join(sorted(rubriques))
    if at_root:
        return [Finding(NOT_IN_RUBRIQUE, {"known": known})]
    if folder not in rubriques:
        return [Finding(UNKNOWN_RUBRIQUE, {"folder": folder, "known": known})]
    return []


def rubrique_named(value, rubriques):
    """The folder of the rubrique `value` names, by folder or by label (case ignored), or None."""
    wanted = value.strip().casefold()
    for folder, label in rubriques.items():
        if wanted in (folder.casefold(), label.casefold()):
            return folder
    return None


def category_findings(value, folder, rubriques):
    """Findings about a `Category:` header in a report filed in the rubrique folder `folder`.

    The folder is the rubrique: a header naming it (by folder or label) says nothing more;
    one naming another rubrique, or none, loses to the folder. `value` is None without a
    header. Reports outside a rubrique folder get folder_findings() instead.
    """
    if value is None or folder not in rubriques:
        return []
    label = rubriques[folder]
    if not value.strip():
        return [Finding(CATEGORY_EMPTY, {"folder": folder, "label": label}, keys=("category",))]
    named = rubrique_named(value, rubriques)
    if named == folder:
        return []
    values = {"value": value.strip(), "folder": folder, "label": label}
    if named is None:
        return [Finding(CATEGORY_UNKNOWN, {**values, "known": ", ".join(sorted(rubriques))}, keys=("category",))]
    return [Finding(CATEGORY_OTHER, {**values, "other": named, "other_label": rubriques[named]}, keys=("category",))]
