"""Config files: posecore's own and MMPose 1.x's, loaded and partly built."""
from __future__ import annotations

import contextlib
import importlib.util
import io
from pathlib import Path

import pytest

from posecore.config import load_config
from posecore.registry import KEYPOINT_CODECS, MODELS, TRANSFORMS

from ..conftest import REPO, run_posecore
from ..mmpose_configs import fetch_mmpose_configs

HRNET_CFG = (REPO / 'configs' / 'body_2d_keypoint' / 'topdown_heatmap' / 'coco' /
             'td-hm_hrnet-w32_8xb64-210e_coco-256x192.py')
MMPOSE_CONFIGS, WHY_NOT = fetch_mmpose_configs()


def _mmpose_configs(pattern: str) -> list[Path]:
    return sorted(MMPOSE_CONFIGS.glob(pattern)) if MMPOSE_CONFIGS else []


def test_hrnet_config_builds_backbone_and_codec():
    cfg = load_config(HRNET_CFG)
    backbone = MODELS.build(cfg.model.backbone)
    assert sum(p.numel() for p in backbone.parameters()) == 28_535_552  # MMPose's w32
    codec = KEYPOINT_CODECS.build(cfg.codec)
    assert tuple(codec.heatmap_size) == (48, 64)


def test_hrnet_config_prints(tmp_path):
    result = run_posecore(tmp_path, 'print-config', str(HRNET_CFG), '--cfg-options',
                          'train_cfg.max_epochs=1')
    assert result.returncode == 0, result.stderr
    assert "type='HRNet'" in result.stdout and 'max_epochs=1' in result.stdout


# the body datasets' HRNet configs; OneHand10K's and WFLW's HRNetV2 (FeatureMapProcessor)
MMPOSE_TOPDOWN = [path for pattern in (
    *(f'body_2d_keypoint/topdown_heatmap/{data}/td-hm_hrnet*.py'
      for data in ('coco', 'aic', 'crowdpose', 'exlpose', 'humanart', 'mpii')),
    'hand_2d_keypoint/topdown_heatmap/onehand10k/td-hm_hrnetv2*.py',
    'face_2d_keypoint/topdown_heatmap/wflw/td-hm_hrnetv2*.py')
    for path in _mmpose_configs(pattern)]


@pytest.mark.skipif(not MMPOSE_TOPDOWN, reason=f'MMPose 1.3.2 configs unavailable: {WHY_NOT}')
@pytest.mark.parametrize('path', MMPOSE_TOPDOWN, ids=lambda p: p.name)
def test_mmpose_hrnet_configs_load_unchanged_and_build_backbone_and_pipelines(path):
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        cfg = load_config(path)
    assert cfg.default_scope == 'posecore' and "taken as 'posecore'" in err.getvalue()
    backbone = MODELS.build(cfg.model.backbone)
    assert type(backbone).__name__ == 'HRNet'
    if cfg.model.get('neck'):
        MODELS.build(cfg.model.neck)
    if 'codec' in cfg:
        KEYPOINT_CODECS.build(cfg.codec)
    # the coco-aic configs combine datasets, each with its own pipeline (KeypointConverter)
    datasets = [dataset for loader in ('train_dataloader', 'val_dataloader')
                for dataset in [cfg[loader].dataset, *cfg[loader].dataset.get('datasets', [])]]
    steps = [step for dataset in datasets for step in dataset.get('pipeline', [])]
    assert any(step['type'] == 'TopdownAffine' for step in steps)
    for step in steps:
        if step['type'] == 'Albumentation' and importlib.util.find_spec('albumentations') is None:
            continue  # optional dependency: tests/topdown/transforms/test_albumentation.py
        TRANSFORMS.build(step)


OUR_HRNET = sorted((REPO / 'configs' / 'body_2d_keypoint' / 'topdown_heatmap' / 'coco')
                   .glob('td-hm_hrnet*.py'))


@pytest.mark.skipif(not MMPOSE_TOPDOWN, reason=f'MMPose 1.3.2 configs unavailable: {WHY_NOT}')
@pytest.mark.parametrize('path', OUR_HRNET, ids=lambda p: p.name)
def test_our_hrnet_configs_hold_every_part_of_mmposes_of_that_name(path):
    with contextlib.redirect_stderr(io.StringIO()):
        ours = load_config(path).to_dict()
        theirs = load_config(MMPOSE_CONFIGS / 'body_2d_keypoint' / 'topdown_heatmap' / 'coco' /
                             path.name).to_dict()
    # ours may add keys (plugins.required, a named architecture dict); none of theirs differs
    assert {key for key in theirs if ours.get(key) != theirs[key]} == set()
