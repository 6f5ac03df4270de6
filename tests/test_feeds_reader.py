"""Read the feeds the way a reader app does: over HTTP, with feedparser, then open every entry.

The built site is served on 127.0.0.1 by a real HTTP server; the feeds are built for that
address (FEEDS_SITEURL), found through the pages' autodiscovery links and the « S’abonner »
page, parsed by feedparser from the HTTP response, and every entry link is fetched: it
must answer 200 with the report (same title in its h1) or the comment it points to.
"""

import json
import re
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit
from urllib.request import ProxyHandler, build_opener

import feedparser
import pytest
from bs4 import BeautifulSoup

from browser import serve_directory
from conftest import SITES
from desk.build import ROOT, build_site

FEED_TYPES = {"application/atom+xml", "application/rss+xml", "application/feed+json"}
ASCII_SPACES = re.compile(r"[ \t\r\n]+")  # not str.split(): it would eat U+00A0 and U+202F
# Never through a proxy: everything the test reads is on 127.0.0.1.
OPENER = build_opener(ProxyHandler({}))


@pytest.fixture
def served(tmp_path):
    """A folder served over HTTP on a free port of 127.0.0.1: (folder, base URL)."""
    folder = tmp_path / "www"
    folder.mkdir()
    with serve_directory(folder) as base:
        yield folder, base


def fetch(url):
    with OPENER.open(url, timeout=10) as response:
        return response.status, {key.lower(): value for key, value in response.headers.items()}, response.read()


def feed_links(html, page_url):
    page = BeautifulSoup(html, "html.parser")
    return {
        urljoin(page_url, link["href"])
        for link in page.select('head link[rel="alternate"]')
        if link.get("type") in FEED_TYPES
    }


def subscribe_links(html, page_url):
    page = BeautifulSoup(html, "html.parser")
    return {urljoin(page_url, a["href"]) for a in page.select("main a[type]") if a["type"] in FEED_TYPES}


def check_entry_page(link, title, is_comment):
    """The entry's link opens an existing page that shows what the entry announces."""
    page_url, fragment = urldefrag(link)
    status, _, body = fetch(page_url)
    assert status == 200, link
    page = BeautifulSoup(body, "html.parser")
    if is_comment:
        assert fragment.startswith("comment-") and page.find(id=fragment) is not None, link
    else:
        shown = ASCII_SPACES.sub(" ", page.h1.get_text()).strip(" ")
        assert shown == ASCII_SPACES.sub(" ", title).strip(" "), link
    return body


@pytest.mark.parametrize("content", ["feeds-basic", "feeds-comments", "sample"])
def test_a_reader_app_finds_every_feed_parses_it_and_opens_every_entry(content, served):
    folder, base = served
    source = ROOT / "content" if content == "sample" else SITES / content
    result = build_site(content=source, output=folder, overrides={"FEEDS_SITEURL": base})
    assert result.errors == []

    status, _, home = fetch(f"{base}/")
    assert status == 200
    to_read = feed_links(home, f"{base}/")
    _, _, subscribe = fetch(f"{base}/sabonner/")
    to_read |= subscribe_links(subscribe, f"{base}/sabonner/")
    assert {f"{base}/flux/atom.xml", f"{base}/flux/rss.xml", f"{base}/flux/feed.json"} <= to_read

    read, opened = set(), 0
    while to_read:
        url = to_read.pop()
        read.add(url)
        status, headers, body = fetch(url)
        assert status == 200, url
        if url.endswith(".json"):
            items = [(item["url"], item["title"]) for item in json.loads(body)["items"]]
            assert json.loads(body)["feed_url"] == url
        else:
            parsed = feedparser.parse(body, response_headers=headers)
            assert parsed.bozo == 0, (url, parsed.get("bozo_exception"))
            assert parsed.feed.language == "fr" or parsed.feed.get("language") == "fr", url
            self_links = [link.href for link in parsed.feed.links if link.rel == "self"]
            assert self_links == [url]
            items = [(entry.link, entry.title) for entry in parsed.entries]
        is_comment = url.endswith("/commentaires.atom.xml")
        for link, title in items:
            assert urlsplit(link).netloc == urlsplit(base).netloc, link
            page = check_entry_page(link, title, is_comment)
            opened += 1
            # A report page announces its comment feed: the reader app may follow that too.
            to_read |= feed_links(page, link) - read
    assert opened > 0
    # Every comment feed written is reachable by following the pages' feed links.
    written = {f"{base}/{path.relative_to(folder).as_posix()}" for path in Path(folder).rglob("commentaires.atom.xml")}
    assert written <= read
    if content != "feeds-basic":  # the two sites with approved comments
        assert written
