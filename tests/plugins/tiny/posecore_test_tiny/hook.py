"""Writes each finished epoch to ``<work_dir>/tiny_epochs.txt``; kills the process on request."""
from __future__ import annotations

import os
import os.path as osp
import signal

from mmengine.hooks import Hook


class EpochRecorderHook(Hook):
    """Appends the epoch number after each training epoch (rank 0), and the rank of
    every process that finished an epoch or saved a checkpoint (``tiny_ranks.txt``,
    ``tiny_saves.txt``): evidence of who took part in a distributed run.

    With ``TINY_KILL_AT_ITER=N`` in the environment, the process kills itself
    with SIGKILL after iteration N (a crash test: nothing gets to clean up).
    """

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        kill_at = os.environ.get('TINY_KILL_AT_ITER')
        if kill_at is not None and runner.iter + 1 == int(kill_at):
            os.kill(os.getpid(), signal.SIGKILL)

    def after_train_epoch(self, runner) -> None:
        _append(runner.work_dir, 'tiny_ranks.txt', runner.rank)
        if runner.rank == 0:
            _append(runner.work_dir, 'tiny_epochs.txt', runner.epoch)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        _append(runner.work_dir, 'tiny_saves.txt', runner.rank)


def _append(work_dir: str, name: str, value: int) -> None:
    with open(osp.join(work_dir, name), 'a') as f:
        f.write(f'{value}\n')
