"""Which keypoints a heatmap codec draws, and their starting weights.

Shapes: N instances, K keypoints; keypoints ``(N, K, 2)``, visibility
``(N, K)``.
"""
from __future__ import annotations

from math import isfinite
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
    weights = np.array(keypoints_visible, dtype=np.float32)
    if _all_drawn(keypoints, weights):
        return np.ones(weights.shape, dtype=bool), weights, keypoints
    finite = np.isfinite(keypoints).all(axis=-1) & np.isfinite(weights)
    weights[~finite] = 0
    encodable = finite & (weights >= 0.5)
    # zeros keep later integer casts free of NaN (those entries are unused)
    return encodable, weights, np.where(encodable[..., None], keypoints, 0)


def _all_drawn(keypoints: np.ndarray, visible: np.ndarray) -> bool:
    """Whether all keypoints are finite with finite visibility >= 0.5 (the
    common case), in the fewest NumPy calls: a dot product propagates NaN
    and inf (an overflow only sends a call the general way), ``argmin``
    finds a NaN first."""
    flat = keypoints.reshape(-1)
    vis = visible.reshape(-1)
    return bool(vis.size and vis[vis.argmin()] >= 0.5
                and isfinite(vis.dot(vis)) and isfinite(flat.dot(flat)))
