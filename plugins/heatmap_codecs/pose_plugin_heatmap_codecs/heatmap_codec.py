"""What the heatmap codecs share: shape-checked ``decode`` / ``batch_decode``.

Shapes: B batch, C channels (K, or 3K for UDP's combined maps), heatmap
``(H, W)``; keypoints ``(1, K, 2)`` per sample, in input space.
"""
from __future__ import annotations

from abc import abstractmethod
from typing import Any, Tuple

import numpy as np
from posecore.codecs import BaseKeypointCodec

from .validation import check_heatmaps


class HeatmapCodec(BaseKeypointCodec):
    """A codec whose encoded form is heatmaps ``(C, H, W)``; subclasses
    implement the vectorised :meth:`_decode` of a batch."""

    heatmap_size: Tuple[int, int]
    #: C must be a multiple of this (UDP's combined maps: 3)
    _channel_multiple: int = 1

    def decode(self, encoded: Any) -> Tuple[np.ndarray, np.ndarray]:
        """Decode heatmaps ``(C, H, W)`` (array or tensor) into keypoints
        ``(1, K, 2)`` (input space) and scores ``(1, K)``."""
        heatmaps = check_heatmaps(type(self).__name__, self.as_numpy(encoded),
                                  self.heatmap_size, batched=False,
                                  channel_multiple=self._channel_multiple)
        keypoints, scores = self._decode(heatmaps[None])
        return keypoints[0], scores[0]

    def batch_decode(self, batch_encoded: Any) -> Tuple[np.ndarray, np.ndarray]:
        """Decode heatmaps ``(B, C, H, W)`` (array or tensor) into keypoints
        ``(B, 1, K, 2)`` and scores ``(B, 1, K)``."""
        heatmaps = check_heatmaps(type(self).__name__, self.as_numpy(batch_encoded),
                                  self.heatmap_size, batched=True,
                                  channel_multiple=self._channel_multiple)
        return self._decode(heatmaps)

    @abstractmethod
    def _decode(self, heatmaps: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Keypoints ``(B, 1, K, 2)`` and scores ``(B, 1, K)`` of ``(B, C, H, W)``."""
