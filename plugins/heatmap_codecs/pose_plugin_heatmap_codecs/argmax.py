"""Location and value of each heatmap's maximum (MMPose's
``get_heatmap_maximum``), for M heatmaps at once.

Shapes: M heatmaps (``B * K`` flattened), heatmap ``(H, W)``.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Tuple

import numpy as np


@lru_cache(maxsize=16)
def pixel_xy(width: int, height: int) -> np.ndarray:
    """``[x, y]`` float32 ``(H * W, 2)`` of each flat pixel index: a look-up
    is cheaper than dividing per call."""
    y, x = np.divmod(np.arange(width * height), width)
    table = np.stack([x, y], axis=1).astype(np.float32)
    table.flags.writeable = False
    return table


def heatmap_maximum(
        maps: np.ndarray) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return ``index`` ``(M,)`` of each maximum in ``maps.reshape(-1)``,
    ``pixel`` ``(M,)``: the same in its own map, and ``vals`` ``(M,)``."""
    m, height, width = maps.shape
    plane = height * width
    pixel = maps.reshape(m, plane).argmax(axis=1)
    index = pixel + np.arange(0, m * plane, plane)
    return index, pixel, maps.reshape(-1).take(index)


def maximum_locations(pixel: np.ndarray, vals: np.ndarray, width: int,
                      height: int) -> np.ndarray:
    """MMPose's locations ``(M, 2)`` float32 ``[x, y]``: the pixel, or
    ``-1`` where the maximum is ``<= 0`` ("no maximum")."""
    locs = pixel_xy(width, height).take(pixel, axis=0)
    locs[vals <= 0] = -1
    return locs
