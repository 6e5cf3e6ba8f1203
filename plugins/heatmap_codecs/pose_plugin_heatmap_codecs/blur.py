"""OpenCV Gaussian blurs (sigma from the kernel size) of M heatmaps: all maps
in one call, or only a few pixels around each map's maximum.

Shapes: M heatmaps, heatmap ``(H, W)``; ``x``, ``y`` ``(M,)`` int pixels.
"""
from __future__ import annotations

from typing import Tuple

import cv2
import numpy as np


def gaussian_kernel(kernel_size: int) -> np.ndarray:
    """The 1-D kernel ``(kernel_size,)`` that ``cv2.GaussianBlur(..., 0)``
    uses on float32 maps (OpenCV's own table for sizes up to 7)."""
    return cv2.getGaussianKernel(kernel_size, 0, ktype=cv2.CV_32F).ravel()


def reflect101(index: np.ndarray, length: int) -> np.ndarray:
    """OpenCV's ``BORDER_REFLECT_101`` index map (edge not repeated), also
    for indices more than one length outside."""
    if length == 1:
        return np.zeros_like(index)
    period = 2 * (length - 1)
    index = np.abs(index) % period
    return np.where(index < length, index, period - index)


def blur_maps(maps: np.ndarray, kernel_size: int,
              reflect: bool = False) -> np.ndarray:
    """``cv2.GaussianBlur`` of each map: zero padding (MMPose's
    ``gaussian_blur``, in float32 as there) or, with ``reflect``, OpenCV's
    default border (reflect-101, in the maps' dtype). Shape ``(M, H, W)``.

    Zero padding: one OpenCV call for all maps, stacked into one tall
    image, each with ``kernel_size // 2`` zero rows of its own, so no map
    reads its neighbour; the left and right borders are OpenCV's. The
    arithmetic per pixel is that of one map. Reflect-101: one call per map
    (MMPose's own call), which costs less than gathering each map's
    reflected rows into a tall image first.
    """
    m, height, width = maps.shape
    border = kernel_size // 2
    if border == 0:
        return maps.astype(maps.dtype if reflect else np.float32)
    if reflect:
        blurred = np.empty(maps.shape, dtype=maps.dtype)
        for one, out in zip(maps, blurred):
            cv2.GaussianBlur(one, (kernel_size, kernel_size), 0, dst=out,
                             borderType=cv2.BORDER_REFLECT_101)
        return blurred
    tall = np.zeros((m, height + 2 * border, width), dtype=np.float32)
    tall[:, border:border + height] = maps
    blurred = cv2.GaussianBlur(
        tall.reshape(-1, width), (kernel_size, kernel_size), 0,
        borderType=cv2.BORDER_CONSTANT)
    return blurred.reshape(tall.shape)[:, border:border + height]


def modulated_log(maps: np.ndarray, kernel_size: int, low: float,
                  high: float) -> np.ndarray:
    """MMPose's ``log(clip(gaussian_blur(maps), low, high))`` in the maps'
    dtype, op for op: zero-padded blur, rescale to the original maximum
    (0 / 0 = NaN on an empty map, as there), clip, log."""
    m = maps.shape[0]
    blurred = blur_maps(maps, kernel_size).astype(maps.dtype, copy=False)
    with np.errstate(divide='ignore', invalid='ignore'):
        blurred *= (maps.reshape(m, -1).max(1) /
                    blurred.reshape(m, -1).max(1))[:, None, None]
        np.clip(blurred, low, high, out=blurred)
        return np.log(blurred, out=blurred)


class LocalBlur:
    """Zero-padded ``cv2.GaussianBlur`` values (float64) on the
    ``(2 * reach + 1)`` square around one pixel per map, computed from
    the ``kernel_size + 2 * reach`` square patch of the map alone.

    Equal to the full blur up to float rounding (~1e-7 relative): OpenCV's
    kernel, zero weight for taps outside the map (MMPose's zero padding).
    The weights per centre row and column are tabulated for the heatmap
    size, so a call is a few look-ups and two small matrix products.
    """

    def __init__(self, kernel_size: int, reach: int,
                 heatmap_size: Tuple[int, int]) -> None:
        kernel = gaussian_kernel(kernel_size).astype(np.float64)
        side = 2 * reach + 1
        span = np.arange(kernel_size + side - 1) - (kernel_size // 2 + reach)
        # row i of the band is the kernel centred on output pixel i
        band = np.zeros((side, span.size))
        for i in range(side):
            band[i, i:i + kernel_size] = kernel
        self.width, height = heatmap_size
        # offsets of the patch in a flattened map
        self.patch = span[:, None] * self.width + span
        # weights (S, P) per centre, zero for taps outside the map
        self.weights = [band * ((center[:, None] + span >= 0)
                                & (center[:, None] + span < length))[:, None]
                        for length in heatmap_size
                        for center in [np.arange(length)]]

    def __call__(self, maps: np.ndarray, x: np.ndarray,
                 y: np.ndarray) -> np.ndarray:
        """Blurred values ``(M, side, side)`` around ``[y, x]`` per map
        (clipped into the map)."""
        m, height, width = maps.shape
        weight_x, weight_y = self.weights
        weight_x = weight_x.take(x, axis=0, mode='clip')
        weight_y = weight_y.take(y, axis=0, mode='clip')
        center = y * width + x + np.arange(0, m * height * width,
                                           height * width)
        # taps outside the map read some other pixel, with weight 0
        patch = maps.reshape(-1).take(center[:, None, None] + self.patch,
                                      mode='clip').astype(np.float64)
        return weight_y @ patch @ weight_x.transpose(0, 2, 1)
