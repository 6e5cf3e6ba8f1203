"""Training that survives a crash: whole files only, and no run past a NaN loss.

- :class:`AtomicLocalBackend` replaces mmengine's local file backend: every
  file mmengine writes (checkpoints, ``last_checkpoint``, dumps) goes to a
  temporary file beside the target, is flushed to disk, then renamed over it,
  so a kill during saving leaves the previous file whole and loadable.
- :class:`NonFiniteLossHook` stops a run at the first NaN or infinite loss,
  naming the iteration and the last good checkpoint (which stays loadable:
  nothing is saved after the loss went bad).
"""
from __future__ import annotations

import math
import os
import os.path as osp
import tempfile
from pathlib import Path
from typing import Any

from mmengine.fileio.backends import LocalBackend, register_backend
from mmengine.hooks import Hook

from posecore.errors import PosecoreError


class TrainingDivergedError(PosecoreError, FloatingPointError):
    """The training loss became NaN or infinite."""


def write_atomic(data: bytes, path: str | Path) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename."""
    path = os.fspath(path)
    folder = osp.dirname(path) or '.'
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f'.{osp.basename(path)}.', suffix='.tmp', dir=folder)
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with _suppress_oserror():
            os.unlink(tmp)
        raise


class _suppress_oserror:
    def __enter__(self) -> None:
        return None

    def __exit__(self, kind, value, tb) -> bool:
        return kind is not None and issubclass(kind, OSError)


class AtomicLocalBackend(LocalBackend):
    """mmengine's local backend whose writes replace a file whole or not at all."""

    def put(self, obj: bytes, filepath: str | Path) -> None:
        write_atomic(obj, filepath)

    def put_text(self, obj: str, filepath: str | Path, encoding: str = 'utf-8') -> None:
        write_atomic(obj.encode(encoding), filepath)


def install_atomic_local_backend() -> None:
    """Make mmengine's file I/O (checkpoints included) use :class:`AtomicLocalBackend`."""
    register_backend('local', AtomicLocalBackend, force=True, prefixes='')


def last_checkpoint(work_dir: str) -> str | None:
    """The checkpoint ``work_dir/last_checkpoint`` names, if that file exists there."""
    marker = osp.join(work_dir, 'last_checkpoint')
    try:
        path = Path(marker).read_text().strip()
    except OSError:
        return None
    return path if path and osp.isfile(path) else None


class NonFiniteLossHook(Hook):
    """Stops training at the first iteration whose loss is NaN or infinite.

    mmengine's ``CheckInvalidLossHook`` looks every 50 iterations and raises a
    bare ``AssertionError``; this one looks at every iteration (one float per
    iteration) and says where to restart from.
    """

    priority = 'VERY_HIGH'  # before the checkpoint hook can save the broken weights

    def after_train_iter(self, runner, batch_idx: int, data_batch: Any = None,
                         outputs: dict | None = None) -> None:
        if not outputs or 'loss' not in outputs:
            return
        loss = outputs['loss']
        loss = float(loss.detach() if hasattr(loss, 'detach') else loss)
        if math.isfinite(loss):
            return
        last = last_checkpoint(runner.work_dir)
        where = (f'the last good checkpoint is {last!r} (resume with --resume {last})'
                 if last else 'no checkpoint was saved before it')
        raise TrainingDivergedError(
            f'the training loss became {loss} at iteration {runner.iter + 1} (epoch '
            f'{runner.epoch + 1}); {where}. Lower the learning rate, check the data of '
            f'that batch, or clip gradients (optim_wrapper.clip_grad).')
