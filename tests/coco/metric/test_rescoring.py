"""Instance scores: the vectorised modes equal a per-instance loop of the
same formulas (MMPose 1.x's), values and dtypes."""
from __future__ import annotations

import numpy as np
import pytest

from pose_plugin_coco.rescoring import instance_scores


def reference(mode, keypoint_scores, bbox_score, thr):
    """One instance's score, keypoint by keypoint."""
    if mode == 'bbox':
        return bbox_score
    if mode == 'keypoint':
        return np.mean(keypoint_scores)
    if mode == 'bbox_rle':
        return float(bbox_score + np.mean(keypoint_scores)
                     + np.max(keypoint_scores))
    total, count = 0, 0
    for score in keypoint_scores:
        if score > thr:
            total += score
            count += 1
    if count:
        total /= count
    return bbox_score * total


CASES = [
    (np.float32, np.float32), (np.float64, np.float32),
    (np.float32, np.float64), (np.int64, np.float32), (np.int64, np.float64),
]


@pytest.mark.parametrize('mode', ['bbox', 'keypoint', 'bbox_rle',
                                  'bbox_keypoint'])
@pytest.mark.parametrize('score_dtype, box_dtype', CASES)
@pytest.mark.parametrize('thr', [0.2, 0.5])
def test_scores_equal_per_instance_loop(mode, score_dtype, box_dtype, thr):
    rng = np.random.default_rng(0)
    n = 200
    if np.dtype(score_dtype).kind == 'i':
        scores = rng.integers(0, 3, (n, 17)).astype(score_dtype)
    else:
        # many values at and near the threshold, and instances with no
        # keypoint above it
        scores = rng.choice([0.0, 0.1, 0.2, 0.5, 0.7, 1.0], (n, 17))
        scores = (scores + rng.normal(0, 1e-8, (n, 17)) *
                  (rng.random((n, 17)) < 0.5)).astype(score_dtype)
        scores[:10] = 0.05
    boxes = rng.uniform(0, 1, n).astype(box_dtype)
    got = instance_scores(mode, scores, boxes, thr)
    want = [reference(mode, s, b, thr) for s, b in zip(scores, boxes)]
    as_array = np.array(want)
    np.testing.assert_array_equal(got.values, as_array)
    assert got.group(np.arange(n)).dtype == as_array.dtype
    # a group of instances without a keypoint above the threshold takes the
    # dtype of its own scores
    for index in (np.arange(3), np.arange(5, 15)):
        assert got.group(index).dtype == np.array(
            [want[i] for i in index]).dtype


def test_unknown_mode():
    with pytest.raises(ValueError, match="score_mode must be one of"):
        instance_scores('mean', np.zeros((1, 17)), np.ones(1))
