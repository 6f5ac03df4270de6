"""`make publish` leaves the web server precompressed copies, stable times, and no image replaced in place."""

import gzip
import os

import brotli
import pytest

from conftest import SITES
from desk import compress
from desk.steps import STEPS
from publish_support import publish_once, run_publish


@pytest.fixture
def published(tmp_path, copy_site):
    """theme-report (a report with an image) published once to tmp_path/site/output."""
    return publish_once(copy_site, tmp_path, "theme-report")


def compressible(folder):
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in compress.COMPRESSED_SUFFIXES)


def test_the_compression_step_runs_last():
    assert STEPS[-1] is compress.prepare_for_web_server


def test_every_large_text_file_gets_gzip_and_brotli_copies_with_the_same_bytes(published):
    _content, link = published
    site = link.resolve()
    large = [p for p in compressible(site) if p.stat().st_size > 1024]
    assert {p.suffix for p in large} >= {".html", ".css", ".xml", ".json"}
    for path in large:
        data = path.read_bytes()
        packed = path.with_name(path.name + ".gz").read_bytes()
        assert gzip.decompress(packed) == data, path
        assert brotli.decompress(path.with_name(path.name + ".br").read_bytes()) == data, path
        # gzip header: no FNAME flag (byte 3), time 0 (bytes 4-7): nothing but the data decides the bytes.
        assert packed[3] & 0x08 == 0 and packed[4:8] == b"\0\0\0\0", path
    small = [p for p in compressible(site) if p.stat().st_size <= 1024]
    assert small  # the manifest, short feeds…
    assert not any(p.with_name(p.name + ".gz").exists() for p in small)
    assert not list((site / "images").glob("*.gz")) and not list((site / "images").glob("*.br"))


def test_two_publications_of_the_same_content_give_the_same_copies_and_keep_the_times(published):
    content, link = published
    first = link.resolve()
    ok, log = run_publish(content, link)
    assert ok, log
    second = link.resolve()
    assert second != first
    assert "fichiers (" in log and "repris de la version en ligne" in log
    for path in sorted(p for p in second.rglob("*") if p.is_file()):
        before = first / path.relative_to(second)
        assert before.read_bytes() == path.read_bytes(), path
        assert before.stat().st_mtime_ns == path.stat().st_mtime_ns, path


def test_a_changed_report_gets_new_copies_and_a_new_time(published):
    content, link = published
    first = link.resolve()
    report = content / "articles" / "urgences" / "sans-options.md"
    report.write_text(report.read_text(encoding="utf-8") + "\nUn paragraphe ajouté pour la mise à jour.\n", encoding="utf-8")
    ok, log = run_publish(content, link)
    assert ok, log
    page = link.resolve() / "urgences" / "sans-options" / "index.html"
    old = first / "urgences" / "sans-options" / "index.html"
    assert "Un paragraphe ajouté" in page.read_text(encoding="utf-8")
    assert gzip.decompress(page.with_name("index.html.gz").read_bytes()) == page.read_bytes()
    assert page.stat().st_mtime_ns != old.stat().st_mtime_ns


def test_an_image_replaced_under_the_same_name_stops_the_publication(published):
    content, link = published
    first = link.resolve()
    image = content / "images" / "salle-visio.png"
    image.write_bytes(image.read_bytes() + b"\0")
    ok, log = run_publish(content, link)
    assert not ok
    assert "Publication refusée\u00a0: « images/salle-visio.png » a changé depuis la dernière publication sous le même nom." in log
    assert "enregistrez la nouvelle version sous un autre nom" in log
    assert log.endswith("Le site en ligne n’a pas changé.")
    assert link.resolve() == first


def test_an_image_under_a_new_name_is_published(published):
    content, link = published
    os.rename(content / "images" / "salle-visio.png", content / "images" / "salle-visio-2.png")
    report = next(p for p in (content / "articles").rglob("*.md") if "salle-visio.png" in p.read_text(encoding="utf-8"))
    report.write_text(report.read_text(encoding="utf-8").replace("salle-visio.png", "salle-visio-2.png"), encoding="utf-8")
    ok, log = run_publish(content, link)
    assert ok, log
    assert (link / "images" / "salle-visio-2.png").is_file()


def test_the_size_limit_and_an_incompressible_file(tmp_path):
    (tmp_path / "exactly.html").write_bytes(b"a" * 1024)
    (tmp_path / "above.html").write_bytes(b"a" * 1025)
    (tmp_path / "random.json").write_bytes(os.urandom(4096))
    (tmp_path / "photo.webp").write_bytes(b"a" * 5000)
    report = compress.compress_folder(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "above.html", "above.html.br", "above.html.gz", "exactly.html", "photo.webp", "random.json",
    ]
    assert (report.files, report.reused) == (2, 0)


def test_copies_are_taken_from_the_build_online_only_for_identical_files(tmp_path):
    old, new = tmp_path / "old", tmp_path / "new"
    for folder, text in ((old, "même texte " * 200), (new, "même texte " * 200)):
        folder.mkdir()
        (folder / "page.html").write_text(text, encoding="utf-8")
    compress.compress_folder(old)
    assert compress.compress_folder(new, old).reused == 1
    (new / "page.html").write_text("autre texte " * 200, encoding="utf-8")
    report = compress.compress_folder(new, old)
    assert report.reused == 0
    assert gzip.decompress((new / "page.html.gz").read_bytes()) == (new / "page.html").read_bytes()


def test_a_build_outside_a_publication_has_no_live_build(tmp_path):
    assert compress.live_build(tmp_path / "output.dev") is None
    assert compress.live_build(SITES) is None


def test_two_separate_publications_compress_to_the_same_bytes(published, tmp_path):
    content, link = published
    other = tmp_path / "elsewhere" / "output"
    other.parent.mkdir()
    ok, log = run_publish(content, other)
    assert ok, log
    assert "(0 repris de la version en ligne)" in log  # nothing to reuse: every copy compressed again
    copies = sorted(p.relative_to(link.resolve()) for p in link.resolve().rglob("*") if p.suffix in compress.ENCODINGS)
    assert len(copies) > 10
    for relative in copies:
        assert (other.resolve() / relative).read_bytes() == (link.resolve() / relative).read_bytes(), relative
