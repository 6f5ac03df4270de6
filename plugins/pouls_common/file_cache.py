"""A content-addressed cache of files a plugin makes from a source (resized copies, crops).

`make publish` builds into a new folder each time, so every derived picture would be made
again on every publication. A plugin keeps them in its own folder instead (var/cache/<plugin>,
gitignored) and asks:

    key = content_key(source_bytes, recipe)             # what the bytes depend on, nothing else
    data = cached_bytes(cache_dir, key, make)           # make() -> bytes, called on a miss only
    prune(cache_dir)                                    # once per build, after the writes

The key is the SHA-256 of the source's bytes and of `repr(recipe)`: the plugin puts in the
recipe every setting that changes the output (size, box, encoder options) and
`pillow_versions()`. Same key, same bytes: a build is byte-identical with a cold or a
warm cache.

Each entry holds the SHA-256 of its own bytes in a one-line header. An entry that is
truncated, altered or from another format is found out when read, deleted and made again:
it is never published. Entries are written beside their name then renamed, so two builds
sharing the folder never read half a file. Every use touches an entry; `prune()` deletes the
least recently used ones beyond MAX_BYTES, so the folder cannot grow without bound. Deleting
the folder (`make clean` deletes var/cache) only costs the next build the time to make
everything again.
"""

import contextlib
import hashlib
import logging
import os

logger = logging.getLogger(__name__)

# First line of every entry: this tag, then the SHA-256 of the rest of the file, in hex.
HEADER = b"pouls-cache 1 "
HEADER_LENGTH = len(HEADER) + 64 + 1
# Past this size a cache folder loses its least recently used entries (the sample site's
# copies and crops take under 2 MB together).
MAX_BYTES = 512 * 1024 * 1024


def cache_path_setting(settings, key, error_class):
    """The folder named by the setting `key` (str), or None; a value that names no folder raises `error_class`."""
    value = settings.get(key)
    if value is None:
        return None
    if not isinstance(value, str | os.PathLike) or not str(value).strip():
        plugin = key.rsplit("_CACHE_PATH", 1)[0].lower()
        raise error_class(
            f"{plugin}: {key} is {value!r}; give a folder for the files kept from one build to the "
            f"next, like 'var/cache/{plugin}', or None for no cache"
        )
    return str(value)


def pillow_versions():
    """Pillow's version and its encoders' (libjpeg, libwebp, zlib): each can change a picture's bytes."""
    import PIL
    from PIL import features

    return (PIL.__version__, *(features.version(name) for name in ("jpg", "webp", "zlib")))


def content_key(source_bytes, recipe):
    """Name of an entry: SHA-256 of the source's bytes and of `repr(recipe)` (hex)."""
    digest = hashlib.sha256(source_bytes)
    digest.update(b"\0" + repr(recipe).encode("utf-8"))
    return digest.hexdigest()


def _checked(entry):
    """The payload of an entry's bytes, or None when it is not whole."""
    if len(entry) < HEADER_LENGTH or not entry.startswith(HEADER) or entry[HEADER_LENGTH - 1:HEADER_LENGTH] != b"\n":
        return None
    payload = entry[HEADER_LENGTH:]
    expected = entry[len(HEADER):HEADER_LENGTH - 1]
    return payload if hashlib.sha256(payload).hexdigest().encode("ascii") == expected else None


def read_entry(cache_dir, key):
    """The bytes kept under `key`, or None when there are none or they are damaged (then deleted)."""
    path = os.path.join(cache_dir, key)
    try:
        with open(path, "rb") as handle:
            entry = handle.read()
    except OSError:
        return None
    payload = _checked(entry)
    if payload is None:
        logger.info("file_cache: %s is damaged (%s bytes); it is deleted and made again", path, len(entry))
        _remove(path)
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # last use, read by prune()
    return payload


def write_entry(cache_dir, key, payload):
    """Keep `payload` under `key`; a folder that cannot be written only costs the next build time."""
    path = os.path.join(cache_dir, key)
    partial = f"{path}.{os.getpid()}.part"
    try:
        os.makedirs(cache_dir, exist_ok=True)
        with open(partial, "wb") as handle:
            handle.write(HEADER + hashlib.sha256(payload).hexdigest().encode("ascii") + b"\n")
            handle.write(payload)
        os.replace(partial, path)
    except OSError as error:
        logger.info("file_cache: could not keep %s (%s); it will be made again next build", path, error)
        _remove(partial)


def cached_bytes(cache_dir, key, make):
    """The bytes `make()` returns, taken from `cache_dir` when a whole entry `key` is there.

    Without `cache_dir` (None or ""), `make()` is called every time.
    """
    if not cache_dir:
        return make()
    payload = read_entry(cache_dir, key)
    if payload is None:
        payload = make()
        write_entry(cache_dir, key, payload)
    return payload


def prune(cache_dir, max_bytes=MAX_BYTES):
    """Delete the least recently used entries until the folder holds at most `max_bytes`.

    Returns the number of files deleted. Leftover `.part` files (a build killed while
    writing) go first.
    """
    if not cache_dir:
        return 0
    entries = []
    try:
        with os.scandir(cache_dir) as scan:
            for item in scan:
                try:
                    stat = item.stat()
                except OSError:
                    continue
                if item.is_file():
                    entries.append((item.name.endswith(".part"), stat.st_mtime, stat.st_size, item.path))
    except OSError:
        return 0
    total = sum(size for _, _, size, _ in entries)
    removed = 0
    # Leftovers first, then the least recently used (a build writing at that moment only
    # loses that entry: its rename fails and is logged).
    for _, _, size, path in sorted(entries, key=lambda entry: (not entry[0], entry[1])):
        if total <= max_bytes:
            break
        _remove(path)
        total -= size
        removed += 1
    if removed:
        logger.info("file_cache: %s: %s least recently used entries deleted (limit %s bytes)",
                    cache_dir, removed, max_bytes)
    return removed


def _remove(path):
    with contextlib.suppress(OSError):
        os.remove(path)
