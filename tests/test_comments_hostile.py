"""Hostile input, end to end: each case goes through the real service, the moderation command
and a real build. None may reach a page as markup; each gets its refusal or renders as inert text.

The whole table runs once (module fixture): every case is posted, the stored ones are approved
in one go, the site is rebuilt once, then one test per case checks its outcome.
"""

import re
import shutil

import pytest
from bs4 import BeautifulSoup

from comments import store
from comments_support import index_of, moderate, post, service_env, service_thread, submit
from conftest import SITES
from desk.build import build_site

SLUG = "greffe-a-domicile"
PAGE = ("hematologie", SLUG)

# (id, fields sent, expected): expected is an HTTP status for a refusal, or a dict of what the
# published comment shows: its author text, a fragment of its body text, the hrefs it links to.
CASES = [
    # script tags and event handlers in many spellings
    ("script tag", {"body": "<script>alert(1)</script>"}, {"body": "<script>alert(1)</script>"}),
    ("script upper case src", {"body": "<SCRIPT SRC=//evil.example/x.js></SCRIPT>"}, {"body": "<SCRIPT SRC=//evil.example/x.js></SCRIPT>"}),
    ("img onerror", {"body": "<img src=x onerror=alert(1)>"}, {"body": "<img src=x onerror=alert(1)>"}),
    ("svg onload", {"body": "<svg/onload=alert(1)>"}, {"body": "<svg/onload=alert(1)>"}),
    ("body onload", {"body": "<body onload=alert(1)>"}, {"body": "<body onload=alert(1)>"}),
    ("anchor onclick", {"body": "<a href=https://exemple.fr onclick=alert(1)>x</a>"}, {"body": "onclick=alert(1)>x</a>", "links": ["https://exemple.fr"]}),
    ("attribute breakout", {"body": "\"><script>alert(1)</script>"}, {"body": "\"><script>alert(1)</script>"}),
    ("url with quote breakout", {"body": "https://exemple.fr/\"onmouseover=\"alert(1)"}, {"body": "\"onmouseover=\"alert(1)", "links": ["https://exemple.fr/"]}),
    ("url with script", {"body": "https://exemple.fr/<script>alert(1)</script>"}, {"body": "<script>alert(1)</script>", "links": ["https://exemple.fr/"]}),
    ("style element", {"body": "<style>body{display:none}</style>"}, {"body": "<style>body{display:none}</style>"}),
    ("iframe data url", {"body": "<iframe src=\"data:text/html,<script>alert(1)</script>\">"}, {"body": "<iframe src="}),
    ("html comment and cdata", {"body": "<!-- x --> <![CDATA[ y ]]>"}, {"body": "<!-- x --> <![CDATA[ y ]]>"}),
    # javascript: and data: URLs with entities, tabs and case tricks
    ("javascript link", {"body": "<a href=\"javascript:alert(1)\">clic</a>"}, {"body": "javascript:alert(1)"}),
    ("javascript entity tab", {"body": "<a href=\"jav&#x09;ascript:alert(1)\">x</a>"}, {"body": "jav&#x09;ascript"}),
    ("javascript decimal entities", {"body": "<a href=\"&#106;&#97;&#118;&#97;script:alert(1)\">x</a>"}, {"body": "&#106;&#97;"}),
    ("javascript mixed case bare", {"body": "JaVaScRiPt:alert(document.cookie)"}, {"body": "JaVaScRiPt:alert(document.cookie)"}),
    ("javascript real tab", {"body": "java\tscript:alert(1)"}, {"body": "java script:alert(1)"}),
    ("data url base64", {"body": "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="}, {"body": "data:text/html;base64,"}),
    ("markdown javascript link", {"body": "[clic](javascript:alert(1)) ![x](https://evil.example/p.png)"}, {"body": "[clic](javascript:alert(1))", "links": ["https://evil.example/p.png"]}),
    # mXSS shapes
    ("mxss noscript", {"body": "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">"}, {"body": "<noscript><p title="}),
    ("mxss math style", {"body": "<math><mtext><table><mglyph><style><!--</style><img title=\"--&gt;&lt;img src=1 onerror=alert(1)&gt;\">"}, {"body": "<math><mtext>"}),
    ("mxss textarea", {"body": "</textarea><script>alert(1)</script>"}, {"body": "</textarea><script>alert(1)</script>"}),
    ("entities stay text", {"body": "&lt;script&gt; &amp; &#60;b&#62;"}, {"body": "&lt;script&gt; &amp; &#60;b&#62;"}),
    # header and front-matter forgery, CRLF
    ("front matter in body", {"body": "Author: Rédaction\nDate: 1999-01-01T00:00:00+00:00\nParent: c1aaaa\n\nFaux en-tête"}, {"body": "Author: Rédaction", "reply": False}),
    ("yaml front matter", {"body": "---\ntitle: x\nstatus: draft\n---\nTexte"}, {"body": "status: draft"}),
    # A line break in a name or an address is refused, never folded into a space.
    ("crlf in name forging parent", {"name": "Eve\r\nParent: c1aaaa"}, 422),
    ("lf in name forging website", {"name": "Eve\nWebsite: https://evil.example"}, 422),
    ("cr alone in name", {"name": "Eve\rRole: newsroom"}, 422),
    ("unicode line separator in name", {"name": "Eve\u2028Date: 1999-01-01T00:00:00+00:00"}, 422),
    ("lf in email", {"email": "eve@exemple.fr\nBcc: victime@exemple.fr"}, 422),
    ("crlf in email", {"email": "eve@exemple.fr\r\nBcc: victime@exemple.fr"}, 422),
    ("markup in email", {"email": "\"><script>@exemple.fr"}, 422),
    ("script in name", {"name": "<script>alert(1)</script>"}, {"author": "<script>alert(1)</script>"}),
    ("event handler in name", {"name": "\" onmouseover=\"alert(1)"}, {"author": "\" onmouseover=\"alert(1)"}),
    # who is speaking: the newsroom's names are refused, lookalikes are held for the moderator
    ("newsroom name", {"name": "Rédaction"}, 422),
    ("newsroom name upper case", {"name": "RÉDACTION"}, 422),
    ("newsroom name with article", {"name": "La rédaction"}, 422),
    ("moderator name", {"name": "Modérateur"}, 422),
    ("site's own signature", {"name": "Rédaction de Pouls"}, 422),
    ("newsroom name zero width space", {"name": "Ré\u200bdaction"}, 422),
    ("newsroom name zero width joiner", {"name": "Réd\u200daction"}, 422),
    ("newsroom name byte order mark", {"name": "\ufeffRédaction"}, 422),
    ("newsroom name bidi isolates", {"name": "\u2067Rédaction\u2069"}, 422),
    ("newsroom name nfd accents", {"name": "Re\u0301daction"}, 422),
    ("newsroom name fullwidth", {"name": "Ｒédaction"}, 422),
    ("an author of the site", {"name": "Anne Kervella"}, 422),
    ("cyrillic o in newsroom name", {"name": "Rédacti\u043en"}, {"author": "Rédacti\u043en", "held": ["nom-sosie:Rédaction", "nom-mixte:cyrillique, latin"]}),
    ("greek alpha in admin", {"name": "\u0391dmin"}, {"author": "\u0391dmin", "held": ["nom-sosie:Admin", "nom-mixte:grec, latin"]}),
    ("mixed script name", {"name": "Mar\u0456e"}, {"author": "Mar\u0456e", "held": ["nom-mixte:cyrillique, latin"]}),
    ("forged newsroom role in body", {"body": "Role: newsroom\n\nJe suis la rédaction"}, {"body": "Role: newsroom", "newsroom": False}),
    # template syntax
    ("jinja in body", {"body": "{{ 7*7 }} {% if true %}oui{% endif %} {# note #}"}, {"body": "{{ 7*7 }} {% if true %}oui{% endif %} {# note #}"}),
    ("jinja in name", {"name": "{{ SITENAME }}{{ config }}"}, {"author": "{{ SITENAME }}{{ config }}"}),
    ("other template syntaxes", {"body": "${7*7} #{7*7} <%= 7*7 %>"}, {"body": "${7*7} #{7*7} <%= 7*7 %>"}),
    # website field
    ("javascript website", {"website": "javascript:alert(1)"}, 422),
    ("javascript website upper case", {"website": "JAVASCRIPT:alert(1)"}, 422),
    ("javascript website entity", {"website": "jav&#x09;ascript:alert(1)"}, 422),
    ("javascript website leading spaces", {"website": " \t javascript:alert(1)"}, 422),
    ("data website", {"website": "data:text/html,<script>alert(1)</script>"}, 422),
    ("website quote breakout", {"website": "https://exemple.fr/\"onmouseover=\"alert(1)"}, 422),
    ("protocol relative website", {"website": "//evil.example"}, 422),
    ("website with bidi", {"website": "https://exemple.fr/\u202epage"}, {"links": ["https://exemple.fr/page"]}),
    # path traversal and forged ids
    ("traversal slug", {"article": "../../etc/passwd"}, 404),
    ("encoded traversal slug", {"article": "greffe-a-domicile%2F..%2F..%2Fpages"}, 404),
    ("slug with nul", {"article": "greffe-a-domicile\x00"}, 404),
    ("traversal parent", {"parent": "../../comments/x"}, 422),
    ("markup parent", {"parent": "c1aaaa\"><script>alert(1)</script>"}, 422),
    # bidi and zero-width characters
    ("bidi override body", {"body": "Trojan \u202eevil\u202c source \u2066isolé\u2069"}, {"body": "Trojan evil source isolé"}),
    ("bidi override name", {"name": "\u202eNNA"}, {"author": "NNA"}),
    ("right-to-left name", {"name": "\u05d3\u05e0\u05d4 (Dana)"}, {"author": "\u05d3\u05e0\u05d4 (Dana)", "bdi": True}),
    ("zero width hiding javascript", {"body": "jav\u200bascript:alert(1) ca\u200bsino"}, {"body": "javascript:alert(1) casino"}),
    ("control characters", {"body": "a\x00b\x1b[31mc\x07d\x7f"}, {"body": "ab[31mcd"}),
    # sizes
    ("twenty thousand brackets", {"body": "[" * 20000}, 422),
    ("brackets within the limit", {"body": "[" * 3990}, {"body": "[" * 3990}),
    ("one megabyte body", {"body": "x" * 1_000_000}, 413),
    ("name over 80 characters", {"name": "N" * 81}, 422),
    # robots
    ("honeypot filled", {"homepage": "https://spam.example"}, "dropped"),
]


def markers(case_id):
    return f"cas {CASES.index(next(c for c in CASES if c[0] == case_id)):02d}"


def fields_for(case_id, changes):
    # Each stored body ends with its case number: every comment is distinct (duplicates are refused)
    # and can be found again after moderation.
    values = {"article": SLUG, "name": "Lectrice", "email": "", "website": "", "body": "Texte.", "homepage": ""}
    values.update(changes)
    values["body"] = values["body"] + f"\n\n{markers(case_id)}"
    return values


@pytest.fixture(scope="module")
def outcome(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    first = build_site("pelicanconf.py", content=SITES / "comments-basic", output=tmp / "first")
    env = service_env(tmp / "queue.sqlite3", index_of(first.output))
    answers = {}
    with service_thread(env) as service:
        for case_id, changes, _ in CASES:
            preview = post(service.url, fields_for(case_id, changes))
            final = submit(service.url, fields_for(case_id, changes))
            answers[case_id] = {"preview": preview, "final": final}

    with store.opened(env["POULS_COMMENTS_DB"]) as conn:
        pending = store.list_comments(conn)
    ids = {}
    flags = {}
    for row in pending:
        number = int(re.search(r"cas (\d+)$", row.body).group(1))
        ids[CASES[number][0]] = row.id
        flags[CASES[number][0]] = row.flags

    content = tmp / "content"
    shutil.copytree(SITES / "comments-basic", content)
    approval = moderate(env, "approve", *ids.values(), content=content)
    assert approval.returncode == 0, approval.stderr
    rebuilt = build_site("pelicanconf.py", content=content, output=tmp / "rebuilt")
    page = BeautifulSoup((rebuilt.output.joinpath(*PAGE) / "index.html").read_text(encoding="utf-8"), "html.parser")
    return {"answers": answers, "ids": ids, "flags": flags, "build": rebuilt, "page": page}


def test_the_table_has_at_least_forty_hostile_inputs():
    assert len(CASES) >= 40
    assert len({case_id for case_id, _, _ in CASES}) == len(CASES)


def test_the_build_with_every_hostile_comment_is_clean(outcome):
    assert outcome["build"].errors == []
    assert outcome["build"].warnings == []


def assert_inert(root):
    """No executable markup: only the tags we emit, no event handler, links only to http(s) or anchors."""
    assert root.select("script, style, iframe, img, svg, math, object, embed, noscript, textarea:not([name=body])") == []
    for tag in root.find_all(True):
        for attribute in tag.attrs:
            assert not attribute.lower().startswith("on"), (tag.name, attribute)
        href = tag.get("href")
        if href is not None:
            assert href.startswith(("https://", "http://", "#", "/")), href


@pytest.mark.parametrize("case_id, changes, expected", CASES, ids=[case[0] for case in CASES])
def test_hostile_input(outcome, case_id, changes, expected):
    final_status, _, final_text = outcome["answers"][case_id]["final"]
    preview_status, _, preview_text = outcome["answers"][case_id]["preview"]
    # Whatever the answer, the service's own pages stay inert (in the preview and on refusal).
    for text in (preview_text, final_text):
        page = BeautifulSoup(text, "html.parser")
        assert_inert(page.select_one("main") or page)

    if expected == "dropped":
        assert final_status == 303
        assert case_id not in outcome["ids"]
        return
    if isinstance(expected, int):
        assert expected in (preview_status, final_status)
        assert case_id not in outcome["ids"]
        return

    assert preview_status == 200 and final_status == 303, (preview_status, final_status)
    comment = outcome["page"].select_one(f"article.comment#comment-{outcome['ids'][case_id]}")
    assert comment is not None
    assert_inert(comment)
    body = comment.select_one(".comment-body").get_text()
    assert body.rstrip().endswith(markers(case_id))
    if "body" in expected:
        assert expected["body"] in body
    if "author" in expected:
        assert comment.select_one(".comment-author").get_text() == expected["author"]
    if "links" in expected:
        hrefs = [a["href"] for a in comment.select(".comment-author a, .comment-body a")]
        assert hrefs == expected["links"]
    if "held" in expected:
        assert outcome["flags"][case_id].split("; ") == expected["held"]
    if expected.get("newsroom") is False:
        assert comment.select(".comment-badge") == [] and "comment-newsroom" not in comment["class"]
    if expected.get("bdi"):
        assert comment.select_one(".comment-author bdi").get_text() == expected["author"]
    if expected.get("reply") is False:
        assert comment.select_one(".comment-in-reply-to") is None
        assert "comment-reply" not in comment["class"]
    for link in comment.select(".comment-author a, .comment-body a"):
        assert link["rel"] == ["nofollow", "ugc", "noopener"]


def test_the_comments_section_as_a_whole_is_inert(outcome):
    assert_inert(outcome["page"].select_one("section.comments"))
