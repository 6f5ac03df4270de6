"""The comment Atom feed marks replies with RFC 4685 (`thr:in-reply-to`), parsed as XML."""

import feedparser
from lxml import etree

ATOM = "{http://www.w3.org/2005/Atom}"
THR = "{http://purl.org/syndication/thread/1.0}"


def test_a_reply_names_the_comment_it_answers_with_thr_in_reply_to(site_once):
    result = site_once("feeds-comments")
    path = result.output / "brules" / "pansements-ete" / "commentaires.atom.xml"
    root = etree.parse(str(path)).getroot()
    assert root.nsmap.get("thr") == "http://purl.org/syndication/thread/1.0"
    entries = {entry.findtext(f"{ATOM}id"): entry for entry in root.iter(f"{ATOM}entry")}
    reply = next(entry for entry_id, entry in entries.items() if entry_id.endswith("/c2"))
    [marker] = reply.findall(f"{THR}in-reply-to")
    parent_id = next(entry_id for entry_id in entries if entry_id.endswith("/c1"))
    assert marker.get("ref") == parent_id
    assert marker.get("href").endswith("/brules/pansements-ete/#comment-c1")
    assert marker.get("type") == "text/html"
    # A top-level comment answers nobody.
    top = next(entry for entry_id, entry in entries.items() if entry_id.endswith("/c1"))
    assert top.findall(f"{THR}in-reply-to") == []
    assert not feedparser.parse(path.read_bytes()).bozo


def test_feeds_without_replies_do_not_declare_the_thread_namespace(site_once):
    result = site_once("feeds-comments")
    for path in result.output.rglob("*.xml"):
        text = path.read_text(encoding="utf-8")
        if "thr:in-reply-to" not in text:
            assert "purl.org/syndication/thread" not in text, path
