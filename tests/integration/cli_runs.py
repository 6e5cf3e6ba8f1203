"""One training epoch of a config through the CLI on a small real sample, with only data
paths and sizes changed (shared by the tests that run MMPose's and posecore's configs)."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

from ..conftest import run_posecore


def loader_options(data: Path, ann: Path, batch: int,
                   datasets: tuple[str, ...] = ('train', 'val', 'test')) -> list[str]:
    """``--cfg-options`` reading ``ann`` under ``data`` in the loaders ``datasets``, at
    ``batch`` in every loader, in the main process, without pretrained weights (offline)."""
    options = [f'data_root={data}/', 'model.backbone.init_cfg=None']
    for split in datasets:
        options += [f'{split}_dataloader.dataset.data_root={data}/',
                    f'{split}_dataloader.dataset.ann_file={ann}',
                    f'{split}_dataloader.dataset.data_prefix.img=']
    for split in ('train', 'val', 'test'):
        options += [f'{split}_dataloader.batch_size={batch}',
                    f'{split}_dataloader.num_workers=0',
                    f'{split}_dataloader.persistent_workers=False']
    return options


def train_one_epoch(config: Path, work: Path, options: list[str]
                    ) -> tuple[subprocess.CompletedProcess, list[dict]]:
    """``posecore train`` one epoch with validation; the result and the logged scalars."""
    result = run_posecore(work, 'train', str(config), '--work-dir', str(work), '--cfg-options',
                          *options, 'train_cfg.max_epochs=1', 'train_cfg.val_interval=1',
                          'default_hooks.logger.interval=1', cwd=work)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    scalars = [json.loads(line) for line in
               next(work.glob('*/vis_data/scalars.json')).read_text().splitlines()]
    assert any('loss_kpt' in s for s in scalars)
    return result, scalars
