"""Colours of a figure: skin, hair, shirt, trousers, shoes and the shirt front.

Colours are BGR tuples of ints (OpenCV's order). Hair always contrasts with
the skin, because the hair-covered back of the head against the face is one
of the cues that tell a figure's front from its back (and so left from right).
"""
from __future__ import annotations

import colorsys
from dataclasses import dataclass

import numpy as np

Colour = tuple[int, int, int]

# RGB palettes (converted to BGR on use)
_SKIN = ((255, 224, 196), (241, 194, 125), (224, 172, 105), (198, 134, 66), (141, 85, 36),
         (92, 58, 36), (255, 205, 180), (230, 180, 150), (170, 120, 90))
_HAIR = ((25, 20, 18), (60, 40, 28), (105, 70, 40), (205, 175, 105), (150, 62, 30),
         (145, 145, 140), (215, 210, 200), (40, 30, 60))
_SHOES = ((20, 20, 20), (60, 40, 30), (240, 240, 240), (90, 90, 95), (120, 30, 30), (30, 40, 110))


def _bgr(rgb) -> Colour:
    return int(rgb[2]), int(rgb[1]), int(rgb[0])


def _luma(bgr: Colour) -> float:
    return 0.114 * bgr[0] + 0.587 * bgr[1] + 0.299 * bgr[2]


def _distance(a: Colour, b: Colour) -> float:
    return float(np.linalg.norm(np.subtract(a, b, dtype=float)))


def random_colour(rng: np.random.Generator, sat: tuple[float, float] = (0.15, 1.0),
                  val: tuple[float, float] = (0.2, 0.97)) -> Colour:
    """A colour of any hue with saturation and value drawn from the given ranges."""
    r, g, b = colorsys.hsv_to_rgb(rng.uniform(), rng.uniform(*sat), rng.uniform(*val))
    return int(round(b * 255)), int(round(g * 255)), int(round(r * 255))


def _jitter(rng: np.random.Generator, colour: Colour, amount: float) -> Colour:
    return tuple(int(np.clip(c + rng.normal(0, amount), 0, 255))  # type: ignore[return-value]
                 for c in colour)


@dataclass(frozen=True)
class Appearance:
    """The colours of one figure and what it wears.

    :param long_sleeves: the shirt covers the forearms.
    :param long_trousers: the trousers cover the shanks.
    :param hair_cap: angular radius (radians) of the hair on the head.
    """

    skin: Colour
    hair: Colour
    shirt: Colour
    trousers: Colour
    shoes: Colour
    front: Colour
    long_sleeves: bool
    long_trousers: bool
    hair_cap: float


def sample_appearance(rng: np.random.Generator) -> Appearance:
    """Random clothes and complexion; shirt, trousers and hair stay distinguishable."""
    skin = _jitter(rng, _bgr(_SKIN[int(rng.integers(len(_SKIN)))]), 8)
    hair = _jitter(rng, _bgr(_HAIR[int(rng.integers(len(_HAIR)))]), 6)
    for _ in range(20):  # hair must stand out from the face
        if abs(_luma(hair) - _luma(skin)) > 45 or _distance(hair, skin) > 110:
            break
        hair = _jitter(rng, _bgr(_HAIR[int(rng.integers(len(_HAIR)))]), 6)
    else:
        hair = (20, 18, 25) if _luma(skin) > 100 else (210, 205, 200)
    shirt = random_colour(rng)
    trousers = random_colour(rng, sat=(0.05, 0.8), val=(0.1, 0.8))
    for _ in range(20):
        if _distance(shirt, trousers) > 80:
            break
        trousers = random_colour(rng, sat=(0.05, 0.8), val=(0.1, 0.8))
    shoes = _jitter(rng, _bgr(_SHOES[int(rng.integers(len(_SHOES)))]), 6)
    # the shirt front (placket, buttons): dark on light shirts, light on dark ones
    front = (35, 35, 35) if _luma(shirt) > 120 else (235, 235, 235)
    return Appearance(skin=skin, hair=hair, shirt=shirt, trousers=trousers, shoes=shoes,
                      front=front, long_sleeves=bool(rng.uniform() < 0.55),
                      long_trousers=bool(rng.uniform() < 0.7),
                      hair_cap=float(rng.uniform(1.2, 1.65)))


def shade(colour: Colour, factor: float) -> Colour:
    """``colour`` scaled by ``factor`` (clipped to 0..255)."""
    return tuple(min(255, max(0, int(round(c * factor))))  # type: ignore[return-value]
                 for c in colour)
