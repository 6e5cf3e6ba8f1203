"""UDP "combined" targets (MMPose's ``generate_offset_heatmap``) and their
decoding, vectorised over keypoints and samples.

Shapes: K keypoints, B batch, heatmap size ``[W, H]``. Targets are
``(3K, H, W)``: per keypoint a binary disc map, then x and y offset maps
(keypoint minus pixel, divided by the disc radius).
"""
from __future__ import annotations

from typing import Tuple

import numpy as np

from .argmax import heatmap_maximum, maximum_locations
from .blur import blur_maps


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
    disc = x_offset[:, None, :] ** 2 + y_offset[:, :, None] ** 2 <= 1
    heatmaps[:, 0] = disc & drawn[:, None, None]
    heatmaps[:, 1] = x_offset[:, None, :]
    heatmaps[:, 2] = y_offset[:, :, None]
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
    flat = heatmaps.reshape(batch, channels * plane)
    offsets = np.stack([np.take_along_axis(flat, at_x, axis=1),
                        np.take_along_axis(flat, at_x + plane, axis=1)], -1)
    locs = locs.reshape(batch, k, 2) + offsets * radius
    return locs.astype(np.float32), scores.reshape(batch, k)
