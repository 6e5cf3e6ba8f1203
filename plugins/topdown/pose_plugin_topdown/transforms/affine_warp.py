"""The bilinear affine warp of ``TopdownAffine``: ``cv2.warpAffine(img, M,
size, flags=cv2.INTER_LINEAR)`` (black borders), pixel for pixel, faster.

OpenCV's warp of 8-bit images is vectorised for 4 channels and not for 3:
a BGR crop costs ~2x a BGRA one, and channel for channel the two give the
same bytes (the interpolation is per channel, in the same fixed point). So
a BGR ``uint8`` image is warped as BGRA: only the part of the image that
the warp samples (the source quad of the output, plus a margin for the
interpolation's neighbours and fixed-point rounding) is converted, into a
reused full-size scratch buffer, so that OpenCV sees the image's own
geometry and the very same matrix, and reads no pixel outside that part.
"""
from __future__ import annotations

import math
import threading
from typing import Optional, Tuple

import cv2
import numpy as np

from .image_ops import as_opencv_image

__all__ = ['warp_affine']

# pixels of margin around the sampled quad: the bilinear neighbour (+1) and
# OpenCV's fixed-point coordinates (1/32 px), with room to spare
_MARGIN = 2
# larger images are warped directly (keeps the scratch buffer <= 16 MiB a
# thread; COCO images are ~0.3 MP)
_MAX_SCRATCH_PIXELS = 4 * 1024 * 1024
_local = threading.local()


def _scratch(height: int, width: int) -> np.ndarray:
    """This thread's BGRA buffer, at least ``(height, width)``, kept between
    calls. Its content is stale and never read outside the region written
    for the current image."""
    buf: Optional[np.ndarray] = getattr(_local, 'buffer', None)
    if buf is None or buf.shape[0] < height or buf.shape[1] < width:
        rows, cols = height, width
        if buf is not None and max(rows, buf.shape[0]) * max(
                cols, buf.shape[1]) <= _MAX_SCRATCH_PIXELS:
            # room for the images seen before too
            rows, cols = max(rows, buf.shape[0]), max(cols, buf.shape[1])
        buf = _local.buffer = np.empty((rows, cols, 4), dtype=np.uint8)
    return buf[:height, :width]


def _sampled_region(matrix: np.ndarray, size: Tuple[int, int],
                    height: int, width: int) -> Optional[Tuple[int, int, int, int]]:
    """``(x0, y0, x1, y1)``: the image pixels the warp may read, or None
    when it reads none (or the matrix is degenerate)."""
    inverse = cv2.invertAffineTransform(matrix)
    if not np.isfinite(inverse).all():
        return None
    (a, b, c), (d, e, f) = inverse.tolist()
    # the output's corner pixels map to the corners of the source quad
    us, vs = (0, size[0] - 1), (0, size[1] - 1)
    xs = [a * u + b * v + c for u in us for v in vs]
    ys = [d * u + e * v + f for u in us for v in vs]
    x0 = max(0, math.floor(min(xs)) - _MARGIN)
    y0 = max(0, math.floor(min(ys)) - _MARGIN)
    x1 = min(width, math.floor(max(xs)) + _MARGIN + 1)
    y1 = min(height, math.floor(max(ys)) + _MARGIN + 1)
    if x1 <= x0 or y1 <= y0:
        return None
    return x0, y0, x1, y1


def warp_affine(img: np.ndarray, matrix: np.ndarray,
                size: Tuple[int, int]) -> np.ndarray:
    """``cv2.warpAffine(img, matrix, size, flags=cv2.INTER_LINEAR)``, the
    same bytes; BGR ``uint8`` images take the 4-channel path."""
    height, width = img.shape[:2]
    region = None
    if img.dtype == np.uint8 and img.ndim == 3 and img.shape[2] == 3 \
            and height * width <= _MAX_SCRATCH_PIXELS:
        region = _sampled_region(matrix, size, height, width)
    if region is None:
        return cv2.warpAffine(as_opencv_image(img), matrix, size,
                              flags=cv2.INTER_LINEAR)
    x0, y0, x1, y1 = region
    part = img[y0:y1, x0:x1]
    if min(part.strides) < 0:
        part = np.ascontiguousarray(part)
    bgra = _scratch(height, width)
    target = bgra[y0:y1, x0:x1]
    written = cv2.cvtColor(part, cv2.COLOR_BGR2BGRA, dst=target)
    if written.ctypes.data != target.ctypes.data:
        # OpenCV chose a new array over the view: put the pixels in place
        target[...] = written
    warped = cv2.warpAffine(bgra, matrix, size, flags=cv2.INTER_LINEAR)
    return cv2.cvtColor(warped, cv2.COLOR_BGRA2BGR)
