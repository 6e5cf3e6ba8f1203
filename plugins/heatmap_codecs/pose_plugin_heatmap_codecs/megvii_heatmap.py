"""``MegviiHeatmap``: blurred-impulse heatmaps of CPN (Chen et al., 2018) and
MSPN (Li et al., 2019).

Shapes: N instances (1), K keypoints, B batch; input size ``[w, h]``,
heatmap size ``[W, H]``; keypoints ``(1, K, 2)`` in input space, visibility
``(1, K)``; heatmaps ``(K, H, W)`` with peaks of 255.
"""
from __future__ import annotations

from typing import Optional, Tuple

import cv2
import numpy as np

from .argmax import heatmap_maximum
from .blur import blur_maps, gaussian_kernel, reflect101
from .heatmap_codec import HeatmapCodec
from .refinement_quarter import refine_megvii
from .validation import check_kernel, check_size
from .weights import encodable_keypoints


class MegviiHeatmap(HeatmapCodec):
    """Keypoints as Megvii heatmaps, as MMPose 1.x's ``MegviiHeatmap``.

    :param input_size: image size ``[w, h]``.
    :param heatmap_size: heatmap size ``[W, H]``; any ratio to
        ``input_size`` (``scale_factor = input_size / heatmap_size``).
    :param kernel_size: odd size of the Gaussian kernel (OpenCV's sigma for
        that size) that blurs each keypoint's impulse, and of the decoding
        blur.

    Each keypoint is an impulse at its (truncated) heatmap pixel, blurred
    with OpenCV's default border and scaled to a peak of 255. ``encode``
    takes one instance, as MMPose. ``decode`` returns one instance; an
    empty (all-zero) heatmap decodes to MMPose's location ``(0, 0)`` with
    score 0 (MMPose: score NaN).
    """

    label_mapping_table = dict(keypoint_weights='keypoint_weights')
    field_mapping_table = dict(heatmaps='heatmaps')

    def __init__(self,
                 input_size: Tuple[int, int],
                 heatmap_size: Tuple[int, int],
                 kernel_size: int) -> None:
        name = type(self).__name__
        self.input_size = check_size(name, 'input_size', input_size)
        self.heatmap_size = check_size(name, 'heatmap_size', heatmap_size)
        self.kernel_size = check_kernel(name, 'kernel_size', kernel_size)
        self.scale_factor = (np.array(self.input_size) /
                             self.heatmap_size).astype(np.float32)
        width, height = self.heatmap_size
        border = kernel_size // 2
        self._kernel = gaussian_kernel(kernel_size)
        # OpenCV's horizontal pass of an impulse at each x: row x of the
        # blurred identity, with the default border (reflect-101)
        self._rows = cv2.sepFilter2D(
            np.eye(width, dtype=np.float32), -1, self._kernel,
            np.ones(1, np.float32), borderType=cv2.BORDER_REFLECT_101)
        # which heatmap row each row of a vertically padded map shows
        self._padded_rows = reflect101(np.arange(-border, height + border),
                                       height)

    def encode(self,
               keypoints: np.ndarray,
               keypoints_visible: Optional[np.ndarray] = None) -> dict:
        """Return ``heatmaps`` ``(K, H, W)`` float32 and
        ``keypoint_weights`` ``(1, K)`` float32 (0 for keypoints that are
        non-finite or outside the heatmap)."""
        keypoints, keypoints_visible = self.check_keypoints(
            keypoints, keypoints_visible, instances=1)
        width, height = self.heatmap_size
        encodable, weights, scaled = encodable_keypoints(
            keypoints[0] / self.scale_factor, keypoints_visible[0])
        # truncation towards zero, as MMPose: (-1, 0) still maps to pixel 0
        px, py = scaled.astype(np.int64).T
        inside = (px >= 0) & (px < width) & (py >= 0) & (py < height)
        weights[encodable & ~inside] = 0
        drawn = encodable & inside
        # MMPose blurs each impulse map; only its row py (and the padding
        # rows reflecting it) are non-zero after the horizontal pass, and
        # the vertical pass leaves all but `side` rows of the map zero: a
        # window of them from py - border (moved inside the map). One
        # vertical OpenCV pass over the windows' input rows, stacked
        # (`border` more each side, from the padded map), gives them; each
        # window reads only its own rows, so per pixel the sums are those
        # of the whole map.
        border = self.kernel_size // 2
        side = min(2 * border + 1, height)
        start = np.clip(py - border, 0, height - side)
        padded = start[:, None] + np.arange(side + 2 * border)
        k, rows = np.nonzero(drawn[:, None] & (self._padded_rows[padded] == py[:, None]))
        chunks = np.zeros((len(drawn), padded.shape[1], width), dtype=np.float32)
        chunks[k, rows] = self._rows[px[k]]
        windows = cv2.sepFilter2D(
            chunks.reshape(-1, width), -1, np.ones(1, np.float32),
            self._kernel, borderType=cv2.BORDER_CONSTANT
        ).reshape(chunks.shape)[:, border:border + side]
        each = np.arange(len(drawn))
        peaks = np.where(drawn, windows[each, (py - start).clip(0, side - 1),
                                        px.clip(0, width - 1)], 1)
        # MMPose's order: divide by the peak, then scale to 255 (zeros stay 0)
        windows = windows / peaks[:, None, None] * np.float32(255)
        heatmaps = np.zeros((len(drawn), height, width), dtype=np.float32)
        heatmaps[each[:, None], start[:, None] + np.arange(side)] = windows
        return dict(heatmaps=heatmaps, keypoint_weights=weights[None])

    def _decode(self,
                heatmaps: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        height, width = heatmaps.shape[-2:]
        maps = heatmaps.reshape(-1, height, width)
        m = maps.shape[0]
        # MMPose's gaussian_blur: zero padding, then rescale each map to its
        # original maximum (0 / 0 = NaN on an empty map, as there)
        # contiguous once: the maxima and the argmax below then read it in place
        blurred = np.ascontiguousarray(blur_maps(maps, self.kernel_size),
                                       dtype=maps.dtype)
        with np.errstate(divide='ignore', invalid='ignore'):
            blurred *= (maps.reshape(m, -1).max(1) /
                        blurred.reshape(m, -1).max(1))[:, None, None]
        index, pixel, vals = heatmap_maximum(blurred)
        locs = refine_megvii(blurred, index, pixel, vals)
        scores = vals / 255.0 + 0.5
        # MMPose: score NaN on an empty map (its location is the origin)
        scores[np.isnan(scores)] = 0
        shape = heatmaps.shape[:-2]
        keypoints = locs.reshape(*shape, 2) * self.scale_factor
        return keypoints[..., None, :, :], scores.reshape(shape)[..., None, :]
