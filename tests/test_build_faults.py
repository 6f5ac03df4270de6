"""Builds that go wrong: a report that breaks Markdown, a process that dies, a build killed
mid-way, a cache that is damaged. Each fails cleanly with a message naming the file, or
is followed by a build identical to a cold one.
"""

import gc
import logging
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from pelican import Pelican

from desk.build import BUILD_GC_THRESHOLDS, ROOT, Build, build_site, load_settings, reset_pelican_state
from desk.parallel import BuildCancelled
from desk.publish import PublishError, publish
from desk.reading import ReadFailed
from desk.writing import RenderFailed, render_pages
from pouls_common.paths import python_path
from test_build_identity import assert_same_tree

sys.path.insert(0, str(ROOT / "tests" / "bench"))
from corpus import make_corpus

SITES = ROOT / "tests" / "sites"
# 800 nested list items: Python-Markdown recurses once per level and raises RecursionError.
BREAKS_MARKDOWN = "Title: Liste infinie\nDate: 2026-01-01 10:00\nSummary: Une liste.\n\n" + "".join(
    "  " * depth + "- a\n" for depth in range(800)
)


def site_with(tmp_path, files, reports=0):
    content = tmp_path / "content"
    if reports:
        make_corpus(content, reports)
    else:
        import shutil

        shutil.copytree(SITES / "desk-publish", content)
    for relative, text in files.items():
        (content / relative).parent.mkdir(parents=True, exist_ok=True)
        (content / relative).write_text(text, encoding="utf-8")
    return content


def plain_pelican_errors(content, output):
    """What Pelican alone logs for this content: the message editors saw before desk.build."""
    reset_pelican_state()
    records = []
    handler = logging.Handler(level=logging.ERROR)
    handler.emit = records.append
    logging.getLogger().addHandler(handler)
    try:
        Pelican(load_settings(content=content, output=output)).run()
    finally:
        logging.getLogger().removeHandler(handler)
        reset_pelican_state()
    return [record.getMessage() for record in records]


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_report_that_breaks_markdown_is_named_as_pelican_names_it(tmp_path, jobs):
    content = site_with(tmp_path, {"articles/urgences/liste-infinie.md": BREAKS_MARKDOWN}, reports=40)
    expected = plain_pelican_errors(content, tmp_path / "plain")
    assert expected == ["Could not process articles/urgences/liste-infinie.md"]
    result = build_site(content=content, output=tmp_path / "out", jobs=jobs, quiet=True,
                        overrides={"DESK_BUILD_CACHE_PATH": str(tmp_path / "cache")})
    assert result.errors == expected
    assert not (result.output / "urgences" / "liste-infinie").exists()
    assert (result.output / "urgences" / "report-00002" / "index.html").is_file()


def test_publish_refuses_a_build_whose_report_breaks_markdown(tmp_path, capsys):
    content = site_with(tmp_path, {"articles/urgences/liste-infinie.md": BREAKS_MARKDOWN})
    link = tmp_path / "output"
    with pytest.raises(PublishError, match="La construction a signalé 1 erreur"):
        publish("publishconf.py", content=content, link=link, stream=sys.stdout)
    assert "Could not process articles/urgences/liste-infinie.md" in capsys.readouterr().out
    assert not link.exists()


DYING_PLUGIN = textwrap.dedent('''
    """Kills the reading process that reads a file named meurt.md, as a crash in C code would."""
    import os

    from pelican import signals

    PARENT = os.getpid()


    def die(content):
        if str(content.source_path).endswith("meurt.md") and os.getpid() != PARENT:
            os._exit(7)


    def register():
        signals.content_object_init.connect(die)
''')


def test_a_reading_process_that_dies_fails_the_build_naming_its_files(tmp_path):
    content = site_with(tmp_path, {"articles/urgences/meurt.md": "Title: Meurt\nDate: 2026-01-01 10:00\n\nTexte.\n"},
                        reports=40)
    (tmp_path / "dying.py").write_text(DYING_PLUGIN, encoding="utf-8")
    sys.path.insert(0, str(tmp_path))
    try:
        plugins = [*load_settings()["PLUGINS"], "dying"]
        with pytest.raises(ReadFailed, match=r"a reading process died .* while reading .*articles/urgences/meurt\.md"):
            build_site(content=content, output=tmp_path / "out", jobs=2, quiet=True,
                       overrides={"PLUGINS": plugins, "DESK_BUILD_CACHE_PATH": str(tmp_path / "cache")})
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("dying", None)


class _Dies:
    """A page whose rendering kills a rendering child (never this test's own process)."""

    def __init__(self, path, index, parent):
        self.name, self.path, self.template, self.parent = f"page-{index}.html", str(path), None, parent

    def render(self):
        if os.getpid() != self.parent:
            os._exit(3)
        time.sleep(0.02)  # slow here: the child surely takes some pages
        return b"rendered by the build's own process"


def test_a_rendering_process_that_dies_fails_the_build(tmp_path):
    pages = [_Dies(tmp_path / f"page-{i}.html", i, os.getpid()) for i in range(100)]
    with pytest.raises(RenderFailed, match=r"a rendering process stopped \(exit code 3\) before finishing its pages"):
        render_pages(pages, jobs=2)


def test_a_page_that_fails_to_render_raises_pelicans_error_from_any_process(tmp_path):
    theme = tmp_path / "theme"
    import shutil

    shutil.copytree(ROOT / "theme", theme)
    article = theme / "templates" / "article.html"
    article.write_text(article.read_text(encoding="utf-8").replace("{{ article.title }}", "{{ article.no_such_thing.x }}"),
                       encoding="utf-8")
    content = make_corpus(tmp_path / "content", 60)
    errors = {}
    for jobs in (1, 2):
        with pytest.raises(Exception, match="no_such_thing") as caught:
            build_site(content=content, output=tmp_path / f"out-{jobs}", jobs=jobs, cache=False, quiet=True,
                       overrides={"THEME": str(theme)})
        errors[jobs] = caught.value
    assert type(errors[1]).__name__ == type(errors[2]).__name__ == "UndefinedError"
    assert str(errors[1]) == str(errors[2]) == "'pelican.contents.Article object' has no attribute 'no_such_thing'"
    assert errors[2].__notes__[0].startswith("while writing ")


BUILD = textwrap.dedent("""
    import sys
    from desk.build import build_site
    content, output, cache = sys.argv[1:4]
    build_site(content=content, output=output, jobs=2, quiet=True, overrides={"DESK_BUILD_CACHE_PATH": cache})
""")


def killed_build(content, output, cache, when):
    """Start a build in its own process and SIGKILL it once `when()` is true; wait for its children."""
    process = subprocess.Popen([sys.executable, "-c", BUILD, str(content), str(output), str(cache)],
                               cwd=ROOT, env=python_path(), start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while not when() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    killed = process.poll() is None
    process.kill()
    process.wait()
    # Processes it forked notice their parent is gone and stop after the page in hand.
    while time.monotonic() < deadline:
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    return killed


def html_count(output):
    return sum(1 for _ in Path(output).rglob("*.html")) if Path(output).exists() else 0


@pytest.fixture(scope="module")
def corpus_and_cold(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("killed")
    content = make_corpus(tmp / "content", 300)
    cold = build_site(content=content, output=tmp / "cold", cache=False, quiet=True)
    return content, cold.output


@pytest.mark.parametrize("moment", ["while reading", "once the cache is saved", "while writing pages"])
def test_a_build_killed_mid_way_is_followed_by_a_build_identical_to_a_cold_one(tmp_path, corpus_and_cold, moment):
    content, cold = corpus_and_cold
    output, cache = tmp_path / "output", tmp_path / "cache"
    when = {
        "while reading": lambda: cache.exists(),
        "once the cache is saved": lambda: any(cache.glob("read-*.sqlite3")),
        "while writing pages": lambda: html_count(output) >= 100,
    }[moment]
    assert killed_build(content, output, cache, when), "the build finished before it could be killed"
    result = build_site(content=content, output=output, quiet=True, overrides={"DESK_BUILD_CACHE_PATH": str(cache)})
    assert result.errors == []
    assert_same_tree(output, cold)


def test_a_damaged_cache_is_discarded_silently(tmp_path, corpus_and_cold):
    content, cold = corpus_and_cold
    output, cache = tmp_path / "output", tmp_path / "cache"
    overrides = {"DESK_BUILD_CACHE_PATH": str(cache)}
    build_site(content=content, output=output, quiet=True, overrides=overrides)
    for damaged in [*cache.glob("read-*.sqlite3"), *cache.glob("pages-*.pickle")]:
        damaged.write_bytes(b"\x00garbage" * 100)
    for page in list(output.rglob("index.html"))[:20]:
        page.write_text("abîmé", encoding="utf-8")  # a page edited by hand is rendered again
    result = build_site(content=content, output=output, quiet=True, overrides=overrides)
    assert result.errors == [] and result.warnings == []
    assert result.read[0].read == 300
    assert_same_tree(output, cold)


def test_a_build_collects_garbage_less_often_and_gives_the_usual_pace_back_however_it_ends(tmp_path, monkeypatch):
    seen = []
    mark = Build.mark
    monkeypatch.setattr(Build, "mark", lambda self, name: (seen.append(gc.get_threshold()), mark(self, name)))
    usual = (700, 10, 10)
    gc.set_threshold(*usual)
    content = site_with(tmp_path, {})
    cache = {"DESK_BUILD_CACHE_PATH": str(tmp_path / "cache")}
    try:
        result = build_site(content=content, output=tmp_path / "out", quiet=True, overrides=cache)
        assert not result.errors
        assert seen and set(seen) == {BUILD_GC_THRESHOLDS}
        assert gc.get_threshold() == usual
        cancel = threading.Event()
        cancel.set()
        with pytest.raises(BuildCancelled):
            build_site(content=content, output=tmp_path / "out", quiet=True, overrides=cache, cancel=cancel)
        assert gc.get_threshold() == usual
    finally:
        gc.set_threshold(*usual)
