"""Writing the site: record every page while Pelican and the plugins plan them, render them
on every core once the plan is complete, and touch only the files whose bytes change.

Pelican renders a page the moment a generator (or a plugin) calls `Writer.write_file()`.
`DeferredWriter` runs Pelican's own `write_file()` — pagination, the page's context,
the checks against writing a file twice — but hands it a template that only *records*
the context it is given. The pages wait in `self.pages`, keyed by output file; a second
write of the same file that Pelican allows (`override_output`) replaces the first, one it
refuses raises as it does in Pelican. Feeds written through the writer are produced at
once and kept as text.

When every generator has planned its output, `FlushGenerator` (last in the list) calls
`flush()`: the pages are rendered by forked processes that share the finished context
copy-on-write, each taking the next few pages from a shared counter, the build's own
process included. Each page goes through `pouls_common.output.write_if_changed`. Pages
a previous build wrote from the same inputs are not rendered at all (desk.pagekeys).

A page's context is what it was when the page was planned: the shared context is copied
whenever one of its entries has been replaced since the previous page, as Pelican's
`context.copy()` would have seen it.

Rendering logs (a template filter may warn) are kept by each process and replayed by
the build's process page by page, in plan order. A page that fails to render fails the
build with the file's name and the error; a rendering process that dies fails it too.
"""

import gc
import io
import logging
import multiprocessing
import os
import pickle
import time
import traceback
from dataclasses import dataclass, field

from pelican.generators import StaticGenerator
from pelican.writers import FileOverwriteFailedError, Writer

from desk.pagekeys import adopt_file
from desk.parallel import BuildCancelled, capture_logs, fork_child, kill_children, replay
from pouls_common.output import OutputFolder, same_bytes, write_if_changed

logger = logging.getLogger(__name__)

# Pages handed out at a time: small enough to balance the processes' loads, large
# enough that the shared counter is not a bottleneck.
CHUNK = 12
# Below this many pages to render, forking costs more than it saves.
FORK_THRESHOLD = 48


class RenderFailed(Exception):
    """A page could not be rendered or written; the message names it."""


@dataclass
class Page:
    """One output file waiting to be rendered (or, for a feed, already rendered)."""

    name: str  # path under the output folder, as Pelican was given it
    path: str  # absolute path
    template: object = None
    base: dict = None  # the shared context as it was when the page was planned
    extra: dict = None  # the page's own entries (article, articles_page, output_file…)
    shared: dict = None  # the context object itself, which content objects read at render time
    text: str = None  # already rendered (feeds)
    key: bytes = None  # inputs digest (desk.pagekeys), None when unknown

    def context(self):
        local = dict(self.base)
        local.update(self.extra)
        return local

    def render(self):
        if self.text is not None:
            return self.text.encode("utf-8")
        local = self.context()
        # As Pelican's writer does just before rendering: content objects build their
        # links from the shared context's « localsiteurl ».
        if local.get("localsiteurl"):
            self.shared["localsiteurl"] = local["localsiteurl"]
        return self.template.render(local).encode("utf-8")


@dataclass
class WriteStats:
    planned: int = 0
    rendered: int = 0
    written: int = 0
    skipped: int = 0
    processes: int = 1
    seconds: float = 0.0
    written_paths: list = field(default_factory=list)


class _Recorder:
    """Stands in for a Jinja template: render() records the page's context, renders nothing."""

    def __init__(self, template, writer):
        self.template = template
        self.writer = writer

    def render(self, localcontext):
        self.writer._pending = (self.template, localcontext)
        return ""

    def __getattr__(self, name):
        return getattr(self.template, name)


class _Sink(io.StringIO):
    """What Pelican writes a page into: records the page under its file name on close."""

    def __init__(self, writer, path, skip):
        super().__init__()
        self.writer = writer
        self.path = path
        self.skip = skip

    def __exit__(self, *exc):
        if exc[0] is None and not self.skip:
            self.writer._planned(self.path, self.getvalue())
        return super().__exit__(*exc)


class DeferredWriter(Writer):
    """Pelican's Writer, planning pages instead of rendering them; `flush()` renders."""

    def __init__(self, output_path, settings=None, build=None):
        super().__init__(output_path, settings=settings)
        self.build = build
        self.pages = {}
        self.planned = {}  # every page of the last flush, by file name (the preview re-renders them)
        self._early = None  # (pages, RenderOutcome, Rendering) of start_early()
        self._pending = None
        self._base = None
        self._snapshot = None
        self._snapshot_ids = None
        self._names = OutputFolder(self.output_path)
        self.stats = WriteStats()

    # Pelican calls these --------------------------------------------------------------

    def write_file(self, name, template, context, *args, **kwargs):
        self._base = context
        try:
            return super().write_file(name, _Recorder(template, self), context, *args, **kwargs)
        finally:
            self._base = None
            self._pending = None

    def _open_w(self, filename, encoding, override=False):
        # Pelican's bookkeeping, unchanged, minus the opening of the file.
        skip = False
        if filename in self._overridden_files:
            if override:
                raise FileOverwriteFailedError(
                    f'Failed to overwrite "{filename}" a second time (was previously overwritten)'
                )
            logger.info('Skipping "%s", not overwriting', filename)
            skip = True
        elif filename in self._written_files:
            if override:
                logger.info('Overwriting "%s"', filename)
            else:
                raise FileOverwriteFailedError(
                    f'Failed to overwrite "{filename}" as Pelican has already '
                    "written to it previously (set `override=True` if intended)"
                )
        if override:
            self._overridden_files.add(filename)
        self._written_files.add(filename)
        if skip:
            self._pending = None
        return _Sink(self, filename, skip)

    # planning -------------------------------------------------------------------------

    def _planned(self, path, text):
        name = self._names.relative(path)
        pending, self._pending = self._pending, None
        if pending is None:
            # Written directly (a feed): the text is the file.
            self.pages[path] = Page(name=name, path=path, text=text)
            return
        template, localcontext = pending
        base = self._base_snapshot()
        extra = {key: value for key, value in localcontext.items() if key not in base or base[key] is not value}
        self.pages.pop(path, None)  # a later write of a file replaces the earlier one
        self.pages[path] = Page(name=name, path=path, template=template, base=base, extra=extra, shared=self._base)

    def _base_snapshot(self):
        base = self._base
        ids = (id(base), len(base), *map(id, base.values()))
        if ids != self._snapshot_ids:
            self._snapshot = dict(base)
            self._snapshot_ids = ids
        return self._snapshot

    # rendering ------------------------------------------------------------------------

    def start_early(self, context):
        """Start rendering the pages planned so far, in child processes, while planning goes on.

        Called once a generator has planned its reports' pages (the bulk of a site): they
        render while this process plans the listings and runs the writers' plugins (feeds…).
        The children see the model as it is now, which is what Pelican's sequential writer
        would have rendered these pages from.
        """
        if (self.build is None or self.build.jobs <= 1 or self._early is not None
                or self.settings.get("DESK_PREVIEW_PAGES") or len(self.pages) < FORK_THRESHOLD):
            return
        pages = list(self.pages.values())
        self.pages = {}
        self.build.join_background()
        keys = self.build.page_keys_for(context)
        if keys is not None:
            keys.prepare(pages)
        outcome = RenderOutcome()
        self._early = (pages, outcome, start_rendering(pages, self.build.jobs - 1, outcome, keys))

    def abort(self):
        """Stop the children still rendering early pages (the build is failing)."""
        if self._early is not None and self._early[2] is not None:
            self._early[2].stop()

    def flush(self, context):
        """Render and write every planned page; returns the WriteStats."""
        started = time.perf_counter()
        if self.build is not None:
            self.build.mark("plan")
            self.build.join_background()
        early, early_outcome, rendering = self._early or ([], RenderOutcome(), None)
        self._early = None
        late = list(self.pages.values())
        planned = early + late
        self.planned = {page.name: page for page in planned}
        self.pages = {}
        self.stats.planned += len(planned)
        keys = self.build.page_keys_for(context) if self.build is not None else None
        cancel = self.build.cancel if self.build is not None else None
        if rendering is not None:
            # The early pages first (a later page of the same file must win), this process helping.
            finish_rendering(rendering, early_outcome, keys, cancel)
        conclude(early_outcome)
        if self.build is not None:
            self.build.checkpoint()
        only = self.settings.get("DESK_PREVIEW_PAGES")
        # A quick preview build writes only the pages it is asked for (empty: all).
        pages = [page for page in late if page.name in set(only)] if only else late
        if keys is not None:
            keys.prepare(pages)
        jobs = self.build.jobs if self.build is not None else 1
        outcome = render_pages(pages, jobs, keys, cancel=cancel)
        outcome = early_outcome.then(outcome, len(early))
        self.stats.rendered += outcome.rendered
        self.stats.skipped += len(outcome.kept)
        self.stats.written += outcome.written
        self.stats.written_paths += outcome.written_paths
        self.stats.processes = max(self.stats.processes, outcome.processes)
        if keys is not None:
            keys.record(early + pages, outcome,
                        untouched=[page.name for page in late if only and page.name not in set(only)])
        self.stats.seconds += time.perf_counter() - started
        return self.stats


# ---------------------------------------------------------------------- rendering


@dataclass
class RenderOutcome:
    rendered: int = 0
    written: int = 0
    written_paths: list = field(default_factory=list)
    records: list = field(default_factory=list)  # (page index, record)
    errors: list = field(default_factory=list)  # (page index, exception)
    traces: dict = field(default_factory=dict)  # page index -> (key, names, reads) (desk.pagekeys)
    kept: dict = field(default_factory=dict)  # page index -> previous entry, for pages not rendered
    processes: int = 1

    def then(self, other, offset):
        """This outcome followed by `other`, whose page indexes start at `offset`."""
        combined = RenderOutcome(processes=max(self.processes, other.processes))
        combined.merge(self)
        combined.rendered += other.rendered
        combined.written += other.written
        combined.written_paths += other.written_paths
        combined.traces.update({index + offset: trace for index, trace in other.traces.items()})
        combined.kept.update({index + offset: entry for index, entry in other.kept.items()})
        return combined

    def merge(self, other):
        self.rendered += other.rendered
        self.written += other.written
        self.written_paths += other.written_paths
        self.records += other.records
        self.errors += other.errors
        self.traces.update(other.traces)
        self.kept.update(other.kept)


def _render_range(pages, indexes, outcome, keys=None):
    """Render pages[i] for i in indexes into `outcome` (skipping unchanged ones); stop at the first error."""
    for index in indexes:
        page = pages[index]
        with capture_logs() as records:
            try:
                kept = keys.unchanged(page) if keys is not None else None
                if kept is not None:
                    outcome.kept[index] = kept
                    continue
                outcome.rendered += 1
                if keys is not None:
                    keys.start_tracing()
                    try:
                        data = page.render()
                    except BaseException:
                        keys.stop_tracing(index, page, None)
                        raise
                    keys.stop_tracing(index, page, outcome.traces)
                else:
                    data = page.render()
                if keys is not None and keys.reference and same_bytes(os.path.join(keys.reference, page.name), data):
                    # A publication: the same page as the one online, copied with its date.
                    adopt_file(os.path.join(keys.reference, page.name), page.path)
                elif write_if_changed(page.path, data):
                    outcome.written += 1
                    outcome.written_paths.append(page.name)
            except Exception as error:
                error.add_note(f"while writing {page.name}")
                outcome.errors.append((index, _portable(error)))
        outcome.records += [(index, record) for record in records]
        if outcome.errors:
            return False
    return True


def _portable(error):
    """The exception itself when it can travel between processes, else a RenderFailed saying it."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        text = "".join(traceback.format_exception_only(error)).strip()
        failed = RenderFailed(text)
        for note in getattr(error, "__notes__", ()):
            failed.add_note(note)
        return failed
    return error


def _claim(counter, order):
    """The next chunk of page indexes from `order`, or None when all are taken."""
    with counter.get_lock():
        start = counter.value
        counter.value = start + CHUNK
    return order[start:start + CHUNK] if start < len(order) else None


def render_pages(pages, jobs, keys=None, cancel=None):
    """Render and write `pages` with `jobs` processes; raises the first page's error.

    With `keys` (desk.pagekeys.PageKeys), a page whose inputs did not change is not rendered.
    `cancel` (a threading.Event) stops the rendering between two chunks of pages.
    """
    outcome = RenderOutcome()
    if jobs <= 1 or len(pages) < FORK_THRESHOLD:
        for start in range(0, len(pages), CHUNK):
            if cancel is not None and cancel.is_set():
                raise BuildCancelled()
            if not _render_range(pages, range(start, min(start + CHUNK, len(pages))), outcome, keys):
                break
    else:
        _render_forked(pages, min(jobs, max(1, len(pages) // CHUNK)), outcome, keys, cancel)
    conclude(outcome)
    return outcome


def conclude(outcome):
    """Replay the rendering's log records in page order; raise the first page's error."""
    for _, record in sorted(outcome.records, key=lambda item: item[0]):
        replay([record])
    outcome.records = []
    if outcome.errors:
        # The first failing page in plan order, as Pelican would have met it: the same
        # exception (type and message), with a note naming the page.
        raise min(outcome.errors, key=lambda item: item[0])[1]


def _first_of_each_template(pages):
    first = {}
    for index, page in enumerate(pages):
        if page.template is not None:
            first.setdefault(id(page.template), index)
    return sorted(first.values())


def _render_forked(pages, processes, outcome, keys, cancel=None):
    started = start_rendering(pages, processes - 1, outcome, keys)
    if started is not None:
        finish_rendering(started, outcome, keys, cancel)


class Rendering:
    """Child processes rendering a list of pages, each taking the next chunk in turn."""

    def __init__(self, pages, order, counter, children):
        self.pages = pages
        self.order = order
        self.counter = counter
        self.children = children  # [(pid, pipe)]

    def stop(self):
        """Kill the children (an interrupted build)."""
        kill_children(self.children)
        self.children = []


def _render_claimed(pages, order, counter, keys, parent):
    """In a child: render chunk after chunk until none is left, the parent is gone or a page fails."""
    mine = RenderOutcome()
    while os.getppid() == parent:
        indexes = _claim(counter, order)
        if indexes is None or not _render_range(pages, indexes, mine, keys):
            break
    return mine


def start_rendering(pages, children, outcome, keys):
    """Fork `children` processes rendering `pages`; returns the Rendering (None after an error).

    One page of each template is rendered first, here: Jinja compiles the partials and
    macros a template includes when it first renders, and compiled here they are compiled
    once, for every process, instead of once in each.
    """
    first = _first_of_each_template(pages)
    if not _render_range(pages, first, outcome, keys):
        return None
    done = set(first)
    order = [index for index in range(len(pages)) if index not in done]
    context = multiprocessing.get_context("fork")
    counter = context.Value("l", 0)
    parent = os.getpid()
    forked = []
    # Freeze what exists: a child's garbage collector then never walks (and so copies)
    # the pages of memory it shares with this process.
    gc.freeze()
    try:
        for _ in range(children):
            forked.append(fork_child(lambda: _render_claimed(pages, order, counter, keys, parent)))
    except BaseException:
        Rendering(pages, order, counter, forked).stop()
        raise
    finally:
        gc.unfreeze()
    outcome.processes = max(outcome.processes, children + 1)
    return Rendering(pages, order, counter, forked)


def finish_rendering(rendering, outcome, keys, cancel=None):
    """Take chunks in this process too until none is left; gather the children's outcomes."""
    pages, order, counter = rendering.pages, rendering.order, rendering.counter
    try:
        cancelled = False
        while True:
            if cancel is not None and cancel.is_set():
                cancelled = True
                break
            indexes = _claim(counter, order)
            if indexes is None or not _render_range(pages, indexes, outcome, keys):
                break
        if outcome.errors or cancelled:
            # Stop the others: the build fails (or stops) here anyway.
            with counter.get_lock():
                counter.value = len(order)
        while rendering.children:
            pid, reader = rendering.children[0]
            try:
                theirs = pickle.loads(reader.recv_bytes())
            except (EOFError, OSError):
                theirs = None
            _, status = os.waitpid(pid, 0)
            reader.close()
            rendering.children.pop(0)
            if theirs is None:
                code = os.waitstatus_to_exitcode(status)
                raise RenderFailed(
                    f"a rendering process stopped ({'signal ' + str(-code) if code < 0 else 'exit code ' + str(code)}) "
                    "before finishing its pages"
                )
            outcome.merge(theirs)
        if cancelled:
            raise BuildCancelled()
    finally:
        rendering.stop()


class FlushGenerator:
    """Last of the generators: renders every page the others planned."""

    def __init__(self, context=None, settings=None, path=None, theme=None, output_path=None, **kwargs):
        self.context = context
        self.settings = settings
        self.output_path = output_path

    def generate_output(self, writer):
        if isinstance(writer, DeferredWriter):
            writer.flush(self.context)

    def __str__(self):
        return type(self).__name__


def adopt_unchanged_files(output, reference):
    """In a fresh output folder, give each file identical to the reference's the reference's date.

    A publication builds into a new folder; the files that did not change (feeds, theme
    files, pictures the plugins or Pelican wrote anew) keep the date of the ones online,
    so `make deploy`'s rsync sends nothing for them. Returns how many were adopted.
    """
    adopted = 0
    for folder, _, names in os.walk(output):
        for name in names:
            path = os.path.join(folder, name)
            twin = os.path.join(reference, os.path.relpath(path, output))
            try:
                mine, theirs = os.stat(path), os.stat(twin)
            except OSError:
                continue
            if mine.st_mtime_ns == theirs.st_mtime_ns or mine.st_size != theirs.st_size:
                continue
            with open(path, "rb") as handle:
                data = handle.read()
            if same_bytes(twin, data):
                os.utime(path, ns=(theirs.st_atime_ns, theirs.st_mtime_ns))
                adopted += 1
    return adopted


# ---------------------------------------------------------------------- static files


class ChangedOnlyStaticGenerator(StaticGenerator):
    """Pelican's StaticGenerator, copying a file only when its bytes differ from the copy."""

    def _copy_paths(self, *args, **kwargs):
        with _copy_if_changed():
            return super()._copy_paths(*args, **kwargs)

    def _copy_staticfile(self, sc):
        with _copy_if_changed():
            return super()._copy_staticfile(sc)


class _copy_if_changed:
    """Within this block, pelican.utils.copy copies a file only when its bytes change.

    Pelican's own copy() walks folders, applies IGNORE_FILES and logs; only its last
    step, copy_file(), is swapped for one that compares first and never writes in place.
    """

    def __enter__(self):
        import pelican.utils

        self._module = pelican.utils
        self._original = pelican.utils.copy_file
        pelican.utils.copy_file = copy_file_if_changed

    def __exit__(self, *exc):
        self._module.copy_file = self._original


def copy_file_if_changed(source, destination):
    try:
        with open(source, "rb") as handle:
            data = handle.read()
        write_if_changed(destination, data)
    except OSError as error:
        logger.warning("A problem occurred copying file %s to %s; %s", source, destination, error)
