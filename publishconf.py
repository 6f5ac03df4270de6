"""Publishing overrides: only what differs from pelicanconf.py.

SITEURL comes from the POULS_SITEURL environment variable; without it the
documented default below is used, so a publish build always has absolute URLs.
"""

import os
import sys

sys.path.append(os.path.dirname(os.path.abspath(__file__)))
from pelicanconf import *

SITEURL = os.environ.get("POULS_SITEURL", "https://pouls.example.fr").rstrip("/")
RELATIVE_URLS = False
# The public address of the comment intake service (behind the same nginx as the site).
COMMENTS_ENDPOINT = os.environ.get("POULS_COMMENTS_ENDPOINT", SITEURL + "/commentaires")
# A published build never contains a draft; a report dated in the future is a draft
# for Pelican (WITH_FUTURE_DATES = False) until a build runs after its date.
DRAFT_SAVE_AS = ""
DRAFT_PAGE_SAVE_AS = ""
# Where `make deploy` sends the published site (rsync destination), from the environment.
DESK_DEPLOY_TARGET = os.environ.get("POULS_DEPLOY_TARGET", "")
# A publication is indexed, sitemaps and all; POULS_PREVIEW=1 makes a staging copy that
# search engines are told to leave alone (robots.txt « Disallow: / » and noindex).
SITE_MAP_PREVIEW = os.environ.get("POULS_PREVIEW", "") == "1"
