"""The preview's quick pass: show an edited report within a second, before the full build.

`make serve` keeps the last build's model (context, generators, planned pages) in its
build process. When a report or a page is saved, `QuickPass.run()`:

1. reads the file again, exactly as a build does (Markdown, `content_object_init`
   receivers such as french_typography), in this process;
2. gives it what the plugins give every report, by sending `*_pretaxonomy` and
   `*_finalized` to a view of the generator that holds this one report (and a copy of
   the context, so a plugin that publishes a site-wide index cannot overwrite the real
   one). A plugin attribute that lists *other* reports (`related_articles`) needs the
   whole site to compute: it keeps the previous build's list;
3. puts the new object in the old one's place everywhere in the model (listings, the
   related blocks of other reports, the planned pages);
4. renders its own page — where the report itself says, so a `Slug:` override is
   followed — and the pages the dependency graph (desk.depgraph) says read it: the open
   ones always, the others (first listing pages, related blocks naming it, archives)
   when there are not too many.

Then the full build runs and corrects what only the whole site decides (feeds, the
order of listings, the related blocks of every report); a page it rewrites reloads
again. A new file, a deleted one, or anything but a report or a page gets no quick pass.
"""

import logging
import os
import time
from dataclasses import dataclass, field
from functools import partial

from pelican.contents import Article, Content, Page, SkipStub, Static
from pelican.plugins import signals
from pelican.urlwrappers import URLWrapper

from desk.depgraph import DependencyGraph, identity_of, relative_source
from desk.parallel import capture_logs
from desk.writing import DeferredWriter, render_pages

logger = logging.getLogger(__name__)

# A page reading more reports than this (the archives, the site map) is left to the full
# build unless it is open: rendering it would cost the quick pass most of its second.
MAX_READS = 60
_LISTS = ("articles", "translations", "hidden_articles", "hidden_translations", "drafts", "drafts_translations",
          "pages", "hidden_pages", "draft_pages", "draft_translations")


@dataclass
class QuickResult:
    pages: list = field(default_factory=list)  # files rewritten under the output folder
    warnings: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self):
        return not self.errors


class _OneContent:
    """A generator seen with one report (or page) in its lists, and its own copy of the context."""

    def __init__(self, generator, content):
        self._generator = generator
        self.context = dict(generator.context)
        for name in _LISTS:
            setattr(self, name, [])
        if isinstance(content, Article):
            getattr(self, {"published": "articles", "hidden": "hidden_articles"}.get(content.status, "drafts")).append(content)
        else:
            getattr(self, {"published": "pages", "hidden": "hidden_pages"}.get(content.status, "draft_pages")).append(content)

    def __getattr__(self, name):
        return getattr(self._generator, name)


class QuickPass:
    """Quick passes over the model of one finished build (desk.build.build_site(keep_model=True))."""

    def __init__(self, result):
        build = result.build
        self.settings = build.settings
        self.context = build.context
        self.generators = build.generators
        self.writer = build.writer
        entries = build.page_keys.current if build.page_keys is not None else {}
        self.graph = DependencyGraph.from_entries(entries)
        self.reads = {name: len(entry[2]) for name, entry in entries.items()}
        self.modules = {str(name).split(".")[0] for name in self.settings.get("PLUGINS") or () if isinstance(name, str)}
        for generator in self.generators.values():
            # Markdown's instances are built now rather than on the first save.
            for reader in generator.readers.readers.values():
                if hasattr(reader, "prepare"):
                    reader.prepare()

    def run(self, paths, open_pages=()):
        """Show the edits of `paths`; None when only a full build can (new file, theme…)."""
        started = time.perf_counter()
        result = QuickResult()
        rendered = set()
        with capture_logs() as records:
            for path in paths:
                done = self._one(path, open_pages, result)
                if done is None:
                    return None
                rendered |= done
        for record in records:
            text = logging.makeLogRecord(record).getMessage()
            (result.errors if record["levelno"] >= logging.ERROR else result.warnings).append(text)
        result.pages = sorted(rendered)
        result.seconds = time.perf_counter() - started
        return result

    # ------------------------------------------------------------------ one file

    def _one(self, path, open_pages, result):
        relative = relative_source(path, self.settings["PATH"])
        old = self.context["generated_content"].get(relative)
        if not isinstance(old, (Article, Page)) or isinstance(old, Static) or not os.path.isfile(path):
            return None
        generator = self.generators.get("articles" if isinstance(old, Article) else "pages")
        if generator is None:
            return None
        new = self._read(generator, relative, type(old))
        if new is None:
            return set()  # the error is in the records
        if isinstance(new, SkipStub):
            return None
        if not new.is_valid():
            return set()
        self._enrich(generator, old, new)
        self.context["generated_content"][relative] = new
        pages = self._render_own(generator, new)
        dependents = set(self.graph.pages_reading(identity_of(type(old), relative))) - pages
        if old.save_as != new.save_as:
            dependents.discard(old.save_as)  # its old address: the full build removes it
        # The open pages that show it; then the first listing pages and the related blocks
        # naming it (pages that read a bounded number of reports: not the archives).
        chosen = dependents & set(open_pages)
        chosen |= {name for name in dependents - chosen
                   if self.reads.get(name, 0) <= MAX_READS and _first_page(self.writer.planned.get(name))}
        planned = [self.writer.planned[name] for name in sorted(chosen) if name in self.writer.planned]
        self._substitute(old, new, planned)
        render_pages(planned, jobs=1)
        return pages | {page.name for page in planned}

    def _read(self, generator, relative, content_class):
        preread = signals.article_generator_preread if content_class is Article else signals.page_generator_preread
        context_signal = (signals.article_generator_context if content_class is Article
                          else signals.page_generator_context)
        try:
            return generator.readers.read_file(
                base_path=generator.path, path=relative, content_class=content_class, context=self.context,
                preread_signal=preread, preread_sender=generator,
                context_signal=context_signal, context_sender=generator,
            )
        except Exception:
            # What a build logs for it, so the editor reads the same message.
            logger.error("Could not process %s", relative)
            return None

    def _enrich(self, generator, old, new):
        """What the plugins give every report, computed for this one; site-wide lists kept."""
        view = _OneContent(generator, new)
        if isinstance(new, Article):
            signals.article_generator_pretaxonomy.send(view)
            signals.article_generator_finalized.send(view)
        else:
            signals.page_generator_finalized.send(view)
        for name, value in vars(old).items():
            if isinstance(value, (list, tuple)) and any(isinstance(v, Content) and v is not old for v in value):
                # Computed from the whole site (« Sur le même sujet »): the previous build's list.
                setattr(new, name, type(value)(new if v is old else v for v in value))

    def _substitute(self, old, new, pages):
        """Put `new` where the pages about to be rendered hold `old`: their own entries, the
        contents they show and the lists of those (a related block naming it)."""
        roots = [page.extra for page in pages]
        replace_in(old, new, roots, skip={id(self.settings), id(self.context)}, modules=self.modules)

    def _render_own(self, generator, content):
        """Render the content's own page(s) as its generator would, wherever its save_as says."""
        writer = DeferredWriter(self.writer.output_path, settings=self.settings)
        write = partial(writer.write_file, relative_urls=self.settings["RELATIVE_URLS"])
        saved = {name: getattr(generator, name) for name in _LISTS if hasattr(generator, name)}
        view = _OneContent(generator, content)
        try:
            for name in saved:
                setattr(generator, name, getattr(view, name))
            if isinstance(content, Article):
                generator.generate_articles(write)
                generator.generate_drafts(write)
            else:
                # PagesGenerator.generate_output, without the signal that ends a whole build.
                for page in (*generator.pages, *generator.hidden_pages, *generator.draft_pages):
                    writer.write_file(
                        page.save_as, generator.get_template(page.template), generator.context, page=page,
                        relative_urls=self.settings["RELATIVE_URLS"],
                        override_output=hasattr(page, "override_save_as"), url=page.url,
                    )
        finally:
            for name, value in saved.items():
                setattr(generator, name, value)
        pages = set(writer.pages)
        writer.flush(self.context)
        return {os.path.relpath(path, writer.output_path) for path in pages}


def replace_in(old, new, roots, skip=(), modules=()):
    """Replace `old` by `new` in the lists and dicts reachable from `roots` (pages' entries).

    Walked into: containers; Pelican's pagination and the site's plugins' objects
    (`modules`); and the content objects that are entries of a root themselves (the
    report a page is about, whose related block may name `old`) — not the contents met
    in lists: a listing's cards do not show their reports' own lists. Never the shared
    context, Category/Tag/Author, Jinja, Markdown or the build's machinery.
    """
    seen = set(skip)
    stack = []
    for root in roots:
        for key, item in list(root.items()):
            if item is old:
                root[key] = new
            elif isinstance(item, Content):
                stack.extend(value for value in vars(item).values() if _walkable(value))
            elif _walkable(item):
                stack.append(item)
    while stack:
        value = stack.pop()
        if id(value) in seen:
            continue
        seen.add(id(value))
        if isinstance(value, (list, dict)):
            items = list(enumerate(value)) if isinstance(value, list) else list(value.items())
            for key, item in items:
                if item is old:
                    value[key] = new
                elif _walkable(item) and not isinstance(item, Content):
                    stack.append(item)
        elif isinstance(value, (tuple, set, frozenset)):
            stack.extend(item for item in value if _walkable(item) and not isinstance(item, Content))
        elif _model_object(value, modules):
            stack.extend(item for item in vars(value).values() if _walkable(item) and not isinstance(item, Content))


def _first_page(page):
    """True for a page that is not page 2 or more of a listing."""
    if page is None:
        return False
    listing = page.extra.get("articles_page")
    return listing is None or getattr(listing, "number", 1) == 1


def _walkable(value):
    return not isinstance(value, (str, bytes, int, float, type(None))) and not callable(value)


def _model_object(value, modules):
    if isinstance(value, Content):
        return True
    if isinstance(value, URLWrapper) or not hasattr(value, "__dict__"):
        return False
    module = type(value).__module__ or ""
    return module == "pelican.paginator" or module.split(".")[0] in modules
