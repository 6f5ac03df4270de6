"""French text analysis for related_articles: from a report's text to weighted word stems.

    >>> analyzer = Analyzer()
    >>> analyzer.stems("Les greffes de moelle\u202f: l’hôpital s’organise")
    {'greff': 1, 'moel': 1, 'hopital': 1, 'organis': 1}
    >>> fragments("hopital")
    (' hopit', 'hopita', 'opital', 'pital ')

The french_typography plugin runs first, so titles and bodies arrive with U+202F, U+00A0
and curly apostrophes; they are folded here so that « l’hôpital » and « l'hopital » give the
same stem. Accents are removed *after* stemming because the Snowball French stemmer relies
on them (« leucémies » and « leucémie » both give « leucem »).
"""

import html
import re
import unicodedata
from collections import Counter
from pathlib import Path

import Stemmer

STOP_WORDS_FILE = Path(__file__).with_name("stop_words_fr.txt")

# An HTML tag opens with a letter, « / » or « ! »: a lone « < » in a title is text.
_TAGS = re.compile(r"<[a-zA-Z/!][^>]*>")
# Apostrophes separate an elided article from its word (l’hôpital → l hôpital); the
# typography plugin's no-break spaces become plain spaces. str.replace is used rather
# than str.translate: a handful of C-speed scans beat a per-character table lookup.
_FOLD = (
    ("\u2019", " "), ("\u2018", " "), ("\u02bc", " "), ("'", " "),
    ("\u00a0", " "), ("\u202f", " "), ("\u2009", " "), ("œ", "oe"), ("æ", "ae"),
)
# Letters only: figures (years, report numbers) would look like rare, precious terms.
# French needs no letter outside Latin-1 once œ and æ are folded; an explicit class is
# also about twice as fast as [^\W\d_].
_WORD = re.compile(r"[a-zà-öø-ÿ]{2,}")
# The same letters as one Latin-1 byte each, every other byte a space: tokens() finds the
# words with bytes.translate and bytes.split, both in C, instead of a regex.
_LETTER_BYTES = bytes(
    byte if (0x61 <= byte <= 0x7A or 0xE0 <= byte <= 0xF6 or byte >= 0xF8) else 0x20
    for byte in range(256)
)


def strip_accents(text):
    """Return text without combining accents (« hématologie » → « hematologie »)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def fold(text):
    """Lower-case plain text with HTML tags, entities and French typography spaces removed."""
    text = _TAGS.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    text = text.lower()
    for char, replacement in _FOLD:
        if char in text:
            text = text.replace(char, replacement)
    return text


def tokens(text):
    """The folded words of `text` as Latin-1 bytes, in order, one-letter words included.

    Once the one-letter words are dropped and the others decoded, this is exactly
    `_WORD.findall(fold(text))`, about twice as fast: a report of 600 words is read
    ten thousand times per build of a large site. Every character that is not a letter of
    _WORD (figures, punctuation, apostrophes, no-break spaces, any character outside
    Latin-1) becomes a space, then the bytes are split.
    """
    text = _TAGS.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    text = text.lower()
    # The only folds that make letters; the others make spaces, which the table does.
    if "œ" in text:
        text = text.replace("œ", "oe")
    if "æ" in text:
        text = text.replace("æ", "ae")
    return text.encode("latin-1", "replace").translate(_LETTER_BYTES).split()


def load_stop_words(path=STOP_WORDS_FILE):
    """The shipped French stop words, accent-free (comments and blank lines skipped)."""
    words = set()
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            words.add(strip_accents(line.lower()))
    return frozenset(words)


def fragments(stem, length=6):
    """The `length`-letter pieces of a stem with a space at each end.

    « epilept » (épileptique) and « epilepsi » (épilepsie) are two Snowball stems, but
    they share « epile » and « epilep »; « teledermatolog » shares « dermat » with
    « dermatolog ». A stem of `length` − 2 letters or fewer has no fragment: it is
    whole already.
    """
    padded = f" {stem} "
    return tuple(padded[i:i + length] for i in range(len(padded) - length + 1)) if len(padded) > length else ()


def normalise_key(text):
    """A label as a comparison key: tags, hospitals and regions typed in different ways match."""
    return " ".join(_WORD.findall(strip_accents(fold(str(text))))) or str(text).strip().lower()


class Analyzer:
    """Turns text into {stem: count}. One instance per build: it caches each word's stem."""

    def __init__(self, extra_stop_words=()):
        self._stemmer = Stemmer.Stemmer("french")
        self._stop_words = load_stop_words() | {
            strip_accents(fold(word)).strip() for word in extra_stop_words
        }
        # word -> stem, or "" for a stop word; a site has a few tens of thousands of words.
        self._cache = {}

    def _stem(self, word):
        plain = strip_accents(word)
        if plain in self._stop_words:
            return ""
        return strip_accents(self._stemmer.stemWord(word))

    def stem(self, word):
        """The stem of a folded word (from words()), or "" for a stop word."""
        stem = self._cache.get(word)
        if stem is None:
            stem = self._cache[word] = self._stem(word)
        return stem

    @staticmethod
    def words(text):
        """Count the folded words of `text` (HTML allowed), before stemming.

        The ranking stems each distinct word of the site once, not once per report.
        """
        return Counter(_WORD.findall(fold(text)))

    def stems(self, text, weight=1, into=None):
        """Count the stems of `text` (HTML allowed), each occurrence worth `weight`.

        With `into`, counts are added to that dict, so a title can weigh more than a body.
        """
        counts = {} if into is None else into
        for word, count in self.words(text).items():
            stem = self.stem(word)
            if stem:
                counts[stem] = counts.get(stem, 0) + count * weight
        return counts
