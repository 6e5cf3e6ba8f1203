"""Data samples for the ``CocoMetric`` tests, made from COCO annotations
as MMPose's own metric tests make them."""
from __future__ import annotations

import copy
from typing import Any

import numpy as np

KEYS = ('AP', 'AP .5', 'AP .75', 'AP (M)', 'AP (L)', 'AR', 'AR .5', 'AR .75',
        'AR (M)', 'AR (L)')


def topdown_sample(ann: dict, keypoints: np.ndarray, scores: np.ndarray,
                   bbox_score: float = 1.0, **extra: Any) -> dict:
    """One top-down data sample (``PoseDataSample.to_dict()`` form) for
    annotation ``ann`` with the given predictions ``(1, K, 2)``, ``(1, K)``
    and the annotation's box (scale 1.25x, as GetBBoxCenterScale)."""
    x, y, w, h = ann['bbox']
    sample = dict(
        id=ann['id'], img_id=ann['image_id'],
        category_id=ann.get('category_id', 1), ori_shape=(480, 640),
        raw_ann_info=copy.deepcopy(ann),
        gt_instances=dict(
            bboxes=np.array([[x, y, x + w, y + h]], dtype=np.float32),
            bbox_scales=np.array([[w * 1.25, h * 1.25]]),
            bbox_scores=np.full(1, bbox_score, dtype=np.float32)),
        pred_instances=dict(keypoints=keypoints, keypoint_scores=scores))
    sample.update(extra)
    return sample
