"""``CocoDataset`` reads the testing kit's ``synthetic_coco`` data root."""
from __future__ import annotations

from posecore.testing import build_component


def test_coco_dataset_reads_the_synthetic_coco_fixture(posecore_plugins, synthetic_coco):
    posecore_plugins('pose-plugin-coco')
    dataset = build_component('datasets', dict(
        type='CocoDataset', data_root=str(synthetic_coco),
        ann_file='annotations/person_keypoints_train2017.json',
        data_prefix=dict(img='train2017/'), pipeline=[]))
    assert len(dataset) >= 4  # at least one person per image
    info = dataset[0]
    assert info['keypoints'].shape == (1, 17, 2) and info['bbox'].shape == (1, 4)
