"""pouls_common.output: the temporaries of a killed build never reach a published tree."""

import os

from pouls_common.output import remove_partial_files, replace_file, write_if_changed


def test_a_killed_builds_temporaries_are_removed_and_nothing_else(tmp_path):
    (tmp_path / "rubrique" / "a").mkdir(parents=True)
    (tmp_path / "pagefind").mkdir()
    left = [tmp_path / ".k3j2x9.part", tmp_path / "rubrique" / "a" / ".zz1.part"]
    kept = [tmp_path / "index.html", tmp_path / ".well-known.txt", tmp_path / "rubrique" / "a" / "notes.part",
            tmp_path / "rubrique" / "a" / "index.html", tmp_path / "pagefind" / ".live1.part"]
    for path in left + kept:
        path.write_bytes(b"x")
    assert remove_partial_files(tmp_path, skip=("pagefind",)) == 2
    assert [path.exists() for path in left] == [False, False]
    assert all(path.exists() for path in kept)
    assert remove_partial_files(tmp_path / "absent") == 0


def test_a_file_is_written_only_when_its_bytes_change_and_never_leaves_a_temporary(tmp_path):
    target = tmp_path / "page" / "index.html"
    assert write_if_changed(str(target), b"un") is True
    os.utime(target, (1_000_000, 1_000_000))
    assert write_if_changed(str(target), b"un") is False
    assert target.stat().st_mtime == 1_000_000
    replace_file(str(target), b"deux")
    assert target.read_bytes() == b"deux"
    assert sorted(path.name for path in target.parent.iterdir()) == ["index.html"]
