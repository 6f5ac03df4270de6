"""Draw the sample site's illustrations (content/images/*.webp) at 2 400 × 1 350 px.

    .venv/bin/python tools/draw_sample_images.py            # rewrites content/images/<name>.webp
    .venv/bin/python tools/draw_sample_images.py --out /tmp/x

Why this size: a report image is shared as three crops (16:9, 4:3 and 1:1, plugin
social_cards) that must each be at least 1 200 px wide, so the 1:1 crop needs a
picture at least 1 200 px high; 2 400 × 1 350 keeps the 16:9 shape the pages show
and gives the 1:1 crop 1 350 px. The first drawings were 1 200 × 675: scaling them
up would only have blurred them, so each one is drawn again here, vector-like, in a
1 200 × 675 design space multiplied by SCALE. The random placements are seeded: the
script gives the same files every time (same Pillow, same bytes).

The alternative texts in the reports (ImageAlt) describe these drawings; change
both together.
"""

import argparse
import math
import random
from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[1]
WIDTH, HEIGHT = 1200, 675  # design space
SCALE = 2  # 2 400 × 1 350 px files

CREAM = (243, 240, 232)
NAVY = (22, 42, 72)
RED = (190, 40, 52)
PINK = (232, 150, 150)
ORANGE = (232, 120, 49)
YELLOW = (246, 190, 81)
BLUE = (44, 98, 159)
LIGHT_BLUE = (166, 200, 232)
TEAL = (32, 128, 127)
MINT = (169, 220, 201)
PURPLE = (110, 60, 130)
GRID = (222, 214, 204)
GREY_LINE = (190, 184, 176)


class Canvas:
    """Pillow drawing in design units (1 200 × 675), rendered SCALE times larger."""

    def __init__(self, background):
        self.image = Image.new("RGB", (WIDTH * SCALE, HEIGHT * SCALE), background)
        self.draw = ImageDraw.Draw(self.image)

    @staticmethod
    def _s(value):
        return round(value * SCALE)

    def line(self, points, fill, width):
        self.draw.line([(self._s(x), self._s(y)) for x, y in points], fill=fill, width=self._s(width), joint="curve")

    def disc(self, x, y, r, fill):
        self.draw.ellipse([self._s(x - r), self._s(y - r), self._s(x + r), self._s(y + r)], fill=fill)

    def ring(self, x, y, r, fill, hole, inner):
        self.disc(x, y, r, fill)
        self.disc(x, y, r * inner, hole)

    def rect(self, box, fill, radius=0):
        x0, y0, x1, y1 = (self._s(v) for v in box)
        self.draw.rounded_rectangle([x0, y0, x1, y1], radius=self._s(radius), fill=fill)

    def polygon(self, points, fill):
        self.draw.polygon([(self._s(x), self._s(y)) for x, y in points], fill=fill)

    def pieslice(self, box, start, end, fill):
        self.draw.pieslice([self._s(v) for v in box], start, end, fill=fill)


def arret_cardiaque():
    """The red trace of an electrocardiogram on beige squared paper."""
    canvas = Canvas(CREAM)
    for x in range(0, WIDTH + 1, 25):
        canvas.line([(x, 0), (x, HEIGHT)], GRID, 1)
    for y in range(0, HEIGHT + 1, 25):
        canvas.line([(0, y), (WIDTH, y)], GRID, 1)
    base, points = 375, [(0, 375)]
    for beat in range(4):
        x0 = 40 + beat * 300
        points += [
            (x0, base), (x0 + 20, base), (x0 + 35, base - 40), (x0 + 50, base), (x0 + 70, base),
            (x0 + 110, base - 230), (x0 + 135, base + 110), (x0 + 150, base), (x0 + 300, base),
        ]
    canvas.line(points, RED, 7)
    canvas.ring(1090, 95, 48, RED, CREAM, 0.42)
    return canvas.image


def centre_brules():
    """Concentric arcs, orange, yellow, pink and red, on a midnight-blue ground: layers of skin."""
    canvas = Canvas(NAVY)
    cx, cy = 600, 760
    colours = [ORANGE, YELLOW, CREAM, PINK, RED, ORANGE, YELLOW, CREAM, PINK, RED, ORANGE]
    radius = 860
    for colour in colours:
        canvas.pieslice([cx - radius, cy - radius, cx + radius, cy + radius], 180, 360, colour)
        radius -= 62
    canvas.pieslice([cx - radius, cy - radius, cx + radius, cy + radius], 180, 360, NAVY)
    return canvas.image


def greffe_moelle():
    """A cluster of small red and pink rings, like blood cells, on a cream ground."""
    canvas = Canvas(CREAM)
    rng = random.Random(1203)
    for _ in range(90):
        angle = rng.uniform(0, 2 * math.pi)
        distance = abs(rng.gauss(0, 115))
        x = 600 + math.cos(angle) * distance * 1.6
        y = 330 + math.sin(angle) * distance
        r = rng.uniform(9, 24)
        colour = rng.choice([RED, RED, RED, PINK])
        if rng.random() < 0.25:
            canvas.disc(x, y, r, PINK)
        else:
            canvas.ring(x, y, r, colour, CREAM, rng.uniform(0.35, 0.5))
    return canvas.image


def hematologie_visioconference():
    """Nine blue tiles in a grid, each with a silhouette, scattered with red discs like blood cells."""
    canvas = Canvas(NAVY)
    tile_w, tile_h, gap = 330, 160, 30
    left = (WIDTH - 3 * tile_w - 2 * gap) / 2
    top = (HEIGHT - 3 * tile_h - 2 * gap) / 2
    for row in range(3):
        for col in range(3):
            x0, y0 = left + col * (tile_w + gap), top + row * (tile_h + gap)
            canvas.rect([x0, y0, x0 + tile_w, y0 + tile_h], BLUE, radius=14)
            cx = x0 + tile_w / 2
            canvas.disc(cx, y0 + 58, 27, LIGHT_BLUE)
            canvas.pieslice([cx - 55, y0 + 98, cx + 55, y0 + 208], 180, 360, LIGHT_BLUE)
    rng = random.Random(907)
    for _ in range(14):
        canvas.disc(rng.uniform(60, WIDTH - 60), rng.uniform(40, HEIGHT - 40), rng.uniform(5, 13), RED)
    return canvas.image


def radiotherapie():
    """Blue and green beams converging on an orange disc, on a midnight-blue ground."""
    canvas = Canvas(NAVY)
    cx, cy = 600, 330
    for index in range(16):
        angle = index * 2 * math.pi / 16 + 0.12
        spread = 0.05 if index % 2 else 0.08
        far = 1400
        points = [
            (cx, cy),
            (cx + math.cos(angle - spread) * far, cy + math.sin(angle - spread) * far),
            (cx + math.cos(angle + spread) * far, cy + math.sin(angle + spread) * far),
        ]
        canvas.polygon(points, BLUE if index % 2 else TEAL)
    canvas.disc(cx, cy, 58, YELLOW)
    canvas.disc(cx, cy, 28, ORANGE)
    return canvas.image


def telemedecine():
    """Purple points linked by lines to a green central node that carries a screen."""
    canvas = Canvas(CREAM)
    rng = random.Random(4242)
    centre = (600, 345)
    nodes = []
    while len(nodes) < 17:
        x, y = rng.uniform(120, 1080), rng.uniform(60, 620)
        if math.dist((x, y), centre) > 110:
            nodes.append((x, y))
    for index, node in enumerate(nodes):
        canvas.line([centre, node], LIGHT_BLUE, 3)
        if index % 4 == 0:
            canvas.line([node, nodes[(index + 3) % len(nodes)]], GREY_LINE, 2)
    for x, y in nodes:
        canvas.ring(x, y, 18, PURPLE, CREAM, 0.45)
    canvas.disc(*centre, 62, TEAL)
    canvas.rect([centre[0] - 30, centre[1] - 20, centre[0] + 30, centre[1] + 20], CREAM, radius=6)
    return canvas.image


def urgences_obstetricales():
    """A large dark-green disc and a cream disc overlapping, a small pink disc and a red cross, on a pale green ground."""
    canvas = Canvas(MINT)
    canvas.disc(400, 350, 210, TEAL)
    canvas.disc(590, 400, 170, CREAM)
    canvas.disc(720, 230, 70, PINK)
    canvas.rect([800, 110, 910, 150], RED)
    canvas.rect([835, 75, 875, 185], RED)
    return canvas.image


DRAWINGS = {
    "arret-cardiaque": arret_cardiaque,
    "centre-brules": centre_brules,
    "greffe-moelle": greffe_moelle,
    "hematologie-visioconference": hematologie_visioconference,
    "radiotherapie": radiotherapie,
    "telemedecine": telemedecine,
    "urgences-obstetricales": urgences_obstetricales,
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "content" / "images")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, draw in DRAWINGS.items():
        target = args.out / f"{name}.webp"
        # Flat colours compress well even at this size; method 6 is the slowest, smallest setting.
        draw().save(target, "WEBP", quality=82, method=6)
        print(f"{target} {WIDTH * SCALE}×{HEIGHT * SCALE} {target.stat().st_size} bytes")


if __name__ == "__main__":
    main()
