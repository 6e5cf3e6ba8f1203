"""``MSRAHeatmap``: Gaussian heatmaps of "Simple Baselines" (Xiao et al.,
2018), optionally with DARK (Zhang et al., 2020) encoding and decoding.

Shapes: N instances (1), K keypoints, B batch; input size ``[w, h]``,
heatmap size ``[W, H]``; keypoints ``(1, K, 2)`` in input space, visibility
``(1, K)``, heatmaps ``(K, H, W)``.
"""
from __future__ import annotations

from typing import Optional, Tuple

import numpy as np

from .argmax import heatmap_maximum
from .gaussian import MSRAGaussian, unbiased_gaussian
from .heatmap_codec import HeatmapCodec
from .refinement import DarkRefiner
from .refinement_quarter import QuarterRefiner
from .validation import check_kernel, check_positive, check_size
from .weights import encodable_keypoints


class MSRAHeatmap(HeatmapCodec):
    """Keypoints as Gaussian heatmaps, as MMPose 1.x's ``MSRAHeatmap``.

    :param input_size: image size ``[w, h]``.
    :param heatmap_size: heatmap size ``[W, H]``; any ratio to
        ``input_size`` (``scale_factor = input_size / heatmap_size``).
    :param sigma: sigma of the Gaussian, in heatmap pixels.
    :param unbiased: DARK: encode with the exact (sub-pixel) centre and
        decode with a Newton step on the modulated log-heatmap.
    :param blur_kernel_size: odd kernel size of DARK's modulation blur;
        ``sigma = 0.3 * ((ks - 1) * 0.5 - 1) + 0.8`` (11 for sigma 2).
        Only used (and checked) with ``unbiased``.

    ``encode`` takes one instance, as MMPose; ``decode`` returns one.
    """

    label_mapping_table = dict(keypoint_weights='keypoint_weights')
    field_mapping_table = dict(heatmaps='heatmaps')

    def __init__(self,
                 input_size: Tuple[int, int],
                 heatmap_size: Tuple[int, int],
                 sigma: float,
                 unbiased: bool = False,
                 blur_kernel_size: int = 11) -> None:
        name = type(self).__name__
        self.input_size = check_size(name, 'input_size', input_size)
        self.heatmap_size = check_size(name, 'heatmap_size', heatmap_size)
        self.sigma = check_positive(name, 'sigma', sigma)
        self.unbiased = bool(unbiased)
        self.blur_kernel_size = blur_kernel_size
        self.scale_factor = (np.array(self.input_size) /
                             self.heatmap_size).astype(np.float32)
        if self.unbiased:
            check_kernel(name, 'blur_kernel_size', blur_kernel_size)
            self._refine = DarkRefiner(blur_kernel_size, self.heatmap_size)
        else:
            self._refine = QuarterRefiner(self.heatmap_size)
        self._draw = MSRAGaussian(self.heatmap_size, self.sigma)

    def encode(self,
               keypoints: np.ndarray,
               keypoints_visible: Optional[np.ndarray] = None) -> dict:
        """Return ``heatmaps`` ``(K, H, W)`` float32 and
        ``keypoint_weights`` ``(1, K)`` float32 (0 for keypoints that are
        non-finite or whose Gaussian misses the heatmap)."""
        keypoints, keypoints_visible = self.check_keypoints(
            keypoints, keypoints_visible, instances=1)
        encodable, weights, scaled = encodable_keypoints(
            keypoints[0] / self.scale_factor, keypoints_visible[0])
        if self.unbiased:
            heatmaps, inside = unbiased_gaussian(
                scaled, encodable, self.heatmap_size, self.sigma)
        else:
            heatmaps, inside = self._draw(scaled, encodable)
        weights[encodable & ~inside] = 0
        return dict(heatmaps=heatmaps, keypoint_weights=weights[None])

    def _decode(self,
                heatmaps: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        *shape, height, width = heatmaps.shape
        maps = heatmaps.reshape(-1, height, width)
        # MMPose refines from the maximum of the raw (not blurred) maps
        index, pixel, scores = heatmap_maximum(maps)
        if self.unbiased:
            locs = self._refine(maps, pixel, scores)
        else:
            locs = self._refine(maps, index, pixel, scores)
        # (B,) K -> (B,) 1, K: one instance
        shape[-1:] = 1, shape[-1]
        return (np.multiply(locs, self.scale_factor).reshape(*shape, 2),
                scores.reshape(shape))
