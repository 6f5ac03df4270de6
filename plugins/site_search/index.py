"""Build the Pagefind search bundle of a finished site: an output folder in, `<folder>/pagefind/` out.

    from site_search.index import build_search_index
    summary = build_search_index("output.builds/20261127-093000-000000.partial")
    summary.pages, summary.seconds

No Pelican here: the index is made from the HTML a build wrote, the way a reader's
browser will see it. What gets indexed is decided by the theme, not by this module:

- only elements marked `data-pagefind-body` are indexed, and only the report page
  (`article.html`, published reports) carries it, so listings, tag pages, legal pages
  and draft previews never enter the index;
- the rubrique and the établissements are Pagefind filters, the publication date and
  the rubrique's name are metadata (`data-pagefind-filter`, `data-pagefind-meta`);
- the title (`h1`, Pagefind's weight 7) and the standfirst (`data-pagefind-weight`)
  weigh more than the body (1).

Pagefind (the `pagefind` package with its `pagefind_bin` binary, pinned in
requirements.txt) runs as a child process, on a copy of the pages it is to index
(those marked `data-pagefind-body`) made in a temporary folder, for one reason:
French elision. Pagefind splits « l'hôpital » into « l » and « hôpital » on the
ASCII apostrophe only; on the typographic one our pages carry (« l’hôpital », from
the french_typography plugin) it indexes the single word « lhopital », and a reader
typing « hopital » would never find it. The copy has ’ turned back into ', so every
elided word is found under its own name; the search page turns ' into ’ again when
it shows a title or an excerpt. The published pages themselves are never touched.

Pagefind's filter files come out in a random order from one run to the next;
`canonical.py` puts them in a fixed one, so the same site always gives the same bundle.

Pagefind writes into a `.pagefind.partial` folder; only once it is complete are its
files brought into `pagefind/`, each only when its bytes changed (so an unchanged site
rewrites nothing and `make deploy` sends nothing), the files of an older index no
longer named deleted, so the search of a running preview keeps working while it is
rebuilt and no stale file stays behind.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from pouls_common.output import write_if_changed
from site_search.canonical import canonicalise_bundle

# Every page of the site is French (<html lang="fr">); forcing it keeps one index with
# French stemming even if a page someday lacks the attribute.
LANGUAGE = "fr"
MARK = b"data-pagefind-body"
TYPOGRAPHIC_APOSTROPHE = "\u2019".encode()


class SearchIndexError(Exception):
    """The index could not be built; the message is for the editor, in French."""


class SearchIndexCancelled(Exception):
    """The indexing process was stopped from outside (a newer preview build)."""


@dataclass(frozen=True)
class IndexSummary:
    pages: int
    words: int
    filters: int
    seconds: float
    bundle: Path | None  # None when the site had no report to index
    copy_seconds: float = 0.0  # of `seconds`: copying the pages to index
    pagefind_seconds: float = 0.0  # of `seconds`: Pagefind itself


def pagefind_command(site, output):
    """The command that indexes `site` into the folder `output`."""
    return [
        sys.executable, "-m", "pagefind",
        "--site", str(site), "--output-path", str(output), "--force-language", LANGUAGE,
    ]


def _count(pattern, text):
    match = re.search(pattern, text)
    return int(match.group(1)) if match else 0


def copy_pages_to_index(site, mirror, skip=()):
    """Copy the pages of `site` marked data-pagefind-body into `mirror`, with ASCII apostrophes.

    Same relative paths, so Pagefind gives each result the page's real address. Folders
    named in `skip` (the bundle and its partial copy) are not walked. Returns the count.
    """
    site, mirror = Path(site), Path(mirror)
    count = 0
    for folder, subfolders, files in os.walk(site):
        if folder == str(site):
            subfolders[:] = [name for name in subfolders if name not in skip]
        for name in files:
            if not name.endswith(".html"):
                continue
            path = Path(folder, name)
            data = path.read_bytes()
            if MARK not in data:
                continue
            target = mirror / path.relative_to(site)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data.replace(TYPOGRAPHIC_APOSTROPHE, b"'"))
            count += 1
    return count


def _scratch_folder():
    """Where to copy the pages: memory (/dev/shm) when the system has it, else the temp folder.

    The copy is read once by Pagefind and thrown away; on disk, writing and deleting one
    folder per report cost 10 to 20 s at 10 000 reports on a busy machine, in memory 1 to 6 s.
    """
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None


def build_search_index(site, bundle="pagefind", started=None):
    """Index the reports of the built site `site` into `site/<bundle>/`; return an IndexSummary.

    `started(process)`, when given, receives the Pagefind process as soon as it runs, so
    that the caller can stop it (SearchIndexCancelled is then raised). A site where no
    page is marked `data-pagefind-body` (no published report) gets no bundle at all
    (an older one is removed): Pagefind would otherwise index every page, listings and
    legal pages included. Raises SearchIndexError with a French message naming the problem.
    """
    site = Path(site)
    if not site.is_dir():
        raise SearchIndexError(f"L’index de recherche n’a pas pu être construit\u00a0: le dossier {site} n’existe pas.")
    final = site / bundle
    partial = site / f".{bundle}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="pouls-search-", dir=_scratch_folder()) as mirror:
        pages = copy_pages_to_index(site, mirror, skip=(bundle, partial.name, f".{bundle}.old"))
        copied = time.perf_counter()
        if pages == 0:
            shutil.rmtree(final, ignore_errors=True)
            return IndexSummary(pages=0, words=0, filters=0, seconds=copied - start, bundle=None,
                                copy_seconds=copied - start)
        output = _run_pagefind(mirror, partial, bundle, started)
        indexed = time.perf_counter()
    _replace(final, partial)
    return IndexSummary(
        pages=_count(r"Indexed (\d+) pages?", output),
        words=_count(r"Indexed (\d+) words?", output),
        filters=_count(r"Indexed (\d+) filters?", output),
        seconds=time.perf_counter() - start,
        bundle=final,
        copy_seconds=copied - start,
        pagefind_seconds=indexed - copied,
    )


def _run_pagefind(mirror, partial, bundle, started):
    """Run Pagefind on `mirror`, writing into `partial`; return what it printed."""
    try:
        process = subprocess.Popen(
            pagefind_command(mirror, partial), cwd=mirror, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
    except OSError as exc:
        raise SearchIndexError(
            f"L’index de recherche n’a pas pu être construit\u00a0: Pagefind ne démarre pas ({exc.strerror}). "
            "Réinstallez les dépendances\u00a0: make venv."
        ) from exc
    if started is not None:
        started(process)
    output, _ = process.communicate()
    try:
        if process.returncode < 0:
            raise SearchIndexCancelled(f"pagefind stopped by signal {-process.returncode}")
        if process.returncode != 0:
            if "No module named pagefind" in output:
                hint = "le paquet pagefind n’est pas installé\u00a0; lancez make venv"
            else:
                hint = " ".join(output.strip().splitlines()[-3:]) or f"code de sortie {process.returncode}"
            raise SearchIndexError(f"L’index de recherche n’a pas pu être construit (Pagefind\u00a0: {hint}).")
        if not (partial / "pagefind.js").is_file():
            raise SearchIndexError(
                f"L’index de recherche est incomplet\u00a0: Pagefind n’a pas écrit {bundle}/pagefind.js."
            )
        try:
            canonicalise_bundle(partial)
        except (OSError, ValueError, KeyError) as exc:
            raise SearchIndexError(
                f"L’index de recherche n’a pas pu être mis en ordre ({exc})\u00a0: la version de Pagefind "
                "n’est sans doute pas celle de requirements.txt\u00a0; lancez make venv."
            ) from exc
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return output


def _replace(final, partial):
    """Bring `final` to the new bundle in `partial`, writing only the files whose bytes changed.

    Pagefind writes its whole bundle on every run; copied over as a whole it would give
    every file a new date and `make deploy` would send them all again. Here a file whose
    bytes are already in place is left alone (its date too), a changed or new one is
    written beside its target and renamed over it, and a file the new bundle no longer
    has is deleted last. The index and fragment files are named by their content, so
    they go first and the entry points (`pagefind-entry.json`, `pagefind.js`…, at the
    top of the bundle) after them: a reader's search never asks for a file not yet there.
    """
    if not final.is_dir():
        partial.rename(final)
        return
    new = sorted(
        (path.relative_to(partial) for path in partial.rglob("*") if path.is_file()),
        key=lambda relative: (len(relative.parts) == 1, relative.as_posix()),
    )
    for relative in new:
        write_if_changed(str(final / relative), (partial / relative).read_bytes())
    keep = set(new)
    for path in sorted(final.rglob("*"), reverse=True):
        relative = path.relative_to(final)
        if path.is_file() or path.is_symlink():
            if relative not in keep:
                path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    shutil.rmtree(partial, ignore_errors=True)
