"""What Pelican recomputes each time a report is asked for it, computed once.

Pelican computes some values of a report again each time they are asked for, and a
build asks for them many times per report (its address when it is validated, planned,
linked; its taxonomy when it is grouped). What is here computes them once, from the same
inputs, with Pelican's own code, so every value (and so every byte of the site) is the
one Pelican gives:

- `settle_slugs`: the slug of each Tag, Category and Author a report holds. Pelican
  slugifies a name the first time its `slug` is read, once per object, and every report
  has its own objects (10 000 reports: some 40 000 slugifications in the build's
  process). Done right after reading, the slug is computed in the reading processes and
  kept in the build cache with the report. Only the cached value is filled in:
  renaming the object later (`tag.name = …`) still drops it, as in Pelican, and a name
  whose slug is empty is left to Pelican, which warns when it first reads it.
- `memoised_relative_source_path`: Pelican's `Content.get_relative_source_path()` (two
  `abspath` and a `relpath`, run by every `url`, `save_as` and `is_valid()`), memoised
  on what it reads: the content folder, the source path and, for a relative path, the
  working directory.
- `linear_translations`: Pelican's `process_translations` compares every report with
  the list of originals (`x not in index`): quadratic, 1 s of a 10 000-report build.
  It is run here group by group (its groups are independent), which gives the same
  lists in the same order and the same warnings.

desk.reading settles the slugs of what it reads; desk.build runs every build inside
`shortcuts()`, which swaps the last two in for Pelican's own. Nothing here outlives a
build but the path memo, keyed on everything its value depends on.
"""

import functools
import os
from itertools import groupby
from operator import attrgetter

import pelican.contents
import pelican.generators
import pelican.utils
from pelican.urlwrappers import URLWrapper

_PELICAN_RELATIVE_SOURCE_PATH = pelican.contents.Content.get_relative_source_path
_PELICAN_PROCESS_TRANSLATIONS = pelican.utils.process_translations


def settle_slugs(content):
    """Compute now the slug Pelican would compute on first use for each taxonomy object of `content`."""
    for value in (*vars(content).values(), *getattr(content, "metadata", {}).values()):
        if isinstance(value, URLWrapper):
            _settle(value)
        elif isinstance(value, (list, tuple)):
            for item in value:
                if isinstance(item, URLWrapper):
                    _settle(item)


def _settle(wrapper):
    if wrapper._slug is not None:
        return
    # URLWrapper.slug computes exactly this (the same slugify arguments) and keeps it in
    # _slug; an empty slug is left for Pelican to compute, and warn about, when read.
    slug = wrapper._normalize_key(wrapper.name)
    if slug:
        wrapper._slug = slug


@functools.lru_cache(maxsize=1 << 16)
def _relative_path(base, source_path, cwd):
    # `cwd` is only in the key: abspath() reads the working directory for a relative path.
    return pelican.utils.posixize_path(
        os.path.relpath(os.path.abspath(os.path.join(base, source_path)), os.path.abspath(base))
    )


def memoised_relative_source_path(self, source_path=None):
    """pelican.contents.Content.get_relative_source_path, memoised on what it reads."""
    if not source_path:
        source_path = self.source_path
    if source_path is None:
        return None
    base = self.settings["PATH"]
    cwd = None if os.path.isabs(base) and os.path.isabs(source_path) else os.getcwd()
    return _relative_path(base, source_path, cwd)


def linear_translations(content_list, translation_id=None):
    """pelican.utils.process_translations, one group at a time: same result, linear time.

    Pelican sorts the list by the translation id, then handles each group of equal ids on
    its own, then keeps as translations the items not among the originals. Handing it one
    group at a time (sorted the same way, in the same order) gives the same originals, the
    same translations and the same warnings, without comparing every item with every
    original of the site.
    """
    original = _PELICAN_PROCESS_TRANSLATIONS
    if not translation_id:
        return original(content_list, translation_id)
    key = attrgetter(*({translation_id} if isinstance(translation_id, str) else translation_id))
    try:
        content_list.sort(key=key)
    except (TypeError, AttributeError):
        return original(content_list, translation_id)  # which raises Pelican's error
    index, translations = [], []
    for _, items in groupby(content_list, key):
        originals, others = original(list(items), translation_id)
        index += originals
        translations += others
    return index, translations


class shortcuts:
    """Within this block (a build), Pelican runs `memoised_relative_source_path` and
    `linear_translations` in place of its own two functions.

    A monkeypatch, and the only way in: Pelican calls the method on its own content
    objects and the function from inside its generators' generate_context(). A subclass
    of Article read by our generators was tried: Jinja names an object's class in its
    errors (« 'pelican.contents.Article object' has no attribute … »), and an editor would
    no longer read Pelican's message. Both replacements give what Pelican's functions
    give, so another build running meanwhile in this process is not affected; on the way
    out Pelican's own functions are put back (not whatever was there on the way in, so
    overlapping builds cannot leave a replacement behind).
    """

    def __enter__(self):
        pelican.contents.Content.get_relative_source_path = memoised_relative_source_path
        pelican.generators.process_translations = linear_translations
        return self

    def __exit__(self, *exc):
        pelican.contents.Content.get_relative_source_path = _PELICAN_RELATIVE_SOURCE_PATH
        pelican.generators.process_translations = _PELICAN_PROCESS_TRANSLATIONS
