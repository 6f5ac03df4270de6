"""responsive_images: narrower copies of report images, listed in srcset."""

import pytest
from PIL import Image

from conftest import soup
from responsive_images.responsive_images import (
    ResponsiveImagesSettings,
    ResponsiveImagesSettingsError,
    plan_variants,
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
