"""Fixtures for the inference tests: a small top-down config (MMPose 1.x
spelling) with the weights of ``tests/data/reference/topdown_hrnet_small.pth``."""
from __future__ import annotations

from pathlib import Path

import pytest

# the small HRNet + HeatmapHead of the reference files, input 96 x 128
SMALL_CONFIG = """
default_scope = 'mmpose'
codec = dict(type='MSRAHeatmap', input_size=(96, 128), heatmap_size=(24, 32), sigma=2)
model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(type='PoseDataPreprocessor', mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
    backbone=dict(type='HRNet', in_channels=3, extra=dict(
        stage1=dict(num_modules=1, num_branches=1, block='BOTTLENECK', num_blocks=(2, ),
                    num_channels=(16, )),
        stage2=dict(num_modules=1, num_branches=2, block='BASIC', num_blocks=(2, 2),
                    num_channels=(8, 16)),
        stage3=dict(num_modules=2, num_branches=3, block='BASIC', num_blocks=(2, 2, 2),
                    num_channels=(8, 16, 32)),
        stage4=dict(num_modules=1, num_branches=4, block='BASIC', num_blocks=(2, 2, 2, 2),
                    num_channels=(8, 16, 32, 64))),
        init_cfg=dict(type='Pretrained', checkpoint='does-not-exist.pth')),
    head=dict(type='HeatmapHead', in_channels=8, out_channels=17, deconv_out_channels=None,
              loss=dict(type='KeypointMSELoss', use_target_weight=True), decoder=codec),
    test_cfg=dict(flip_test=True, flip_mode='heatmap', shift_heatmap=True))
test_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='PackPoseInputs'),
]
train_dataloader = dict(batch_size=2, dataset=dict(
    type='CocoDataset', data_root='.', ann_file='x.json', metainfo=dict(from_file='{META}'),
    pipeline=[]))
test_dataloader = dict(batch_size=2, dataset=dict(
    type='CocoDataset', data_root='.', ann_file='x.json', pipeline=test_pipeline))
"""


@pytest.fixture(scope='session')
def small_config(tmp_path_factory, shared_dir: Path) -> Path:
    """The config file; its dataset metainfo is COCO's (``tests/data``)."""
    import json

    folder = tmp_path_factory.mktemp('infer-config')
    meta = folder / 'coco_meta.py'
    raw = json.loads((shared_dir / 'coco_metainfo.json').read_text())
    raw = {k: v for k, v in raw.items() if k not in ('_comment', 'derived')}
    meta.write_text(f'dataset_info = {raw!r}\n')
    path = folder / 'td-hm_hrnet-small_coco-96x128.py'
    path.write_text(SMALL_CONFIG.replace('{META}', str(meta)))
    return path


@pytest.fixture(scope='session')
def small_checkpoint(shared_dir: Path) -> Path:
    """MMPose-built weights of the small model (a bare state dict)."""
    return shared_dir / 'reference' / 'topdown_hrnet_small.pth'


@pytest.fixture(scope='session')
def small_model(small_config: Path, small_checkpoint: Path):
    """``init_model`` of the small config and weights (shared: do not change it)."""
    from pose_plugin_topdown.inference import init_model

    return init_model(str(small_config), str(small_checkpoint))
