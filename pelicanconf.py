"""Pelican settings for Pouls: everything a development build needs.

`publishconf.py` imports this file and overrides only what publishing changes.
"""

from pathlib import Path

HERE = Path(__file__).resolve().parent

AUTHOR = "Rédaction de Pouls"
SITENAME = "Pouls"
SITESUBTITLE = "L’actualité des hôpitaux et de la santé, racontée par celles et ceux qui soignent"
SITEURL = ""
RELATIVE_URLS = False

DEFAULT_LANG = "fr"
TIMEZONE = "Europe/Paris"
# Dates are formatted with Babel by the french_dates plugin, never with the OS locale.
DEFAULT_DATE_FORMAT = "%Y-%m-%d"
DEFAULT_DATE = None

PATH = str(HERE / "content")
THEME = str(HERE / "theme")
ARTICLE_PATHS = ["articles"]
PAGE_PATHS = ["pages"]
STATIC_PATHS = ["images", "videos"]
EXTRA_PATH_METADATA = {}
OUTPUT_PATH = str(HERE / "output")
DELETE_OUTPUT_DIRECTORY = False
IGNORE_FILES = [".#*", "*~", "#*#", "*.swp", "README.md"]

USE_FOLDER_AS_CATEGORY = True
# Folder name -> rubrique shown to readers. The folder is the rubrique's slug.
RUBRIQUES = {
    "hematologie": "Hématologie",
    "cancerologie": "Cancérologie",
    "urgences": "Urgences",
    "brules": "Brûlés et plaies",
    "femme-enfant": "Femme, mère, enfant",
    "organisation": "Organisation des soins",
}

PLUGIN_PATHS = [str(HERE / "plugins")]
PLUGINS = [
    "rubriques",
    "french_typography",
    "french_dates",
    "article_meta",
    "responsive_images",
    "hospitals",
    "related_articles",
    "comments",
    "feeds",
    "social_cards",
    "structured_data",
    "site_map",
    "theme_assets",
    "site_search",
]

# Stable, clean URLs: a report keeps its address as long as its slug is frozen.
ARTICLE_URL = "{category}/{slug}/"
ARTICLE_SAVE_AS = "{category}/{slug}/index.html"
DRAFT_URL = "brouillons/{slug}/"
DRAFT_SAVE_AS = "brouillons/{slug}/index.html"
PAGE_URL = "{slug}/"
PAGE_SAVE_AS = "{slug}/index.html"
CATEGORY_URL = "rubrique/{slug}/"
CATEGORY_SAVE_AS = "rubrique/{slug}/index.html"
CATEGORIES_URL = "rubriques/"
CATEGORIES_SAVE_AS = "rubriques/index.html"
TAG_URL = "etiquette/{slug}/"
TAG_SAVE_AS = "etiquette/{slug}/index.html"
TAGS_URL = "etiquettes/"
TAGS_SAVE_AS = "etiquettes/index.html"
AUTHOR_URL = "auteur/{slug}/"
AUTHOR_SAVE_AS = "auteur/{slug}/index.html"
AUTHORS_URL = "auteurs/"
AUTHORS_SAVE_AS = "auteurs/index.html"
ARCHIVES_URL = "archives/"
ARCHIVES_SAVE_AS = "archives/index.html"
YEAR_ARCHIVE_SAVE_AS = ""
MONTH_ARCHIVE_SAVE_AS = ""
DAY_ARCHIVE_SAVE_AS = ""
INDEX_SAVE_AS = "index.html"
DIRECT_TEMPLATES = ["index", "categories", "tags", "authors", "archives", "404"]
# 404.html is served by the host for unknown URLs; it lives at the root.
TEMPLATE_PAGES = {}

# 20 cards a page: a reader scrolls one page instead of clicking twice, and a large site
# writes half as many listing pages.
DEFAULT_PAGINATION = 20
PAGINATED_TEMPLATES = {"index": None, "category": None, "tag": None, "author": None, "hospital": None}
PAGINATION_PATTERNS = (
    (1, "{url}", "{save_as}"),
    (2, "{base_name}/page/{number}/", "{base_name}/page/{number}/index.html"),
)

SUMMARY_MAX_LENGTH = None
DEFAULT_METADATA = {"status": "published"}
# The file name is the slug: renaming a title never moves a published report.
SLUGIFY_SOURCE = "basename"
SLUG_REGEX_SUBSTITUTIONS = [
    (r"[^\w\s-]", ""),
    (r"(?u)\A\s*", ""),
    (r"(?u)\s*\Z", ""),
    (r"[-\s]+", "-"),
]

# Every build makes new Jinja environments, so a changed template is always read again;
# auto_reload would instead stat every included file on every page (17 per report).
JINJA_ENVIRONMENT = {"auto_reload": False}

MARKDOWN = {
    "extension_configs": {
        "markdown.extensions.extra": {},
        "markdown.extensions.sane_lists": {},
    },
    "output_format": "html5",
}

# Feeds are written by the local `feeds` plugin; Pelican's own stay off everywhere.
FEED_DOMAIN = None
FEED_ATOM = None
FEED_RSS = None
FEED_ALL_ATOM = None
FEED_ALL_RSS = None
CATEGORY_FEED_ATOM = None
CATEGORY_FEED_RSS = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
TAG_FEED_ATOM = None
TAG_FEED_RSS = None
TRANSLATION_FEED_ATOM = None
TRANSLATION_FEED_RSS = None
# The feeds plugin refuses to run if any setting above is switched back on.
# Every feed entry id is tag:<FEEDS_ID_AUTHORITY>:reportage/<slug>: never change it once
# feeds are public, even if the site moves to another domain.
FEEDS_ID_AUTHORITY = "pouls.example.fr,2026"
FEEDS_MAX_ITEMS = 20
# Feeds need absolute URLs; with SITEURL = "" (development) they use the `make serve` address.
FEEDS_SITEURL = "http://127.0.0.1:8000"

# Same input, same output: no cache that could make two builds differ.
LOAD_CONTENT_CACHE = False
CACHE_CONTENT = False
WITH_FUTURE_DATES = False

# Comments (plugin comments): approved comments live in content/comments/<article-slug>/;
# the form posts to the intake service (`make comments-serve`), which reads the list of
# reports open to comments from output/donnees/commentaires.json.
COMMENTS_PATH = "comments"
COMMENTS_ENDPOINT = "http://127.0.0.1:8001/commentaires"
COMMENTS_INDEX_SAVE_AS = "donnees/commentaires.json"

# « Sur le même sujet » (plugin related_articles): other settings and their defaults are in
# plugins/related_articles/README.md; `make related SLUG=…` explains a report's block.
RELATED_ARTICLES_MAX = 3

# Report images: narrower copies for phones (plugin responsive_images). The sample
# illustrations are 2 400 px wide (see tools/draw_sample_images.py): 1 200 px serves
# a 704 px wide report image on a screen of twice the density.
RESPONSIVE_IMAGES_WIDTHS = (480, 800, 1200)
# The copies are kept between builds too, named after their source's content and recipe
# (`make clean` empties var/cache): a publication only resizes new pictures.
RESPONSIVE_IMAGES_CACHE_PATH = str(HERE / "var" / "cache" / "responsive_images")

# Share crops (plugin social_cards) are kept between builds, named after their source's
# content: `make publish` builds into a new folder each time and only resizes new pictures.
SOCIAL_CARDS_CACHE_PATH = str(HERE / "var" / "cache" / "social_cards")

# Sitemaps and robots (plugin site_map): every build of these settings is a preview,
# never indexed (robots.txt « Disallow: / », <meta name="robots" content="noindex">);
# publishconf.py turns it off.
SITE_MAP_PREVIEW = True
