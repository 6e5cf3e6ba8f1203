"""MMPose 1.3.2's own HRNet-w32 MPII config trains and validates (PCKh with head boxes)
on the real MPII sample (tests/data/mmpose-testdata/mpii) through the CLI."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from ..conftest import DATA, run_posecore
from ..mmpose_configs import fetch_mmpose_configs

MPII = DATA / 'mmpose-testdata' / 'mpii'
HEADBOXES = Path(__file__).parents[1] / 'coco' / 'dataset' / 'data' / 'mpii_headboxes.mat'
W32 = 'body_2d_keypoint/topdown_heatmap/mpii/td-hm_hrnet-w32_8xb64-210e_mpii-256x256.py'
MMPOSE_CONFIGS, WHY_NOT = fetch_mmpose_configs()


@pytest.mark.skipif(MMPOSE_CONFIGS is None, reason=f'MMPose 1.3.2 configs unavailable: {WHY_NOT}')
@pytest.mark.skipif(importlib.util.find_spec('scipy') is None,
                    reason="MPII's head boxes (.mat) need SciPy")
def test_mmpose_own_w32_mpii_config_runs_unchanged(tmp_path):
    options = [f'data_root={MPII}/', 'model.backbone.init_cfg=None', 'train_cfg.max_epochs=1',
               'train_cfg.val_interval=1', 'default_hooks.logger.interval=1']
    for split in ('train', 'val', 'test'):
        options += [f'{split}_dataloader.dataset.data_root={MPII}/',
                    f'{split}_dataloader.dataset.ann_file={MPII / "test_mpii.json"}',
                    f'{split}_dataloader.dataset.data_prefix.img=',
                    f'{split}_dataloader.batch_size=4', f'{split}_dataloader.num_workers=0',
                    f'{split}_dataloader.persistent_workers=False']
    for split in ('val', 'test'):
        options.append(f'{split}_dataloader.dataset.headbox_file={HEADBOXES}')
    result = run_posecore(tmp_path, 'train', str(MMPOSE_CONFIGS / W32), '--work-dir',
                          str(tmp_path), '--cfg-options', *options, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    scalars = [json.loads(line) for line in
               next(tmp_path.glob('*/vis_data/scalars.json')).read_text().splitlines()]
    assert any('loss_kpt' in s for s in scalars)
    metrics = [s for s in scalars if 'PCK' in s]
    assert len(metrics) == 1 and {'Head PCK', 'Ankle PCK', 'PCK@0.1'} <= metrics[0].keys()
    assert list(tmp_path.glob('best_PCK_epoch_1.pth'))  # the config's save_best='PCK'
