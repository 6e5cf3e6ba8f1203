"""The decode comparison against MMPose that several test modules make."""
from __future__ import annotations

import numpy as np


def assert_decoded_like_mmpose(keypoints, scores, ref_kpts, ref_scores) -> None:
    """Keypoints within 1e-3 px and scores within 1e-5 of MMPose's; where MMPose
    has NaN (0/0 on an all-zero map) posecore is finite with score 0."""
    assert np.isfinite(keypoints).all() and np.isfinite(scores).all()
    finite = np.isfinite(ref_kpts).all(-1) & np.isfinite(ref_scores)
    np.testing.assert_allclose(keypoints[finite], ref_kpts[finite], rtol=0, atol=1e-3)
    np.testing.assert_allclose(scores[finite], ref_scores[finite], rtol=0, atol=1e-5)
    assert (scores[~finite] == 0).all()
