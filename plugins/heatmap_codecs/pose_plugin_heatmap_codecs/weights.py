"""Which keypoints a heatmap codec draws, and their starting weights.

Shapes: N instances, K keypoints; keypoints ``(N, K, 2)``, visibility
``(N, K)``.
"""
from __future__ import annotations

from typing import Tuple

import numpy as np


def encodable_keypoints(
    keypoints: np.ndarray, keypoints_visible: np.ndarray
) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return ``encodable`` ``(N, K)`` bool, ``weights`` ``(N, K)`` float32
    and ``keypoints`` with non-encodable entries set to 0.

    As MMPose: a keypoint is drawn when its visibility is >= 0.5 and its
    weight starts as the visibility. Beyond MMPose: a keypoint with a NaN or
    infinite coordinate or visibility is not drawn and gets weight 0, so no
    NaN reaches the targets.
    """
    visible = np.asarray(keypoints_visible, dtype=np.float32)
    finite = np.isfinite(keypoints).all(axis=-1) & np.isfinite(visible)
    weights = np.where(finite, visible, 0).astype(np.float32)
    encodable = finite & (weights >= 0.5)
    # zeros keep later integer casts free of NaN (those entries are unused)
    return encodable, weights, np.where(encodable[..., None], keypoints, 0)
