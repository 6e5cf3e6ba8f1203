"""Writes each finished epoch to ``<work_dir>/tiny_epochs.txt``; kills the process on request."""
from __future__ import annotations

import os
import os.path as osp
import signal

from mmengine.hooks import Hook


class EpochRecorderHook(Hook):
    """Appends the epoch number after each training epoch.

    With ``TINY_KILL_AT_ITER=N`` in the environment, the process kills itself
    with SIGKILL after iteration N (a crash test: nothing gets to clean up).
    """

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        kill_at = os.environ.get('TINY_KILL_AT_ITER')
        if kill_at is not None and runner.iter + 1 == int(kill_at):
            os.kill(os.getpid(), signal.SIGKILL)

    def after_train_epoch(self, runner) -> None:
        with open(osp.join(runner.work_dir, 'tiny_epochs.txt'), 'a') as f:
            f.write(f'{runner.epoch}\n')
