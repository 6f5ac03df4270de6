"""Publication step: make a clean build ready for the web server (deploy/nginx/pouls.conf).

It runs last among desk.steps.STEPS, on the finished build, before `output` is
swapped to it, and does three things:

1. **Refuses a replaced image.** The server tells browsers to keep `images/…` for a
   year without asking again (`immutable`). An image already online whose bytes
   changed under the same name would stay old for readers for a year, so the
   publication stops and says to give the new image a new name.
2. **Keeps the time of unchanged files.** Every build writes every file anew; a file
   whose bytes are those of the build online gets that build's modification time
   back, so `Last-Modified` and `ETag` (which nginx derives from time and size) stay
   the same and readers' browsers get « 304 Not Modified », and rsync sends nothing.
3. **Writes precompressed copies** next to each HTML, CSS, JS, XML, JSON and SVG file
   above 1 KB: `page.html.gz` (gzip level 9, no name and a zero time in the header,
   so the bytes only depend on the file) and `page.html.br` (brotli quality 8).
   nginx sends them as they are (`gzip_static`, `brotli_static`) instead of
   compressing each response. A copy that would not be smaller is not written.
   The copies of a file unchanged since the build online are taken from it.

    from desk.compress import compress_file, compress_folder
    compress_folder(Path("output.builds/20261127-093000-000000.partial"))
"""

import gzip
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import brotli

from pouls_common.output import write_if_changed

COMPRESSED_SUFFIXES = (".html", ".css", ".js", ".xml", ".json", ".svg")
# « Above 1 KB »: smaller files fit in one packet either way.
MIN_BYTES = 1024
GZIP_LEVEL = 9
# Measured on a 300-report corpus (534 files, 9.8 MB; tests/bench/bench_compress.py, medians of 3):
# quality 8 makes files 10 % smaller than gzip -9 in 1.8 times gzip's time; quality 9 is no
# smaller and 39 times slower; 10 and 11 are 16 and 18 % smaller but 35 and 77 times slower:
# minutes per publication on a large site, for a few hundred bytes per page.
BROTLI_QUALITY = 8
ENCODINGS = (".gz", ".br")
# The folder the server marks `immutable` without a fingerprint in the names (pouls.conf).
IMAGES = "images"


def gzip_bytes(data):
    """gzip with a fixed header: no file name, time 0, so the bytes depend on `data` only."""
    return gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0)


def brotli_bytes(data):
    return brotli.compress(data, mode=brotli.MODE_TEXT, quality=BROTLI_QUALITY)


@dataclass
class CompressionReport:
    files: int = 0
    reused: int = 0
    original_bytes: int = 0
    gzip_bytes: int = 0
    brotli_bytes: int = 0


def should_compress(path):
    return path.suffix in COMPRESSED_SUFFIXES and path.stat().st_size > MIN_BYTES


def _same_bytes(one, other):
    try:
        return one.stat().st_size == other.stat().st_size and one.read_bytes() == other.read_bytes()
    except OSError:
        return False


def _copy_time(source, target):
    stat = os.stat(source)
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def compress_file(path, previous=None):
    """Write `path`.gz and `path`.br when smaller; take them from `previous` (same file, same bytes).

    Returns (gzip size or None, brotli size or None, reused). The copies get the file's time.
    """
    data = path.read_bytes()
    sizes = []
    reused = previous is not None and all((previous.with_name(previous.name + e)).is_file() for e in ENCODINGS)
    reused = reused and _same_bytes(path, previous)
    for encoding, compress in ((".gz", gzip_bytes), (".br", brotli_bytes)):
        target = path.with_name(path.name + encoding)
        if reused:
            shutil.copyfile(previous.with_name(previous.name + encoding), target)
        else:
            packed = compress(data)
            if len(packed) >= len(data):
                sizes.append(None)
                continue
            # Only when its bytes change: run again on the same folder, it writes nothing.
            write_if_changed(str(target), packed)
        _copy_time(path, target)
        sizes.append(target.stat().st_size)
    return sizes[0], sizes[1], reused


def compress_folder(folder, previous_folder=None):
    """Compress every eligible file of `folder`; return a CompressionReport."""
    folder = Path(folder)
    report = CompressionReport()
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.is_symlink() or not should_compress(path):
            continue
        previous = Path(previous_folder) / path.relative_to(folder) if previous_folder else None
        gz, br, reused = compress_file(path, previous)
        report.files += 1
        report.reused += reused
        report.original_bytes += path.stat().st_size
        report.gzip_bytes += gz or path.stat().st_size
        report.brotli_bytes += br or path.stat().st_size
    return report


def keep_unchanged_times(folder, previous_folder):
    """Give each file whose bytes did not change the time it has online; return how many."""
    kept = 0
    if previous_folder is None:
        return kept
    for path in sorted(Path(folder).rglob("*")):
        if not path.is_file() or path.suffix in ENCODINGS:
            continue
        previous = previous_folder / path.relative_to(folder)
        if _same_bytes(path, previous):
            _copy_time(previous, path)
            kept += 1
    return kept


def replaced_images(folder, previous_folder, settings):
    """Images already online (copies of content/images/) whose bytes changed under the same name."""
    if previous_folder is None:
        return []
    content = Path(settings.get("PATH", "content"))
    replaced = []
    for source in sorted((content / IMAGES).rglob("*")):
        relative = source.relative_to(content)
        new, old = Path(folder) / relative, previous_folder / relative
        if source.is_file() and new.is_file() and old.is_file() and not _same_bytes(new, old):
            replaced.append(relative.as_posix())
    return replaced


def live_build(folder):
    """The build online when `folder` is a publication in progress (`output.builds/<stamp>.partial`)."""
    from desk.publish import builds_folder, current_build  # desk.publish imports the steps

    builds = Path(folder).parent
    if not builds.name.endswith(".builds"):
        return None
    link = builds.with_name(builds.name[: -len(".builds")])
    if builds_folder(link) != builds:
        return None
    live = current_build(link)
    return live if live is not None and live.is_dir() else None


def prepare_for_web_server(folder, settings, stream):
    """The publication step (desk.steps.STEPS): keep it last, it compresses what the others wrote."""
    from desk.steps import StepError  # desk.steps lists this step

    folder = Path(folder)
    live = live_build(folder)
    replaced = replaced_images(folder, live, settings)
    if replaced:
        names = ", ".join(f"« {name} »" for name in replaced)
        raise StepError(
            f"Publication refusée\u00a0: {names} a changé depuis la dernière publication sous le même nom. "
            "Les navigateurs des lecteurs gardent une image un an sans la redemander\u00a0: enregistrez la "
            "nouvelle version sous un autre nom (par exemple « images/photo-2.webp ») et changez « Image: » "
            "ou le lien dans le reportage."
        )
    kept = keep_unchanged_times(folder, live)
    report = compress_folder(folder, live)
    print(
        f"Compression\u00a0: {report.files} fichiers ({report.reused} repris de la version en ligne), "
        f"{report.original_bytes // 1024} Kio → gzip {report.gzip_bytes // 1024} Kio, "
        f"brotli {report.brotli_bytes // 1024} Kio\u00a0; {kept} fichiers inchangés gardent leur date.",
        file=stream, flush=True,
    )
