"""The build cache: what reading a source file gave, kept until anything that shapes it changes.

Reading a report (Markdown, then the `content_object_init` plugins such as
french_typography) is a pure function of the file's bytes and of its *environment*: the
settings, the code of the plugins and of the desk, and the versions of Python, Pelican,
Markdown and the libraries they call. So an entry is filed under

- a database per environment, `read-<environment digest>.sqlite3`: change one setting,
  one line of a plugin, or upgrade Markdown, and the build opens another, empty one;
- inside it, the file's path and the SHA-256 of its bytes: edit a report and its entry no
  longer matches.

The theme is not part of the environment: reading never opens a template (rendering does,
and the writer, desk.writing, keys pages on the theme). Neither is OUTPUT_PATH: a
publication builds into a new folder every time and reads the same reports.

An entry holds the content object (pickled without the settings and the shared context,
which the build reattaches) and the log records reading it produced, replayed on every
build that uses the entry: a report that warns keeps warning, and `make publish` keeps
refusing it. A report dated in the future is read as a draft (WITH_FUTURE_DATES = False);
its entry expires at that date, so the first build after it reads the report again.

SQLite commits all or nothing: a build killed while saving (SIGKILL included) leaves the
previous entries, and a database that cannot be opened is deleted and rebuilt. Files read
with an error are never kept: they are read, and fail, again.
"""

import contextlib
import hashlib
import importlib.metadata
import io
import logging
import os
import pickle
import re
import sqlite3
import sys
import time
import types
from pathlib import Path

from pouls_common.paths import ROOT

logger = logging.getLogger(__name__)

# Bump when what an entry holds changes shape: old databases are then ignored.
FORMAT = 3
CACHE_SETTING = "DESK_BUILD_CACHE_PATH"
CACHE_VARIABLE = "POULS_BUILD_CACHE"
DEFAULT_CACHE = ROOT / "var" / "cache" / "build"
KEEP_DATABASES = 8
# Settings that say where files go, not what reading them gives.
NOT_READ = frozenset({"OUTPUT_PATH", "CACHE_PATH", CACHE_SETTING, "DESK_PREVIEW_PAGES"})
LIBRARIES = ("pelican", "Markdown", "Jinja2", "MarkupSafe", "Pygments", "python-dateutil",
             "Unidecode", "babel", "docutils", "feedgenerator", "beautifulsoup4", "lxml", "nh3", "pillow")
_ADDRESS = re.compile(r" at 0x[0-9a-f]+")


def cache_folder(settings):
    """DESK_BUILD_CACHE_PATH, else the POULS_BUILD_CACHE environment variable, else var/cache/build."""
    value = settings.get(CACHE_SETTING) or os.environ.get(CACHE_VARIABLE)
    return Path(value) if value else DEFAULT_CACHE


# ------------------------------------------------------------------ environment digests


def stable_repr(value):
    """A repr that is the same from one process to the next (no addresses, sorted dicts)."""
    if isinstance(value, dict):
        items = sorted((stable_repr(k), stable_repr(v)) for k, v in value.items())
        return "{" + ", ".join(f"{k}: {v}" for k, v in items) + "}"
    if isinstance(value, (list, tuple)):
        inner = ", ".join(stable_repr(item) for item in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner})"
    if isinstance(value, (set, frozenset)):
        return "{" + ", ".join(sorted(stable_repr(item) for item in value)) + "}"
    if isinstance(value, types.ModuleType):
        return f"<module {value.__name__}>"
    if isinstance(value, (types.FunctionType, types.BuiltinFunctionType, type)):
        return f"<{type(value).__name__} {getattr(value, '__module__', '')}.{getattr(value, '__qualname__', '')}>"
    if isinstance(value, re.Pattern):
        return f"<re {value.pattern!r} {value.flags}>"
    return _ADDRESS.sub("", repr(value))


def files_digest(folders, suffixes=None):
    """SHA-256 over the relative paths and bytes of every file under `folders`."""
    digest = hashlib.sha256()
    for folder in folders:
        folder = Path(folder)
        if not folder.exists():
            digest.update(f"missing {folder}\n".encode())
            continue
        paths = [folder] if folder.is_file() else sorted(
            p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts
        )
        for path in paths:
            if suffixes and path.suffix not in suffixes:
                continue
            digest.update(f"{path.relative_to(folder.parent)}\n".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def library_versions():
    versions = [sys.version]
    for name in LIBRARIES:
        try:
            versions.append(f"{name}=={importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{name} absent")
    return "\n".join(versions)


# The desk modules that decide what reading gives and how an entry is stored.
READING_MODULES = ("reading.py", "content_cache.py", "parallel.py", "contents.py")


def code_folders(settings):
    """Where the code reading runs lives: the plugin folders, the plugins listed by module
    or dotted name outside them (desk.preview), and the desk's reading modules."""
    places = [Path(p) for p in settings.get("PLUGIN_PATHS", [])]
    for plugin in settings.get("PLUGINS") or ():
        origin = _module_file(plugin)
        if origin is not None and not any(origin.is_relative_to(p.resolve()) for p in places if p.exists()):
            places.append(origin)
    return places + [ROOT / "desk" / name for name in READING_MODULES]


def _module_file(plugin):
    import importlib.util

    if isinstance(plugin, types.ModuleType):
        origin = getattr(plugin, "__file__", None)
    else:
        try:
            spec = importlib.util.find_spec(str(plugin))
        except (ImportError, ValueError):
            return None
        origin = spec.origin if spec else None
    if not origin:
        return None
    path = Path(origin).resolve()
    return path.parent if path.name == "__init__.py" else path


def reading_environment(settings):
    """The digest of everything besides a file's bytes that decides what reading it gives."""
    digest = hashlib.sha256(f"pouls read cache {FORMAT}\n".encode())
    digest.update(stable_repr({k: v for k, v in settings.items() if k not in NOT_READ}).encode())
    digest.update(files_digest(code_folders(settings)).encode())
    digest.update(library_versions().encode())
    return digest.hexdigest()


def source_digest(data, relative_path, settings, full_path):
    digest = hashlib.sha256(data)
    digest.update(relative_path.encode())
    if settings.get("DEFAULT_DATE") == "fs":
        # The date then comes from the file's modification time, not from its bytes.
        digest.update(str(os.stat(full_path).st_mtime_ns).encode())
    return digest.digest()


# ------------------------------------------------------------------ content objects


class _Pickler(pickle.Pickler):
    def __init__(self, stream, shared):
        super().__init__(stream, protocol=pickle.HIGHEST_PROTOCOL)
        self._shared = {id(obj): name for name, obj in shared.items()}

    def persistent_id(self, obj):
        return self._shared.get(id(obj))


class _Unpickler(pickle.Unpickler):
    def __init__(self, stream, shared):
        super().__init__(stream)
        self._shared = shared

    def persistent_load(self, pid):
        return self._shared[pid]


def dump_content(obj, settings, context):
    """A content object as bytes, the settings and the shared context left out by reference."""
    stream = io.BytesIO()
    _Pickler(stream, {"settings": settings, "context": context}).dump(obj)
    return stream.getvalue()


def load_content(data, settings, context):
    return _Unpickler(io.BytesIO(data), {"settings": settings, "context": context}).load()


def expiry(obj, now=None):
    """When an entry stops being true: the date of a report read as a draft for being in the future."""
    date = getattr(obj, "date", None)
    if date is None or getattr(obj, "status", None) != "draft" or obj.settings.get("WITH_FUTURE_DATES", True):
        return None
    try:
        stamp = date.timestamp()
    except (OverflowError, ValueError, OSError):
        return None
    return stamp if stamp > (now or time.time()) else None


# ------------------------------------------------------------------ the store


class ReadCache:
    """One environment's entries: {relative path: (digest, expires, entry bytes)}."""

    def __init__(self, folder, environment):
        self.folder = Path(folder)
        self.path = self.folder / f"read-{environment[:24]}.sqlite3"
        self.entries = {}
        self.changed = {}
        self.seen = set()
        self._load()

    def _connect(self):
        connection = sqlite3.connect(self.path, timeout=5)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute(
            "CREATE TABLE IF NOT EXISTS entries (path TEXT PRIMARY KEY, digest BLOB, expires REAL, data BLOB)"
        )
        return connection

    def _load(self):
        if not self.path.exists():
            return
        try:
            with _closing(self._connect()) as connection:
                rows = connection.execute("SELECT path, digest, expires, data FROM entries").fetchall()
        except sqlite3.Error as error:
            logger.debug("desk: build cache %s unreadable (%s); starting afresh", self.path, error)
            self.discard()
            return
        self.entries = {path: (digest, expires, data) for path, digest, expires, data in rows}

    def discard(self):
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(f"{self.path}{suffix}")
        self.entries = {}

    def get(self, path, digest, now):
        self.seen.add(path)
        entry = self.entries.get(path)
        if entry is None or entry[0] != digest or (entry[1] is not None and entry[1] <= now):
            return None
        return entry[2]

    def put(self, path, digest, expires, data):
        self.seen.add(path)
        self.changed[path] = (digest, expires, data)

    def save(self, forget_unseen=True):
        """Write the new entries and drop those of files that are gone, in one transaction."""
        gone = [path for path in self.entries if path not in self.seen] if forget_unseen else []
        if not self.changed and not gone:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with _closing(self._connect()) as connection, connection:
                connection.executemany(
                    "INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?)",
                    [(path, *entry) for path, entry in self.changed.items()],
                )
                connection.executemany("DELETE FROM entries WHERE path = ?", [(path,) for path in gone])
        except sqlite3.Error as error:
            # The cache only ever saves time: a build that cannot save it still succeeds.
            logger.debug("desk: could not save the build cache %s (%s)", self.path, error)
            return
        self.entries.update(self.changed)
        for path in gone:
            self.entries.pop(path, None)
        self.changed = {}
        prune(self.folder, keep=KEEP_DATABASES, current=self.path)


class _closing:
    def __init__(self, connection):
        self.connection = connection

    def __enter__(self):
        return self.connection

    def __exit__(self, *exc):
        self.connection.close()


def prune(folder, keep, current):
    """Keep the `keep` most recently used databases of the folder (the current one always)."""
    databases = sorted(Path(folder).glob("read-*.sqlite3"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in [p for p in databases if p != current][max(0, keep - 1):]:
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(OSError):
                os.unlink(f"{old}{suffix}")
