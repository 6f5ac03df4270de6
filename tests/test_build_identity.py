"""Same files, however the site is built: plain `pelican`, cold, warm, in parallel or on one core.

desk.build swaps Pelican's reading, writing and static copying for faster parts; these
tests hold it to the promise that no byte of the output changes. Each compares whole
trees (every path and every byte) against a plain `python -m pelican` build of the same
content, on the sample site and on a synthetic corpus of reports.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pelican.readers import MarkdownReader

from desk.build import ROOT, build_site, load_settings
from desk.reading import ReusingMarkdownReader
from pouls_common.paths import python_path

sys.path.insert(0, str(ROOT / "tests" / "bench"))
from corpus import make_corpus

SITES = ROOT / "tests" / "sites"


def tree(folder):
    """{relative path: bytes} of every file under `folder`."""
    folder = Path(folder)
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_same_tree(actual, expected):
    actual, expected = tree(actual), tree(expected)
    assert sorted(actual) == sorted(expected), (
        f"only in ours: {sorted(set(actual) - set(expected))[:5]}, only in pelican's: {sorted(set(expected) - set(actual))[:5]}"
    )
    different = [path for path in expected if actual[path] != expected[path]]
    assert different == [], f"{len(different)} files differ, first {different[:5]}"


def plain_pelican(content, output, settings_file="pelicanconf.py"):
    """The reference: Pelican's own command, in its own process, no cache, no desk."""
    result = subprocess.run(
        [sys.executable, "-m", "pelican", str(content), "-s", str(ROOT / settings_file), "-o", str(output), "-q"],
        cwd=ROOT, env=python_path(), capture_output=True, text=True, timeout=600, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return Path(output)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """300 synthetic reports (tests/bench/corpus.py), with a page and a report with links."""
    root = make_corpus(tmp_path_factory.mktemp("corpus") / "content", 300)
    (root / "pages").mkdir()
    (root / "pages" / "a-propos.md").write_text("Title: À propos\n\nUne page : « Pouls ».\n", encoding="utf-8")
    (root / "articles" / "urgences" / "liens.md").write_text(
        "Title: Des liens\nDate: 2024-05-02 10:00\nSummary: Deux liens internes.\n\n"
        "Voir [le reportage]({filename}/articles/urgences/report-00002.md) et [la page]({filename}/pages/a-propos.md).\n",
        encoding="utf-8",
    )
    return root


def build(content, output, cache, jobs, settings_file="pelicanconf.py"):
    result = build_site(settings_file, content=content, output=output, jobs=jobs, quiet=True,
                        overrides={"DESK_BUILD_CACHE_PATH": str(cache)})
    assert result.errors == [], result.errors
    return result


@pytest.mark.parametrize("settings_file", ["pelicanconf.py", "publishconf.py"])
def test_sample_site_is_byte_identical_cold_warm_parallel_and_on_one_core(tmp_path, settings_file):
    reference = plain_pelican(ROOT / "content", tmp_path / "pelican", settings_file)
    cache = tmp_path / "cache"
    cold = build(ROOT / "content", tmp_path / "cold", cache, jobs=2, settings_file=settings_file)
    sources = len(list((ROOT / "content" / "articles").rglob("*.md")) + list((ROOT / "content" / "pages").rglob("*.md")))
    assert sources > 20
    assert sum(stats.read for stats in cold.read) == sources  # every report and page, nothing cached
    assert_same_tree(cold.output, reference)
    warm = build(ROOT / "content", tmp_path / "warm", cache, jobs=2, settings_file=settings_file)
    assert sum(stats.read for stats in warm.read) == 0
    assert_same_tree(warm.output, reference)
    one_core = build(ROOT / "content", tmp_path / "one", tmp_path / "cache-one", jobs=1, settings_file=settings_file)
    assert one_core.written.processes == 1
    assert_same_tree(one_core.output, reference)
    again = build(ROOT / "content", tmp_path / "cold", cache, jobs=2, settings_file=settings_file)
    assert again.written.rendered == 0
    assert_same_tree(again.output, reference)


def test_synthetic_corpus_is_byte_identical_cold_warm_parallel_and_on_one_core(tmp_path, synthetic):
    reference = plain_pelican(synthetic, tmp_path / "pelican")
    cache = tmp_path / "cache"
    cold = build(synthetic, tmp_path / "cold", cache, jobs=2)
    assert cold.written.processes == 2 and cold.read[0].read == 301
    assert_same_tree(cold.output, reference)
    warm = build(synthetic, tmp_path / "warm", cache, jobs=2)
    assert warm.read[0].cached == 301
    assert_same_tree(warm.output, reference)
    one_core = build(synthetic, tmp_path / "one", tmp_path / "cache-one", jobs=1)
    assert_same_tree(one_core.output, reference)
    nothing_changed = build(synthetic, tmp_path / "cold", cache, jobs=2)
    assert nothing_changed.written.rendered == 0 and nothing_changed.written.written == 0
    assert_same_tree(nothing_changed.output, reference)


def test_a_build_without_cache_neither_reads_nor_writes_it(tmp_path):
    result = build_site(content=SITES / "desk-publish", output=tmp_path / "out", cache=False, quiet=True,
                        overrides={"DESK_BUILD_CACHE_PATH": str(tmp_path / "cache")})
    assert result.errors == []
    assert not (tmp_path / "cache").exists()


def markdown_sources():
    sources = sorted((ROOT / "content").rglob("*.md")) + sorted(SITES.rglob("*.md"))
    return [path for path in sources if "comments" not in path.parts]


def test_reusing_markdown_reader_reads_every_file_as_pelicans_reader(tmp_path):
    settings = load_settings()
    corpus = make_corpus(tmp_path / "corpus", 60, seed=3)
    ours = ReusingMarkdownReader(settings)  # one instance for every file: its resets are what is tested
    files = markdown_sources() + sorted(corpus.rglob("*.md"))
    assert len(files) > 100
    failures = 0
    for path in files:
        expected, theirs_failed = outcome(MarkdownReader(settings).read, path)
        got, _ = outcome(ours.read, path)
        assert got == expected, path
        failures += theirs_failed
    assert failures >= 1  # check-defects holds unreadable files: both readers fail alike, and ours recovers


def outcome(read, path):
    """What reading gave, or the exception's type and message (and whether it failed)."""
    try:
        return read(str(path)), False
    except Exception as error:
        return (type(error).__name__, str(error)), True


def test_pouls_jobs_is_a_positive_number_of_processes(monkeypatch):
    from desk.parallel import JobsSettingError, available_cores, build_jobs

    monkeypatch.setenv("POULS_JOBS", "3")
    assert build_jobs() == 3
    monkeypatch.delenv("POULS_JOBS")
    assert build_jobs() == available_cores() == len(os.sched_getaffinity(0))
    for bad in ("abc", "0", "-2"):
        monkeypatch.setenv("POULS_JOBS", bad)
        with pytest.raises(JobsSettingError, match=f"POULS_JOBS is {bad!r}; give a whole number of processes"):
            build_jobs()
