"""Run one Pelican build and report what it logged.

Tests, `make publish`, `make serve` and the benchmarks all build through `build_site()`,
so the way a build is configured (settings file plus path overrides) and the way its
warnings are collected exist once.

A build is Pelican's, with three of its parts swapped for faster equivalents that
produce the same files (tests/test_build_identity.py compares them with a plain
`pelican` build, byte for byte):

- reading (desk.reading): every core reads the Markdown, behind a cache of what each
  file gave (desk.content_cache);
- writing (desk.writing): pages are planned first, then rendered on every core, and a
  file is written only when its bytes change; pages whose inputs did not change since
  the previous build into the same folder are not rendered at all (desk.pagekeys);
- static files are copied only when they differ.

POULS_JOBS sets the number of processes (default: every core; 1 is the fallback, where
everything runs in this process, in order). Plugins run here, in this process, through
Pelican's signals, exactly as in a plain build; what reading and rendering processes
log comes back to this process's loggers, so the warnings below are complete.
"""

import contextlib
import gc
import logging
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from pelican import Pelican
from pelican.contents import Content
from pelican.generators import ArticlesGenerator, PagesGenerator, StaticGenerator
from pelican.log import LimitFilter, console
from pelican.plugins import signals
from pelican.settings import read_settings

from desk import content_cache, contents
from desk.background import Background
from desk.pagekeys import PageKeys
from desk.parallel import BuildCancelled, build_jobs
from desk.reading import ReadingArticlesGenerator, ReadingPagesGenerator
from desk.writing import ChangedOnlyStaticGenerator, DeferredWriter, FlushGenerator, adopt_unchanged_files
from pouls_common import background
from pouls_common import signals as pouls_signals
from pouls_common.output import remove_partial_files
from pouls_common.paths import ROOT

logger = logging.getLogger(__name__)


@dataclass
class BuildResult:
    output: Path
    settings: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    articles: int = 0
    jobs: int = 1
    read: list = field(default_factory=list)  # desk.reading.ReadStats, one per generator
    written: object = None  # desk.writing.WriteStats
    seconds: float = 0.0
    build: object = None  # the Build, with its context, generators and planned pages (keep_model)
    phases: dict = field(default_factory=dict)  # seconds per phase (Build.phases)
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
    for value in [*vars(signals).values(), *pouls_signals.SIGNALS]:
        receivers = getattr(value, "receivers", None)
        if isinstance(receivers, dict):
            value.receivers.clear()
            value._by_receiver.clear()
            value._by_sender.clear()
    LimitFilter._ignore = set()
    LimitFilter._raised_messages = set()
    LimitFilter._group_count.clear()
    # Content.get_content is memoised per (content, siteurl) for the life of the process:
    # a long-lived preview would otherwise keep every earlier build's reports alive.
    Content.get_content.cache.clear()


def load_settings(settings_file="pelicanconf.py", content=None, output=None, overrides=None):
    override = dict(overrides or {})
    if content is not None:
        override["PATH"] = str(content)
    if output is not None:
        override["OUTPUT_PATH"] = str(output)
    return read_settings(str(ROOT / settings_file), override=override)


class Build:
    """What the swapped parts of one build share: processes, caches, statistics, the model."""

    def __init__(self, settings, jobs, cache=True, cancel=None, reference=None):
        self.settings = settings
        self.jobs = jobs
        self.cache = cache
        self.reference = reference
        self.cancel = cancel  # a threading.Event set to stop the build at the next checkpoint
        self.generators = {}  # "articles" / "pages" -> the generator, once it has read
        self.context = None
        self.marks = [("start", time.perf_counter())]
        self.read_cache = None
        if cache:
            self.read_cache = content_cache.ReadCache(
                content_cache.cache_folder(settings), content_cache.reading_environment(settings)
            )
        self.page_keys = None
        self.read_stats = []
        self.writer = None
        # Plugins' work that runs on another core until the pages render (pouls_common.background).
        self.background = Background() if jobs > 1 else None

    def join_background(self):
        """Before any page renders: the plugins' background work is on the model."""
        if self.background is not None:
            self.background.join()

    def mark(self, name):
        """Note the end of a phase (for the benchmark's account of where a build's time goes)."""
        self.marks.append((name, time.perf_counter()))

    def phases(self):
        """{phase: seconds}: read (the Markdown), context (plugins, grouping), plan (pages and
        feeds planned, writer plugins), render (pages rendered and written), finish (caches)."""
        durations = {}
        for (_, before), (name, after) in zip(self.marks, self.marks[1:], strict=False):
            durations[name] = durations.get(name, 0.0) + after - before
        reading = sum(stats.seconds for stats in self.read_stats)
        durations["context"] = durations.get("context", 0.0) - reading
        return {"read": reading, **durations}

    def page_keys_for(self, context):
        """The page keys of this build's output folder (None for a build without cache)."""
        if self.cache and self.page_keys is None:
            self.page_keys = PageKeys(self.settings, context, content_cache.cache_folder(self.settings),
                                      reference=self.reference, tracing=self.traces_pages())
        return self.page_keys

    def traces_pages(self):
        """Whether pages record what they read, for the next build to skip the unchanged ones.

        Tracing costs a fifth of a build's time. With several processes it is spread over
        them; a one-process build that read every file (the first build of its cache, or
        the first after a settings or plugin change, which renders every page anyway)
        leaves it to the next build, which reads from the cache and so has time to spare:
        neither is slower than Pelican's own run (tests/bench/README.md, « one core »).
        """
        return self.jobs > 1 or any(stats.cached for stats in self.read_stats)

    def checkpoint(self):
        """Stop here if the build was cancelled (between files, generators and pages)."""
        if self.cancel is not None and self.cancel.is_set():
            raise BuildCancelled()

    def finish(self):
        self.mark("render")
        if self.read_cache is not None:
            self.read_cache.save(forget_unseen=True)
        if self.reference is not None and Path(self.reference).is_dir():
            adopt_unchanged_files(self.settings["OUTPUT_PATH"], self.reference)
        self.mark("finish")


_SWAPS = {
    ArticlesGenerator: ReadingArticlesGenerator,
    PagesGenerator: ReadingPagesGenerator,
    StaticGenerator: ChangedOnlyStaticGenerator,
}


class PoulsPelican(Pelican):
    """Pelican, reading and writing through desk.reading and desk.writing."""

    def __init__(self, settings, build):
        self.build = build
        super().__init__(settings)

    def _get_generator_classes(self):
        classes = []
        for cls in super()._get_generator_classes():
            swap = _SWAPS.get(cls)
            # Same name as Pelican's class: logs and plugins see the generator they expect.
            classes.append(type(cls.__name__, (swap,), {"build": self.build}) if swap else cls)
        return [*classes, FlushGenerator]

    def _get_writer(self):
        self.build.mark("context")
        if signals.get_writer.receivers:
            # A plugin supplies its own writer: it renders as it goes, in this process,
            # so the plugins' background work must be on the model before it starts.
            self.build.join_background()
            return super()._get_writer()
        self.build.writer = DeferredWriter(self.output_path, settings=self.settings, build=self.build)
        return self.build.writer

    def run(self):
        with fewer_collections():
            self._run()

    def _run(self):
        lent = background.lent(self.build.background) if self.build.background else contextlib.nullcontext()
        try:
            with contents.shortcuts(), lent:
                super().run()
        except BaseException:
            if self.build.writer is not None:
                self.build.writer.abort()
            if self.build.background is not None:
                self.build.background.stop()
            raise
        self.build.finish()


# Python's default (700, 10, 10) suits programs whose objects die young. A build keeps
# almost everything it makes (reports, their HTML, page contexts, digests) to its end, so
# each young collection found little and each full one walked the whole model again:
# 2 500 collections, 2.1 s of the build process's CPU in a cold build of 10 000 reports
# (largest process 478 MB resident). With these: 30 collections, 0.7 s, 479 MB; a
# one-edit rebuild 2 070 collections, 1.6 s → 25, 0.3–0.5 s (gc.callbacks, /usr/bin/time).
BUILD_GC_THRESHOLDS = (50_000, 20, 20)


@contextlib.contextmanager
def fewer_collections():
    """Collect garbage less often for the duration of a build; the usual pace after it.

    Cycles still die young at the first generation; the previous pace comes back when the
    build ends, however it ends, so the preview server frees the builds it no longer needs.
    """
    previous = gc.get_threshold()
    gc.set_threshold(*BUILD_GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*previous)


def exit_now(code=0):
    """End a command that built the site, without freeing its objects one by one.

    After a build of 10 000 reports, the interpreter's ordinary exit frees every report,
    page context and digest in turn: 2.3 s, more than a one-report rebuild renders.
    When this is called the command's work is done (files written and renamed, the
    lock released, the caches committed), so what it printed and logged is flushed and
    the process leaves.
    """
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed or broken pipe: nothing to keep
            stream.flush()
    os._exit(code)


def build_site(settings_file="pelicanconf.py", content=None, output=None, overrides=None, quiet=False,
               jobs=None, cache=True, keep_model=False, cancel=None, reference=None):
    """Build a site and return its output folder with the warnings and errors logged.

    `quiet` silences Pelican's English « Done: Processed … » line, for commands that
    report to the editor in French themselves. `jobs` overrides POULS_JOBS; `cache=False`
    reads every file again and renders every page (a cold build, cache left untouched).
    `keep_model` keeps the finished context, generators and planned pages in the result
    (the preview's quick passes use them); `cancel`, a threading.Event, stops the build
    with BuildCancelled at its next checkpoint once set. `reference`, for a build into a
    fresh folder, is the previous build of the same site (the one online): its unchanged
    files are copied in rather than rendered, and every unchanged file keeps its
    modification time.
    """
    reset_pelican_state()
    started = time.perf_counter()
    console.quiet = quiet
    collector = _Collector()
    root_logger = logging.getLogger()
    # Attached before the settings are read: their warnings count like the build's.
    root_logger.addHandler(collector)
    try:
        settings = load_settings(settings_file, content, output, overrides)
        # A build killed mid-write (SIGKILL) leaves temporaries no rename will replace.
        remove_partial_files(settings["OUTPUT_PATH"], skip=(settings.get("SITE_SEARCH_BUNDLE", "pagefind"),))
        build = Build(settings, build_jobs(jobs), cache=cache, cancel=cancel, reference=reference)
        pelican = PoulsPelican(settings, build)
        pelican.run()
    finally:
        root_logger.removeHandler(collector)
        console.quiet = False
    result = BuildResult(output=Path(settings["OUTPUT_PATH"]), settings=settings, jobs=build.jobs,
                         read=build.read_stats, written=build.writer.stats if build.writer else None,
                         seconds=time.perf_counter() - started, build=build if keep_model else None,
                         phases=build.phases(), records=collector.records)
    for record in collector.records:
        text = record.getMessage()
        (result.errors if record.levelno >= logging.ERROR else result.warnings).append(text)
    return result
