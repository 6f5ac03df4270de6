"""The drift alarm: `make check` and the build say the same thing about the same file.

Every fixture site (tests/sites/*, the check-* ones included) and the sample content/ is
built with the development settings and checked with `make check`'s rules, and the two
reports are compared file by file:

1. a file `make check` says nothing about builds without a warning or an error;
2. what the build logs about a file, `make check` reports about it at the same severity:
   for a rule a plugin shares (its log record carries the rule's code, see
   pouls_common.rules), the same rule at the same severity; for Pelican's own messages,
   which carry no code, a problem at least as severe;
3. what `make check` reports under a rule a plugin shares, the build logs too, with the
   same code and severity.

A rule copied into desk/checks.py instead of called, a severity changed on one side,
a plugin warning `make check` does not know about: each fails here, naming the file.

The approved comment files under content/comments/ are content files like the others:
the comments plugin's rules (comments/rules.py) are held to the same four promises.
"""

import logging
import re
from collections import defaultdict
from pathlib import Path

import pytest

from article_meta import rules as article_meta_rules
from comments import rules as comments_rules
from desk.build import ROOT, build_site, load_settings, reset_pelican_state
from desk.checks import ERROR, CheckSettings, check_site
from feeds import rules as feeds_rules
from related_articles import pins
from rubriques import rules as rubriques_rules
from social_cards import rules as social_cards_rules
from structured_data import rules as structured_data_rules

SITES = [*sorted(path for path in (ROOT / "tests" / "sites").iterdir() if path.is_dir()), ROOT / "content"]
# The rules a plugin applies during the build (a rule without a log line is one only
# `make check` can see, like an empty `Category:` Pelican drops before any plugin).
SHARED = {
    rule.code: rule
    for module in (rubriques_rules, article_meta_rules, pins, feeds_rules, comments_rules,
                   structured_data_rules, social_cards_rules)
    for rule in module.RULES
    if rule.log
}
# Pelican names the link it cannot resolve, not the file holding it.
UNRESOLVED_LINK = re.compile(r"Unable to find '(?P<target>[^']+)', skipping url replacement")


def _content_files(site):
    return sorted(site.rglob("*.md"))


def _files_named(record, site, files):
    """The content files a build record is about: named by path, or by the link they hold."""
    message = record.getMessage()
    named = [
        path for path in files
        if str(path) in message or path.relative_to(site).as_posix() in message
    ]
    if not named and (unresolved := UNRESOLVED_LINK.search(message)):
        target = unresolved.group("target")
        named = [path for path in files if target in path.read_text(encoding="utf-8", errors="replace")]
    return named


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory):
    """{site: (build findings, check findings, unattributed records)}, each site built once.

    Findings are sets of (file, code or "", "error" | "warning").
    """
    results = {}
    for site in SITES:
        reset_pelican_state()
        result = build_site("pelicanconf.py", content=site, output=tmp_path_factory.mktemp(site.name), quiet=True)
        reset_pelican_state()
        files = _content_files(site)
        built, unattributed = set(), []
        for record in result.records:
            named = _files_named(record, site, files)
            if not named:
                unattributed.append(record.getMessage())
            level = "error" if record.levelno >= logging.ERROR else "warning"
            built.update((path, getattr(record, "rule", ""), level) for path in named)
        report = check_site(CheckSettings.from_settings(load_settings(content=site)))
        checked = {
            (site.parent / problem.path, getattr(problem, "code", ""), "error" if problem.severity == ERROR else "warning")
            for problem in report.problems
        }
        results[site.name] = (built, checked, unattributed)
    return results


def _by_file(findings):
    grouped = defaultdict(set)
    for path, code, severity in findings:
        grouped[path].add((code, severity))
    return grouped


def _shown(path):
    return Path(path).relative_to(ROOT).as_posix()


def _listing(title, rows):
    """A failure message with one line per disagreement, so the alarm names every file."""
    return "\n".join([title, *("  " + " | ".join(str(part) for part in row) for row in rows)])


@pytest.mark.parametrize("site", [site.name for site in SITES])
def test_every_build_message_names_a_content_file(verdicts, site):
    _built, _checked, unattributed = verdicts[site]
    assert unattributed == []


@pytest.mark.parametrize("site", [site.name for site in SITES])
def test_what_make_check_accepts_builds_without_a_warning(verdicts, site):
    built, checked, _unattributed = verdicts[site]
    accepted = set(_by_file(built)) - set(_by_file(checked))
    logged = sorted((_shown(path), code or "(Pelican)", severity) for path, code, severity in built if path in accepted)
    assert not logged, _listing("make check says nothing, the build logs (file | rule | severity):", logged)


@pytest.mark.parametrize("site", [site.name for site in SITES])
def test_what_the_build_reports_make_check_reports_at_the_same_severity(verdicts, site):
    built, checked, _unattributed = verdicts[site]
    checked_by_file = _by_file(checked)
    missed = []
    for path, code, severity in sorted(built):
        found = checked_by_file.get(path, set())
        if code:
            agrees = (code, severity) in found
        else:
            # Pelican's own message: make check must be at least as severe.
            agrees = any(other == severity or other == "error" for _code, other in found)
        if not agrees:
            missed.append((_shown(path), code or "(Pelican)", severity, sorted(found)))
    assert not missed, _listing(
        "the build logs, make check does not say so (file | rule | severity | what make check says):", missed)


@pytest.mark.parametrize("site", [site.name for site in SITES])
def test_what_make_check_reports_under_a_shared_rule_the_build_logs_too(verdicts, site):
    built, checked, _unattributed = verdicts[site]
    missed = sorted(
        (_shown(path), code, severity)
        for path, code, severity in checked
        if code in SHARED and (path, code, severity) not in built
    )
    assert not missed, _listing("make check reports a plugin's rule the build does not log (file | rule | severity):",
                                missed)


def test_every_shared_rule_is_met_by_a_fixture(verdicts):
    """Each rule a plugin shares is exercised by at least one fixture, on both sides."""
    seen = {code for built, *_rest in verdicts.values() for _path, code, _severity in built}
    assert sorted(set(SHARED) - seen) == []


def test_make_check_reviews_comment_files(verdicts):
    """The comment files are in the comparison: each one the build warns about, make check names too."""
    def comment_files(findings):
        return {(path, code, severity) for path, code, severity in findings if "/comments/" in path.as_posix()}

    built = set().union(*(comment_files(built) for built, _checked, _unattributed in verdicts.values()))
    checked = set().union(*(comment_files(checked) for _built, checked, _unattributed in verdicts.values()))
    assert len({path for path, *_ in built}) >= 20  # tests/sites/comments-broken
    assert sorted((_shown(path), code, severity) for path, code, severity in built ^ checked) == []
