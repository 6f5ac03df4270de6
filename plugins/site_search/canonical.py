"""Make a Pagefind bundle byte-identical from one run to the next.

Pagefind 1.5.2 writes its filters in the iteration order of a Rust HashMap, which is
seeded at random in each process: two runs on the same pages give filter files with
their values in another order, so other file names, another `pagefind.<hash>.pf_meta`
and another `pagefind-entry.json`. Pouls promises that the same content gives the same
files (hosts answer « not modified », rsync sends nothing). `canonicalise_bundle`
rewrites those files in a fixed order:

- each `filter/<hash>.pf_filter` with its values sorted, renamed after its content;
- `pagefind.<hash>.pf_meta` with its filter list sorted and the new names, renamed too;
- `pagefind-entry.json` pointing at the new meta file.

The files are gzipped CBOR (after a `pagefind_dcd` signature), read and written here
with a minimal CBOR codec (integers, strings, arrays, maps: all Pagefind uses there).
Each file is decoded and encoded again before anything changes; a file that does not
come back byte for byte (another Pagefind version) raises ValueError rather than
risking a broken index. Fragments and word indexes are already stable (named after
their content) and are left as they are.
"""

import gzip
import hashlib
import json
from pathlib import Path

SIGNATURE = b"pagefind_dcd"


class _Map(list):
    """A CBOR map kept as its list of (key, value) pairs, in file order."""


def _head(major, value):
    if value < 24:
        return bytes([major << 5 | value])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if value < 1 << (8 * size):
            return bytes([major << 5 | info]) + value.to_bytes(size, "big")
    raise ValueError(f"CBOR value too large: {value}")


def encode(item):
    if isinstance(item, bool) or item is None:
        raise ValueError(f"unexpected CBOR item {item!r}")
    if isinstance(item, int):
        return _head(0, item) if item >= 0 else _head(1, -1 - item)
    if isinstance(item, bytes):
        return _head(2, len(item)) + item
    if isinstance(item, str):
        data = item.encode("utf-8")
        return _head(3, len(data)) + data
    if isinstance(item, _Map):
        return _head(5, len(item)) + b"".join(encode(k) + encode(v) for k, v in item)
    if isinstance(item, list):
        return _head(4, len(item)) + b"".join(encode(value) for value in item)
    raise ValueError(f"unexpected CBOR item {item!r}")


def _decode(data, at):
    first = data[at]
    major, info = first >> 5, first & 31
    at += 1
    if info < 24:
        value = info
    elif info in (24, 25, 26, 27):
        size = 1 << (info - 24)
        value = int.from_bytes(data[at:at + size], "big")
        at += size
    else:
        raise ValueError(f"unsupported CBOR head {first:#x}")
    if major == 0:
        return value, at
    if major == 1:
        return -1 - value, at
    if major in (2, 3):
        raw = data[at:at + value]
        return (bytes(raw) if major == 2 else raw.decode("utf-8")), at + value
    if major == 4:
        items = []
        for _ in range(value):
            item, at = _decode(data, at)
            items.append(item)
        return items, at
    if major == 5:
        pairs = _Map()
        for _ in range(value):
            key, at = _decode(data, at)
            item, at = _decode(data, at)
            pairs.append((key, item))
        return pairs, at
    raise ValueError(f"unsupported CBOR major type {major}")


def decode(data):
    item, end = _decode(data, 0)
    if end != len(data):
        raise ValueError("trailing bytes after the CBOR item")
    return item


def read(path):
    """The CBOR item of a Pagefind file; checks that writing it back gives the same bytes."""
    raw = gzip.decompress(Path(path).read_bytes())
    if not raw.startswith(SIGNATURE):
        raise ValueError(f"{path} has no Pagefind signature")
    item = decode(raw[len(SIGNATURE):])
    if encode(item) != raw[len(SIGNATURE):]:
        raise ValueError(f"{path} does not round-trip through the CBOR codec")
    return item


def write(folder, prefix, stem_length, item, pattern):
    """Write `item` as a Pagefind file named after its content; return its hash (e.g. fr_1a2b3c4)."""
    payload = SIGNATURE + encode(item)
    name = f"{prefix}_{hashlib.sha256(payload).hexdigest()[:stem_length]}"
    Path(folder, pattern.format(name)).write_bytes(gzip.compress(payload, compresslevel=9, mtime=0))
    return name


def canonicalise_bundle(bundle):
    """Rewrite the filter, meta and entry files of `bundle` in a fixed order (see the module doc)."""
    bundle = Path(bundle)
    entry_path = bundle / "pagefind-entry.json"
    entry = json.loads(entry_path.read_text(encoding="utf-8"))
    for language in entry["languages"].values():
        old_meta = bundle / f"pagefind.{language['hash']}.pf_meta"
        prefix = language["hash"].split("_")[0]
        meta = read(old_meta)
        if not (isinstance(meta, list) and len(meta) > 3 and isinstance(meta[3], list)):
            raise ValueError(f"{old_meta}: unexpected layout")
        filters = []
        for name, old_hash in meta[3]:
            old_filter = bundle / "filter" / f"{old_hash}.pf_filter"
            content = read(old_filter)
            if not (isinstance(content, list) and len(content) == 2 and isinstance(content[1], list)):
                raise ValueError(f"{old_filter}: unexpected layout")
            content[1].sort(key=lambda value: value[0])
            new_hash = write(bundle / "filter", prefix, 7, content, "{}.pf_filter")
            if new_hash != old_hash:
                old_filter.unlink()
            filters.append([name, new_hash])
        meta[3] = sorted(filters)
        new_meta_hash = write(bundle, prefix, 10, meta, "pagefind.{}.pf_meta")
        if new_meta_hash != language["hash"]:
            old_meta.unlink()
        language["hash"] = new_meta_hash
    entry_path.write_text(json.dumps(entry, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
