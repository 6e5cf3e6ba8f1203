"""The sample metric of ``posecore plugin new --registry metrics``."""
from __future__ import annotations

MODULE = 'metric'
CLASS = '@Prefix@PCK'
#: the generated config evaluates with CocoMetric and this one
CONFIG = "dict(type='@Prefix@PCK', thr=0.2)"

SOURCE = '''\
"""``@Prefix@PCK``: the percentage of correct keypoints, normalised by the box size."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric


def _array(value: Any) -> np.ndarray:
    if hasattr(value, 'detach'):  # a torch tensor
        value = value.detach().cpu().numpy()
    return np.asarray(value)


class @Prefix@PCK(BaseMetric):
    """A visible keypoint is correct when its predicted position is within
    ``thr`` times the longer side of its ground-truth box; the result
    ``'<prefix>/PCK'`` is the fraction of correct visible keypoints.

    Reads each data sample as mmengine's ``Evaluator`` hands it over
    (``PoseDataSample.to_dict()``): ``pred_instances.keypoints`` ``(N, K, 2)``,
    ``gt_instances.keypoints`` ``(N, K, 2)``, ``gt_instances.keypoints_visible``
    ``(N, K)`` and ``gt_instances.bboxes`` ``(N, 4)`` (x1, y1, x2, y2).

    :param thr: the threshold, a fraction of the box size (> 0).
    :param collect_device: ``'cpu'`` or ``'gpu'``, for collecting across processes.
    :param prefix: prefix of the result key; default ``'@package@'``.
    """

    default_prefix: Optional[str] = '@package@'

    def __init__(self, thr: float = 0.2, collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if not thr > 0:
            raise ValueError(f'@Prefix@PCK: thr must be > 0, got {thr!r}')
        self.thr = thr

    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        """Count the correct and the visible keypoints of each sample."""
        for sample in data_samples:
            if hasattr(sample, 'to_dict'):
                sample = sample.to_dict()
            pred, gt = sample['pred_instances'], sample['gt_instances']
            pred_kpts = _array(pred['keypoints'])[..., :2]
            gt_kpts = _array(gt['keypoints'])[..., :2]
            if pred_kpts.shape != gt_kpts.shape:
                raise ValueError(f'@Prefix@PCK: predicted keypoints {pred_kpts.shape} and '
                                 f'ground truth {gt_kpts.shape} differ in shape')
            visible = _array(gt['keypoints_visible']).reshape(gt_kpts.shape[:2]) > 0
            boxes = _array(gt['bboxes']).reshape(-1, 4)
            size = (boxes[:, 2:] - boxes[:, :2]).max(axis=1)[:, None]
            dist = np.linalg.norm(pred_kpts - gt_kpts, axis=-1)
            correct = (dist <= self.thr * size) & visible
            self.results.append((int(correct.sum()), int(visible.sum())))

    def compute_metrics(self, results: List[tuple]) -> Dict[str, float]:
        """``{'PCK': correct / visible}`` over every processed sample."""
        visible = sum(v for _, v in results)
        if visible == 0:
            raise ValueError('@Prefix@PCK: no visible ground-truth keypoint to evaluate')
        return {'PCK': sum(c for c, _ in results) / visible}
'''

TEST = '''\
"""``@Prefix@PCK``: the posecore metric contract and its figures."""
from __future__ import annotations

import numpy as np
import pytest

from posecore.registry import METRICS
from posecore.testing import check_metric
from posecore.testing.samples import pose_data_samples

DIST = '@dist@'


def test_keeps_the_metric_contract(posecore_plugins):
    posecore_plugins(DIST)
    assert check_metric(dict(type='@Prefix@PCK')) == {'@package@/PCK': 1.0}


def test_counts_keypoints_within_the_threshold(posecore_plugins):
    posecore_plugins(DIST)
    sample = pose_data_samples(1)[0]
    side = float(np.ptp(sample['gt_instances']['bboxes'][0, ::2]))
    pred = sample['pred_instances']['keypoints']
    pred[0, :5, 0] += 0.3 * side  # 5 of 17 keypoints off by more than thr * side
    metric = METRICS.build(dict(type='@Prefix@PCK', thr=0.2))
    metric.process(None, [sample])
    assert metric.evaluate(1)['@package@/PCK'] == pytest.approx(12 / 17)
'''
