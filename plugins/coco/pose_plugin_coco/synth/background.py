"""Textured backgrounds and the occluding objects drawn in front of figures.

Backgrounds mix smooth colour fields, fine noise, stripes or tiles, a floor
line, random shapes and a few limb-like strokes in skin and clothing colours,
so that neither colour nor a bare elongated blob gives a person away.
"""
from __future__ import annotations

import math

import cv2
import numpy as np

from .appearance import random_colour

SHIFT = 4                      # fractional bits of cv2 drawing coordinates
_ONE = 1 << SHIFT


def to_fixed(points: np.ndarray) -> np.ndarray:
    """Float pixel coordinates as int32 fixed-point for cv2's ``shift`` argument."""
    return np.round(np.asarray(points) * _ONE).astype(np.int32)


def smooth_field(rng: np.random.Generator, height: int, width: int, cells: int,
                 channels: int = 3) -> np.ndarray:
    """A smooth random field (float32, about 0..1): a coarse grid resized bicubically."""
    grid = rng.uniform(0.0, 1.0, (cells, cells, channels)).astype(np.float32)
    field = cv2.resize(grid, (width, height), interpolation=cv2.INTER_CUBIC)
    return field.reshape(height, width, channels)


def texture(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """A float32 (H, W, 3) texture in 0..255: a colour field, grain and maybe a pattern."""
    base = np.array(random_colour(rng, sat=(0.0, 0.8), val=(0.15, 0.95)), np.float32)
    other = np.array(random_colour(rng, sat=(0.0, 0.8), val=(0.15, 0.95)), np.float32)
    mix = smooth_field(rng, height, width, int(rng.integers(2, 7)), 1)
    img = base + (other - base) * mix
    kind = rng.uniform()
    if kind < 0.3:  # stripes in any direction
        angle = rng.uniform(0, math.pi)
        period = rng.uniform(4, 28)
        yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
        wave = np.sin((xx * math.cos(angle) + yy * math.sin(angle)) * (2 * math.pi / period))
        amp = rng.uniform(10, 45)
        img = img + (amp * (wave > 0) - amp / 2)[..., None]
    elif kind < 0.45:  # tiles
        tile = int(rng.integers(6, 32))
        yy, xx = np.mgrid[0:height, 0:width]
        checker = ((yy // tile + xx // tile) % 2).astype(np.float32)
        amp = rng.uniform(10, 50)
        img = img + (amp * checker - amp / 2)[..., None]
    grain = rng.uniform(2, 14)
    small = rng.normal(0.0, grain, (max(1, height // 2), max(1, width // 2), 1)).astype(np.float32)
    img = img + cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)[..., None]
    return img


def background(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """A uint8 BGR background of the given size."""
    img = texture(rng, height, width)
    if rng.uniform() < 0.5:  # a floor below a horizon
        horizon = int(rng.uniform(0.3, 0.8) * height)
        img[horizon:] = texture(rng, height - horizon, width)
    img = np.clip(img, 0, 255).astype(np.uint8)
    scale = max(height, width)
    for _ in range(int(rng.integers(2, 12))):
        colour = random_colour(rng)
        centre = rng.uniform((0, 0), (width, height))
        size = rng.uniform(0.03, 0.25) * scale
        kind = rng.uniform()
        if kind < 0.35:
            dims = (size, size * rng.uniform(0.3, 3))
            box = cv2.boxPoints((tuple(centre), dims, rng.uniform(0, 180)))
            cv2.fillPoly(img, [to_fixed(box)], colour, cv2.LINE_AA, SHIFT)
        elif kind < 0.65:
            axes = (size / 2, size / 2 * rng.uniform(0.3, 1.0))
            poly = cv2.ellipse2Poly((0, 0), (1000, 1000), int(rng.integers(180)), 0, 360, 15)
            poly = poly / 1000.0 * np.array(axes) + centre
            cv2.fillPoly(img, [to_fixed(poly)], colour, cv2.LINE_AA, SHIFT)
        else:
            end = centre + rng.normal(0, size, 2)
            cv2.line(img, to_fixed(centre), to_fixed(end), colour,
                     max(1, int(rng.uniform(1, 0.03 * scale))), cv2.LINE_AA, SHIFT)
    return img


def occluder_polygon(rng: np.random.Generator, centre: np.ndarray, size: float) -> np.ndarray:
    """Outline (N, 2) of an object of about ``size`` pixels: a box, a post, a disc or a rock."""
    kind = rng.uniform()
    if kind < 0.35:  # box or board
        dims = (size * rng.uniform(0.6, 1.4), size * rng.uniform(0.4, 1.0))
        return cv2.boxPoints((tuple(centre), dims, rng.uniform(-25, 25)))
    if kind < 0.55:  # post or pole, long and thin
        dims = (size * rng.uniform(0.15, 0.35), size * rng.uniform(2.0, 4.0))
        return cv2.boxPoints((tuple(centre), dims, rng.uniform(-30, 30)))
    if kind < 0.8:  # disc, ball, bush
        poly = cv2.ellipse2Poly((0, 0), (1000, 1000), 0, 0, 360, 12) / 1000.0
        ang = rng.uniform(0, math.pi)
        rot = np.array([[math.cos(ang), -math.sin(ang)], [math.sin(ang), math.cos(ang)]])
        return (poly * np.array([size / 2, size / 2 * rng.uniform(0.5, 1.0)])) @ rot.T + centre
    points = centre + rng.normal(0, size / 3, (7, 2))  # a rock: hull of random points
    return cv2.convexHull(points.astype(np.float32)).reshape(-1, 2)


def draw_textured(img: np.ndarray, polygon: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Fill ``polygon`` in ``img`` (in place) with a fresh texture; returns the uint8 mask drawn."""
    height, width = img.shape[:2]
    mask = np.zeros((height, width), np.uint8)
    cv2.fillPoly(mask, [to_fixed(polygon)], 255, cv2.LINE_AA, SHIFT)
    ys, xs = np.nonzero(mask)
    if len(ys) == 0:
        return mask
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    patch = texture(rng, int(y1 - y0), int(x1 - x0))
    alpha = mask[y0:y1, x0:x1, None].astype(np.float32) / 255.0
    region = img[y0:y1, x0:x1].astype(np.float32)
    img[y0:y1, x0:x1] = np.clip(region + (patch - region) * alpha + 0.5, 0, 255).astype(np.uint8)
    outline = tuple(int(c) for c in rng.integers(0, 80, 3))
    cv2.polylines(img, [to_fixed(polygon)], True, outline, 1, cv2.LINE_AA, SHIFT)
    return mask
