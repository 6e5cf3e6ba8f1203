"""The HRNet-w32 COCO configs, posecore's and MMPose 1.3.2's own, train and validate on the
real COCO sample (tests/data/mmpose-testdata/coco) through the CLI."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from ..coco.dataset.data.twin_samples import aic_annotations
from ..conftest import DATA, REPO
from ..mmpose_configs import fetch_mmpose_configs
from .cli_runs import loader_options, train_one_epoch

W32 = 'body_2d_keypoint/topdown_heatmap/coco/td-hm_hrnet-w32_8xb64-210e_coco-256x192.py'
COCO = DATA / 'mmpose-testdata' / 'coco'


def _real_coco_options(batch: int, datasets: tuple[str, ...] = ('train', 'val', 'test'),
                       ) -> list[str]:
    """Data paths and sizes only; ``datasets``: the loaders whose dataset reads the COCO
    sample's annotations; validation on its detections."""
    ann = COCO / 'test_coco.json'
    options = loader_options(COCO, ann, batch, datasets)
    for split in ('val', 'test'):
        options += [f'{split}_dataloader.dataset.bbox_file={COCO / "test_coco_det_AP_H_56.json"}',
                    f'{split}_evaluator.ann_file={ann}']
    return options


def _train_one_epoch(config: Path, work: Path, *extra: str, options: list[str] | None = None):
    result, scalars = train_one_epoch(
        config, work, [*(options or _real_coco_options(batch=6)),
                       'val_dataloader.dataset.filter_cfg.bbox_score_thr=0.3', *extra])
    assert any('loss_kpt' in s and 'acc_pose' in s for s in scalars)
    metrics = [s for s in scalars if 'coco/AP' in s]
    assert len(metrics) == 1 and 0.0 <= metrics[0]['coco/AP'] <= 1.0
    assert list(work.glob('best_coco_AP_epoch_1.pth'))
    return result


def test_w32_config_trains_two_iterations_and_validates_on_real_coco(tmp_path):
    # 12 annotated people at batch 6: two iterations; validation on the 33 detections >= 0.3
    _train_one_epoch(REPO / 'configs' / W32, tmp_path)


MMPOSE_CONFIGS, WHY_NOT = fetch_mmpose_configs()


@pytest.mark.skipif(MMPOSE_CONFIGS is None, reason=f'MMPose 1.3.2 configs unavailable: {WHY_NOT}')
@pytest.mark.parametrize('variant', ['', 'dark-', 'udp-', 'photometric-'],
                         ids=lambda v: v.rstrip('-') or 'plain')
def test_mmpose_own_w32_config_runs_unchanged(tmp_path, variant):
    result = _train_one_epoch(MMPOSE_CONFIGS / W32.replace('_8xb64', f'_{variant}8xb64'),
                              tmp_path)
    assert "taken as 'posecore'" in result.stderr



@pytest.mark.skipif(MMPOSE_CONFIGS is None, reason=f'MMPose 1.3.2 configs unavailable: {WHY_NOT}')
def test_mmpose_own_coco_aic_combine_config_runs_unchanged(tmp_path):
    """COCO and AIC trained together in COCO + AIC's 19 keypoints (CombinedDataset,
    KeypointConverter), validated on COCO's 17 with the flip test (MMPose itself stops
    there: its issue #3158)."""
    aic = tmp_path / 'aic.json'
    aic.write_text(json.dumps(aic_annotations(json.loads((COCO / 'test_coco.json').read_text()))))
    options = _real_coco_options(batch=8, datasets=('val', 'test'))
    for i, ann in enumerate([COCO / 'test_coco.json', aic]):
        options += [f'train_dataloader.dataset.datasets.{i}.data_root={COCO}/',
                    f'train_dataloader.dataset.datasets.{i}.ann_file={ann}',
                    f'train_dataloader.dataset.datasets.{i}.data_prefix.img=']
    config = MMPOSE_CONFIGS / W32.replace('210e_coco-256x192', '210e_coco-aic-256x192-combine')
    result = _train_one_epoch(config, tmp_path, options=options)
    # batch 8: the 12 COCO people alone would be 2 iterations; the AIC ones make 3
    assert 'Epoch(train) [1][3/3]' in result.stdout
