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
import tempfile
import types
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta, tzinfo

from jinja2.filters import FILTERS
from jinja2.runtime import Macro
from jinja2.tests import TESTS
from pelican.contents import Content, Static
from pelican.urlwrappers import URLWrapper

from desk import content_cache

logger = logging.getLogger(__name__)

FORMAT = 8
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
    order, content objects as their identity) and hashed once; objects and large
    containers are hashed on their own and memoised, so a Category shared by a thousand
    reports is written out once.
    """

    # Containers longer than this are hashed and memoised on their own.
    INLINE = 12

    def __init__(self, settings, context):
        self._shared = {id(settings): "<settings>", id(context): "<context>"}
        self._memo = {}
        self._states = {}

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
        if isinstance(value, Content):
            out.append(f"C{content_identity(value)};")
            return
        if kind is list or kind is tuple:
            if not top and len(value) > self.INLINE:
                out.append(f"#{self.structure(value).hex()};")
                return
            out.append(f"{kind.__name__[0]}{len(value)}(")
            for item in value:
                self._emit(item, out)
            out.append(")")
            return
        if kind is dict:
            if not top and len(value) > self.INLINE:
                out.append(f"#{self.structure(value).hex()};")
                return
            out.append(f"d{len(value)}(")
            for key_text, item in _sorted_items(self, value):
                out.append(key_text)
                self._emit(item, out)
            out.append(")")
            return
        if not top:
            # Anything else is hashed on its own (and memoised: often shared).
            out.append(f"#{self.structure(value).hex()};")
            return
        self._emit_object(value, out)

    def _emit_object(self, value, out):
        name = f"{type(value).__module__}.{type(value).__qualname__}"
        if isinstance(value, str):  # Markup and other str subclasses
            out.append(f"{name}{len(value)}:")
            out.append(str(value))
        elif isinstance(value, bytes):
            out.append(f"b{value.hex()};")
        elif isinstance(value, (int, float, complex)):
            out.append(f"{name}{value!r};")
        elif isinstance(value, (list, tuple)):
            out.append(f"{name}{len(value)}(")
            for item in value:
                self._emit(item, out)
            out.append(")")
        elif isinstance(value, (dict, types.MappingProxyType)):
            out.append(f"{name}{len(value)}(")
            for key_text, item in _sorted_items(self, value):
                out.append(key_text)
                self._emit(item, out)
            out.append(")")
        elif isinstance(value, (set, frozenset)):
            out.append(f"{name}(")
            out.extend(sorted(self.structure(item).hex() for item in value))
            out.append(")")
        elif isinstance(value, (datetime, date, time, timedelta, tzinfo)):
            out.append(f"{name}{value!r};")
        elif isinstance(value, (types.FunctionType, types.LambdaType)):
            self._emit_function(value, out)
        elif isinstance(value, types.MethodType):
            out.append("method(")
            self._emit_function(value.__func__, out)
            self._emit(value.__self__, out)
            out.append(")")
        elif isinstance(value, functools.partial):
            out.append("partial(")
            for part in (value.func, value.args, value.keywords):
                self._emit(part, out)
            out.append(")")
        elif isinstance(value, (type, types.ModuleType, types.BuiltinFunctionType)):
            out.append(f"code:{getattr(value, '__module__', '')}.{getattr(value, '__qualname__', value.__name__)};")
        elif isinstance(value, re.Pattern):
            out.append(f"re{value.flags}:{value.pattern!r};")
        elif isinstance(value, URLWrapper):
            # Pelican fills _slug on first use, and as_dict() (called for each URL) copies
            # name and slug into the object: the same state before and after a page shows it.
            value.slug  # noqa: B018
            out.append(f"{name}(")
            self._emit({k: v for k, v in vars(value).items() if k not in ("name", "slug")}, out)
            out.append(")")
        else:
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

    def _emit_function(self, function, out):
        out.append(f"function:{function.__module__}.{function.__qualname__}(")
        closure = tuple(cell.cell_contents for cell in function.__closure__ or () if _cell_full(cell))
        for part in (closure, function.__defaults__, function.__kwdefaults__):
            self._emit(part, out)
        out.append(")")

    def state(self, obj):
        """Digest of a content object's own state: every attribute, other contents by identity."""
        key = id(obj)
        known = self._states.get(key)
        if known is not None:
            return known[1]
        out = [f"state:{type(obj).__qualname__}:{content_identity(obj)};"]
        self._emit({k: v for k, v in vars(obj).items() if k not in _NOT_STATE}, out, top=True)
        digest = _h(_joined(out))
        self._states[key] = (obj, digest)
        return digest


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


# The shared objects (digested with the environment), and Static's note that its URL was
# read, which rendering itself sets.
_NOT_STATE = frozenset({"_context", "settings", "_output_location_referenced"})


def _cell_full(cell):
    try:
        cell.cell_contents  # noqa: B018  (an empty cell raises)
    except ValueError:
        return False
    return True


def _state_of(value):
    if hasattr(value, "__dict__") and not isinstance(value, type):
        derived = _cached_properties(type(value))
        state = {k: v for k, v in vars(value).items() if k not in derived} if derived else dict(vars(value))
        for slot in _slots(type(value)):
            if hasattr(value, slot):
                state[slot] = getattr(value, slot)
        return state
    slots = _slots(type(value))
    if slots:
        return {slot: getattr(value, slot) for slot in slots if hasattr(value, slot)}
    return None


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
        self.reads = {}  # (id of the content, attribute or WHOLE) -> content


WHOLE = "*"  # the content was handed to Python code: any of its attributes may matter
_CURRENT = []  # the trace of the page being rendered in this process, if any


def _note(value, attribute=WHOLE):
    trace = _CURRENT[-1] if _CURRENT else None
    if trace is not None and isinstance(value, Content):
        if not isinstance(attribute, str):
            attribute = WHOLE
        trace.reads[(id(value), attribute)] = value


def _note_arguments(args, kwargs):
    if not _CURRENT:
        return
    for value in (*args, *kwargs.values()):
        if isinstance(value, Content):
            _note(value)
        elif isinstance(value, (list, tuple, set, frozenset)):
            for item in value:
                if isinstance(item, Content):
                    _note(item)
        elif isinstance(value, dict):
            for item in value.values():
                if isinstance(item, Content):
                    _note(item)


def _tracing_context_class(base):
    class TracingContext(base):
        def resolve_or_missing(self, key):
            if _CURRENT:
                _CURRENT[-1].names.add(key)
            return super().resolve_or_missing(key)

        def call(__self, __obj, *args, **kwargs):
            if not isinstance(__obj, Macro):
                # A macro is a template: what it reads is traced like the rest.
                _note_arguments(args, kwargs)
            owner = getattr(__obj, "__self__", None)
            if isinstance(owner, Content):
                _note(owner)
            return super().call(__obj, *args, **kwargs)

    return TracingContext


def _traced(function):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        _note_arguments(args, kwargs)
        return function(*args, **kwargs)

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
        if _CURRENT and isinstance(obj, Content):
            _note(obj, attribute)
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

    def __init__(self, settings, context, folder):
        self.settings = settings
        self.context = context
        self.output = os.path.realpath(settings["OUTPUT_PATH"])
        name = hashlib.sha256(self.output.encode()).hexdigest()[:24]
        self.path = os.path.join(folder, f"pages-{name}.pickle")
        self.environment = environment_digest(settings)
        self.digester = None
        self.previous = self._load()
        self.current = {}
        self.url_map = None

    def _load(self):
        try:
            with open(self.path, "rb") as handle:
                saved = pickle.load(handle)
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ValueError, TypeError):
            return {}
        if not isinstance(saved, dict) or saved.get("format") != FORMAT or saved.get("output") != self.output:
            return {}
        return saved.get("pages", {})

    def _contents_by_identity(self):
        index = {}
        for key in ("generated_content", "static_content"):
            for obj in (self.context.get(key) or {}).values():
                if obj is not None:
                    index[content_identity(obj)] = obj
        return index

    def key(self, page, names, reads):
        """The page's key for the names and content attributes it reads; None when unknowable."""
        digester = self.digester
        extra, base, template_globals = page.extra, page.base, page.template.globals
        parts = [self.environment, page.template.name.encode() if page.template.name else b""]
        shared_names = self._shared_names
        try:
            for name in names:
                parts.append(name.encode())
                value = extra.get(name, _MISSING)
                if value is not _MISSING:
                    parts.append(digester.structure(value))
                    continue
                # The same for every page planned with this context and template globals.
                memo_key = (id(base), id(template_globals), name)
                digest = shared_names.get(memo_key)
                if digest is None:
                    value = base.get(name, _MISSING)
                    if value is _MISSING:
                        value = template_globals.get(name, _MISSING)
                    digest = b"<absent>" if value is _MISSING else digester.structure(value)
                    shared_names[memo_key] = digest
                parts.append(digest)
            for identity, attribute in reads:
                obj = self.index.get(identity)
                if obj is None:
                    return None
                parts.append(identity.encode())
                parts.append(attribute.encode() if isinstance(attribute, str) else b"?")
                parts.append(self._read(obj, attribute))
        except Undigestable as error:
            logger.debug("desk: %s reads a %s, rendered every time", page.name, error)
            return None
        return _h(*parts)

    def _read(self, obj, attribute):
        """Digest of what reading `attribute` of a content gives (its whole state when unknowable)."""
        memo_key = (id(obj), attribute)
        known = self._reads.get(memo_key)
        if known is not None:
            return known
        digest = None
        if attribute != WHOLE and not isinstance(obj, Static):
            try:
                value = getattr(obj, attribute)
            except AttributeError:
                digest = b"<undefined>"
            except Exception:
                value = _MISSING
            else:
                if not (callable(value) and getattr(value, "__self__", None) is obj) and value is not _MISSING:
                    digest = self.digester.structure(value)
        if digest is None:
            digest = self.digester.state(obj)
            if _has_links(obj):
                digest = _h(digest, self._url_map())
        self._reads[memo_key] = digest
        return digest

    def _url_map(self):
        if self.url_map is None:
            self.url_map = _h(*sorted(_h(i.encode(), str(getattr(o, "url", "")).encode())
                                      for i, o in self.index.items()))
        return self.url_map

    def prepare(self, pages):
        """Before rendering (and forking): fresh digests, the contents by identity, Jinja traced."""
        self.digester = Digester(self.settings, self.context)
        self._reads = {}
        self._shared_names = {}
        self.index = self._contents_by_identity()
        environments = {id(p.template.environment): p.template.environment for p in pages if p.template is not None}
        for environment in environments.values():
            instrument(environment)

    def unchanged(self, page):
        """The previous build's entry when the page needs no rendering: same key, same file."""
        previous = self.previous.get(page.name)
        if page.template is None or previous is None:
            return None
        key, names, reads, size, mtime = previous
        if key is None or not _same_stat(page.path, size, mtime) or self.key(page, names, reads) != key:
            return None
        return previous

    @contextmanager
    def tracing(self, index, page, traces):
        """Record what the page reads while it renders; then its key, computed in this process."""
        trace = _Trace()
        _CURRENT.append(trace)
        try:
            yield
        finally:
            _CURRENT.pop()
        names = tuple(sorted(trace.names))
        reads = tuple(sorted({(content_identity(obj), attribute) for (_, attribute), obj in trace.reads.items()}))
        traces[index] = (self.key(page, names, reads), names, reads)

    def record(self, planned, outcome):
        """Remember every page's key, names and contents; save; remove stale files."""
        for index, entry in outcome.kept.items():
            self.current[planned[index].name] = entry
        for index, (key, names, reads) in outcome.traces.items():
            page = planned[index]
            try:
                stat = os.stat(page.path)
            except OSError:
                continue
            self.current[page.name] = (key, names, reads, stat.st_size, stat.st_mtime_ns)
        self._remove_stale({page.name for page in planned})
        self._save()

    def _remove_stale(self, planned_names):
        """Delete the pages a previous build wrote here that this build does not plan."""
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
