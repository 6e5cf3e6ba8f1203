"""The ResNet configs (backbone from the third-party plugin pose-plugin-resnet in
examples/): posecore's res50 COCO config builds MMPose's model, MMPose 1.3.2's own res50
config trains on the real COCO sample unchanged, the synthetic-data ResNet-18 config trains
and validates."""
from __future__ import annotations

import hashlib
import json

import pytest

from posecore.config import load_config
from posecore.registry import MODELS

from ..conftest import DATA, REPO, run_posecore
from ..mmpose_configs import fetch_mmpose_configs
from .test_real_coco import _real_coco_options

RES50 = 'body_2d_keypoint/topdown_heatmap/coco/td-hm_res50_8xb64-210e_coco-256x192.py'
RES18_SYNTH = (REPO / 'configs' / 'body_2d_keypoint' / 'topdown_heatmap' / 'synth_coco' /
               'td-hm_res18_1xb32-20e_synth-coco-128x96.py')
ARCHITECTURES = DATA / 'reference' / 'resnet' / 'architectures.json'
MMPOSE_CONFIGS, WHY_NOT = fetch_mmpose_configs()
# what must equal MMPose's config of the same name (ours adds plugins.required)
SAME_AS_MMPOSE = ('model', 'codec', 'train_cfg', 'optim_wrapper', 'param_scheduler',
                  'auto_scale_lr', 'default_hooks', 'train_pipeline', 'val_pipeline',
                  'train_dataloader', 'val_dataloader', 'test_dataloader', 'val_evaluator')


def _ok(result):
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def test_res50_config_builds_mmposes_whole_model():
    cfg = load_config(REPO / 'configs' / RES50)
    cfg.model.backbone.init_cfg = None  # offline: no torchvision download
    model = MODELS.build(cfg.model)
    ref = json.loads(ARCHITECTURES.read_text())['models']
    assert sum(p.numel() for p in model.backbone.parameters()) == 23_508_032
    assert sum(p.numel() for p in model.parameters()) == \
        ref['td-hm_res50_8xb64-210e_coco-256x192']['params'] == 33_999_697
    listing = ''.join(f'{k}\t{tuple(v.shape)}\t{str(v.dtype).replace("torch.", "")}\n'
                      for k, v in model.state_dict().items())
    # every key, shape and dtype of MMPose's model, in its order: its checkpoints load
    assert hashlib.sha256(listing.encode()).hexdigest() == \
        ref['td-hm_res50_8xb64-210e_coco-256x192']['listing_sha256']


@pytest.mark.skipif(MMPOSE_CONFIGS is None, reason=f'MMPose 1.3.2 configs unavailable: {WHY_NOT}')
def test_res50_config_equals_mmposes():
    ours = load_config(REPO / 'configs' / RES50)
    theirs = load_config(MMPOSE_CONFIGS / RES50)
    for key in SAME_AS_MMPOSE:
        assert ours.to_dict()[key] == theirs.to_dict()[key], key


@pytest.mark.skipif(MMPOSE_CONFIGS is None, reason=f'MMPose 1.3.2 configs unavailable: {WHY_NOT}')
def test_mmpose_own_res50_config_trains_one_iteration_on_real_coco(tmp_path):
    # the sample's 12 people at batch 12: one iteration; no validation (the flip-test
    # inference is test_real_coco's subject)
    options = [*_real_coco_options(batch=12), 'train_cfg.max_epochs=1', 'val_cfg=None',
               'val_dataloader=None', 'val_evaluator=None', 'default_hooks.logger.interval=1']
    result = _ok(run_posecore(tmp_path, 'train', str(MMPOSE_CONFIGS / RES50), '--work-dir',
                              str(tmp_path), '--cfg-options', *options, cwd=tmp_path))
    assert "taken as 'posecore'" in result.stderr
    scalars = [json.loads(line) for line in
               next(tmp_path.glob('*/vis_data/scalars.json')).read_text().splitlines()]
    steps = [s for s in scalars if 'loss_kpt' in s]
    assert len(steps) == 1 and steps[0]['iter'] == 1 and steps[0]['loss_kpt'] > 0
    assert (tmp_path / 'epoch_1.pth').is_file()


def test_synthetic_res18_config_trains_and_validates(synthetic_coco, tmp_path):
    det = (synthetic_coco / 'person_detection_results' /
           'COCO_val2017_detections_AP_H_56_person.json')
    ann = synthetic_coco / 'annotations' / 'person_keypoints_val2017.json'
    root = str(synthetic_coco) + '/'
    cfg = tmp_path / 'res18_small.py'
    cfg.write_text(f"""_base_ = [{str(RES18_SYNTH)!r}]
train_cfg = dict(max_epochs=1, val_interval=1)
default_hooks = dict(logger=dict(interval=1))
train_dataloader = dict(batch_size=4, num_workers=0, persistent_workers=False,
                        dataset=dict(data_root={root!r}))
val_dataloader = dict(batch_size=8, num_workers=0, persistent_workers=False,
                      dataset=dict(data_root={root!r}, bbox_file={str(det)!r}))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file={str(ann)!r})
test_evaluator = val_evaluator
""")
    _ok(run_posecore(tmp_path, 'train', str(cfg), '--work-dir', str(tmp_path / 'work'),
                     cwd=tmp_path))
    scalars = [json.loads(line) for line in
               next((tmp_path / 'work').glob('*/vis_data/scalars.json')).read_text().splitlines()]
    assert any('loss_kpt' in s for s in scalars)
    assert [s for s in scalars if 'coco/AP' in s]
    assert list((tmp_path / 'work').glob('best_coco_AP_epoch_1.pth'))
