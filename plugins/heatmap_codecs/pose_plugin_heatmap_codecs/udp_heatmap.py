"""``UDPHeatmap``: heatmaps of Unbiased Data Processing (Huang et al., 2020),
Gaussian or "combined" (disc + offset maps).

Shapes: N instances (1), K keypoints, B batch; input size ``[w, h]``, heatmap
size ``[W, H]``; keypoints ``(1, K, 2)`` in input space, visibility
``(1, K)``; heatmaps ``(K, H, W)`` (gaussian) or ``(3K, H, W)`` (combined).
UDP maps pixel corners to corners: scale ``(w - 1) / (W - 1)``.
"""
from __future__ import annotations

from typing import Optional, Tuple

import numpy as np

from .argmax import heatmap_maximum, maximum_locations
from .gaussian import UDPGaussian
from .heatmap_codec import HeatmapCodec
from .offset import decode_offsets, offset_targets
from .refinement_udp import UDPRefiner
from .validation import check_kernel, check_positive, check_size
from .weights import encodable_keypoints

HEATMAP_TYPES = ('gaussian', 'combined')


class UDPHeatmap(HeatmapCodec):
    """Keypoints as UDP heatmaps, as MMPose 1.x's ``UDPHeatmap``.

    :param input_size: image size ``[w, h]``.
    :param heatmap_size: heatmap size ``[W, H]``, each at least 2.
    :param heatmap_type: ``'gaussian'`` or ``'combined'``.
    :param sigma: Gaussian sigma (``'gaussian'``), in heatmap pixels.
    :param radius_factor: disc radius ``radius_factor * max(W, H)``
        (``'combined'``).
    :param blur_kernel_size: kernel size of the decoding blur: odd for
        ``'gaussian'`` (DARK modulation), any int >= 0 for ``'combined'``
        (``2 * ks + 1`` on the disc maps).

    Options the ``heatmap_type`` does not use are not checked, as in
    MMPose. ``encode`` takes one instance, as MMPose. ``'combined'`` keeps
    MMPose's weight for a keypoint just outside the heatmap, but gives
    weight 0 (and zero maps) to one more than half the heatmap size beyond
    its border.
    """

    label_mapping_table = dict(keypoint_weights='keypoint_weights')
    field_mapping_table = dict(heatmaps='heatmaps')

    def __init__(self,
                 input_size: Tuple[int, int],
                 heatmap_size: Tuple[int, int],
                 heatmap_type: str = 'gaussian',
                 sigma: float = 2.,
                 radius_factor: float = 0.0546875,
                 blur_kernel_size: int = 11) -> None:
        name = type(self).__name__
        if heatmap_type not in HEATMAP_TYPES:
            raise ValueError(f'{name}: heatmap_type must be one of '
                             f'{HEATMAP_TYPES!r}, got {heatmap_type!r}')
        self.heatmap_type = heatmap_type
        self.input_size = check_size(name, 'input_size', input_size, 2)
        self.heatmap_size = check_size(name, 'heatmap_size', heatmap_size, 2)
        self.sigma = sigma
        self.radius_factor = radius_factor
        self.blur_kernel_size = blur_kernel_size
        combined = heatmap_type == 'combined'
        if combined:
            check_positive(name, 'radius_factor', radius_factor)
        else:
            check_positive(name, 'sigma', sigma)
            self._refine = UDPRefiner(blur_kernel_size, self.heatmap_size)
            self._draw = UDPGaussian(self.heatmap_size, sigma)
        check_kernel(name, 'blur_kernel_size', blur_kernel_size,
                     odd=not combined)
        # UDP maps corners to corners
        self.scale_factor = ((np.array(self.input_size) - 1) /
                             (np.array(self.heatmap_size) - 1)).astype(
                                 np.float32)

    def encode(self,
               keypoints: np.ndarray,
               keypoints_visible: Optional[np.ndarray] = None) -> dict:
        """Return ``heatmaps`` ``(K, H, W)`` or ``(3K, H, W)`` float32 and
        ``keypoint_weights`` ``(1, K)`` float32."""
        keypoints, keypoints_visible = self.check_keypoints(
            keypoints, keypoints_visible, instances=1)
        encodable, weights, scaled = encodable_keypoints(
            keypoints[0] / self.scale_factor, keypoints_visible[0])
        if self.heatmap_type == 'combined':
            size = np.array(self.heatmap_size)
            far = ((scaled < -size / 2) | (scaled > size - 1 + size / 2)).any(-1)
            weights[encodable & far] = 0
            heatmaps = offset_targets(scaled, encodable & ~far,
                                      self.heatmap_size, self.radius_factor)
        else:
            heatmaps, inside = self._draw(scaled, encodable)
            weights[encodable & ~inside] = 0
        return dict(heatmaps=heatmaps, keypoint_weights=weights[None])

    @property
    def _channel_multiple(self) -> int:  # combined maps: a heatmap and 2 offsets each
        return 3 if self.heatmap_type == 'combined' else 1

    def _decode(self, heatmaps: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        batch, channels, height, width = heatmaps.shape
        if self.heatmap_type == 'combined':
            locs, scores = decode_offsets(heatmaps, self.radius_factor,
                                          self.blur_kernel_size)
            k = channels // 3
        else:
            k = channels
            maps = heatmaps.reshape(batch * k, height, width)
            _, pixel, scores = heatmap_maximum(maps)
            locs = maximum_locations(pixel, scores, width, height)
            # MMPose: NaN for an empty map (0 / 0); here the -1 marker stays
            unrefined = locs.copy()
            locs = self._refine(maps, locs, scores, k)
            # a map whose maximum is <= 0 but not all zero (negative model outputs) can
            # still make the log-derivatives 0 / 0: its unrefined location stays, finite
            locs = np.where(np.isfinite(locs), locs, unrefined)
        keypoints = (locs.reshape(batch, 1, k, 2) /
                     np.array([width - 1, height - 1]) *
                     np.array(self.input_size))
        return keypoints, scores.reshape(batch, 1, k)
