"""Instance scores of ``CocoMetric``'s ``score_mode``, vectorised over all
instances.

Shapes: N instances, K keypoints; ``keypoint_scores`` ``(N, K)``,
``bbox_scores`` ``(N,)``. Each mode computes what MMPose 1.x's per-instance
loop computes, in the same dtypes (a float32 model gives float32 scores),
so the values, and the order NMS sees, are the same:

- ``'bbox'``: the box score;
- ``'bbox_keypoint'``: box score times the mean of the keypoint scores
  above ``keypoint_score_thr`` (summed keypoint by keypoint, in order; 0
  when none is above);
- ``'bbox_rle'``: box score + mean + max of the keypoint scores (float64);
- ``'keypoint'``: the mean keypoint score.
"""
from __future__ import annotations

from typing import NamedTuple, Optional

import numpy as np

SCORE_MODES = ('bbox', 'bbox_keypoint', 'bbox_rle', 'keypoint')


class InstanceScores(NamedTuple):
    """Scores of N instances.

    ``values`` hold every score exactly, in the dtype the instances have
    together. In ``'bbox_keypoint'`` mode an instance without any keypoint
    above the threshold scores ``box score * 0`` in the box score's dtype;
    ``narrow`` (mask) marks those instances and ``narrow_dtype`` is that
    dtype, which a group made only of such instances takes (None when it
    equals ``values.dtype``).
    """

    values: np.ndarray
    narrow: Optional[np.ndarray] = None
    narrow_dtype: Optional[np.dtype] = None

    def group(self, index: np.ndarray) -> np.ndarray:
        """The scores of the instances ``index`` as one array, in the dtype
        numpy gives a list of those instances' scores."""
        scores = self.values[index]
        if self.narrow_dtype is not None and self.narrow[index].all():
            scores = scores.astype(self.narrow_dtype)
        return scores


def _mean_dtype(scores: np.ndarray) -> np.dtype:
    # the mean of ints is float64, of floats their own dtype
    return scores.dtype if scores.dtype.kind == 'f' else np.dtype(np.float64)


def thresholded_mean(keypoint_scores: np.ndarray, thr: float
                     ) -> tuple[np.ndarray, np.ndarray]:
    """``(mean, count)``: per instance, the mean of the keypoint scores
    ``> thr`` (0 where none is) and how many there are. The sum runs
    keypoint by keypoint (K vectorised steps over all instances), so float32
    scores round as a per-instance running sum does."""
    above = keypoint_scores > thr
    total = np.zeros(len(keypoint_scores), dtype=keypoint_scores.dtype)
    for k in range(keypoint_scores.shape[1]):
        # adding +0.0 where a score is not counted leaves the sum unchanged
        total = total + np.where(above[:, k], keypoint_scores[:, k],
                                 keypoint_scores.dtype.type(0))
    count = above.sum(axis=1)
    safe = np.maximum(count, 1)
    if total.dtype.kind == 'f':
        # float / int count divides in the float's own precision
        mean = total / safe.astype(total.dtype)
    else:
        mean = total / safe
    return np.where(count > 0, mean, 0).astype(_mean_dtype(keypoint_scores)), \
        count


def instance_scores(score_mode: str, keypoint_scores: np.ndarray,
                    bbox_scores: np.ndarray,
                    keypoint_score_thr: float = 0.2) -> InstanceScores:
    """Scores of N instances for ``score_mode`` (see the module doc).

    :param keypoint_scores: ``(N, K)``.
    :param bbox_scores: ``(N,)``.
    """
    if score_mode == 'bbox':
        return InstanceScores(bbox_scores)
    if score_mode == 'keypoint':
        return InstanceScores(keypoint_scores.mean(axis=1))
    if score_mode == 'bbox_rle':
        values = (bbox_scores + keypoint_scores.mean(axis=1)
                  + keypoint_scores.max(axis=1))
        return InstanceScores(values.astype(np.float64))
    if score_mode != 'bbox_keypoint':
        raise ValueError(f'score_mode must be one of {SCORE_MODES}, got '
                         f'{score_mode!r}')
    mean, count = thresholded_mean(keypoint_scores, keypoint_score_thr)
    values = bbox_scores * mean
    narrow = count == 0
    if not narrow.any():
        return InstanceScores(values)
    # no keypoint above the threshold: box score * (int) 0
    values[narrow] = bbox_scores[narrow] * 0
    narrow_dtype = bbox_scores.dtype if bbox_scores.dtype != values.dtype \
        else None
    return InstanceScores(values, narrow, narrow_dtype)
