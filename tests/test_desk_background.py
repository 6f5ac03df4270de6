"""Plugins' background work (pouls_common.background, desk.background): done on another
core during a build with several processes, in order otherwise, and never lost."""

import logging
import os
import pickle
import signal
import time

import pytest

from desk.background import Background
from desk.build import build_site
from desk.parallel import fork_child, kill_children
from pouls_common import background
from test_build_incremental import SITES, Site

logger = logging.getLogger("pouls.test_background")


def test_without_a_runner_the_work_is_done_at_once():
    applied = []
    background.submit(lambda: os.getpid(), applied.append)
    assert applied == [os.getpid()]


def test_lent_runner_does_the_work_in_another_process_and_applies_it_at_the_join():
    runner, applied = Background(), []
    with background.lent(runner):
        background.submit(lambda: os.getpid(), applied.append)
        background.submit(lambda: "second", applied.append)
        assert applied == []  # nothing on the model before the join
    runner.join()
    assert len(applied) == 2 and applied[0] != os.getpid() and applied[1] == "second"
    assert runner.pending == []


def test_what_the_work_logs_reaches_the_build(caplog):
    runner, applied = Background(), []

    def work():
        logger.warning("rapprochement impossible : %s", "report-7")
        return 7

    runner.submit(work, applied.append)
    with caplog.at_level(logging.WARNING):
        runner.join()
    assert applied == [7]
    assert [r.getMessage() for r in caplog.records if r.name == logger.name] == ["rapprochement impossible : report-7"]


def test_work_that_raises_in_its_process_raises_here_as_in_a_plain_build():
    runner, calls = Background(), []

    def work():
        calls.append(os.getpid())
        raise ValueError("bad pin in report-3.md")

    runner.submit(work, lambda result: None)
    with pytest.raises(ValueError, match=r"bad pin in report-3\.md"):
        runner.join()
    assert calls == [os.getpid()]  # the fork's attempt is not this process's: only the redo is counted here


def test_a_process_killed_mid_work_is_replaced_by_the_work_done_here():
    runner, applied = Background(), []

    def work():
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)
        return "done here"

    parent = os.getpid()
    runner.submit(work, applied.append)
    runner.join()
    assert applied == ["done here"]


def test_stop_kills_the_pending_work():
    runner = Background()
    runner.submit(lambda: signal.pause(), lambda result: pytest.fail("applied after stop"))
    (pid, *_), = runner.pending
    runner.stop()
    assert runner.pending == []
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def test_related_blocks_and_their_errors_are_the_same_on_one_core_and_on_two(tmp_path, monkeypatch):
    forked = []
    original = Background.submit
    monkeypatch.setattr(Background, "submit", lambda self, *args: forked.append(args) or original(self, *args))
    site = Site(tmp_path, SITES / "desk-publish")
    source = site.content / "articles" / "urgences" / "regulation-de-nuit.md"
    # A pin naming no report: an error of related_articles, logged by the background work.
    source.write_text(source.read_text(encoding="utf-8").replace("Date:", "Related: nulle-part\nDate:", 1),
                      encoding="utf-8")
    one = build_site(content=site.content, output=tmp_path / "one", jobs=1, cache=False, quiet=True)
    assert forked == []  # one process: the ranking runs in order
    two = build_site(content=site.content, output=tmp_path / "two", jobs=2, cache=False, quiet=True)
    assert len(forked) == 1  # two: on the other core
    assert any("nulle-part" in error for error in one.errors)
    assert sorted(one.errors) == sorted(two.errors) and sorted(one.warnings) == sorted(two.warnings)
    page = "urgences/regulation-de-nuit/index.html"
    assert (tmp_path / "one" / page).read_bytes() == (tmp_path / "two" / page).read_bytes()


OWN_WRITER = '''
from pelican import signals
from pelican.writers import Writer


def supply(pelican_object):
    return Writer


def register():
    signals.get_writer.connect(supply)
'''


def test_a_plugin_supplied_writer_renders_with_the_background_work_on_the_model(tmp_path):
    # Such a writer renders as soon as it is given pages: the join must come before it.
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "own_writer.py").write_text(OWN_WRITER, encoding="utf-8")
    site = Site(tmp_path, SITES / "desk-publish")
    settings = build_site(content=site.content, output=tmp_path / "probe", cache=False, quiet=True).settings
    overrides = {"PLUGIN_PATHS": [str(plugins), *settings["PLUGIN_PATHS"]],
                 "PLUGINS": [*settings["PLUGINS"], "own_writer"]}
    two = build_site(content=site.content, output=tmp_path / "two", jobs=2, cache=False, quiet=True,
                     overrides=overrides)
    one = build_site(content=site.content, output=tmp_path / "one", jobs=1, cache=False, quiet=True,
                     overrides=overrides)
    assert two.errors == one.errors == [] and two.written is None  # Pelican's own writer wrote
    page = "hematologie/greffe-en-visio/index.html"
    assert "Sur le même sujet" in (tmp_path / "two" / page).read_text(encoding="utf-8")
    assert (tmp_path / "one" / page).read_bytes() == (tmp_path / "two" / page).read_bytes()


# desk.parallel's fork and kill, shared by the background runner and the page renderers.


def test_a_forked_child_sends_its_result_and_a_failing_one_sends_nothing():
    pid, reader = fork_child(lambda: ("rendu", os.getpid()))
    text, child = pickle.loads(reader.recv_bytes())
    assert text == "rendu" and child == pid != os.getpid()
    assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
    reader.close()

    def fails():
        raise RuntimeError("page cassée")

    pid, reader = fork_child(fails)
    with pytest.raises(EOFError):
        reader.recv_bytes()
    assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 1
    reader.close()


def test_killed_children_are_reaped_and_their_pipes_closed():
    sleeping = [fork_child(lambda: time.sleep(60)) for _ in range(2)]
    ended = fork_child(lambda: None)
    time.sleep(0.2)  # the last one has ended and waits to be reaped
    kill_children([*sleeping, ended])
    for pid, reader in [*sleeping, ended]:
        assert reader.closed
        with pytest.raises(ChildProcessError):  # reaped: no zombie left behind
            os.waitpid(pid, os.WNOHANG)
