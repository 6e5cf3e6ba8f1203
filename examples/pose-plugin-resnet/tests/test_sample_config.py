"""The sample config (``configs/``) trains and validates on the kit's tiny synthetic COCO
data, through the ``posecore`` command as a user runs it."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

CONFIG = (Path(__file__).resolve().parents[1] / 'configs' /
          'td-hm_res18_1xb8-1e_synth-coco-64x64.py')


def test_sample_config_trains_and_validates(synthetic_coco, tmp_path):
    root = f'{synthetic_coco}/'
    options = [f'{split}_dataloader.dataset.data_root={root}' for split in ('train', 'val')]
    result = subprocess.run(
        [sys.executable, '-m', 'posecore', 'train', str(CONFIG), '--work-dir',
         str(tmp_path), '--cfg-options', *options, 'default_hooks.logger.interval=1'],
        cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    scalars = [json.loads(line) for line in
               next(tmp_path.glob('*/vis_data/scalars.json')).read_text().splitlines()]
    assert any(s.get('loss_kpt', 0) > 0 for s in scalars)
    assert any('coco/AP' in s for s in scalars)
    assert list(tmp_path.glob('best_coco_AP_epoch_1.pth'))
