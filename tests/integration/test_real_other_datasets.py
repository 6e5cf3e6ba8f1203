"""MMPose 1.3.2's own HRNet configs of other datasets train and validate on their real
samples (tests/data/mmpose-testdata) through the CLI: MPII's w32 (PCKh with head boxes),
and OneHand10K's and WFLW's HRNetV2-w18 (the FeatureMapProcessor neck; PCK, AUC, EPE;
NME)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from ..conftest import DATA
from ..mmpose_configs import fetch_mmpose_configs
from .cli_runs import loader_options, train_one_epoch

SAMPLES = DATA / 'mmpose-testdata'
HEADBOXES = Path(__file__).parents[1] / 'coco' / 'dataset' / 'data' / 'mpii_headboxes.mat'
MMPOSE_CONFIGS, WHY_NOT = fetch_mmpose_configs()
pytestmark = pytest.mark.skipif(MMPOSE_CONFIGS is None,
                                reason=f'MMPose 1.3.2 configs unavailable: {WHY_NOT}')


def _train_one_epoch(work: Path, config: str, data: Path, ann: str, batch: int,
                     *extra: str) -> list[dict]:
    """Data paths and sizes only; the scalars the run logged."""
    return train_one_epoch(MMPOSE_CONFIGS / config, work,
                           [*loader_options(data, data / ann, batch), *extra])[1]


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
