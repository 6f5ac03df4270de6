"""Content rules that a plugin applies during the build and `make check` applies to the sources.

A rule is one defect an editor can make. It is written once, beside the plugin that
enforces it, as a plain function that returns Findings; the plugin logs them, `make
check` prints them, and both read the severity from the same Rule:

    IMAGE_MISSING = Rule(
        "image-missing", ERROR,
        message="l’image « {value} » n’existe pas. Ajoutez le fichier dans content/{value} …",
        log="article_meta: %(source)s: Image %(value)r does not exist under content/; …",
    )

    def image_findings(value, content_root):
        if not exists(value):
            return [Finding(IMAGE_MISSING, {"value": value}, keys=("image",))]
        return []

    for finding in image_findings(...):        # in the plugin
        log_finding(logger, finding, article.relative_source_path)
    for finding in image_findings(...):        # in desk/checks.py
        problems.append(finding.message)       # French, at the line of `Image:`

`message` is the French sentence the editor reads in `make check` (what is wrong, then
the fix); `log` is the English line the build logs (logs are English), a logging template
with named `%(…)s` fields so Pelican's log filter still groups and de-duplicates it. A
rule whose `log` is None is one the build cannot see (Pelican drops an empty header before
any plugin reads it): only `make check` reports it. The build logs every finding with the
rule's code in `record.rule`, which is how tests/test_check_drift.py compares the two.
"""

import logging
from dataclasses import dataclass, field
from types import MappingProxyType

ERROR = "error"
WARNING = "warning"
LEVELS = {ERROR: logging.ERROR, WARNING: logging.WARNING}


def french_spacing(text):
    """French typography for our own message templates (never applied to quoted values).

    « and » get a no-break space inside, : a no-break space before, ; ? ! a narrow one.
    """
    return (
        text.replace("« ", "«\u00a0").replace(" »", "\u00a0»").replace(" :", "\u00a0:")
        .replace(" ;", "\u202f;").replace(" ?", "\u202f?").replace(" !", "\u202f!")
    )


@dataclass(frozen=True)
class Rule:
    """One defect: its code, its severity, the French sentence and the English log line."""

    code: str
    severity: str
    message: str
    log: str | None = None

    def __post_init__(self):
        if self.severity not in LEVELS:
            raise ValueError(f"rule {self.code!r}: severity {self.severity!r} is not ERROR or WARNING")
        # Written with plain spaces in the source; the editor reads French typography.
        object.__setattr__(self, "message", french_spacing(self.message))


@dataclass(frozen=True)
class Finding:
    """One defect found: the rule, the values its sentences quote, the header keys it is about.

    `keys` are the front-matter keys whose line `make check` shows, the first one present
    wins (an image without alt text is shown at `ImageAlt:`, or at `Image:` when there is no
    `ImageAlt:` line); `line` overrides them when the rule knows the line itself.
    """

    rule: Rule
    values: MappingProxyType = field(default_factory=dict)
    keys: tuple = ()
    line: int | None = None

    def __post_init__(self):
        object.__setattr__(self, "values", MappingProxyType(dict(self.values)))

    @property
    def code(self):
        return self.rule.code

    @property
    def severity(self):
        return self.rule.severity

    @property
    def message(self):
        """The French sentence for `make check`."""
        return self.rule.message.format(**self.values)

    def english(self, source="?"):
        """The English line the build logs, as it reads once formatted."""
        return self.rule.log % {"source": source, **self.values}

    def __str__(self):
        return self.english() if self.rule.log else self.message


def log_finding(logger, finding, source):
    """Log a finding during the build, at its rule's severity, tagged with the rule's code.

    The template and its values stay apart (lazy formatting): Pelican's LIMIT and
    LOG_FILTER settings work on the template.
    """
    if finding.rule.log is None:
        return
    logger.log(
        LEVELS[finding.severity], finding.rule.log, {"source": source, **finding.values},
        extra={"rule": finding.code}, stacklevel=2,
    )
