"""The sample codec of ``posecore plugin new --registry keypoint_codecs``."""
from __future__ import annotations

MODULE = 'codec'
CLASS = '@Prefix@RegressionLabel'
CONFIG = None  # a regression codec needs a regression head: not in the heatmap config

SOURCE = '''\
"""``@Prefix@RegressionLabel``: keypoints as fractions of the input size.

Shapes (MMPose 1.x names): N instances, K keypoints, B batch size; input
size ``[w, h]``; keypoints ``(N, K, 2)`` in input pixels; the encoding
``keypoint_labels`` ``(N, K, 2)`` in ``[0, 1]`` where the keypoint is inside.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence, Tuple

import numpy as np

from posecore.codecs import BaseKeypointCodec


class @Prefix@RegressionLabel(BaseKeypointCodec):
    """Encode keypoints as ``keypoint / input_size`` for a regression head; decode back.

    :param input_size: ``[w, h]`` of the network input, in pixels.
    """

    label_mapping_table = dict(keypoint_labels='keypoint_labels',
                               keypoint_weights='keypoint_weights')

    def __init__(self, input_size: Sequence[int]) -> None:
        if len(input_size) != 2 or min(input_size) <= 0:
            raise ValueError(f'@Prefix@RegressionLabel: input_size must be [w, h] > 0, '
                             f'got {input_size!r}')
        self.input_size = tuple(input_size)
        self._scale = np.array(input_size, dtype=np.float32)

    def encode(self, keypoints: np.ndarray,
               keypoints_visible: Optional[np.ndarray] = None) -> dict:
        """``keypoint_labels`` ``(N, K, 2)`` and ``keypoint_weights`` ``(N, K)``: 1 for a
        visible keypoint inside the input, else 0."""
        keypoints, visible = self.check_keypoints(keypoints, keypoints_visible)
        labels = (keypoints / self._scale).astype(np.float32)
        inside = ((labels >= 0) & (labels <= 1)).all(axis=-1) & np.isfinite(labels).all(-1)
        weights = np.where(inside & (visible > 0), 1.0, 0.0).astype(np.float32)
        return dict(keypoint_labels=np.nan_to_num(labels), keypoint_weights=weights)

    def decode(self, encoded: Any) -> Tuple[np.ndarray, np.ndarray]:
        """Keypoints ``(N, K, 2)`` in input pixels and scores ``(N, K)`` (all 1: a
        regression gives no confidence) from labels ``(N, K, 2)``."""
        labels = self.as_numpy(encoded)
        if labels.ndim != 3 or labels.shape[-1] != 2:
            raise ValueError(f'@Prefix@RegressionLabel.decode expects (N, K, 2), got '
                             f'{labels.shape}')
        return labels * self._scale, np.ones(labels.shape[:2], np.float32)

    def batch_decode(self, batch_encoded: Any) -> Tuple[np.ndarray, np.ndarray]:
        """Keypoints ``(B, N, K, 2)`` and scores ``(B, N, K)``, in one vectorised step."""
        labels = self.as_numpy(batch_encoded)
        if labels.ndim != 4 or labels.shape[-1] != 2:
            raise ValueError(f'@Prefix@RegressionLabel.batch_decode expects (B, N, K, 2), '
                             f'got {labels.shape}')
        return labels * self._scale, np.ones(labels.shape[:3], np.float32)
'''

TEST = '''\
"""``@Prefix@RegressionLabel``: the posecore codec contract and the encoding."""
from __future__ import annotations

import numpy as np

from posecore.registry import KEYPOINT_CODECS
from posecore.testing import check_codec

DIST = '@dist@'


def test_keeps_the_codec_contract(posecore_plugins):
    posecore_plugins(DIST)
    check_codec(dict(type='@Prefix@RegressionLabel', input_size=(192, 256)), tolerance=1e-3)


def test_keypoints_outside_or_invisible_get_weight_zero(posecore_plugins):
    posecore_plugins(DIST)
    codec = KEYPOINT_CODECS.build(dict(type='@Prefix@RegressionLabel', input_size=(100, 50)))
    keypoints = np.array([[[50, 25], [150, 25], [10, 10]]], np.float32)
    encoded = codec.encode(keypoints, np.array([[1, 1, 0]], np.float32))
    assert np.allclose(encoded['keypoint_labels'][0, 0], [0.5, 0.5])
    assert encoded['keypoint_weights'].tolist() == [[1.0, 0.0, 0.0]]
'''
