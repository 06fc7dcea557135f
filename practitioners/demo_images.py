"""Pillow-drawn scalps for demo data: before treatment, freshly treated, and healed.

Each picture is a shaved head seen from above and slightly in front, forehead towards the
bottom of the frame, on a plain studio backdrop. The same seed gives the same person (skin
tone, head shape, angle) at every stage, so a before/after pair looks like one client.

Speed comes from doing the smooth parts (backdrop, shading, shadow) at half size and
enlarging once, and from drawing dots as masks rather than one ImageDraw call per dot: a
random layer at a fraction of the output size is thresholded against a density map, then
enlarged so each surviving pixel becomes a soft round dot.
"""

import io
import math
import random

from PIL import Image, ImageChops, ImageDraw, ImageFilter

STAGES = ("before", "fresh", "healed")

# From very light to very dark; a seed picks a point along this line.
_SKIN_TONES = [
    (244, 212, 190),
    (229, 184, 150),
    (205, 148, 110),
    (170, 112, 78),
    (125, 80, 55),
    (88, 56, 40),
]
_BACKDROPS = [(200, 200, 196), (184, 188, 192), (212, 206, 196), (170, 172, 170)]
_BILINEAR = Image.Resampling.BILINEAR


def draw_scalp(stage: str, seed: int, size: tuple[int, int] = (900, 675)) -> bytes:
    """Return JPEG bytes of a drawn scalp at the given treatment stage."""
    if stage not in STAGES:
        raise ValueError(f"stage must be one of {STAGES}, not {stage!r}")
    width, height = size
    # The person depends on the seed only; the dots also depend on the stage.
    person = random.Random(f"scalp-person:{seed}")
    rng = random.Random(f"scalp-dots:{seed}:{stage}")

    skin = _pick_skin(person.random())
    head = _Head(
        cx=width * (0.5 + person.uniform(-0.04, 0.04)),
        cy=height * (0.5 + person.uniform(-0.03, 0.04)),
        rx=width * person.uniform(0.27, 0.32),
        ry=height * person.uniform(0.40, 0.45),
        angle=math.radians(person.uniform(-14, 14)),
        ear_side=person.choice((-1, 1)),
    )
    backdrop = person.choice(_BACKDROPS)
    hairline = _hairline(stage, person, rng)

    shine = {"before": 95, "fresh": 70, "healed": 45}[stage]
    canvas = _base(size, head, skin, backdrop, shine).resize(size, _BILINEAR)
    if stage == "before":
        _draw_before(canvas, head, hairline, skin, rng)
    elif stage == "fresh":
        _draw_fresh(canvas, head, hairline, rng)
    else:
        _draw_healed(canvas, head, hairline, rng)

    buffer = io.BytesIO()
    canvas.save(buffer, "JPEG", quality=86)
    return buffer.getvalue()


class _Head:
    """A tilted ellipse; (u, v) are head-local units, -1..1 across, v grows towards the face."""

    def __init__(self, *, cx, cy, rx, ry, angle, ear_side):
        self.cx, self.cy, self.rx, self.ry = cx, cy, rx, ry
        self.angle, self.ear_side = angle, ear_side

    def scaled(self, factor: float) -> "_Head":
        return _Head(
            cx=self.cx * factor,
            cy=self.cy * factor,
            rx=self.rx * factor,
            ry=self.ry * factor,
            angle=self.angle,
            ear_side=self.ear_side,
        )

    def point(self, u: float, v: float) -> tuple[float, float]:
        x, y = u * self.rx, v * self.ry
        cos, sin = math.cos(self.angle), math.sin(self.angle)
        return self.cx + x * cos - y * sin, self.cy + x * sin + y * cos

    def outline(self, steps: int = 90) -> list[tuple[float, float]]:
        return [self.point(math.cos(t), math.sin(t)) for t in (2 * math.pi * i / steps for i in range(steps))]

    def behind(self, hairline: list[tuple[float, float]]) -> list[tuple[float, float]]:
        """Polygon of everything behind the hairline; clip it with the head outline."""
        return [self.point(u, v) for u, v in hairline] + [
            self.point(1.5, -1.5),
            self.point(-1.5, -1.5),
        ]


def _pick_skin(t: float) -> tuple[int, int, int]:
    position = t * (len(_SKIN_TONES) - 1)
    low = min(int(position), len(_SKIN_TONES) - 2)
    frac = position - low
    a, b = _SKIN_TONES[low], _SKIN_TONES[low + 1]
    return tuple(round(a[i] + (b[i] - a[i]) * frac) for i in range(3))


def _tone(colour, factor: float, lift: int = 0) -> tuple[int, int, int]:
    return tuple(max(0, min(255, round(c * factor + lift))) for c in colour)


def _mask(size, points, blur: float = 0) -> Image.Image:
    mask = Image.new("L", size, 0)
    ImageDraw.Draw(mask).polygon(points, fill=255)
    return mask.filter(ImageFilter.GaussianBlur(blur)) if blur else mask


def _radial(size) -> Image.Image:
    # Pillow's gradient only reaches 181 at the edge midpoints; stretch it so the whole
    # border is 255 and a pasted gradient leaves no seam.
    return Image.radial_gradient("L").point(lambda v: min(255, v * 255 // 181)).resize(size)


def _base(size, head: _Head, skin, backdrop, shine: int) -> Image.Image:
    """Backdrop, shadow, ear and shaded bare skin, drawn at half size (all of it is smooth)."""
    half = (size[0] // 2, size[1] // 2)
    head = head.scaled(0.5)

    top, bottom = _tone(backdrop, 1.06, 4), _tone(backdrop, 0.82)
    canvas = Image.composite(
        Image.new("RGB", half, bottom),
        Image.new("RGB", half, top),
        Image.linear_gradient("L").resize(half),
    )

    offset = (head.rx * 0.06, head.ry * 0.08)
    shadow = [(x + offset[0], y + offset[1]) for x, y in head.outline()]
    canvas.paste((40, 40, 40), mask=_mask(half, shadow, blur=10).point(lambda v: v * 45 // 100))

    side = head.ear_side
    ex, ey = head.point(side * 0.96, 0.22)
    ew, eh = head.rx * 0.17, head.ry * 0.26
    draw = ImageDraw.Draw(canvas)
    draw.ellipse((ex - ew, ey - eh, ex + ew, ey + eh), fill=_tone(skin, 0.8))
    fold = (ex - ew * 0.35 + side * ew * 0.2, ey - eh * 0.6, ex + ew * 0.75, ey + eh * 0.6)
    start = 300 if side > 0 else 120
    draw.arc(fold, start, start + 120, fill=_tone(skin, 0.6), width=max(1, round(ew * 0.14)))

    # Light from the upper left: dark towards the rim, lightest off-centre.
    shade = Image.new("L", half, 255)
    gw, gh = round(head.rx * 2.6), round(head.ry * 2.6)
    hx, hy = head.point(-0.3, -0.3)
    shade.paste(_radial((gw, gh)), (round(hx - gw / 2), round(hy - gh / 2)))
    skin_layer = Image.composite(
        Image.new("RGB", half, _tone(skin, 0.6)),
        Image.new("RGB", half, _tone(skin, 1.1, 10)),
        shade,
    )
    head_mask = _mask(half, head.outline(), blur=0.7)
    canvas.paste(skin_layer, mask=head_mask)

    # Shaved skin shines: a soft highlight where the light hits.
    sx, sy = head.point(-0.28, -0.35)
    sw, sh = head.rx * 0.32, head.ry * 0.22
    highlight = Image.new("L", half, 0)
    ImageDraw.Draw(highlight).ellipse((sx - sw, sy - sh, sx + sw, sy + sh), fill=shine)
    highlight = ImageChops.multiply(highlight.filter(ImageFilter.BoxBlur(sw * 0.5)), head_mask)
    canvas.paste((255, 255, 255), mask=highlight)
    return canvas


def _hairline(stage, person, rng) -> list[tuple[float, float]]:
    """Points (u, v) across the head, left to right, where hair or pigment starts."""
    depth = person.uniform(0.45, 0.58)
    curve = 0.28
    if stage == "before":
        # Receded: deep temples and a thinning front.
        depth -= 0.25
        curve = 0.55
    points = []
    for i in range(41):
        u = -1.3 + 2.6 * i / 40
        v = depth - curve * u * u
        if stage == "healed":
            # A natural hairline is never a ruled curve.
            v += rng.uniform(-0.04, 0.04)
        points.append((u, v))
    return points


def _random_dots(rng, density: Image.Image) -> Image.Image:
    """A dot wherever a random pixel falls under `density` (0-255): clumpy, like real hair."""
    size = density.size
    noise = Image.frombytes("L", size, rng.randbytes(size[0] * size[1]))
    dots = ImageChops.subtract(density, noise).point([0] + [255] * 255)
    return _vary(rng, dots)


def _placed_dots(rng, zone: Image.Image, coverage: float) -> Image.Image:
    """Evenly spread dots, the way a practitioner places them, over `coverage` of the zone.

    Error-diffusion dithering spaces dots out without clumps; a little noise in the input
    keeps it from settling into visible diagonal rows.
    """
    size = zone.size
    level = round(255 * coverage)
    noise = Image.frombytes("L", size, rng.randbytes(size[0] * size[1]))
    target = ImageChops.add(zone.point(lambda v: v * level // 255), noise.point(lambda v: v // 4))
    target = ImageChops.multiply(target.point(lambda v: max(0, v - 32)), zone)
    ink = ImageChops.invert(target).convert("1", dither=Image.Dither.FLOYDSTEINBERG)
    return _vary(rng, ImageChops.invert(ink.convert("L")))


def _vary(rng, dots: Image.Image) -> Image.Image:
    # Vary each dot's strength a little so the field does not look stamped.
    size = dots.size
    strength = Image.frombytes("L", size, rng.randbytes(size[0] * size[1]))
    return ImageChops.multiply(dots, strength.point(lambda v: 170 + v * 85 // 255))


def _enlarge(dots: Image.Image, size) -> Image.Image:
    # Bicubic rounds the corners off what would otherwise be little squares.
    return dots.resize(size, Image.Resampling.BICUBIC)


def _scaled_mask(canvas_size, factor, points, blur=0.0) -> Image.Image:
    small = (canvas_size[0] // factor, canvas_size[1] // factor)
    return _mask(small, [(x / factor, y / factor) for x, y in points], blur=blur)


def _hair_zone(canvas_size, head, hairline, *, factor: int, feather: float) -> Image.Image:
    on_head = _scaled_mask(canvas_size, factor, head.outline())
    behind = _scaled_mask(canvas_size, factor, head.behind(hairline), blur=feather)
    return ImageChops.multiply(on_head, behind)


def _draw_before(canvas, head, hairline, skin, rng) -> None:
    factor = 2
    zone = _hair_zone(canvas.size, head, hairline, factor=factor, feather=4)
    small = zone.size
    # Male-pattern thinning: hair survives around the sides and back, the top is patchy.
    rim = Image.new("L", small, 255)
    rim.paste(
        _radial((round(head.rx * 2 / factor), round(head.ry * 2 / factor))),
        (round((head.cx - head.rx) / factor), round((head.cy - head.ry) / factor)),
    )
    patches = Image.frombytes("L", (7, 5), rng.randbytes(35)).resize(small, Image.Resampling.BICUBIC)
    patches = patches.point(lambda v: min(255, max(0, v - 70) * 2))
    density = ImageChops.lighter(rim.point(lambda v: v // 2), patches)
    density = ImageChops.multiply(density, zone).point(lambda v: v * 45 // 100)
    hair_colour = (34, 26, 22) if sum(skin) > 330 else (18, 14, 12)
    stubble = _random_dots(rng, density).point(lambda v: v * 55 // 100)
    canvas.paste(hair_colour, mask=_enlarge(stubble, canvas.size))

    # A few hundred longer stray hairs where the density map still has hair.
    draw = ImageDraw.Draw(canvas)
    weights = density.tobytes()
    placed = 0
    for _ in range(1500):
        x, y = rng.randrange(small[0]), rng.randrange(small[1])
        if rng.randrange(128) >= weights[y * small[0] + x]:
            continue
        x, y = x * factor + rng.random() * factor, y * factor + rng.random() * factor
        length = rng.uniform(3, 9)
        angle = math.atan2(y - head.cy, x - head.cx) + rng.uniform(-0.6, 0.6)
        draw.line(
            [(x, y), (x + length * math.cos(angle), y + length * math.sin(angle))],
            fill=hair_colour,
            width=1,
        )
        placed += 1
        if placed == 350:
            break


def _draw_fresh(canvas, head, hairline, rng) -> None:
    # Even, dense coverage right up to a crisp hairline, in fresh near-black pigment.
    factor = 3
    zone = _hair_zone(canvas.size, head, hairline, factor=factor, feather=0)
    dots = _placed_dots(rng, zone, 0.24)
    # Freshly tattooed skin is pink around each dot.
    redness = dots.filter(ImageFilter.BoxBlur(1.5)).point(lambda v: min(255, v * 9 // 10))
    canvas.paste((214, 92, 96), mask=redness.resize(canvas.size, _BILINEAR))
    canvas.paste((22, 18, 20), mask=_enlarge(dots, canvas.size))


def _draw_healed(canvas, head, hairline, rng) -> None:
    # Healed pigment settles smaller and softer, a cool grey that reads as stubble.
    factor = 2
    zone = _hair_zone(canvas.size, head, hairline, factor=factor, feather=3)
    dots = _placed_dots(rng, zone, 0.22).point(lambda v: v * 88 // 100)
    canvas.paste((44, 44, 52), mask=_enlarge(dots, canvas.size))
