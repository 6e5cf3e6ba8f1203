"""The keypoint metrics keep the metric contract of the testing kit
(``posecore.testing.check_metric``: perfect predictions score perfectly)."""
from __future__ import annotations

import pytest

from posecore.testing import check_metric

CASES = [
    (dict(type='PCKAccuracy', thr=0.05), None),
    (dict(type='PCKAccuracy', thr=0.2, norm_item=['bbox', 'head']), None),
    # MMPose's AUC counts the threshold 0 (where no distance is below it) among
    # its num_thrs thresholds: perfect predictions score 1 - 1/num_thrs
    (dict(type='AUC', norm_factor=30, num_thrs=20), {'AUC': 1 - 1 / 20}),
    (dict(type='EPE'), None),
    (dict(type='NME', norm_mode='use_norm_item', norm_item='bbox_size'), None),
]


@pytest.mark.parametrize('cfg, perfect', CASES, ids=lambda c: str(c) if c else '')
def test_metric_keeps_the_kit_contract(posecore_plugins, cfg, perfect):
    posecore_plugins('pose-plugin-topdown')
    results = check_metric(cfg, perfect=perfect)
    assert results
