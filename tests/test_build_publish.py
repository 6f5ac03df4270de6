"""A publication builds into a fresh folder, yet an unchanged file keeps the date of the one
online: `make deploy`'s rsync then sends nothing, or only what changed.
"""

import io
import re
import shutil

from desk.build import ROOT
from desk.deploy import deploy
from desk.publish import publish
from test_build_identity import assert_same_tree

SITES = ROOT / "tests" / "sites"


def sent(rsync_output):
    """Files rsync transferred, from its --stats."""
    return int(re.search(r"Number of regular files transferred: ([\d,]+)", rsync_output).group(1).replace(",", ""))


def mtime(path):
    """The file's modification time, or None when there is no such file (new in this publication)."""
    try:
        return path.stat().st_mtime_ns
    except FileNotFoundError:
        return None


def test_a_second_publication_of_the_same_site_is_sent_as_nothing(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    link, host = tmp_path / "output", tmp_path / "host"
    host.mkdir()
    first = publish("publishconf.py", content, link, stream=io.StringIO())
    assert sent(deploy(link, str(host))) > 100
    second = publish("publishconf.py", content, link, stream=io.StringIO())
    assert second != first and link.resolve() == second
    files = [p for p in second.rglob("*") if p.is_file()]
    same = [p for p in files if p.stat().st_mtime_ns == (first / p.relative_to(second)).stat().st_mtime_ns]
    # The publication steps' files included: the search index and the .gz/.br copies.
    assert any(p.parts[-2] == "pagefind" for p in files) and any(p.suffix == ".br" for p in files)
    assert len(same) == len(files)  # every file keeps the date it had online
    assert sent(deploy(link, str(host))) == 0
    assert_same_tree(second, first)


def test_a_publication_after_an_edit_sends_only_what_changed(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(SITES / "desk-publish", content)
    link, host = tmp_path / "output", tmp_path / "host"
    host.mkdir()
    publish("publishconf.py", content, link, stream=io.StringIO())
    deploy(link, str(host))
    report = content / "articles" / "hematologie" / "greffe-en-visio.md"
    report.write_text(report.read_text(encoding="utf-8") + "\nUn paragraphe de plus.\n", encoding="utf-8")
    first = link.resolve()
    second = publish("publishconf.py", content, link, stream=io.StringIO())
    changed = {str(p.relative_to(second)) for p in second.rglob("*") if p.is_file()
               and p.stat().st_mtime_ns != mtime(first / p.relative_to(second))}
    assert "hematologie/greffe-en-visio/index.html" in changed
    # Its page and the feeds that carry its body; not the other reports' pages.
    assert "urgences/regulation-de-nuit/index.html" not in changed
    assert 0 < sent(deploy(link, str(host))) == len(changed)
    # The build online before this publication is untouched.
    assert "Un paragraphe de plus." not in (first / "hematologie/greffe-en-visio/index.html").read_text(encoding="utf-8")
