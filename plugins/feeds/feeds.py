"""The feeds plugin's Pelican receivers; the work is in settings, plan, render and catalog."""

import logging
from datetime import UTC, datetime

from pelican import signals

from pouls_common.plugins import require_plugins

from .catalog import FeedCatalog
from .plan import plan_feeds
from .render import render_feed_files, write_files
from .settings import (
    SUBSCRIBE_SAVE_AS,
    SUBSCRIBE_TEMPLATE,
    SUBSCRIBE_URL,
    BuildRefused,
    FeedsSettings,
    FeedsSettingsError,
    check_settings,
)

logger = logging.getLogger(__name__)

# Plugins whose work the feeds carry, and what for (checked when the build starts).
NEEDS = {
    "article_meta": "article.image, the entries' enclosures",
    "hospitals": "article.hospitals, the établissement feeds",
    "comments": "article.comments, the comment feeds",
}


def refuse_pelican_feeds(pelican):
    """Stop the build before anything is written if the settings would give bad feeds."""
    try:
        check_settings(pelican.settings)
    except FeedsSettingsError as error:
        raise BuildRefused(str(error)) from None
    require_plugins(pelican, "feeds", NEEDS)



def add_feed_catalog(generator):
    """Give every template the `feed_catalog` global the autodiscovery partial reads."""
    generator.env.globals["feed_catalog"] = FeedCatalog(FeedsSettings.from_settings(generator.settings))



def write_feeds(generator, writer):
    """Write every feed and the « S’abonner » page once all reports are final."""
    settings = FeedsSettings.from_settings(generator.settings)
    # The current time only filters what may be listed (nothing later than the build);
    # it is never written, so two builds of the same content give the same bytes.
    now = datetime.now(UTC)
    feeds = plan_feeds(generator.articles, settings, now)
    files = render_feed_files(feeds, settings)
    write_files(files, generator.output_path)
    logger.info("feeds: wrote %s feeds", len(files))
    catalog = FeedCatalog(settings)
    writer.write_file(
        SUBSCRIBE_SAVE_AS,
        generator.get_template(SUBSCRIBE_TEMPLATE),
        generator.context,
        relative_urls=generator.settings.get("RELATIVE_URLS", False),
        url=SUBSCRIBE_URL,
        page_name="sabonner",
        subscribe_site_feeds=catalog.site(),
        subscribe_sections=catalog.subscribe_page(feeds),
    )



def register():
    # initialized: runs once before any file is written, so a bad setting stops the build
    # cleanly (an exception raised in register() itself would be swallowed by Pelican).
    signals.initialized.connect(refuse_pelican_feeds)
    # generator_init: each generator has its own Jinja environment; the global must be
    # there before the first page that includes partials/feed_links.html is rendered.
    signals.generator_init.connect(add_feed_catalog)
    # article_writer_finalized: reports are read, typographed, given their comments and
    # hospitals by the other plugins, and their pages written; the feeds read final data.
    signals.article_writer_finalized.connect(write_feeds)

