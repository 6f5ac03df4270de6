"""The content rule of social_cards: a report picture too small for full-width share crops.

Plain functions, no Pelican: the plugin calls `share_image_findings()` on every report's
image (as article_meta described it) during the build and logs the findings; `make check`
calls it on the image article_meta's rules accept in the source and prints them in French
at the line of `Image:`. One function, one severity.

The crop geometry lives here too, since the rule is about it: the largest centred box of
each ratio, brought down to the target width and never enlarged.
"""

from urllib.parse import unquote

from pouls_common.rules import WARNING, Finding, Rule

# (name, ratio width, ratio height): the three crops Google asks of a news article's
# image, then Open Graph's 1 200 × 630 (40:21) card.
CROPS = (("16x9", 16, 9), ("4x3", 4, 3), ("1x1", 1, 1))
CARD = ("carte", 40, 21)

IMAGE_TOO_SMALL = Rule(
    "image-too-small-to-share", WARNING,
    message=(
        "l’image « {value} » fait {width}\u00a0×\u00a0{height}\u00a0px, trop peu pour des vignettes de partage "
        "de {target_fr}\u00a0px de large : elles sont faites aussi grandes qu’elle le permet ({crops_fr}). "
        "Exportez l’image en {target_fr}\u00a0×\u00a0{target_fr}\u00a0px au moins (par exemple "
        "{example_fr}\u00a0×\u00a0{target_fr} pour garder le 16:9) ; make publish refuse de la publier ainsi."
    ),
    log=(
        "social_cards: %(source)s: Image %(value)r is %(width)s × %(height)s px, too small for %(target)s px wide "
        "share crops; they are made as large as it allows (%(crops)s). Export the picture at least "
        "%(target)s × %(target)s px (for example %(example)s × %(target)s to keep 16:9)"
    ),
)
RULES = (IMAGE_TOO_SMALL,)


def crop_box(width, height, ratio_w, ratio_h):
    """The largest centred box of `ratio_w:ratio_h` inside a `width` × `height` picture."""
    if width * ratio_h > height * ratio_w:  # wider than the ratio: full height
        box_h = height
        box_w = min(width, round(height * ratio_w / ratio_h))
    else:
        box_w = width
        box_h = min(height, round(width * ratio_h / ratio_w))
    left = (width - box_w) // 2
    top = (height - box_h) // 2
    return (left, top, left + box_w, top + box_h)


def crop_size(box, ratio_w, ratio_h, target_width):
    """Output size of a crop: `target_width` wide, or the box's own width if narrower (never enlarged)."""
    box_w = box[2] - box[0]
    width = min(target_width, box_w)
    height = round(width * ratio_h / ratio_w)
    return width, min(height, box[3] - box[1])


def short_crops(width, height, target_width):
    """[(crop name, its width)] of the crops of a `width` × `height` picture narrower than `target_width`."""
    short = []
    for name, ratio_w, ratio_h in (*CROPS, CARD):
        crop_width, _crop_height = crop_size(crop_box(width, height, ratio_w, ratio_h), ratio_w, ratio_h, target_width)
        if crop_width < target_width:
            short.append((name, crop_width))
    return short


def _french_number(number):
    """« 1 200 »: thousands apart with a narrow no-break space."""
    return f"{number:,}".replace(",", "\u202f")


def share_image_findings(image, target_width):
    """[Finding] for a report image (article_meta's dict: src, width, height) too small to share, else []."""
    if not image:
        return []
    short = short_crops(image["width"], image["height"], target_width)
    if not short:
        return []
    example = round(target_width * 16 / 9)
    values = {
        "value": unquote(image["src"]),
        "width": image["width"],
        "height": image["height"],
        "target": target_width,
        "target_fr": _french_number(target_width),
        "example": example,
        "example_fr": _french_number(example),
        "crops": ", ".join(
            f"{'1 200 × 630' if name == CARD[0] else name.replace('x', ':')} {width} px" for name, width in short
        ),
        "crops_fr": ", ".join(
            f"{'carte' if name == CARD[0] else name.replace('x', ':')} de {width}\u00a0px" for name, width in short
        ),
    }
    return [Finding(IMAGE_TOO_SMALL, values, keys=("image",))]
