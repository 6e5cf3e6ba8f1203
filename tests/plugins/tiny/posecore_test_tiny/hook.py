"""Writes each finished epoch to ``<work_dir>/tiny_epochs.txt``."""
from __future__ import annotations

import os.path as osp

from mmengine.hooks import Hook


class EpochRecorderHook(Hook):
    """Appends the epoch number after each training epoch."""

    def after_train_epoch(self, runner) -> None:
        with open(osp.join(runner.work_dir, 'tiny_epochs.txt'), 'a') as f:
            f.write(f'{runner.epoch}\n')
