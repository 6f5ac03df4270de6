"""What the feeds refuse in a report, as plain functions `make check` calls too.

The feeds list published reports dated no later than the build. Three things in such a
report are dropped from its feed entry, with a warning: a `Modified:` later than the
build, a control character (XML forbids them), an image type a feed cannot announce.
"""

import re
from pathlib import PurePosixPath

from pouls_common.rules import WARNING, Finding, Rule

# Deterministic on every machine, unlike mimetypes, which reads /etc/mime.types.
IMAGE_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".svg": "image/svg+xml",
}

# Characters XML 1.0 forbids (lxml refuses them) plus C1 controls and DEL, which never
# belong in French prose and make some readers choke. Tab, LF and CR stay.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")

# The report fields a feed entry carries, as the build names them and as the editor does.
FIELDS = {"Title": "le titre", "Summary": "le chapô", "the text": "le texte"}

_PREFIX = "feeds: %(source)s: "

MODIFIED_FUTURE = Rule(
    "modified-future", WARNING,
    message=(
        "la mise à jour ({written}) est postérieure à aujourd’hui : les flux gardent la date de "
        "publication jusque-là. Corrigez « Modified »."
    ),
    log=_PREFIX + (
        "Modified %(modified)s is later than this build; the feeds keep Date until then. Fix the Modified: line"
    ),
)
CONTROL_CHARACTER = Rule(
    "control-character", WARNING,
    message=(
        "caractère de contrôle invisible dans {champ} : les flux le retirent. Supprimez-le du fichier "
        "(retapez la ligne dans votre éditeur)."
    ),
    log=_PREFIX + "control character removed from %(field)s in the feeds; delete it from the file",
)
IMAGE_TYPE = Rule(
    "image-type", WARNING,
    message="l’image « {value} » a un type que les flux ne savent pas annoncer. Utilisez l’un des types {types}.",
    log=_PREFIX + "Image %(value)r has an unknown type; use one of %(types)s",
)
RULES = (MODIFIED_FUTURE, CONTROL_CHARACTER, IMAGE_TYPE)


def strip_controls(value):
    """Return (text without control characters, whether any was removed)."""
    if not value:
        return value or "", False
    cleaned = CONTROL_CHARACTERS.sub("", value)
    return cleaned, cleaned != value


def control_findings(value, field, line=None):
    """A finding when `value` (the report field `field`, a key of FIELDS) holds a control character."""
    if value and CONTROL_CHARACTERS.search(value):
        return [Finding(CONTROL_CHARACTER, {"field": field, "champ": FIELDS[field]}, line=line)]
    return []


def modified_findings(modified, now):
    """A finding when `modified` (aware datetime) is later than `now`, the time of the build."""
    if modified is not None and now is not None and modified > now:
        values = {"modified": modified.isoformat(), "written": f"{modified:%Y-%m-%d %H:%M}"}
        return [Finding(MODIFIED_FUTURE, values, keys=("modified",))]
    return []


def image_type(path):
    """(MIME type or None, findings) of a report image a feed would enclose (`images/x.webp`)."""
    mime = IMAGE_TYPES.get(PurePosixPath(path).suffix.lower())
    if mime is None:
        return None, [Finding(IMAGE_TYPE, {"value": path, "types": ", ".join(sorted(IMAGE_TYPES))}, keys=("image",))]
    return mime, []
