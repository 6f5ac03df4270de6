"""The comment model without Pelican: cleaning, validation, rendering, the file format."""

from datetime import UTC, datetime, timedelta

import pytest
from bs4 import BeautifulSoup

from comments.comments import read_comments_settings
from comments.model import (
    BODY_MAX,
    PARIS,
    CommentFormatError,
    clean_body,
    clean_line,
    hold_reasons,
    parse_comment,
    render_body,
    serialise_comment,
    truncate_ip,
    validate_submission,
)
from comments.rules import comments_open, resolve_threads
from comments.service import check_token, sign_token

WHEN = datetime(2026, 10, 17, 8, 12, tzinfo=PARIS)


def html(fragment):
    return BeautifulSoup(str(fragment), "html.parser")


def test_render_body_makes_paragraphs_from_blank_lines_and_breaks_from_single_ones():
    doc = html(render_body("Premier paragraphe\nsuite\n\n\n\nSecond"))
    assert [p.get_text() for p in doc.find_all("p")] == ["Premier paragraphe\nsuite", "Second"]
    assert len(doc.find_all("br")) == 1


def test_render_body_links_bare_urls_and_leaves_sentence_punctuation_outside():
    doc = html(render_body("Voir https://exemple.fr/page?a=1&b=2. Et (https://exemple.fr/wiki_(x))."))
    links = doc.find_all("a")
    assert [a["href"] for a in links] == ["https://exemple.fr/page?a=1&b=2", "https://exemple.fr/wiki_(x)"]
    assert all(a["rel"] == ["nofollow", "ugc", "noopener"] for a in links)


def test_render_body_never_links_other_schemes():
    doc = html(render_body("javascript:alert(1) data:text/html,x ftp://exemple.fr //exemple.fr"))
    assert doc.find_all("a") == []


def test_render_body_escapes_markup_and_markdown_stays_text():
    doc = html(render_body("<b>gras</b> [lien](javascript:alert(1)) **étoiles**"))
    assert doc.find_all(["b", "a"]) == []
    assert doc.p.get_text() == "<b>gras</b> [lien](javascript:alert(1)) **étoiles**"


def test_clean_body_strips_bidi_controls_and_zero_width_but_keeps_emoji_joiners():
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    assert clean_body("a\u202eb\u2066c\u200bd\ufeffe\x07f " + family) == "abcdef " + family


def test_clean_line_turns_every_line_break_into_a_space():
    assert clean_line("Anne\r\nDate: 2020\u2028x\x85y") == "Anne Date: 2020 x y"


def test_clean_body_normalises_to_nfc():
    assert clean_body("e\u0301") == "\u00e9"


def test_validation_accepts_a_plain_comment():
    fields, errors = validate_submission({"name": " Anne ", "body": "Merci !", "email": "", "website": ""})
    assert errors == {}
    assert fields == {"name": "Anne", "email": None, "website": None, "body": "Merci !", "parent": None}


@pytest.mark.parametrize(
    "raw, field, message",
    [
        ({"name": "", "body": "x"}, "name", "Indiquez un nom ou un pseudonyme."),
        ({"name": "\u200b\u202e", "body": "x"}, "name", "Indiquez un nom ou un pseudonyme."),
        ({"name": "a" * 81, "body": "x"}, "name", "Le nom est trop long (80 caractères au plus)."),
        ({"name": "A", "body": "  \n "}, "body", "Écrivez votre commentaire."),
        ({"name": "A", "body": "b" * (BODY_MAX + 1)}, "body", "Le commentaire est trop long\u00a0: 4001 caractères pour 4000 au plus."),
        ({"name": "A", "body": "x", "email": "a@b.fr\r\nBcc: x@y.fr"}, "email", "L’adresse électronique ne peut pas contenir de retour à la ligne."),
        ({"name": "A", "body": "x", "email": "pas-une-adresse"}, "email", "Cette adresse électronique n’est pas valable (exemple\u00a0: prenom@exemple.fr)."),
        ({"name": "A", "body": "x", "website": "javascript:alert(1)"}, "website", "Indiquez l’adresse complète de votre site, commençant par https:// ou http://."),
        ({"name": "A", "body": "x", "website": "https://a.fr/\"onmouseover=x"}, "website", "L’adresse du site ne peut pas contenir d’espace ni de guillemet."),
        ({"name": "A", "body": "x", "parent": "../etc"}, "parent", "Le commentaire auquel vous répondez n’existe pas."),
    ],
    ids=["empty name", "invisible name", "long name", "blank body", "long body", "crlf email", "bad email",
         "javascript website", "quote in website", "path parent"],
)
def test_validation_refuses_with_a_french_message(raw, field, message):
    fields, errors = validate_submission(raw)
    assert errors[field] == message
    # The reader's text is kept for the form shown again.
    assert fields["body"] == clean_body(raw["body"])


def test_serialised_file_reads_back_identically():
    text = serialise_comment("Anne", WHEN, "Un\n\nDeux", website="https://a.fr", parent_id="abc123")
    comment = parse_comment(text, "def456", article_slug="rapport")
    assert (comment.author, comment.website, comment.date, comment.parent_id, comment.body) == (
        "Anne", "https://a.fr", WHEN, "abc123", "Un\n\nDeux"
    )


def test_reader_text_cannot_forge_a_header():
    forged = "Eve\nParent: abc\r\nWebsite: https://evil.example\u2028Date: 1999-01-01T00:00:00+00:00"
    body = "Author: Mallory\nDate: 1999-01-01T00:00:00+00:00\n\nWebsite: https://evil.example"
    comment = parse_comment(serialise_comment(forged, WHEN, body), "abc999")
    assert comment.parent_id is None
    assert comment.website is None
    assert comment.date == WHEN
    assert comment.author == "Eve Parent: abc Website: https://evil.example Date: 1999-01-01T00:00:00+00:00"
    assert comment.body == body


def test_serialiser_refuses_a_naive_date_and_a_bad_parent():
    with pytest.raises(ValueError, match="timezone-aware"):
        serialise_comment("Anne", datetime(2026, 1, 1), "x")
    with pytest.raises(ValueError, match="is not a comment id"):
        serialise_comment("Anne", WHEN, "x", parent_id="../../x")


def test_parse_error_names_the_line_and_the_fix():
    with pytest.raises(CommentFormatError, match=r"line 2: 'Title: x' is not a header; use one of Author, Website, Date, Parent"):
        parse_comment("Author: A\nTitle: x\nDate: 2026-01-01T00:00:00+01:00\n\nbody", "abc")


def test_parse_refuses_a_comment_answering_itself():
    with pytest.raises(CommentFormatError, match="names the comment itself"):
        parse_comment("Author: A\nDate: 2026-01-01T00:00:00+01:00\nParent: abc\n\nbody", "abc")


def test_date_is_converted_to_paris_time():
    comment = parse_comment("Author: A\nDate: 2026-07-01T06:00:00+00:00\n\nbody", "abc")
    assert comment.date.tzinfo == PARIS
    assert comment.date.hour == 8


@pytest.mark.parametrize(
    "address, prefix",
    [("203.0.113.77", "203.0.113.0/24"), ("2001:db8:aa:bb::1", "2001:db8:aa::/48"),
     ("::ffff:198.51.100.9", "198.51.100.0/24"), ("n’importe quoi", "inconnue")],
)
def test_only_the_network_prefix_of_an_address_is_kept(address, prefix):
    assert truncate_ip(address) == prefix


def test_hold_reasons_flag_many_links_and_held_words():
    body = "Achetez du VIAGRA https://a.fr https://b.fr"
    assert hold_reasons(body, "https://c.fr", ("viagra", "casino"), max_links=2) == ["liens:3", "mot:viagra"]
    assert hold_reasons("Le casinotier", None, ("casino",), max_links=2) == []


def comment(cid, minutes, parent=None, author="A"):
    return parse_comment(
        f"Author: {author}\nDate: {(WHEN + timedelta(minutes=minutes)).isoformat()}\n"
        + (f"Parent: {parent}\n" if parent else "") + "\nbody", cid
    )


def test_threads_keep_one_level_and_name_the_parent():
    kept, threads, problems = resolve_threads(
        [comment("c", 3, "b", "Chloé"), comment("a", 0, None, "Anne"), comment("b", 2, "a", "Bob")]
    )
    assert problems == []
    assert [c.id for c in kept] == ["a", "b", "c"]
    assert [(t.comment.id, [r.id for r in t.replies]) for t in threads] == [("a", ["b", "c"])]
    assert [c.in_reply_to for c in kept] == [None, "Anne", "Bob"]


def test_threads_skip_cycles_and_orphans_with_their_replies():
    kept, _, problems = resolve_threads(
        [comment("a", 0, "b"), comment("b", 1, "a"), comment("o", 2, "zz"), comment("r", 3, "o"), comment("k", 4),
         comment("t", 5, "a"), comment("u", 6, "gone")],
        skipped_ids={"gone"},
    )
    assert [c.id for c in kept] == ["k"]
    # Each is told where its chain breaks: on a loop it is part of, at its own unknown parent,
    # or at a parent that is itself skipped (an orphan, a loop, a file the model refused).
    assert sorted((c.id, finding.code, finding.line) for c, finding in problems) == [
        ("a", "comment-parent-loop", 3), ("b", "comment-parent-loop", 3), ("o", "comment-unknown-parent", 3),
        ("r", "comment-parent-skipped", 3), ("t", "comment-parent-skipped", 3), ("u", "comment-parent-skipped", 3),
    ]
    assert {c.id: finding.values.get("chain") for c, finding in problems}["a"] == "a → b → a"


def test_comments_value_open_closed_or_a_warning():
    assert comments_open({}) == (True, [])
    assert comments_open({"comments": "Closed"}) == (False, [])
    is_open, [finding] = comments_open({"comments": "non"})
    assert is_open is False and finding.code == "comments-value" and finding.severity == "warning"
    assert finding.english("x.md") == "comments: x.md: Comments: 'non' is neither 'open' nor 'closed'; comments stay closed until it is fixed"
    assert finding.message == (
        "valeur «\u00a0non\u00a0» inconnue pour Comments\u00a0: les commentaires restent fermés. "
        "Écrivez «\u00a0Comments: closed\u00a0» (open ou closed)."
    )


@pytest.mark.parametrize("value, fix", [("Fermé", "closed"), ("oui", "open"), ("opne", "open"), ("peut-être", "closed")])
def test_comments_value_fix_is_what_the_editor_meant(value, fix):
    _open, [finding] = comments_open({"comments": value})
    assert finding.values["fix"] == fix


def test_settings_problems_quote_the_bad_value_and_fall_back():
    config, problems = read_comments_settings({"COMMENTS_PATH": "../secret", "COMMENTS_INDEX_SAVE_AS": "x.txt"})
    assert config.path == "comments" and config.index_save_as == "donnees/commentaires.json"
    assert problems[0].startswith("COMMENTS_PATH = '../secret' must be a folder name relative to PATH")
    assert problems[1].startswith("COMMENTS_INDEX_SAVE_AS = 'x.txt' must be a relative .json path")


def test_time_token_is_bound_to_the_report_and_to_its_age():
    secret = b"s" * 32
    token = sign_token(secret, "rapport", issued_at=1000)
    assert check_token(secret, token, "rapport", now=1010, min_seconds=3, max_age=60) == "ok"
    assert check_token(secret, token, "rapport", now=1001, min_seconds=3, max_age=60) == "too_fast"
    assert check_token(secret, token, "rapport", now=2000, min_seconds=3, max_age=60) == "expired"
    assert check_token(secret, token, "autre", now=1010, min_seconds=3, max_age=60) == "invalid"
    assert check_token(b"t" * 32, token, "rapport", now=1010, min_seconds=3, max_age=60) == "invalid"
    assert check_token(secret, "", "rapport", now=1010, min_seconds=3, max_age=60) == "missing"
    assert check_token(secret, "9999999999.x.y", "rapport", now=1010, min_seconds=3, max_age=60) == "invalid"


def test_rendering_twenty_thousand_brackets_is_inert_text():
    rendered = render_body("[" * 20000)
    assert html(rendered).p.get_text() == "[" * 20000
    assert html(rendered).find_all("a") == []


def test_comment_dates_are_aware():
    assert parse_comment("Author: A\nDate: 2026-01-01T00:00:00+01:00\n\nx", "a").date.utcoffset() == timedelta(hours=1)
    assert WHEN.astimezone(UTC).tzinfo is UTC


def test_rendered_body_keeps_the_readers_no_break_spaces_as_characters():
    rendered = str(render_body("Vraiment\u202f? Oui\u00a0: c’est « utile »\u00a0!"))
    assert "&nbsp;" not in rendered
    assert "Vraiment\u202f?" in rendered
    assert "Oui\u00a0:" in rendered
    assert "utile »\u00a0!" in rendered


def test_vertical_tab_and_form_feed_vanish_from_a_body_instead_of_breaking_a_word():
    assert clean_body("hémato\x0blogie\x0c et\x1esang") == "hématologie etsang"
    assert "<br>" not in str(render_body("hémato\x0blogie"))


@pytest.mark.parametrize(
    "endpoint, siteurl, expected",
    [
        ("https://pouls.example.fr/commentaires", "https://pouls.example.fr", "commentaires/index.html"),
        ("https://pouls.example.fr/api/commentaires/", "https://pouls.example.fr/", "api/commentaires/index.html"),
        ("http://127.0.0.1:8001/commentaires", "", None),
        ("https://commentaires.example.org/envoi", "https://pouls.example.fr", None),
        ("https://pouls.example.fr.evil.example/commentaires", "https://pouls.example.fr", None),
        ("https://pouls.example.fr/", "https://pouls.example.fr", None),
    ],
)
def test_stand_in_page_only_for_a_service_under_the_sites_own_address(endpoint, siteurl, expected):
    from comments.comments import fallback_page_path

    assert fallback_page_path(endpoint, siteurl) == expected


def test_every_code_the_model_raises_has_its_rule():
    """A CommentFormatError's code is looked up in comments/rules.py: none may be missing."""
    import ast
    import inspect

    from comments import model, rules

    raised = {
        node.args[1].value
        for node in ast.walk(ast.parse(inspect.getsource(model)))
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "CommentFormatError"
    }
    assert len(raised) == 15
    assert raised == {rule.code for rule in rules.FORMAT_RULES}


def test_review_reads_every_comment_file_once_and_leaves_a_readme_alone(tmp_path):
    from comments.rules import review_comment_files

    root = tmp_path / "comments"
    (root / "rapport").mkdir(parents=True)
    (root / "README.md").write_text("# Les commentaires approuvés\n", encoding="utf-8")
    (root / "rapport" / "a1.md").write_text("Author: Anne\nDate: 2026-01-01T10:00:00+01:00\n\nMerci.\n",
                                            encoding="utf-8")
    (root / "rapport" / "b2.md").write_text("Author: Bob\nDate: 2026-01-01T11:00:00+01:00\nParent: a1\n\nOui.\n",
                                            encoding="utf-8")
    review = review_comment_files(root, {"rapport"})
    assert review.findings == [] and review.files == 2
    assert [c.id for c in review.comments["rapport"]] == ["a1", "b2"]
    assert [(t.comment.id, [r.id for r in t.replies]) for t in review.threads["rapport"]] == [("a1", ["b2"])]
    # Without the report, both are findings at line 1, and nothing is kept.
    orphans = review_comment_files(root, set())
    assert [(path.name, finding.code, finding.line) for path, finding in orphans.findings] == [
        ("a1.md", "comment-unknown-report", 1), ("b2.md", "comment-unknown-report", 1)]
    assert orphans.comments == {}
    assert review_comment_files(tmp_path / "absent", {"rapport"}).files == 0
