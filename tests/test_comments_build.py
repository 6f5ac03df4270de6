"""Plugin comments at build time: real Pelican builds of small fixture sites."""

import itertools
import json

import pytest

from conftest import soup

REPORT = ("hematologie", "greffe-a-domicile")
CLOSED = ("urgences", "regulation-nuit")
EMPTY = ("cancerologie", "annonce-infirmiere")


def page(result, rubrique, slug):
    return soup(result.output / rubrique / slug / "index.html")


@pytest.fixture(scope="module")
def basic(tmp_path_factory):
    from conftest import SITES
    from desk.build import build_site

    output = tmp_path_factory.mktemp("comments-basic")
    return build_site("pelicanconf.py", content=SITES / "comments-basic", output=output)


def test_fixture_site_with_comments_builds_without_warning(basic):
    assert basic.errors == []
    assert basic.warnings == []


def test_section_has_the_heading_with_the_count(basic):
    section = page(basic, *REPORT).select_one("section.comments#commentaires")
    assert section is not None
    assert section.h2.get_text(" ", strip=True) == "Commentaires (4)"


def test_comments_are_in_date_order_with_one_level_of_replies(basic):
    section = page(basic, *REPORT).select_one("section.comments")
    top_level = [li.article["id"] for li in section.select("ol.comment-list > li")]
    assert top_level == ["comment-c0zzzz", "comment-c1aaaa"]
    replies = [a["id"] for a in section.select("ol.comment-replies article.comment")]
    # c3cccc answers a reply: it joins the thread of the top-level comment, one level deep.
    assert replies == ["comment-c2bbbb", "comment-c3cccc"]
    assert section.select("ol.comment-replies ol") == []


def test_each_comment_has_author_french_date_and_permalink(basic):
    comment = page(basic, *REPORT).select_one("article.comment#comment-c1aaaa")
    author = comment.select_one(".comment-author a")
    assert author.get_text() == "Maëlle"
    assert author["href"] == "https://exemple.org/maelle"
    assert author["rel"] == ["nofollow", "ugc", "noopener"]
    time = comment.select_one("time[datetime]")
    assert time["datetime"] == "2026-09-04T08:15+02:00"
    assert time.get_text() == "vendredi 4 septembre 2026"
    assert comment.select_one("a.comment-permalink")["href"] == "#comment-c1aaaa"


def test_each_comment_is_headed_by_its_author_without_skipping_a_level(basic):
    section = page(basic, *REPORT).select_one("section.comments")
    for comment in section.select("ol.comment-list > li > article.comment"):
        assert comment.find(["h3"], class_="comment-author") is not None, comment["id"]
    for reply in section.select("ol.comment-replies article.comment"):
        assert reply.find(["h4"], class_="comment-author") is not None, reply["id"]
    levels = [int(h.name[1]) for h in section.find_all(["h2", "h3", "h4", "h5", "h6"])]
    assert levels[0] == 2
    assert all(later - earlier <= 1 for earlier, later in itertools.pairwise(levels)), levels


def test_a_reply_says_whom_it_answers_with_a_link(basic):
    reply = page(basic, *REPORT).select_one("article.comment#comment-c3cccc")
    link = reply.select_one(".comment-in-reply-to a")
    assert reply.select_one(".comment-in-reply-to").get_text(" ", strip=True) == "en réponse à Yann"
    assert link["href"] == "#comment-c2bbbb"


def test_body_is_escaped_text_with_paragraphs_and_linked_urls(basic):
    section = page(basic, *REPORT).select_one("section.comments")
    assert section.select("script, img") == []
    odile = section.select_one("#comment-c0zzzz")
    assert odile.select_one(".comment-author").get_text() == "Odile <script>alert(1)</script>"
    assert "<img src=x onerror=alert(1)>" in odile.select_one(".comment-body").get_text()
    assert [p.get_text() for p in section.select("#comment-c1aaaa .comment-body p")] == [
        "Mon père a bénéficié de ce suivi au printemps. Les visites l’ont beaucoup rassuré.",
        "Merci pour cet article.",
    ]
    link = section.select_one("#comment-c2bbbb .comment-body a")
    assert link["href"] == "https://exemple.org/hospitalisation-a-domicile"
    assert link["rel"] == ["nofollow", "ugc", "noopener"]
    # The sentence's full stop stays outside the link.
    assert link.next_sibling.startswith(".")


def test_open_report_has_the_form_with_every_field_labelled(basic):
    form = page(basic, *REPORT).select_one("section.comments form.comment-form[method=post]")
    assert form["action"] == "http://127.0.0.1:8001/commentaires"
    assert form.select_one("input[type=hidden][name=article]")["value"] == "greffe-a-domicile"
    fields = form.select("input:not([type=hidden]), textarea, select")
    assert {field["name"] for field in fields} == {"name", "email", "website", "body", "homepage"}
    for field in fields:
        assert form.select_one(f"label[for={field['id']}]") is not None, field["name"]
    assert form.select_one("div.comment-form-trap[hidden] input[name=homepage]") is not None
    assert "publié après relecture" in form.select_one(".comment-consent").get_text()


def test_reply_links_open_the_service_form_for_that_comment(basic):
    link = page(basic, *REPORT).select_one("#comment-c1aaaa .comment-reply-link a")
    assert link["href"] == "http://127.0.0.1:8001/commentaires?article=greffe-a-domicile&parent=c1aaaa"
    assert link.get_text() == "Répondre à Maëlle"


def test_report_without_comment_shows_the_empty_state(basic):
    section = page(basic, *EMPTY).select_one("section.comments#commentaires")
    assert section.h2.get_text(strip=True) == "Commentaires"
    assert section.select("article.comment") == []
    assert section.select_one("p.comments-empty").get_text() == "Il n’y a pas encore de commentaire pour cet article."
    assert section.select_one("form.comment-form") is not None


def test_closed_report_keeps_its_comments_and_replaces_the_form(basic):
    section = page(basic, *CLOSED).select_one("section.comments")
    assert [a["id"] for a in section.select("article.comment")] == ["comment-d1aaaa"]
    assert section.select("form") == []
    assert section.select(".comment-reply-link") == []
    assert section.select_one("p.comments-closed").get_text() == "Les commentaires sont fermés pour cet article."


def test_index_lists_the_reports_for_the_intake_service(basic):
    index = json.loads((basic.output / "donnees" / "commentaires.json").read_text(encoding="utf-8"))
    assert index["version"] == 1
    assert index["articles"]["greffe-a-domicile"] == {
        "url": "hematologie/greffe-a-domicile/",
        "title": "Le suivi après greffe passe en partie à domicile",
        "comments_open": True,
        "comments": ["c0zzzz", "c1aaaa", "c2bbbb", "c3cccc"],
    }
    assert index["articles"]["regulation-nuit"]["comments_open"] is False
    assert index["articles"]["annonce-infirmiere"]["comments"] == []


def test_two_builds_give_identical_bytes(build, basic):
    again = build("comments-basic")
    for relative in ["hematologie/greffe-a-domicile/index.html", "donnees/commentaires.json"]:
        assert (again.output / relative).read_bytes() == (basic.output / relative).read_bytes()


def test_broken_comment_files_are_warnings_naming_the_file_and_are_skipped(build):
    result = build("comments-broken")
    assert result.errors == []
    expected = {
        "comments/egare.md: not in a report folder",
        "comments/transfusion-mobile/Majuscule.md: file name 'Majuscule' is not a comment id",
        "comments/transfusion-mobile/baddate1.md: header Date 'hier soir' is not a date",
        "comments/transfusion-mobile/badkey01.md: line 2: 'Email: eve@example.org' is not a header",
        "comments/transfusion-mobile/badsite1.md: header Website 'javascript:alert(1)' is not an http(s) URL",
        "comments/transfusion-mobile/naive001.md: header Date '2026-05-12 13:00' has no UTC offset",
        "comments/transfusion-mobile/noblank1.md: no blank line after the header",
        "comments/transfusion-mobile/nodate01.md: header Date is missing",
        "comments/article-disparu/lost0001.md is for report 'article-disparu', which does not exist",
        "comments/transfusion-mobile/loopa1.md: its Parent chain loops back on itself",
        "comments/transfusion-mobile/loopb2.md: its Parent chain loops back on itself",
        "comments/transfusion-mobile/orphan01.md: Parent 'absent99' is not a comment of this report",
        "articles/urgences/triage-infirmier.md: Comments: 'peut-être' is neither 'open' nor 'closed'",
        "comments/transfusion-mobile/badpar01.md: header Parent '../ok0001' is not a comment id",
        "comments/transfusion-mobile/badrole1.md: header Role 'admin' is unknown",
        "comments/transfusion-mobile/colle001.md: no blank line after the header",
        "comments/transfusion-mobile/dossier.md: cannot be read (Is a directory)",
        "comments/transfusion-mobile/double01.md: line 3: header Author appears twice",
        "comments/transfusion-mobile/latin001.md: is not UTF-8 text",
        "comments/transfusion-mobile/longnom1.md: header Author 'Ève, infirmière",
        "comments/transfusion-mobile/selfpar1.md: header Parent names the comment itself",
        "comments/transfusion-mobile/vide0001.md: the body is empty",
        "comments/transfusion-mobile/repbad01.md: Parent 'baddate1' is a comment that is skipped itself",
    }
    comment_warnings = [w for w in result.warnings if w.startswith("comments: ")]
    assert len(comment_warnings) == len(expected)
    for fragment in expected:
        assert any(fragment in warning for warning in comment_warnings), fragment
    section = page(result, "hematologie", "transfusion-mobile").select_one("section.comments")
    assert [a["id"] for a in section.select("article.comment")] == ["comment-ok0001"]


def test_unknown_comments_value_closes_comments_until_fixed(build):
    result = build("comments-broken")
    section = page(result, "urgences", "triage-infirmier").select_one("section.comments")
    assert section.select("form") == []
    assert section.select_one("p.comments-closed") is not None


def test_bad_endpoint_setting_is_an_error_quoting_the_value(build):
    result = build("comments-basic", overrides={"COMMENTS_ENDPOINT": "ftp://commentaires"})
    assert any(
        "COMMENTS_ENDPOINT = 'ftp://commentaires' must be the http(s) URL" in error for error in result.errors
    ), result.errors
    # The build still finishes with the default endpoint: nothing published is lost.
    form = page(result, *REPORT).select_one("form.comment-form")
    assert form["action"] == "http://127.0.0.1:8001/commentaires"


def test_site_without_comments_folder_renders_empty_sections(build, copy_site):
    import shutil

    site = copy_site("comments-basic")
    shutil.rmtree(site / "comments")
    result = build(site)
    assert result.warnings == []
    section = page(result, *REPORT).select_one("section.comments")
    assert section.select("article.comment") == []
    assert section.select_one("p.comments-empty") is not None


def test_draft_report_accepts_no_comment_and_is_not_in_the_index(build, copy_site):
    site = copy_site("comments-basic")
    report = site / "articles" / "cancerologie" / "annonce-infirmiere.md"
    report.write_text(report.read_text(encoding="utf-8").replace("Tags:", "Status: draft\nTags:"), encoding="utf-8")
    result = build(site)
    index = json.loads((result.output / "donnees" / "commentaires.json").read_text(encoding="utf-8"))
    assert "annonce-infirmiere" not in index["articles"]
    draft = soup(result.output / "brouillons" / "annonce-infirmiere" / "index.html")
    assert draft.select("form.comment-form") == []


def test_sample_report_shows_its_sample_comments(sample_site):
    section = soup(
        sample_site.output / "hematologie" / "hematologues-ouest-visioconference" / "index.html"
    ).select_one("section.comments")
    assert section.h2.get_text(" ", strip=True) == "Commentaires (2)"
    assert section.select_one("ol.comment-replies .comment-in-reply-to a")["href"].startswith("#comment-")
