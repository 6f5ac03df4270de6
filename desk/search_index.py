"""When the search index is built: before a publication goes online, and behind `make serve`.

- `index_search` is a publication step (desk.steps.STEPS): `make publish` runs it on
  the clean build in `output.builds/<stamp>.partial/`, so the bundle is part of the
  atomic swap; a failure refuses the publication and leaves the site online as it was.
  The build comes from publishconf.py, which writes no draft and no scheduled report:
  neither can reach the index.
- `PreviewSearchIndex` re-indexes `output.preview/` after each full preview build, in a
  background thread, so the editor sees the pages first and search catches up (about
  one second for a few hundred reports; see README « Rechercher »).

The indexing itself is `site_search.index.build_search_index` (plugin site_search).
"""

import threading

from site_search.index import SearchIndexCancelled, SearchIndexError, build_search_index
from site_search.site_search import SiteSearchSettings


def _decimal(seconds):
    return f"{seconds:.1f}".replace(".", ",")


def _count(pages):
    return f"{pages} reportage{'s' if pages != 1 else ''}"


def index_search(folder, settings, stream):
    """Publication step: index the reports of the build in `folder`."""
    # desk.steps lists this function in STEPS, so StepError is imported when the step runs.
    from desk.steps import StepError

    try:
        options = SiteSearchSettings.from_settings(settings)
        summary = build_search_index(folder, options.bundle)
    except (SearchIndexError, ValueError) as exc:
        raise StepError(str(exc)) from exc
    if summary.bundle is None:
        print("Index de recherche\u00a0: aucun reportage publié à indexer.", file=stream, flush=True)
    else:
        print(f"Index de recherche\u00a0: {_count(summary.pages)} en {_decimal(summary.seconds)}\u00a0s.",
              file=stream, flush=True)
    return summary


class PreviewSearchIndex:
    """Re-indexes the preview folder in the background; a newer request stops an older one.

    Indexings run one at a time (they write the same partial folder); a request made
    while one runs stops it, and only the newest request waiting is carried out.
    """

    def __init__(self, output, settings, stream):
        self.output = output
        self.bundle = SiteSearchSettings.from_settings(settings).bundle
        self.stream = stream
        self._lock = threading.Lock()
        self._one_at_a_time = threading.Lock()
        self._generation = 0
        self._process = None

    def refresh(self):
        """Start indexing (after a full build); stop an indexing still under way. Returns the thread."""
        with self._lock:
            self._generation += 1
            generation = self._generation
        self.stop()
        thread = threading.Thread(target=self._run, args=(generation,), daemon=True, name="desk-search-index")
        thread.start()
        return thread

    def close(self):
        """Stop for good (make serve is stopping): nothing queued runs after this."""
        with self._lock:
            self._generation += 1
        self.stop()

    def stop(self):
        with self._lock:
            process = self._process
        if process is not None and process.poll() is None:
            process.terminate()

    def _current(self, generation):
        with self._lock:
            return generation == self._generation

    def _run(self, generation):
        def started(process):
            with self._lock:
                self._process = process
                superseded = generation != self._generation
            if superseded:
                process.terminate()

        with self._one_at_a_time:
            if not self._current(generation):
                return
            try:
                summary = build_search_index(self.output, self.bundle, started=started)
            except SearchIndexCancelled:
                return
            except SearchIndexError as exc:
                print(f"Recherche de l’aperçu\u00a0: {exc}", file=self.stream, flush=True)
                return
        print(f"Recherche de l’aperçu à jour ({_count(summary.pages)} en {_decimal(summary.seconds)}\u00a0s).",
              file=self.stream, flush=True)
