"""responsive_images: narrower copies of report images, listed in srcset."""

import os
import shutil

import pytest
from PIL import Image

from conftest import SITES, soup
from pouls_common import file_cache
from responsive_images.responsive_images import (
    ResponsiveImagesSettings,
    ResponsiveImagesSettingsError,
    plan_variants,
    variant_cache_key,
)

REPORT = ("hematologie", "reunion-visio")


def test_copies_are_planned_only_below_the_originals_width():
    image = {"src": "images/salle%20visio.png", "width": 640, "height": 360}
    assert plan_variants(image, (320, 640, 800)) == [("images/salle%20visio-320w.png", 320)]
    assert plan_variants(None, (320,)) == []
    assert plan_variants(image, ()) == []


@pytest.mark.parametrize("value", [480, (480, "800"), (0,), (True,), [10_000]])
def test_a_bad_widths_setting_is_refused_with_the_value_quoted(value):
    with pytest.raises(ResponsiveImagesSettingsError) as error:
        ResponsiveImagesSettings.from_settings({"RESPONSIVE_IMAGES_WIDTHS": value})
    assert repr(value) in str(error.value)


def test_the_report_image_lists_its_copies_and_each_copy_has_its_width(build):
    result = build("theme-report", overrides={"RESPONSIVE_IMAGES_WIDTHS": (16, 24, 2500)})
    assert result.warnings == []
    original = Image.open(result.output / "images" / "salle-visio.png")
    expected = [width for width in (16, 24, 2500) if width < original.width]
    assert expected, "the fixture image is too small for this test"
    for width in expected:
        with Image.open(result.output / "images" / f"salle-visio-{width}w.png") as copy:
            assert copy.width == width
            assert abs(copy.height - original.height * width / original.width) <= 1
    assert not (result.output / "images" / "salle-visio-2500w.png").exists()  # never enlarged
    img = soup(result.output.joinpath(*REPORT, "index.html")).select_one("figure.article-image img")
    candidates = [part.strip().split(" ") for part in img["srcset"].split(",")]
    assert candidates == [[f"/images/salle-visio-{w}w.png", f"{w}w"] for w in expected] + [
        ["/images/salle-visio.png", f"{original.width}w"]
    ]
    assert img["sizes"]
    assert img["src"] == "/images/salle-visio.png"


def test_copies_are_byte_identical_from_one_build_to_the_next(build, copy_site):
    first = build("theme-report", overrides={"RESPONSIVE_IMAGES_WIDTHS": (24,)})
    second = build(copy_site("theme-report"), overrides={"RESPONSIVE_IMAGES_WIDTHS": (24,)})
    assert first.output != second.output
    copy = (first.output / "images" / "salle-visio-24w.png").read_bytes()
    assert (second.output / "images" / "salle-visio-24w.png").read_bytes() == copy


def test_no_widths_means_no_copy_and_no_srcset(build):
    result = build("theme-report", overrides={"RESPONSIVE_IMAGES_WIDTHS": ()})
    assert not list((result.output / "images").glob("*w.png"))
    img = soup(result.output.joinpath(*REPORT, "index.html")).select_one("figure.article-image img")
    assert not img.has_attr("srcset")


# ---------------------------------------------------------------- cache (pouls_common.file_cache)


def _every_file(folder):
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in sorted(folder.rglob("*"))
            if path.is_file()}


def _build_copy(build, tmp_path, name, overrides):
    """Build a fresh copy of the social-reports site (big and small pictures, both caches used)."""
    content = tmp_path / name
    shutil.copytree(SITES / "social-reports", content)
    return build(content, overrides=overrides)


@pytest.fixture
def caches(tmp_path):
    folders = {"RESPONSIVE_IMAGES_CACHE_PATH": tmp_path / "cache-copies", "SOCIAL_CARDS_CACHE_PATH": tmp_path / "cache-crops"}
    return folders, {"SITE_MAP_PREVIEW": False, **{key: str(value) for key, value in folders.items()}}


def test_a_build_is_byte_identical_without_cache_with_a_cold_one_and_with_a_warm_one(build, tmp_path, caches):
    folders, overrides = caches
    bare = _build_copy(build, tmp_path, "bare", {"SITE_MAP_PREVIEW": False, "RESPONSIVE_IMAGES_CACHE_PATH": None,
                                                 "SOCIAL_CARDS_CACHE_PATH": None})
    cold = _build_copy(build, tmp_path, "cold", overrides)
    kept = sorted(folders["RESPONSIVE_IMAGES_CACHE_PATH"].iterdir())
    assert len(kept) == 4  # grande: 480, 800, 1200; petite: 480
    warm = _build_copy(build, tmp_path, "warm", overrides)
    files = _every_file(bare.output)
    assert any(name.endswith("-1200w.png") for name in files)
    assert _every_file(cold.output) == files
    assert _every_file(warm.output) == files
    assert sorted(folders["RESPONSIVE_IMAGES_CACHE_PATH"].iterdir()) == kept  # nothing made again


def test_a_warm_build_takes_its_copies_from_the_cache(build, tmp_path, caches):
    folders, overrides = caches
    cold = _build_copy(build, tmp_path, "cold", overrides)
    source = (SITES / "social-reports" / "images" / "grande.png").read_bytes()
    # A whole entry with other bytes, planted under the copy's key: the warm build publishes it.
    file_cache.write_entry(folders["RESPONSIVE_IMAGES_CACHE_PATH"], variant_cache_key(source, 800), b"planted")
    warm = _build_copy(build, tmp_path, "warm", overrides)
    assert (warm.output / "images" / "grande-800w.png").read_bytes() == b"planted"
    assert (cold.output / "images" / "grande-800w.png").read_bytes() != b"planted"


def test_a_truncated_or_altered_cache_entry_is_made_again_never_published(build, tmp_path, caches):
    folders, overrides = caches
    cold = _build_copy(build, tmp_path, "cold", overrides)
    source = (SITES / "social-reports" / "images" / "grande.png").read_bytes()
    copies = folders["RESPONSIVE_IMAGES_CACHE_PATH"]
    truncated = copies / variant_cache_key(source, 1200)
    truncated.write_bytes(truncated.read_bytes()[:-100])
    altered = copies / variant_cache_key(source, 480)
    entry = bytearray(altered.read_bytes())
    entry[-10] ^= 0xFF
    altered.write_bytes(bytes(entry))
    empty = copies / variant_cache_key((SITES / "social-reports" / "images" / "petite.png").read_bytes(), 480)
    empty.write_bytes(b"")
    crop = next(folders["SOCIAL_CARDS_CACHE_PATH"].iterdir())
    crop.write_bytes(crop.read_bytes()[: len(crop.read_bytes()) // 2])
    warm = _build_copy(build, tmp_path, "warm", overrides)
    assert _every_file(warm.output) == _every_file(cold.output)
    for path in (truncated, altered, empty, crop):  # made again, whole
        assert file_cache.read_entry(path.parent, path.name) is not None, path.name
    with Image.open(warm.output / "images" / "grande-1200w.png") as copy:
        copy.load()
        assert copy.size == (1200, 675)


def test_cache_entries_check_their_own_bytes(tmp_path):
    file_cache.write_entry(tmp_path, "key", b"payload")
    assert file_cache.read_entry(tmp_path, "key") == b"payload"
    whole = (tmp_path / "key").read_bytes()
    for damaged in (whole[:-1], whole[:20], whole + b"x", whole.replace(b"payload", b"paylord"), b"payload"):
        (tmp_path / "key").write_bytes(damaged)
        assert file_cache.read_entry(tmp_path, "key") is None
        assert not (tmp_path / "key").exists()  # deleted, so the next write makes it again
    assert file_cache.read_entry(tmp_path, "missing") is None
    calls = []
    assert file_cache.cached_bytes(tmp_path, "made", lambda: calls.append(1) or b"new") == b"new"
    assert file_cache.cached_bytes(tmp_path, "made", lambda: calls.append(1) or b"other") == b"new"
    assert calls == [1]
    assert file_cache.cached_bytes(None, "made", lambda: b"uncached") == b"uncached"


def test_the_cache_keeps_to_its_size_by_dropping_the_least_recently_used(tmp_path):
    for number in range(5):
        file_cache.write_entry(tmp_path, f"entry-{number}", bytes(1000))
        os.utime(tmp_path / f"entry-{number}", (1_000_000 + number, 1_000_000 + number))
    (tmp_path / "entry-9.123.part").write_bytes(bytes(500))  # left by a build that was killed
    assert file_cache.read_entry(tmp_path, "entry-0") is not None  # used now: the most recent
    size = (tmp_path / "entry-1").stat().st_size
    assert file_cache.prune(tmp_path, max_bytes=3 * size) == 3
    assert sorted(path.name for path in tmp_path.iterdir()) == ["entry-0", "entry-3", "entry-4"]
    assert file_cache.prune(tmp_path, max_bytes=3 * size) == 0
    assert file_cache.prune(tmp_path / "absent") == 0


def test_changing_width_encoder_or_picture_changes_the_key():
    picture = b"picture bytes"
    key = variant_cache_key(picture, 480)
    assert key == variant_cache_key(picture, 480)
    assert len({key, variant_cache_key(picture, 800), variant_cache_key(picture + b"!", 480)}) == 3


@pytest.mark.parametrize("value", ["", "  ", 42, ["var/cache"]])
def test_a_bad_cache_path_is_refused_with_the_value_quoted(value):
    with pytest.raises(ResponsiveImagesSettingsError) as error:
        ResponsiveImagesSettings.from_settings({"RESPONSIVE_IMAGES_CACHE_PATH": value})
    assert str(error.value).startswith(f"responsive_images: RESPONSIVE_IMAGES_CACHE_PATH is {value!r}; ")
    assert ResponsiveImagesSettings.from_settings({}).cache_path is None
