"""UDP "combined" targets (MMPose's ``generate_offset_heatmap``) and their
decoding, vectorised over keypoints and samples.

Shapes: K keypoints, B batch, heatmap size ``[W, H]``. Targets are
``(3K, H, W)``: per keypoint a binary disc map, then x and y offset maps
(keypoint minus pixel, divided by the disc radius).
"""
from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple, Tuple

import numpy as np

from .argmax import heatmap_maximum, maximum_locations
from .blur import blur_maps


class _Square(NamedTuple):
    span: np.ndarray          # (S,) offsets from the keypoint's pixel
    last: np.ndarray          # (2, 1) last column and row
    y_after_x: np.ndarray     # (2, 1) where the y offsets start: 0, W


@lru_cache(maxsize=16)
def _disc_square(radius: float, width: int, height: int) -> _Square:
    """The square of pixels around a keypoint that can be in its disc:
    one pixel more than the radius each side, beyond which |offset| > 1 on
    one axis and MMPose's test ``x ** 2 + y ** 2 <= 1`` is false anyway."""
    reach = int(np.ceil(radius)) + 1
    return _Square(np.arange(-reach, reach + 1), np.array([[width - 1], [height - 1]]),
                   np.array([[0], [width]]))


def offset_targets(keypoints: np.ndarray, drawn: np.ndarray,
                   heatmap_size: Tuple[int, int],
                   radius_factor: float) -> np.ndarray:
    """Targets ``(3K, H, W)`` float32 for one instance's keypoints ``(K, 2)``
    in heatmap space; keypoints not ``drawn`` ``(K,)`` get zero maps."""
    width, height = heatmap_size
    k = keypoints.shape[0]
    radius = radius_factor * max(width, height)
    # float64 offsets, as MMPose computes them (float32 - int64 grid)
    x_offset = (keypoints[:, 0, None].astype(np.float64)
                - np.arange(width)) / radius
    y_offset = (keypoints[:, 1, None].astype(np.float64)
                - np.arange(height)) / radius
    x_offset[~drawn] = 0
    y_offset[~drawn] = 0
    heatmaps = np.empty((k, 3, height, width), dtype=np.float32)
    heatmaps[:, 0] = 0
    # the float32 offsets, broadcast: a copy per pixel, no conversion
    heatmaps[:, 1] = x_offset.astype(np.float32)[:, None, :]
    heatmaps[:, 2] = y_offset.astype(np.float32)[:, :, None]
    # the disc (MMPose's x_offset ** 2 + y_offset ** 2 <= 1 over the whole
    # map) is evaluated, with the same float64 values, on a square around
    # each keypoint only; clipped indices repeat a pixel, which gets the
    # same value twice
    square = _disc_square(radius, width, height)
    # [col, row] indices of each keypoint's square (K, 2, S), clipped
    # clipped before the cast: an undrawn keypoint may be far (or huge)
    pixel = np.floor(np.clip(keypoints, -1, max(width, height))).astype(np.int64)
    at = np.clip(pixel[:, :, None] + square.span, 0, square.last)
    each = np.arange(k)[:, None, None]
    squared = np.concatenate([x_offset, y_offset], axis=1)[each, at + square.y_after_x] ** 2
    keep = squared[:, 0, None, :] + squared[:, 1, :, None] <= 1
    keep &= drawn[:, None, None]
    # flat index of (keypoint, disc channel, row, col)
    flat = (each[:, 0] * (3 * height * width) + at[:, 1] * width)[:, :, None] + at[:, 0, None, :]
    heatmaps.reshape(-1)[flat] = keep
    return heatmaps.reshape(k * 3, height, width)


def decode_offsets(heatmaps: np.ndarray, radius_factor: float,
                   blur_kernel_size: int) -> Tuple[np.ndarray, np.ndarray]:
    """Decode ``(B, 3K, H, W)`` into heatmap-space locations ``(B, K, 2)``
    float32 and scores ``(B, K)``: maximum of the blurred disc map plus the
    offset read at that pixel."""
    batch, channels, height, width = heatmaps.shape
    k = channels // 3
    # MMPose blurs the disc maps in place with a kernel of 2 * ks + 1
    discs = blur_maps(heatmaps[:, ::3].reshape(batch * k, height, width),
                      2 * blur_kernel_size + 1, reflect=True)
    _, pixel, scores = heatmap_maximum(discs)
    locs = maximum_locations(pixel, scores, width, height)
    radius = radius_factor * max(width, height)
    plane = height * width
    index = locs[:, 0] + locs[:, 1] * width
    index = index.reshape(batch, k) + plane * np.arange(k)
    # MMPose indexes the K flattened x (y) offset maps; -1 locations give
    # negative indices that wrap round, as there
    keypoint, pixel = np.divmod(index.astype(np.int64) % (k * plane), plane)
    at_x = (3 * keypoint + 1) * plane + pixel
    at_x += (channels * plane) * np.arange(batch)[:, None]
    flat = heatmaps.reshape(-1)
    offsets = np.stack([flat.take(at_x), flat.take(at_x + plane)], -1)
    locs = locs.reshape(batch, k, 2) + offsets * radius
    return locs.astype(np.float32), scores.reshape(batch, k)
