"""Reading every source file once, on every core, behind the build cache.

Pelican's ArticlesGenerator and PagesGenerator read their files one by one inside
`generate_context()`, then run the plugins on the whole set. The generators below read
first, all at once:

1. list the files exactly as Pelican will (`get_files`), hash each one's bytes;
2. take what the build cache (desk.content_cache) holds for that hash;
3. read the rest in a pool of forked processes, each running Pelican's own
   `Readers.read_file` (Markdown, metadata, `content_object_init` receivers such as
   french_typography), and send back the content object as bytes with its log records;

then run Pelican's own `generate_context()`, whose `read_file` calls are answered from
what was read. Each file's log records are replayed at the moment Pelican would have
read it, so warnings arrive once, through the build's collector, as in a plain build.
A file that fails to read raises there too: Pelican logs « Could not process <file> »
and skips it, exactly as it does without us.

What may run in a reading process is what reading runs: receivers of
`content_object_init` that change the object they are given (french_typography does
that and nothing more), then those of Pouls's `report_read`
(pouls_common.signals: per-report work kept in the cache, article_meta's). A plugin listening to the `*_preread` or `*_context` signals
could expect to run in the build's process, so when one is connected the files are
read here, in order, as Pelican would.

`ReusingMarkdownReader` is Pelican's MarkdownReader minus one cost: building a
Markdown instance with every extension for each file (a quarter of the reading time).
It keeps two instances and resets them between files, which Python-Markdown supports;
tests/test_build_identity.py checks it gives the same content and metadata as
Pelican's reader for every file of the sample site, the fixtures and a synthetic corpus.
"""

import concurrent.futures
import gc
import logging
import multiprocessing
import os
import time
import traceback
from dataclasses import dataclass, field
from functools import partial

from markdown import Markdown
from markdown.preprocessors import Preprocessor
from pelican.contents import Article, Page, SkipStub
from pelican.generators import ArticlesGenerator, PagesGenerator
from pelican.plugins import signals
from pelican.readers import MarkdownReader
from pelican.utils import pelican_open

from desk import content_cache, contents
from desk.parallel import capture_logs, replay
from pouls_common.signals import report_read

logger = logging.getLogger(__name__)

# Below this many files to read, starting processes costs more than it saves.
POOL_THRESHOLD = 24


class ReadFailed(Exception):
    """A file could not be read (in a reading process); the message says why."""


class _Nothing(Preprocessor):
    def run(self, lines):
        return lines


class ReusingMarkdownReader(MarkdownReader):
    """MarkdownReader that resets two Markdown instances instead of building one per file."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._document = None
        self._fields = None

    def prepare(self):
        if self._document is None:
            self._document = Markdown(**self.settings["MARKDOWN"])
            # Pelican converts formatted fields (the summary) with the document's
            # instance once its « meta » preprocessor is removed: the same, kept apart.
            self._fields = Markdown(**self.settings["MARKDOWN"])

    def read(self, source_path):
        self._source_path = source_path
        self.prepare()
        document = self._document
        document.reset()
        with pelican_open(source_path) as text:
            content = document.convert(text)
        if not hasattr(document, "Meta"):
            return content, {}
        # _parse_metadata() removes « meta » from self._md before converting the fields;
        # give it the fields' instance with a stand-in to remove.
        self._md = self._fields
        self._md.preprocessors.register(_Nothing(self._md), "meta", 0)
        return content, self._parse_metadata(document.Meta)


def use_reusing_markdown(readers):
    for fmt, reader in list(readers.readers.items()):
        if type(reader) is MarkdownReader:
            readers.readers[fmt] = ReusingMarkdownReader(readers.settings)


# ------------------------------------------------------------------ one file


@dataclass
class Outcome:
    """What reading one file gave: a content object (or its bytes), or an error."""

    kind: str  # "ok", "skip" or "error"
    records: list = field(default_factory=list)
    data: bytes = b""
    expires: float = None
    message: str = ""
    obj: object = None


def read_one(generator, path, content_class, keep_object=False):
    """Read one file as Pelican does, keeping its log records; never raises."""
    preread, context_signal = _signals_of(content_class)
    with capture_logs() as records:
        try:
            obj = generator.readers.read_file(
                base_path=generator.path, path=path, content_class=content_class,
                context=generator.context, preread_signal=preread, preread_sender=generator,
                context_signal=context_signal, context_sender=generator,
            )
            if isinstance(obj, Article):
                report_read.send(obj)
        except Exception as error:
            text = "".join(traceback.format_exception(error))
            return Outcome("error", records, message=f"{type(error).__name__}: {error}\n{text}")
    kind = "skip" if isinstance(obj, SkipStub) else "ok"
    if kind == "ok":
        # Here, in a reading process, and then kept in the build cache (desk.contents).
        contents.settle_slugs(obj)
    data = content_cache.dump_content(obj, generator.settings, generator.context)
    return Outcome(kind, records, data=data, expires=content_cache.expiry(obj), obj=obj if keep_object else None)


def _signals_of(content_class):
    if issubclass(content_class, Article):
        return signals.article_generator_preread, signals.article_generator_context
    return signals.page_generator_preread, signals.page_generator_context


def must_read_in_order(content_class):
    preread, context_signal = _signals_of(content_class)
    return bool(preread.receivers or context_signal.receivers)


# ------------------------------------------------------------------ the pool

_POOL_STATE = {}


def _read_chunk(paths):
    generator, content_class = _POOL_STATE["generator"], _POOL_STATE["content_class"]
    return [(path, read_one(generator, path, content_class)) for path in paths]


def _start_reader():
    # The parent's objects are never freed here: do not let the collector walk (and so
    # copy) every page of memory shared with it.
    gc.freeze()


def read_in_pool(generator, paths, content_class, jobs):
    """Yield (path, Outcome) for `paths`, read by `jobs` forked processes."""
    _POOL_STATE.update(generator=generator, content_class=content_class)
    size = max(4, min(64, len(paths) // (jobs * 6) or 1))
    chunks = [paths[i:i + size] for i in range(0, len(paths), size)]
    context = multiprocessing.get_context("fork")
    done = set()
    try:
        with concurrent.futures.ProcessPoolExecutor(max_workers=jobs, mp_context=context,
                                                    initializer=_start_reader) as pool:
            futures = [pool.submit(_read_chunk, chunk) for chunk in chunks]
            try:
                for future in concurrent.futures.as_completed(futures):
                    try:
                        results = future.result()
                    except concurrent.futures.process.BrokenProcessPool as error:
                        raise ReadFailed(_died(error, chunks, futures, done, jobs)) from None
                    done.add(id(future))
                    yield from results
            except BaseException:
                for future in futures:
                    future.cancel()
                raise
    finally:
        _POOL_STATE.clear()


def _died(error, chunks, futures, done, jobs):
    """Name the files a dead reading process may have been reading.

    The processes take the chunks in order, so the first unfinished chunks (one per
    process) were the ones in hand when one of them died.
    """
    unfinished = [chunk for chunk, future in zip(chunks, futures, strict=True) if id(future) not in done]
    suspects = [path for chunk in unfinished[:jobs] for path in chunk]
    return (f"a reading process died ({error}) while reading one of {', '.join(suspects)}; "
            "read that file alone with POULS_JOBS=1 to see its error")


# ------------------------------------------------------------------ the generators


@dataclass
class ReadStats:
    files: int = 0
    cached: int = 0
    read: int = 0
    seconds: float = 0.0


class ParallelReading:
    """Mixin for Pelican's caching generators: read everything first, in parallel, cached."""

    content_class = Page
    paths_setting = "PAGE_PATHS"
    excludes_setting = "PAGE_EXCLUDES"
    build = None  # desk.build.Build, set on the class PoulsPelican makes for one build
    _listing = None  # ((paths, exclude, extensions), files) of the listing _read_everything made

    def get_files(self, paths, exclude=None, extensions=None):
        """Pelican's get_files(); generate_context() asks for the listing _read_everything()
        has just made, with the same arguments: it gets that listing (a copy), once."""
        listing, self._listing = self._listing, None
        if listing is not None and listing[0] == (paths, exclude, extensions):
            return set(listing[1])
        return super().get_files(paths, exclude=exclude, extensions=extensions)

    def _check_disabled_readers(self, paths, exclude):
        # Pelican walks the content folder for the files of the disabled readers: with none
        # disabled (the usual case), no file can match.
        if self.readers.disabled_extensions:
            super()._check_disabled_readers(paths, exclude)

    def _read_everything(self, build):
        started = time.perf_counter()
        use_reusing_markdown(self.readers)
        paths, excludes = self.settings[self.paths_setting], self.settings[self.excludes_setting]
        listed = self.get_files(paths, exclude=excludes)
        # Pelican's generate_context() lists them again, with the same arguments, next.
        self._listing = ((paths, excludes, None), listed)
        files = sorted(listed)
        outcomes = {}
        misses = []
        now = time.time()
        digests = {}
        for path in files:
            full = os.path.join(self.path, path)
            try:
                with open(full, "rb") as handle:
                    data = handle.read()
            except OSError:
                misses.append(path)  # Pelican will report it
                continue
            digest = content_cache.source_digest(data, path, self.settings, full)
            digests[path] = digest
            entry = build.read_cache.get(path, digest, now) if build.read_cache else None
            if entry is None:
                misses.append(path)
                continue
            outcomes[path] = entry
        stats = ReadStats(files=len(files), cached=len(outcomes), read=len(misses))
        in_order = must_read_in_order(self.content_class)
        if build.jobs > 1 and len(misses) >= POOL_THRESHOLD and not in_order:
            results = read_in_pool(self, misses, self.content_class, build.jobs)
        else:
            results = ((path, read_one(self, path, self.content_class, keep_object=True)) for path in misses)
        for path, outcome in results:
            build.checkpoint()
            if outcome.kind != "error" and build.read_cache is not None and path in digests:
                build.read_cache.put(path, digests[path], outcome.expires, _entry_bytes(outcome))
            outcomes[path] = outcome
        if build.read_cache is not None:
            build.read_cache.save(forget_unseen=False)
        stats.seconds = time.perf_counter() - started
        build.read_stats.append(stats)
        return outcomes

    def generate_context(self):
        build = self.build
        build.checkpoint()
        build.generators["articles" if issubclass(self.content_class, Article) else "pages"] = self
        build.context = self.context
        outcomes = self._read_everything(build)
        build.checkpoint()
        readers = self.readers

        def answer(base_path, path, content_class=Page, **kwargs):
            outcome = outcomes.pop(path, None)
            if outcome is None:
                return type(readers).read_file(readers, base_path, path, content_class, **kwargs)
            if isinstance(outcome, bytes):
                outcome = _entry_outcome(outcome)
            replay(outcome.records)
            if outcome.kind == "error":
                raise ReadFailed(outcome.message)
            if outcome.obj is not None:
                return outcome.obj
            return content_cache.load_content(outcome.data, self.settings, self.context)

        readers.read_file = answer
        try:
            super().generate_context()
        finally:
            del readers.read_file


def _entry_bytes(outcome):
    import pickle

    return pickle.dumps((outcome.kind, outcome.records, outcome.data), protocol=pickle.HIGHEST_PROTOCOL)


def _entry_outcome(data):
    import pickle

    kind, records, payload = pickle.loads(data)
    return Outcome(kind, records, data=payload)


class ReportList(list):
    """A list of reports whose `in` is a set lookup (by identity, as a list's `in` is here).

    Pelican writes each tag, category and author page with
    `dates = [a for a in self.dates if a in articles]`: with `articles` a plain list that
    is quadratic (the author of every synthetic report makes it 10 000 × 10 000 at 10 000
    reports). Content objects compare by identity, so the answer is the same.
    """

    def __init__(self, items):
        super().__init__(items)
        self._ids = {id(item) for item in items}

    def __contains__(self, item):
        return id(item) in self._ids


class ReadingArticlesGenerator(ParallelReading, ArticlesGenerator):
    content_class = Article
    paths_setting = "ARTICLE_PATHS"
    excludes_setting = "ARTICLE_EXCLUDES"

    def generate_pages(self, writer):
        # Pelican's own, with the listings' lists answering `in` in constant time; the
        # generator's attributes are put back as they were once the pages are planned.
        saved = self.tags, self.categories, self.authors
        self.tags = {tag: ReportList(items) for tag, items in self.tags.items()}
        self.categories = [(category, ReportList(items)) for category, items in self.categories]
        self.authors = [(author, ReportList(items)) for author, items in self.authors]
        try:
            # Pelican's generate_pages, with the reports' pages handed to rendering processes
            # as soon as they are planned.
            write = partial(writer.write_file, relative_urls=self.settings["RELATIVE_URLS"])
            self.generate_articles(write)
            if hasattr(writer, "start_early"):
                writer.start_early(self.context)
            self.generate_period_archives(write)
            self.generate_direct_templates(write)
            self.generate_tags(write)
            self.generate_categories(write)
            self.generate_authors(write)
            self.generate_drafts(write)
        finally:
            self.tags, self.categories, self.authors = saved


class ReadingPagesGenerator(ParallelReading, PagesGenerator):
    content_class = Page
    paths_setting = "PAGE_PATHS"
    excludes_setting = "PAGE_EXCLUDES"
