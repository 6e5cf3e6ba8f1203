"""The sample runner hook of ``posecore plugin new --registry hooks``."""
from __future__ import annotations

MODULE = 'hook'
CLASS = '@Prefix@LossLogHook'
#: the generated config adds it to custom_hooks
CONFIG = "dict(type='@Prefix@LossLogHook', interval=1)"

SOURCE = '''\
"""``@Prefix@LossLogHook``: the training losses, one JSON line per logged iteration."""
from __future__ import annotations

import json
import os.path as osp
from typing import Any, Optional

from mmengine.dist import is_main_process
from mmengine.hooks import Hook


class @Prefix@LossLogHook(Hook):
    """Append ``{"epoch": E, "iter": I, "loss": ..., ...}`` to ``work_dir/filename``
    every ``interval`` training iterations (on the main process only): every
    number the model's ``train_step`` returned, for plotting or checking a run.

    :param filename: the file name, in the run's work dir.
    :param interval: write every this many iterations (>= 1).
    """

    priority = 'LOW'

    def __init__(self, filename: str = 'losses.jsonl', interval: int = 1) -> None:
        if not isinstance(interval, int) or interval < 1:
            raise ValueError(f'@Prefix@LossLogHook: interval must be an int >= 1, '
                             f'got {interval!r}')
        if not filename or osp.isabs(filename):
            raise ValueError(f'@Prefix@LossLogHook: filename must be a file name inside the '
                             f'work dir, got {filename!r}')
        self.filename = filename
        self.interval = interval

    def after_train_iter(self, runner: Any, batch_idx: int, data_batch: Any = None,
                         outputs: Optional[dict] = None) -> None:
        """Write the numbers of ``outputs`` after every ``interval``-th iteration."""
        if not self.every_n_train_iters(runner, self.interval) or not is_main_process():
            return
        row = dict(epoch=runner.epoch, iter=runner.iter + 1)
        for key, value in (outputs or {}).items():
            if hasattr(value, 'numel') and value.numel() == 1:  # a one-value tensor
                value = value.item()
            if isinstance(value, (int, float)):
                row[key] = float(value)
        with open(osp.join(runner.work_dir, self.filename), 'a', encoding='utf-8') as f:
            f.write(json.dumps(row) + '\\n')
'''

TEST = '''\
"""``@Prefix@LossLogHook``: writes the losses of the logged iterations."""
from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
import torch

from posecore.registry import HOOKS

DIST = '@dist@'


def test_writes_one_line_per_interval(posecore_plugins, tmp_path):
    posecore_plugins(DIST)
    hook = HOOKS.build(dict(type='@Prefix@LossLogHook', interval=2))
    for i in range(4):
        runner = SimpleNamespace(work_dir=str(tmp_path), epoch=0, iter=i)
        hook.after_train_iter(runner, i, outputs=dict(loss=torch.tensor(1.0 / (i + 1)),
                                                      acc_pose=0.5, name='skipped'))
    rows = [json.loads(line) for line in (tmp_path / 'losses.jsonl').read_text().splitlines()]
    assert [r['iter'] for r in rows] == [2, 4]
    assert rows[0] == dict(epoch=0, iter=2, loss=0.5, acc_pose=0.5)


def test_bad_interval_is_refused(posecore_plugins):
    posecore_plugins(DIST)
    with pytest.raises(ValueError, match='interval must be an int >= 1'):
        HOOKS.build(dict(type='@Prefix@LossLogHook', interval=0))
'''
