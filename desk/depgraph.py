"""The preview's dependency graph: which pages show what of which source file.

Every page a build renders records the content objects it read (desk.pagekeys), so the
graph comes for free: reversed, it says, for a report, which pages read it — its own
page, the listing pages showing its card, the « Sur le même sujet » blocks naming it,
the archives. A report's own page is where its `save_as` says, read from the report
itself: a `Slug:` in the front matter moves the page, and the graph follows.

    graph = DependencyGraph.from_entries(page_keys.current)
    graph.pages_reading("Article:articles/urgences/x.md")   # {"urgences/x/index.html", "index.html", …}
"""

import os
from collections import defaultdict

from pelican.utils import posixize_path


def identity_of(content_class, relative_path):
    """A content's identity as desk.pagekeys names it: « Article:articles/urgences/x.md »."""
    return f"{content_class.__name__}:{relative_path}"


def relative_source(path, content_root):
    """A source file's path as Pelican keys its contents: relative to PATH, with slashes."""
    return posixize_path(os.path.relpath(os.path.abspath(path), os.path.abspath(content_root)))


class DependencyGraph:
    def __init__(self):
        self._readers = defaultdict(set)

    @classmethod
    def from_entries(cls, entries):
        """From desk.pagekeys entries: {page file: (key, names, reads, size, mtime)}."""
        graph = cls()
        for page, entry in entries.items():
            for identity, _attributes in entry[2]:
                graph._readers[identity].add(page)
        return graph

    def pages_reading(self, identity):
        """The pages (files under the output folder) that read the content, sorted."""
        return sorted(self._readers.get(identity, ()))
