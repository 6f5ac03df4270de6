"""Which pages need rendering again: each page's inputs, recorded as it renders.

While a page renders, `Tracer` notes what it reads, through the three doors Jinja has:

- the names it looks up in its context (`Context.resolve_or_missing`): `article`,
  `categories`, `SITEURL`, `static_url`…;
- the content objects (reports, pages, static files) whose attributes or items it reads
  (`Environment.getattr`/`getitem`), or that it hands to a filter, a test or a function
  (`Context.call`, the environment's filters and tests).

The page's *key* is then a digest of

- the environment: theme files, plugin and desk code, settings, library versions;
- the template's name;
- for each name it looked up, the value's *structure*: lists, dicts, numbers, strings,
  Category/Tag/Author/Hospital objects by value, content objects by identity only (which
  report, not what it says);
- for each content object it read, its *state*: every attribute, other content objects
  again by identity.

A content object reached from another one (`article.related_articles[0]`) is read
through an attribute, so it is in the page's list as soon as the page shows anything
of it. A report whose body changes changes its own state only: the pages that read it
(its page, the listings showing its card, the related blocks naming it, the archives)
get new keys; the others keep theirs and are not rendered. A report added, removed or
moved in date changes the structure of the lists every page's navigation looks up:
every page is rendered again, and only those whose bytes differ are written.

A build may render untraced (`PageKeys(tracing=False)`, desk.build.Build.traces_pages):
its pages are recorded without a key and the next build renders them again, traced.

The previous build's keys, names and contents read are kept per output folder in the
build cache (`pages-*.pickle`), with each file's size and modification time: a page is
skipped only when its key is unchanged and its file is the one that build left.
Dictionaries and sets are digested without their order: a page whose bytes depended on
the order of a dict would already differ between two builds of the same content.
"""

import functools
import hashlib
import logging
import os
import pickle
import re
import shutil
import tempfile
import types
from datetime import date, datetime, time, timedelta, tzinfo
from itertools import repeat

from jinja2.filters import FILTERS
from jinja2.runtime import Macro
from jinja2.tests import TESTS
from pelican.contents import Content
from pelican.urlwrappers import URLWrapper

from desk import content_cache

logger = logging.getLogger(__name__)

FORMAT = 10
_ADDRESS = re.compile(r" at 0x[0-9a-f]+")


class Undigestable(Exception):
    """A value whose state cannot be digested: its page is rendered every time."""


def _h(*parts):
    return hashlib.blake2b(b"\0".join(parts), digest_size=16).digest()


def content_identity(obj):
    return f"{type(obj).__name__}:{obj.relative_source_path or obj.source_path}"


class Digester:
    """Digests of values for one build, memoised by object (the model is final and not changed).

    A value is written out as a flat canonical text (type tags, lengths, dict items in key
    order, content objects as their identity) and hashed once. Values that are often
    shared (Category, Tag and Author objects, containers above INLINE items, sets,
    functions) are hashed on their own and memoised, so a Category shared by a thousand
    reports is written out once; leaves and plain objects are written where they appear.
    """

    # Containers longer than this are hashed and memoised on their own.
    INLINE = 12

    def __init__(self, settings, context):
        self._shared = {id(settings): "<settings>", id(context): "<context>"}
        self._memo = {}

    def structure(self, value):
        """Digest (16 bytes) of a value, content objects by identity."""
        key = id(value)
        memo = self._memo.get(key)
        if memo is not None and memo[0] is value:
            return memo[1]
        out = []
        self._emit(value, out, top=True)
        digest = _h(_joined(out))
        if not isinstance(value, (str, int, float, type(None))):
            self._memo[key] = (value, digest)  # the value is kept: its id stays its own
        return digest

    def _emit(self, value, out, top=False):
        kind = type(value)
        if kind is str:
            out.append(f"s{len(value)}:")
            out.append(value)
            return
        if value is None:
            out.append("N;")
            return
        if kind is int or kind is bool or kind is float:
            out.append(f"{kind.__name__}{value!r};")
            return
        shared = self._shared.get(id(value))
        if shared is not None:
            out.append(shared)
            return
        is_content = _CONTENT_TYPES.get(kind)
        if is_content is None:
            is_content = _CONTENT_TYPES[kind] = issubclass(kind, Content)
        if is_content:
            out.append(f"C{content_identity(value)};")
            return
        if kind is list or kind is tuple:
            if not top and len(value) > self.INLINE:
                out.append(f"#{self.structure(value).hex()};")
                return
            out.append(f"{kind.__name__[0]}{len(value)}(")
            self._emit_each(value, out)
            out.append(")")
            return
        if kind is dict:
            if not top and len(value) > self.INLINE:
                out.append(f"#{self.structure(value).hex()};")
                return
            out.append(f"d{len(value)}(")
            self._emit_mapping(value, out)
            out.append(")")
            return
        form = _form(kind)
        if not top and form not in _INLINE_FORMS:
            # Hashed on its own and memoised: a Category or a Tag is shared by many reports.
            out.append(f"#{self.structure(value).hex()};")
            return
        self._emit_object(value, out, form)

    # The loop below is _emit's hot path (a report's metadata, its lists of links): it
    # writes strings and None inline, the same text _emit writes, without a call each.
    # A mapping's items come with their key's text before them; a sequence's with "".

    def _emit_each(self, values, out):
        self._emit_items(zip(repeat(""), values), out)

    def _emit_mapping(self, mapping, out):
        self._emit_items(_sorted_items(self, mapping), out)

    def _emit_items(self, pairs, out):
        emit, append = self._emit, out.append
        for key_text, item in pairs:
            if key_text:
                append(key_text)
            if type(item) is str:
                append(f"s{len(item)}:")
                append(item)
            elif item is None:
                append("N;")
            else:
                emit(item, out)

    def _emit_object(self, value, out, form):
        name = _type_name(type(value))
        if form == _OTHER:
            state = _state_of(value)
            if state is not None:
                out.append(f"{name}(")
                self._emit(state, out)
                out.append(")")
                return
            text = repr(value)
            if " at 0x" in text:
                raise Undigestable(type(value).__qualname__)
            out.append(f"{name}{text};")
        elif form == _STR:  # Markup and other str subclasses
            out.append(f"{name}{len(value)}:")
            out.append(str(value))
        elif form == _BYTES:
            out.append(f"b{value.hex()};")
        elif form in (_NUMBER, _TIME):
            out.append(f"{name}{value!r};")
        elif form == _SEQUENCE:
            out.append(f"{name}{len(value)}(")
            self._emit_each(value, out)
            out.append(")")
        elif form == _MAPPING:
            out.append(f"{name}{len(value)}(")
            self._emit_mapping(value, out)
            out.append(")")
        elif form == _SET:
            out.append(f"{name}(")
            out.extend(sorted(self.structure(item).hex() for item in value))
            out.append(")")
        elif form == _FUNCTION:
            self._emit_function(value, out)
        elif form == _METHOD:
            out.append("method(")
            self._emit_function(value.__func__, out)
            self._emit(value.__self__, out)
            out.append(")")
        elif form == _PARTIAL:
            out.append("partial(")
            for part in (value.func, value.args, value.keywords):
                self._emit(part, out)
            out.append(")")
        elif form == _CODE:
            out.append(f"code:{getattr(value, '__module__', '')}.{getattr(value, '__qualname__', value.__name__)};")
        elif form == _PATTERN:
            out.append(f"re{value.flags}:{value.pattern!r};")
        else:  # _URLWRAPPER
            # Pelican fills _slug on first use, and as_dict() (called for each URL) copies
            # name and slug into the object: the same state before and after a page shows it.
            out.append(f"{name}({value.name!r},{value.slug!r},{value._slug_from_name!r}")
            others = {k: v for k, v in vars(value).items() if k not in _URLWRAPPER_STATE}
            if others:
                self._emit(others, out)
            out.append(")")

    def _emit_function(self, function, out):
        out.append(f"function:{function.__module__}.{function.__qualname__}(")
        closure = tuple(cell.cell_contents for cell in function.__closure__ or () if _cell_full(cell))
        for part in (closure, function.__defaults__, function.__kwdefaults__):
            self._emit(part, out)
        out.append(")")


def _joined(parts):
    return "".join(parts).encode("utf-8", "surrogatepass")


def _sorted_items(digester, mapping):
    """(key text, value) pairs of a dict in a canonical order: its order is not its content."""
    try:
        if all(type(k) is str for k in mapping):
            return [(f"k{len(k)}:{k}", v) for k, v in sorted(mapping.items())]
    except TypeError:
        pass
    return sorted(((f"k#{digester.structure(k).hex()};", v) for k, v in mapping.items()), key=lambda kv: kv[0])


_SHARED_ATTRIBUTES = frozenset({"_context", "settings"})
_URLWRAPPER_STATE = frozenset({"settings", "_name", "_slug", "_slug_from_name", "name", "slug"})


@functools.cache
def _is_data_descriptor(cls, name):
    """True when the class defines `name` as a property (or another data descriptor)."""
    for klass in cls.__mro__:
        if name in vars(klass):
            member = vars(klass)[name]
            return hasattr(member, "__set__") or hasattr(member, "__delete__")
    return False


def _cell_full(cell):
    try:
        cell.cell_contents  # noqa: B018  (an empty cell raises)
    except ValueError:
        return False
    return True


def _state_of(value):
    if hasattr(value, "__dict__") and not isinstance(value, type):
        kind = type(value)
        derived, slots = _cached_properties(kind), _slots(kind)
        if not derived and not slots:
            return vars(value)  # only read: no copy needed
        state = {k: v for k, v in vars(value).items() if k not in derived} if derived else dict(vars(value))
        for slot in slots:
            if hasattr(value, slot):
                state[slot] = getattr(value, slot)
        return state
    slots = _slots(type(value))
    if slots:
        return {slot: getattr(value, slot) for slot in slots if hasattr(value, slot)}
    return None


# How _emit_object writes a value, by the first of these its type belongs to (else _OTHER:
# its attributes). Decided once per type: a chain of isinstance() per value cost more
# than the writing.
_FORMS = (
    str, bytes, (int, float, complex), (list, tuple), (dict, types.MappingProxyType), (set, frozenset),
    (datetime, date, time, timedelta, tzinfo), (types.FunctionType, types.LambdaType), types.MethodType,
    functools.partial, (type, types.ModuleType, types.BuiltinFunctionType), re.Pattern, URLWrapper,
)
(_STR, _BYTES, _NUMBER, _SEQUENCE, _MAPPING, _SET, _TIME, _FUNCTION, _METHOD, _PARTIAL, _CODE, _PATTERN,
 _URLWRAPPER, _OTHER) = range(len(_FORMS) + 1)


# Written where they appear, not hashed apart: leaves (Markup, dates) and plain objects
# of one report (its share links, its breadcrumb) are seldom shared, and hashing each
# apart cost more than writing it out (share links alone: 1.0 of 6.2 s of key time at
# 10 000 reports; all keys of 2 000 reports 1.04 s → 0.92 s written inline).
_INLINE_FORMS = frozenset({_STR, _BYTES, _NUMBER, _TIME, _OTHER})


@functools.cache
def _form(cls):
    for form, kinds in enumerate(_FORMS):
        if issubclass(cls, kinds):
            return form
    return _OTHER


@functools.cache
def _type_name(cls):
    return f"{cls.__module__}.{cls.__qualname__}"


@functools.cache
def _cached_properties(cls):
    """Attributes a functools.cached_property fills on first use: derived, so not state."""
    return frozenset(
        name for klass in cls.__mro__ for name, member in vars(klass).items()
        if isinstance(member, functools.cached_property)
    )


@functools.cache
def _slots(cls):
    names = []
    for klass in cls.__mro__:
        slots = klass.__dict__.get("__slots__", ())
        names += [slots] if isinstance(slots, str) else list(slots)
    return tuple(name for name in names if name not in ("__dict__", "__weakref__"))


# ---------------------------------------------------------------------- tracing


class _Trace:
    __slots__ = ("names", "reads")

    def __init__(self):
        self.names = set()
        self.reads = {}  # (id of the content, attribute) -> content


_CURRENT = []  # the trace of the page being rendered in this process, if any


_CONTENT_TYPES = {}  # type -> is it a Content subclass


def _note(value, attribute):
    if isinstance(attribute, str):
        _CURRENT[-1].reads[(id(value), attribute)] = value
    else:
        # obj[x] with a non-string x: a Content has no items, the read fails the same way.
        _CURRENT[-1].reads[(id(value), repr(attribute))] = value


# Arguments of these types cannot lead Python code to a content object.
_INERT = (str, bytes, int, float, bool, type(None), date, time, timedelta)


def _inert(function, args, kwargs):
    """True when a call can only read what it is given and what it is given holds no content."""
    if getattr(function, "__self__", None) is not None:
        return False
    closure = getattr(function, "__closure__", None)
    if closure and not all(_cell_full(cell) and isinstance(cell.cell_contents, _INERT) for cell in closure):
        # static_url() closes over a string and stays inert; a closure over an object does not.
        return False
    for value in args:
        if not isinstance(value, _INERT):
            return False
    return all(isinstance(value, _INERT) for value in kwargs.values())


_HOOKED = [0]


def _tracing_getattribute(self, name):
    if _CURRENT and not name.startswith("__"):
        _CURRENT[-1].reads[(id(self), name)] = self
    return object.__getattribute__(self, name)


def _call_traced(function, args, kwargs):
    """Run Python code called by a template with every content attribute it reads recorded.

    Jinja's own attribute accesses are traced by the environment; Python code (a filter,
    a plugin's template function) reads attributes directly, so for the duration of the
    call the content classes note every attribute read on them.
    """
    if not _CURRENT or _inert(function, args, kwargs):
        return function(*args, **kwargs)
    return _hooked(function, *args, **kwargs)


def _hooked(function, *args, **kwargs):
    if _HOOKED[0] == 0:
        Content.__getattribute__ = _tracing_getattribute
    _HOOKED[0] += 1
    try:
        return function(*args, **kwargs)
    finally:
        _HOOKED[0] -= 1
        if _HOOKED[0] == 0:
            del Content.__getattribute__


def _tracing_context_class(base):
    class TracingContext(base):
        def resolve_or_missing(self, key):
            if _CURRENT:
                _CURRENT[-1].names.add(key)
            return super().resolve_or_missing(key)

        def call(__self, __obj, *args, **kwargs):
            # A macro is a template: what it reads is traced like the rest.
            if isinstance(__obj, Macro) or not _CURRENT or _inert(__obj, args, kwargs):
                return super().call(__obj, *args, **kwargs)
            return _hooked(super().call, __obj, *args, **kwargs)

    return TracingContext


def _traced(function):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        return _call_traced(function, args, kwargs)

    return wrapper


_JINJAS = {id(f) for f in (*FILTERS.values(), *TESTS.values())}


def _is_jinjas(function):
    return id(function) in _JINJAS


def instrument(environment):
    """Make a Jinja environment report what its templates read (once per environment)."""
    if getattr(environment, "_pouls_traced", False):
        return
    getattr_, getitem_ = environment.getattr, environment.getitem

    def traced_getattr(obj, attribute):
        # The hot path of every page: one dict lookup decides whether obj is a content.
        if _CURRENT:
            kind = type(obj)
            is_content = _CONTENT_TYPES.get(kind)
            if is_content is None:
                is_content = _CONTENT_TYPES[kind] = issubclass(kind, Content)
            if is_content:
                _CURRENT[-1].reads[(id(obj), attribute)] = obj
        return getattr_(obj, attribute)

    def traced_getitem(obj, argument):
        if _CURRENT and isinstance(obj, Content):
            _note(obj, argument)
        return getitem_(obj, argument)

    environment.getattr = traced_getattr
    environment.getitem = traced_getitem
    environment.context_class = _tracing_context_class(environment.context_class)
    # Jinja's own filters and tests read attributes through getattr/getitem above; the
    # others (plugins', Pelican's) are Python code reading whatever they are given.
    environment.filters = {name: f if _is_jinjas(f) else _traced(f) for name, f in environment.filters.items()}
    environment.tests = {name: f if _is_jinjas(f) else _traced(f) for name, f in environment.tests.items()}
    environment._pouls_traced = True


# ---------------------------------------------------------------------- keys and manifest


def environment_digest(settings):
    """Everything besides the content model that a page's bytes depend on."""
    theme = [settings["THEME"], *settings.get("THEME_TEMPLATES_OVERRIDES", [])]
    return _h(
        f"pouls pages {FORMAT}\n".encode(),
        content_cache.stable_repr({k: v for k, v in settings.items() if k not in content_cache.NOT_READ}).encode(),
        content_cache.files_digest([*content_cache.code_folders(settings), content_cache.ROOT / "desk", *theme]).encode(),
        content_cache.library_versions().encode(),
    )


_MISSING = object()


class PageKeys:
    """Decides which planned pages must render, and remembers what each one read."""

    def __init__(self, settings, context, folder, reference=None, tracing=True):
        self.settings = settings
        # False: pages render untraced and are recorded without a key, so the next build
        # renders them again, traced (Build.page_keys_for says when that pays).
        self.tracing = tracing
        self.context = context
        self.folder = folder
        self.output = os.path.realpath(settings["OUTPUT_PATH"])
        self.path = manifest_path(folder, self.output)
        self.environment = environment_digest(settings)
        self.digester = None
        # A publication builds into a fresh folder: the previous publication's pages are
        # its reference, copied in when unchanged (same bytes, same modification time).
        self.reference = None
        self.previous = _load(self.path, self.output)
        if not self.previous and reference is not None:
            self.reference = os.path.realpath(reference)
            self.previous = _load(manifest_path(folder, self.reference), self.reference)
        self.current = {}
        self.url_map = None
    def _contents_by_identity(self):
        index = {}
        for key in ("generated_content", "static_content"):
            for obj in (self.context.get(key) or {}).values():
                if obj is not None:
                    index[content_identity(obj)] = obj
        return index

    def key(self, page, names, reads):
        """The page's key for the names and content attributes it reads; None when unknowable.

        `names` is a sorted tuple of context names; `reads` a sorted tuple of
        (content identity, attributes read) pairs.
        """
        digester = self.digester
        extra = page.extra
        parts = [self.environment, page.template.name.encode() if page.template.name else b""]
        try:
            shared = []
            for name in names:
                value = extra.get(name, _MISSING)
                if value is _MISSING:
                    shared.append(name)
                else:
                    parts.append(name.encode())
                    parts.append(digester.structure(value))
            parts.append(self._shared_names_digest(page, tuple(shared)))
            groups = self._groups
            for group in reads:
                digest = groups.get(group)
                if digest is None:
                    digest = self._group_digest(*group)
                    if digest is None:
                        return None
                    groups[group] = digest
                parts.append(digest)
        except Undigestable as error:
            logger.debug("desk: %s reads a %s, rendered every time", page.name, error)
            return None
        return _h(*parts)

    def _shared_names_digest(self, page, names):
        """Digest of names taken from the shared context or the template's globals (memoised)."""
        base, template_globals = page.base, page.template.globals
        memo_key = (id(base), id(template_globals), names)
        digest = self._shared_names.get(memo_key)
        if digest is None:
            parts = []
            for name in names:
                value = base.get(name, _MISSING)
                if value is _MISSING:
                    value = template_globals.get(name, _MISSING)
                parts.append(name.encode())
                parts.append(b"<absent>" if value is _MISSING else self.digester.structure(value))
            digest = _h(*parts)
            self._shared_names[memo_key] = digest
        return digest

    def _group_digest(self, identity, attributes):
        obj = self.index.get(identity)
        if obj is None:
            return None
        parts = [identity.encode()]
        for attribute in attributes:
            parts.append(attribute.encode())
            parts.append(self._read(obj, attribute))
        return _h(*parts)

    def _read(self, obj, attribute):
        """Digest of what reading `attribute` of a content gives."""
        known = self._reads.get((id(obj), attribute))
        if known is not None:
            return known
        known = self._reads[(id(obj), attribute)] = self._read_once(obj, attribute)
        return known

    def _read_once(self, obj, attribute):
        if attribute in _SHARED_ATTRIBUTES:
            # The settings are in the environment digest; the shared context is read by
            # content objects for one thing, the URLs their {filename} links point to.
            return self._url_map() if attribute == "_context" else b"<settings>"
        instance = vars(obj)
        if attribute in instance and not _is_data_descriptor(type(obj), attribute):
            return self._raw(obj, attribute, instance[attribute])
        try:
            value = getattr(obj, attribute)
        except Exception as error:
            # The page read it and got this error: it reads it the same way next time.
            return f"<{type(error).__name__}>".encode()
        if callable(value) and getattr(value, "__self__", None) is obj:
            # A method may answer from a memo (get_content does) without reading the
            # attributes it depends on: count it as reading all of them.
            return self._state(obj)
        return self.digester.structure(value)

    def _raw(self, obj, key, value):
        memo_key = (id(obj), "=" + key)
        known = self._reads.get(memo_key)
        if known is None:
            known = self._reads[memo_key] = self.digester.structure(value)
        return known

    def _state(self, obj):
        """Digest of every attribute of a content (other contents by identity)."""
        memo_key = (id(obj), "<state>")
        known = self._reads.get(memo_key)
        if known is not None:
            return known
        parts = [f"state:{type(obj).__qualname__}".encode()]
        for key, value in sorted(vars(obj).items()):
            parts.append(key.encode())
            parts.append(self._read(obj, key) if key in _SHARED_ATTRIBUTES else self._raw(obj, key, value))
        digest = self._reads[memo_key] = _h(*parts)
        return digest

    def _url_map(self):
        if self.url_map is None:
            self.url_map = _h(*sorted(_h(i.encode(), str(getattr(o, "url", "")).encode())
                                      for i, o in self.index.items()))
        return self.url_map

    def prepare(self, pages):
        """Before rendering (and forking): fresh digests, the contents by identity, Jinja traced.

        The digests are made once per build: a second call (the pages planned after the
        early ones) only instruments the environments of its pages.
        """
        if self.digester is None:
            self.digester = Digester(self.settings, self.context)
            self._reads = {}
            self._shared_names = {}
            self._groups = {}
            self.index = self._contents_by_identity()
        if not self.tracing:
            return
        environments = {id(p.template.environment): p.template.environment for p in pages if p.template is not None}
        for environment in environments.values():
            instrument(environment)

    def unchanged(self, page):
        """The previous build's entry when the page needs no rendering: same key, same file."""
        previous = self.previous.get(page.name)
        if page.template is None or previous is None:
            return None
        key, names, reads, size, mtime = previous
        where = os.path.join(self.reference, page.name) if self.reference else page.path
        if key is None or not _same_stat(where, size, mtime) or self.key(page, names, reads) != key:
            return None
        if self.reference:
            adopt_file(where, page.path)
        return previous

    def start_tracing(self):
        if self.tracing:
            _CURRENT.append(_Trace())

    def stop_tracing(self, index, page, traces):
        """End the page's trace; its key is computed here, in the process that rendered it."""
        if not self.tracing:
            if traces is not None:
                # Recorded all the same: the file is this build's (not stale) and has no key.
                traces[index] = (None, (), ())
            return
        trace = _CURRENT.pop()
        if traces is None:
            return
        names = tuple(sorted(trace.names))
        # A page makes a hundred reads per object it shows: name each object once.
        by_id = {}
        for (oid, attribute), obj in trace.reads.items():
            entry = by_id.get(oid)
            if entry is None:
                entry = by_id[oid] = (obj, set())
            entry[1].add(attribute)
        by_content = {}
        for obj, attributes in by_id.values():
            by_content.setdefault(content_identity(obj), set()).update(attributes)
        reads = tuple(sorted((identity, tuple(sorted(attributes))) for identity, attributes in by_content.items()))
        traces[index] = (self.key(page, names, reads), names, reads)

    def record(self, planned, outcome, untouched=()):
        """Remember every page's key, names and contents; save; remove stale files.

        `untouched`: pages planned but left alone on purpose (a quick preview build's
        others): their previous entries stay true.
        """
        for name in untouched:
            if name in self.previous:
                self.current[name] = self.previous[name]
        for index, entry in outcome.kept.items():
            self.current[planned[index].name] = entry
        for index, (key, names, reads) in outcome.traces.items():
            page = planned[index]
            try:
                stat = os.stat(page.path)
            except OSError:
                continue
            self.current[page.name] = (key, names, reads, stat.st_size, stat.st_mtime_ns)
        self._remove_stale({page.name for page in planned} | set(untouched))
        self._save()

    def _remove_stale(self, planned_names):
        """Delete the pages a previous build wrote here that this build does not plan."""
        if self.reference:
            return  # a fresh folder: it holds only what this build wrote
        for name, entry in self.previous.items():
            if name in planned_names:
                continue
            path = os.path.join(self.output, name)
            if _same_stat(path, entry[3], entry[4]):
                try:
                    os.unlink(path)
                    logger.info('Removing "%s", no longer part of the site', path)
                except OSError:
                    pass

    def _save(self):
        data = {"format": FORMAT, "output": self.output, "pages": self.current}
        folder = os.path.dirname(self.path)
        try:
            os.makedirs(folder, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=folder, prefix=".pages-", suffix=".part")
            with os.fdopen(handle, "wb") as stream:
                pickle.dump(data, stream, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, self.path)
        except OSError as error:
            logger.debug("desk: could not save page keys %s (%s)", self.path, error)


def manifest_path(folder, output):
    name = hashlib.sha256(os.path.realpath(output).encode()).hexdigest()[:24]
    return os.path.join(folder, f"pages-{name}.pickle")


def _load(path, output):
    try:
        with open(path, "rb") as handle:
            saved = pickle.load(handle)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ValueError, TypeError):
        return {}
    if not isinstance(saved, dict) or saved.get("format") != FORMAT or saved.get("output") != output:
        return {}
    return saved.get("pages", {})


def moved_output(folder, old, new):
    """An output folder was renamed (a publication's .partial folder): its page keys follow."""
    source = manifest_path(folder, old)
    try:
        with open(source, "rb") as handle:
            saved = pickle.load(handle)
        saved["output"] = os.path.realpath(new)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".pages-", suffix=".part")
        with os.fdopen(handle, "wb") as stream:
            pickle.dump(saved, stream, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, manifest_path(folder, new))
        os.unlink(source)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ValueError, TypeError):
        pass


def adopt_file(source, target):
    """Put at `target` a copy of `source` with its modification time.

    A copy, not a hard link: the source is the build online, and a publication step
    editing a file of the new build in place must never edit the site online with it.
    """
    os.makedirs(os.path.dirname(target), exist_ok=True)
    temporary = f"{target}.adopt-{os.getpid()}"
    shutil.copy2(source, temporary)
    os.replace(temporary, target)


def _same_stat(path, size, mtime):
    try:
        stat = os.stat(path)
    except OSError:
        return False
    return stat.st_size == size and stat.st_mtime_ns == mtime


_LINK_HINT = re.compile(r"[{|](?:filename|static|attach|index|tag|category|author|author_url|static_url)[|}]")


def _has_links(obj):
    """True when a content's text holds {filename}-style links (its HTML then depends on other URLs)."""
    for text in (getattr(obj, "_content", None), getattr(obj, "_summary", None)):
        if isinstance(text, str) and ("{" in text or "|" in text) and _LINK_HINT.search(text):
            return True
    return False
