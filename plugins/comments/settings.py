"""The comments settings: one object read by the plugin, the service and the moderation command.

The build reads them from Pelican's settings (`read_comments_settings(settings)`); the intake
service, the moderation desk and `make moderate` read the same Pelican settings file
(`from_settings_file()`, `publishconf.py` by default: the site they serve is the one
`make publish` writes), so the three programs agree on where approved comments live and
where the build's index of reports is:

    >>> site = from_settings_file("publishconf.py")
    >>> site.comments_folder      # PATH / COMMENTS_PATH       -> content/comments
    >>> site.index_file           # OUTPUT_PATH / COMMENTS_INDEX_SAVE_AS -> output/donnees/commentaires.json

Settings (pelicanconf.py):

    COMMENTS_PATH             folder under PATH holding approved comments ("comments")
    COMMENTS_ENDPOINT         URL the form posts to, the intake service's public address
    COMMENTS_INDEX_SAVE_AS    the JSON index of reports the service reads ("donnees/commentaires.json")
    COMMENTS_RESERVED_NAMES   names readers may not sign with; the site's authors are added
    COMMENTS_NEWSROOM_NAME    the name the newsroom's replies are signed with (default: AUTHOR)
"""

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_SETTINGS_FILE = "publishconf.py"
SETTINGS_FILE_ENV = "POULS_COMMENTS_SETTINGS"

# The newsroom's titles. Compared after folding (case, accents, invisible characters, NFKC):
# « RÉDACTION », « La rédaction » and « Rédaction » behind a zero-width space all match.
DEFAULT_RESERVED_NAMES = (
    "Rédaction", "La rédaction", "Rédaction de Pouls", "Pouls",
    "Modérateur", "Modératrice", "Modération", "Administrateur", "Administratrice", "Admin",
)


class CommentsSettingsError(ValueError):
    """A comments setting that cannot be used: the message quotes it and says the fix."""


@dataclass(frozen=True)
class CommentsSettings:
    path: str = "comments"
    endpoint: str = "http://127.0.0.1:8001/commentaires"
    index_save_as: str = "donnees/commentaires.json"
    reserved_names: tuple = DEFAULT_RESERVED_NAMES
    newsroom_name: str = "Rédaction de Pouls"
    site_name: str = "Pouls"
    # From Pelican's own settings: where the content and the output are.
    content_root: Path = field(default=Path("content"), compare=False)
    output_root: Path = field(default=Path("output"), compare=False)
    siteurl: str = ""
    index_override: Path | None = field(default=None, compare=False)  # POULS_COMMENTS_SITE_INDEX

    @property
    def comments_folder(self):
        """Where approved comments live: PATH / COMMENTS_PATH."""
        return Path(self.content_root) / self.path

    @property
    def index_file(self):
        """Where the build writes the index of reports: OUTPUT_PATH / COMMENTS_INDEX_SAVE_AS."""
        return self.index_override or Path(self.output_root) / self.index_save_as


def read_comments_settings(settings):
    """Return (CommentsSettings, [problem, …]) from Pelican settings; a bad value falls back to its default."""
    defaults = CommentsSettings()
    values = {}
    problems = []

    path = settings.get("COMMENTS_PATH", defaults.path)
    if not isinstance(path, str) or not path or os.path.isabs(path) or ".." in Path(path).parts:
        problems.append(f"COMMENTS_PATH = {path!r} must be a folder name relative to PATH, like {defaults.path!r}")
    else:
        values["path"] = path

    endpoint = settings.get("COMMENTS_ENDPOINT", defaults.endpoint)
    parts = urlsplit(endpoint) if isinstance(endpoint, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        problems.append(
            f"COMMENTS_ENDPOINT = {endpoint!r} must be the http(s) URL of the comment service, "
            f"like {defaults.endpoint!r}"
        )
    else:
        values["endpoint"] = endpoint

    save_as = settings.get("COMMENTS_INDEX_SAVE_AS", defaults.index_save_as)
    if not isinstance(save_as, str) or not save_as.endswith(".json") or os.path.isabs(save_as) or ".." in Path(save_as).parts:
        problems.append(
            f"COMMENTS_INDEX_SAVE_AS = {save_as!r} must be a relative .json path inside the output, "
            f"like {defaults.index_save_as!r}"
        )
    else:
        values["index_save_as"] = save_as

    reserved = settings.get("COMMENTS_RESERVED_NAMES", defaults.reserved_names)
    if isinstance(reserved, str) or not isinstance(reserved, (list, tuple)) or not all(
        isinstance(name, str) and name.strip() for name in reserved
    ):
        problems.append(
            f"COMMENTS_RESERVED_NAMES = {reserved!r} must be a list of names, like {list(defaults.reserved_names[:2])!r}"
        )
    else:
        values["reserved_names"] = tuple(reserved)

    newsroom = settings.get("COMMENTS_NEWSROOM_NAME") or settings.get("AUTHOR") or defaults.newsroom_name
    if not isinstance(newsroom, str) or not newsroom.strip() or any(char in newsroom for char in "\r\n"):
        problems.append(f"COMMENTS_NEWSROOM_NAME = {newsroom!r} must be a one-line name, like {defaults.newsroom_name!r}")
    else:
        values["newsroom_name"] = newsroom.strip()

    if settings.get("PATH"):
        values["content_root"] = Path(settings["PATH"])
    if settings.get("OUTPUT_PATH"):
        values["output_root"] = Path(settings["OUTPUT_PATH"])
    values["siteurl"] = str(settings.get("SITEURL") or "").rstrip("/")
    values["site_name"] = str(settings.get("SITENAME") or defaults.site_name)
    return CommentsSettings(**values), problems


def env_number(env, name, default, kind=float, minimum=0):
    """A number from the environment, `default` when unset; a bad value raises naming the variable."""
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise CommentsSettingsError(f"{name}={raw!r} is not a number; set it like {name}={default}") from None
    if value < minimum:
        raise CommentsSettingsError(f"{name}={raw!r} must be at least {minimum}")
    return value


def settings_file(environ=None):
    """The Pelican settings file the service and the moderation command read."""
    from pouls_common.paths import ROOT

    environ = os.environ if environ is None else environ
    path = Path(environ.get(SETTINGS_FILE_ENV) or DEFAULT_SETTINGS_FILE)
    return path if path.is_absolute() else ROOT / path


def from_settings_file(path=None, environ=None):
    """CommentsSettings from a Pelican settings file (default: POULS_COMMENTS_SETTINGS or publishconf.py).

    Raises CommentsSettingsError naming the file and the bad setting.
    """
    from pelican.settings import read_settings

    path = Path(path) if path else settings_file(environ)
    if not path.is_file():
        raise CommentsSettingsError(
            f"{SETTINGS_FILE_ENV}: the Pelican settings file {path} does not exist; "
            f"set {SETTINGS_FILE_ENV} to pelicanconf.py or publishconf.py"
        )
    try:
        settings = read_settings(str(path))
    except Exception as error:  # a settings file is Python: any error it raises is the editor's to fix
        raise CommentsSettingsError(f"cannot read the Pelican settings file {path}: {error}") from error
    site, problems = read_comments_settings(settings)
    if problems:
        raise CommentsSettingsError(f"{path}: {problems[0]}")
    return site


def with_overrides(site, content_root=None, index_file=None):
    """The same settings with the content folder or the index file moved (command-line options, tests)."""
    values = {}
    if content_root is not None:
        values["content_root"] = Path(content_root)
    if index_file is not None:
        values["index_override"] = Path(index_file)
    return replace(site, **values)
