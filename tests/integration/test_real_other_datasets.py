"""MMPose 1.3.2's own HRNet configs of other datasets train and validate on their real
samples (tests/data/mmpose-testdata) through the CLI: MPII's w32 (PCKh with head boxes),
and OneHand10K's and WFLW's HRNetV2-w18 (the FeatureMapProcessor neck; PCK, AUC, EPE;
NME)."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from ..conftest import DATA, run_posecore
from ..mmpose_configs import fetch_mmpose_configs

SAMPLES = DATA / 'mmpose-testdata'
HEADBOXES = Path(__file__).parents[1] / 'coco' / 'dataset' / 'data' / 'mpii_headboxes.mat'
MMPOSE_CONFIGS, WHY_NOT = fetch_mmpose_configs()
pytestmark = pytest.mark.skipif(MMPOSE_CONFIGS is None,
                                reason=f'MMPose 1.3.2 configs unavailable: {WHY_NOT}')


def _train_one_epoch(work: Path, config: str, data: Path, ann: str, batch: int,
                     *extra: str) -> list[dict]:
    """Data paths and sizes only; the scalars the run logged."""
    options = [f'data_root={data}/', 'model.backbone.init_cfg=None', 'train_cfg.max_epochs=1',
               'train_cfg.val_interval=1', 'default_hooks.logger.interval=1', *extra]
    for split in ('train', 'val', 'test'):
        options += [f'{split}_dataloader.dataset.data_root={data}/',
                    f'{split}_dataloader.dataset.ann_file={data / ann}',
                    f'{split}_dataloader.dataset.data_prefix.img=',
                    f'{split}_dataloader.batch_size={batch}', f'{split}_dataloader.num_workers=0',
                    f'{split}_dataloader.persistent_workers=False']
    result = run_posecore(work, 'train', str(MMPOSE_CONFIGS / config), '--work-dir', str(work),
                          '--cfg-options', *options, cwd=work)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    scalars = [json.loads(line) for line in
               next(work.glob('*/vis_data/scalars.json')).read_text().splitlines()]
    assert any('loss_kpt' in s for s in scalars)
    return scalars


@pytest.mark.skipif(importlib.util.find_spec('scipy') is None,
                    reason="MPII's head boxes (.mat) need SciPy")
def test_mmpose_own_w32_mpii_config_runs_unchanged(tmp_path):
    scalars = _train_one_epoch(
        tmp_path,
        'body_2d_keypoint/topdown_heatmap/mpii/td-hm_hrnet-w32_8xb64-210e_mpii-256x256.py',
        SAMPLES / 'mpii', 'test_mpii.json', 4,
        *(f'{split}_dataloader.dataset.headbox_file={HEADBOXES}' for split in ('val', 'test')))
    metrics = [s for s in scalars if 'PCK' in s]
    assert len(metrics) == 1 and {'Head PCK', 'Ankle PCK', 'PCK@0.1'} <= metrics[0].keys()
    assert list(tmp_path.glob('best_PCK_epoch_1.pth'))  # the config's save_best='PCK'


def test_mmpose_own_hrnetv2_onehand10k_config_runs_unchanged(tmp_path):
    scalars = _train_one_epoch(
        tmp_path, 'hand_2d_keypoint/topdown_heatmap/onehand10k/'
        'td-hm_hrnetv2-w18_8xb64-210e_onehand10k-256x256.py',
        SAMPLES / 'onehand10k', 'test_onehand10k.json', 2)
    metrics = [s for s in scalars if 'AUC' in s]
    assert len(metrics) == 1 and {'PCK', 'AUC', 'EPE'} <= metrics[0].keys()
    assert list(tmp_path.glob('best_AUC_epoch_1.pth'))  # the config's save_best='AUC'


def test_mmpose_own_hrnetv2_wflw_config_runs_unchanged(tmp_path):
    scalars = _train_one_epoch(
        tmp_path,
        'face_2d_keypoint/topdown_heatmap/wflw/td-hm_hrnetv2-w18_8xb64-60e_wflw-256x256.py',
        SAMPLES / 'wflw', 'test_wflw.json', 2)
    metrics = [s for s in scalars if 'NME' in s]
    assert len(metrics) == 1 and metrics[0]['NME'] > 0
    assert list(tmp_path.glob('best_NME_epoch_1.pth'))  # the config's save_best='NME', 'less'
