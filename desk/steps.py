"""What a publication does to a finished, clean build before it goes online.

`make publish` builds into `output.builds/<stamp>.partial/`; once the build logged
no warning and no error, each step below runs on that folder, in order, and only
then is `output` swapped to it. A step that fails raises StepError with a French
message: the partial build is deleted and the site online does not change.

A step is a function `step(folder, settings, stream)`: `folder` is the build's
Path, `settings` Pelican's settings of that build, `stream` where to print
progress for the editor.
"""

from desk import compress
from desk.search_index import index_search


class StepError(Exception):
    """A publication step that failed; the message is for the editor, in French."""


# The search index first; compress.prepare_for_web_server stays last: it compresses what
# the steps before it wrote (the index included).
STEPS = (
    index_search,  # the search index (plugin site_search, Pagefind)
    compress.prepare_for_web_server,
)


def finish_build(folder, settings, stream):
    """Run every publication step on `folder`."""
    for step in STEPS:
        step(folder, settings, stream)
