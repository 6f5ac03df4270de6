"""Run one Pelican build in this process and report what it logged.

Tests, `make publish` and the benchmarks all build through `build_site()`, so the
way a build is configured (settings file plus path overrides) and the way its
warnings are collected exist once.
"""

import logging
from dataclasses import dataclass, field
from pathlib import Path

from pelican import Pelican
from pelican.log import LimitFilter, console
from pelican.plugins import signals
from pelican.settings import read_settings

from pouls_common.paths import ROOT


@dataclass
class BuildResult:
    output: Path
    settings: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    articles: int = 0
    # The log records behind `warnings` and `errors` (their `rule` attribute names a shared rule).
    records: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.errors


class _Collector(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.records = []

    def emit(self, record):
        self.records.append(record)


def reset_pelican_state():
    """Forget what an earlier build in this process left behind.

    Pelican keeps two kinds of global state: blinker receivers connected by plugins
    (a plugin not listed in the next build would still run) and the log filter that
    silences a message already seen (the second build would hide its warnings).
    """
    for value in vars(signals).values():
        receivers = getattr(value, "receivers", None)
        if isinstance(receivers, dict):
            value.receivers.clear()
            value._by_receiver.clear()
            value._by_sender.clear()
    LimitFilter._ignore = set()
    LimitFilter._raised_messages = set()
    LimitFilter._group_count.clear()


def load_settings(settings_file="pelicanconf.py", content=None, output=None, overrides=None):
    override = dict(overrides or {})
    if content is not None:
        override["PATH"] = str(content)
    if output is not None:
        override["OUTPUT_PATH"] = str(output)
    return read_settings(str(ROOT / settings_file), override=override)


def build_site(settings_file="pelicanconf.py", content=None, output=None, overrides=None, quiet=False):
    """Build a site and return its output folder with the warnings and errors logged.

    `quiet` silences Pelican's English « Done: Processed … » line, for commands that
    report to the editor in French themselves.
    """
    reset_pelican_state()
    console.quiet = quiet
    collector = _Collector()
    root_logger = logging.getLogger()
    # Attached before the settings are read: their warnings count like the build's.
    root_logger.addHandler(collector)
    try:
        settings = load_settings(settings_file, content, output, overrides)
        pelican = Pelican(settings)
        pelican.run()
    finally:
        root_logger.removeHandler(collector)
        console.quiet = False
    result = BuildResult(output=Path(settings["OUTPUT_PATH"]), settings=settings, records=collector.records)
    for record in collector.records:
        text = record.getMessage()
        (result.errors if record.levelno >= logging.ERROR else result.warnings).append(text)
    return result
