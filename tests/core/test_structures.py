"""PoseDataSample keeps MMPose 1.x's field names and type checks."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from mmengine.structures import InstanceData, PixelData

from posecore.structures import PoseDataSample


def test_fields_round_trip_and_type_checks():
    gt = InstanceData(keypoints=np.zeros((1, 17, 2)), keypoints_visible=np.ones((1, 17)))
    fields = PixelData(heatmaps=torch.rand(17, 64, 48))
    sample = PoseDataSample(gt_instances=gt, gt_fields=fields,
                            metainfo=dict(input_size=(192, 256)))
    sample.pred_instances = InstanceData(keypoints=np.ones((1, 17, 2)),
                                         keypoint_scores=np.ones((1, 17)))
    sample.gt_instance_labels = InstanceData(keypoint_weights=torch.ones(1, 17))
    assert sample.gt_instances.keypoints.shape == (1, 17, 2)
    assert sample.gt_fields.heatmaps.shape == (17, 64, 48)
    assert sample.input_size == (192, 256) and 'pred_instances' in sample
    del sample.pred_instances
    assert 'pred_instances' not in sample
    with pytest.raises(AssertionError):  # mmengine's set_field checks the type
        sample.gt_instances = {'keypoints': 1}
