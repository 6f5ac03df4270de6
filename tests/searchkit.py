"""Helpers for the search tests: build and index a fixture site, read what Pagefind indexed,
serve a folder under the coming Content-Security-Policy, and query the index in Chromium.

    from searchkit import build_and_index, fragments, serve_with_csp, search

- `build_and_index(content, output, settings_file)` builds with the real settings, then runs
  the publication step `desk.search_index.index_search` on the output (as `make publish` does).
- `fragments(bundle)` decodes every page Pagefind indexed (url, content, meta, filters): the
  index read directly, no browser.
- `serve_with_csp(root)` is `browser.serve_directory` plus the strict policy the site is moving to.
- `search(page, query, filters=None)` runs Pagefind's own JavaScript API in the page and returns
  the result addresses, best first.
"""

import gzip
import http.server
import io
import json
from pathlib import Path

from browser import serve_directory
from desk.build import build_site
from desk.search_index import index_search

CSP = (
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'self'"
)
FRAGMENT_MAGIC = b"pagefind_dcd"


def build_and_index(content, output, settings_file="pelicanconf.py", overrides=None):
    """Build `content` into `output` and index it; return (BuildResult, IndexSummary, log)."""
    result = build_site(settings_file, content=content, output=output, overrides=overrides)
    assert result.errors == [], result.errors
    log = io.StringIO()
    summary = index_search(result.output, result.settings, log)
    return result, summary, log.getvalue()


def fragments(bundle):
    """Every page in the index, decoded from Pagefind's gzipped fragment files."""
    pages = []
    for path in sorted(Path(bundle, "fragment").glob("*.pf_fragment")):
        data = gzip.decompress(path.read_bytes())
        assert data.startswith(FRAGMENT_MAGIC), path
        pages.append(json.loads(data[len(FRAGMENT_MAGIC):]))
    return pages


class _CspHandler(http.server.SimpleHTTPRequestHandler):
    def end_headers(self):
        self.send_header("Content-Security-Policy", CSP)
        super().end_headers()

    def log_message(self, format, *args):
        pass


def serve_with_csp(root):
    """Serve `root` on 127.0.0.1 (free port) with the strict CSP; a context yielding the base URL."""
    return serve_directory(root, _CspHandler)


_SEARCH = """async ([query, filters]) => {
  const pagefind = await import("/pagefind/pagefind.js");
  await pagefind.options({ baseUrl: "/" });
  const found = await pagefind.search(query, filters ? { filters } : {});
  const pages = await Promise.all(found.results.map((result) => result.data()));
  return pages.map((page) => page.url);
}"""


def search(page, query, filters=None):
    """Result addresses for `query`, best first, from Pagefind's API in an open page of the site."""
    return page.evaluate(_SEARCH, [query, filters])
