"""``CocoMetric`` keeps the metric contract of the testing kit
(``posecore.testing.check_metric``): AP and AR are 1 for perfect predictions."""
from __future__ import annotations

import pytest

from posecore.testing import check_metric


@pytest.mark.parametrize('nms_mode', ['oks_nms', 'none'])
def test_coco_metric_keeps_the_kit_contract(posecore_plugins, nms_mode):
    posecore_plugins('pose-plugin-coco')
    results = check_metric(dict(type='CocoMetric', nms_mode=nms_mode))
    assert results['coco/AP'] == 1.0 and len(results) == 10
