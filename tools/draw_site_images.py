"""Draw the site's own share images and logo into theme/static/img/.

    .venv/bin/python tools/draw_site_images.py

- `img/partage/pouls-carte.png` (1 200 × 630): the Open Graph card of every page that
  is not a report with an image (plugin social_cards);
- `img/partage/pouls-16x9.png`, `-4x3.png`, `-1x1.png` (1 200 px wide): the three
  images the news structured data gives a report without a picture;
- `img/logo-pouls.png` (512 × 512): the publisher's logo in structured data, the
  favicon's design (theme/static/img/favicon.svg) as a raster image, which search
  engines ask for.

Text is set in DejaVu Serif Bold (Debian's fonts-dejavu-core, which `make test`
installs). Shapes are drawn four times larger and reduced, for smooth edges. The
files are committed; run this again only to change the design.
"""

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parents[1]
STATIC = ROOT / "theme" / "static" / "img"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf"
FONT_REGULAR = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
BRAND = (140, 28, 60)  # --brand of screen.css
WHITE = (255, 255, 255)
PALE = (246, 226, 232)
SUPER = 4
TAGLINE = "L’actualité des hôpitaux et de la santé"
# The favicon's pulse line, in its 32 × 32 design space.
PULSE = [(3, 17), (10, 17), (13, 9), (18, 24), (21, 17), (29, 17)]


def pulse(draw, left, top, size, width):
    """The favicon's pulse line, `size` px for its 32-unit design space, at (left, top)."""
    points = [(left + x * size / 32, top + y * size / 32) for x, y in PULSE]
    draw.line(points, fill=WHITE, width=round(width), joint="curve")
    for x, y in (points[0], points[-1]):
        r = width / 2
        draw.ellipse([x - r, y - r, x + r, y + r], fill=WHITE)


def logo(size=512):
    big = Image.new("RGBA", (size * SUPER, size * SUPER), (0, 0, 0, 0))
    draw = ImageDraw.Draw(big)
    scale = size * SUPER / 32
    draw.rounded_rectangle([0, 0, size * SUPER - 1, size * SUPER - 1], radius=round(6 * scale), fill=BRAND)
    pulse(draw, 0, 0, size * SUPER, 3 * scale)
    return big.resize((size, size), Image.LANCZOS)


def card(width, height):
    big = Image.new("RGB", (width * SUPER, height * SUPER), BRAND)
    draw = ImageDraw.Draw(big)
    unit = min(width, height) * SUPER
    name_font = ImageFont.truetype(FONT, round(unit * 0.2))
    # The tagline is about 17 times as wide as its size: keep it within 80 % of the width.
    tag_font = ImageFont.truetype(FONT_REGULAR, round(min(unit * 0.055, width * SUPER * 0.8 / 17)))
    name_box = draw.textbbox((0, 0), "Pouls", font=name_font)
    tag_box = draw.textbbox((0, 0), TAGLINE, font=tag_font)
    pulse_size = unit * 0.32
    gap = unit * 0.05
    block_h = pulse_size * 0.6 + gap + (name_box[3] - name_box[1]) + gap + (tag_box[3] - tag_box[1])
    top = (height * SUPER - block_h) / 2
    pulse(draw, (width * SUPER - pulse_size) / 2, top - pulse_size * 0.22, pulse_size, unit * 0.028)
    top += pulse_size * 0.6 + gap
    draw.text(((width * SUPER - (name_box[2] - name_box[0])) / 2 - name_box[0], top - name_box[1]),
              "Pouls", font=name_font, fill=WHITE)
    top += (name_box[3] - name_box[1]) + gap
    draw.text(((width * SUPER - (tag_box[2] - tag_box[0])) / 2 - tag_box[0], top - tag_box[1]),
              TAGLINE, font=tag_font, fill=PALE)
    return big.resize((width, height), Image.LANCZOS)


def main():
    (STATIC / "partage").mkdir(parents=True, exist_ok=True)
    outputs = {
        STATIC / "partage" / "pouls-carte.png": card(1200, 630),
        STATIC / "partage" / "pouls-16x9.png": card(1200, 675),
        STATIC / "partage" / "pouls-4x3.png": card(1200, 900),
        STATIC / "partage" / "pouls-1x1.png": card(1200, 1200),
        STATIC / "logo-pouls.png": logo(),
    }
    for path, picture in outputs.items():
        picture.save(path, "PNG", optimize=True)
        print(f"{path.relative_to(ROOT)} {picture.width}×{picture.height} {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
