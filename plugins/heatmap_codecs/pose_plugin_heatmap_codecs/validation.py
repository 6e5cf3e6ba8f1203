"""Checks of codec arguments and heatmap shapes; each raises ``ValueError``
naming the codec, the expected and the received value.

Shapes: K keypoints (channels), heatmap size ``[W, H]``, input size ``[w, h]``.
"""
from __future__ import annotations

from numbers import Integral, Real
from typing import Any, Tuple

import numpy as np


def check_size(codec: str, name: str, size: Any,
               minimum: int = 1) -> Tuple[int, int]:
    """Return ``size`` as ``(width, height)`` ints, each ``>= minimum``.
    Any ratio of input to heatmap size is allowed, as in MMPose (a float
    ``scale_factor``)."""
    try:
        width, height = size
    except (TypeError, ValueError):
        raise ValueError(f'{codec}: {name} must be a pair [width, height] of '
                         f'ints, got {size!r}') from None
    for value in (width, height):
        if not isinstance(value, Integral) or isinstance(value, bool) \
                or value < minimum:
            raise ValueError(
                f'{codec}: {name} must be a pair [width, height] of ints '
                f'>= {minimum}, got {size!r}')
    return int(width), int(height)


def check_positive(codec: str, name: str, value: Any) -> float:
    """Return ``value`` if it is a finite real number > 0."""
    if not isinstance(value, Real) or isinstance(value, bool) \
            or not np.isfinite(value) or value <= 0:
        raise ValueError(f'{codec}: {name} must be a number > 0, got '
                         f'{value!r}')
    return value


def check_kernel(codec: str, name: str, value: Any, odd: bool = True) -> int:
    """Return ``value`` if it is an int >= 1, odd when ``odd`` (OpenCV's
    Gaussian blur needs an odd size), or an int >= 0 when not (UDP
    combined blurs with ``2 * value + 1``)."""
    minimum = 1 if odd else 0
    if not isinstance(value, Integral) or isinstance(value, bool) \
            or value < minimum or (odd and value % 2 == 0):
        rule = ('an odd int >= 1 (e.g. 11 for sigma 2, 17 for sigma 3)'
                if odd else 'an int >= 0 (the blur kernel is 2 * value + 1)')
        raise ValueError(f'{codec}: {name} must be {rule}, got {value!r}')
    return int(value)


def check_heatmaps(codec: str, heatmaps: np.ndarray,
                   heatmap_size: Tuple[int, int], batched: bool,
                   channel_multiple: int = 1) -> np.ndarray:
    """Return ``heatmaps`` as a float array of shape ``(K, H, W)``
    (``batched``: ``(B, K, H, W)``) whose ``[W, H]`` equals
    ``heatmap_size``."""
    shape = heatmaps.shape
    width, height = heatmap_size
    if (len(shape) != 3 + batched or shape[-2:] != (height, width)
            or shape[-3] % channel_multiple or 0 in shape):
        lead = 'B, K' if batched else 'K'
        where = 'batch_decode' if batched else 'decode'
        channels = 'K a multiple of 3, ' if channel_multiple == 3 else ''
        raise ValueError(
            f'{codec}.{where} expects heatmaps of shape ({lead}, {height}, '
            f'{width}) ({channels}heatmap_size [W, H] = {list(heatmap_size)}), '
            f'got shape {shape!r}')
    if heatmaps.dtype.kind != 'f':
        heatmaps = heatmaps.astype(np.float32)
    return heatmaps
