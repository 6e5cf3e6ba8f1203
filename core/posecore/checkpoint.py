"""Checkpoints that load with ``torch.load(weights_only=True)``.

mmengine 0.10 stores its message hub (``HistoryBuffer`` objects, NumPy
arrays and scalars) and the dataset metainfo (NumPy arrays) by pickling, and
torch >= 2.6 refuses those under ``weights_only=True`` (allow-listing them
ends at ``builtins.getattr``, which would let a file call anything). Instead,
:class:`WeightsOnlyCheckpointHook` rewrites them into tensors, lists and
plain scalars before a checkpoint is saved and restores them after it is
loaded; :func:`load_local_checkpoint` always loads with ``weights_only=True``
and explains a refusal.
"""
from __future__ import annotations

import os.path as osp
import pickle
from typing import Any

import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader

from posecore.errors import PosecoreError

_TAG = '__posecore_pickle_free__'


class CheckpointLoadError(PosecoreError):
    """A checkpoint that cannot be loaded without running pickled code."""


def encode(obj: Any) -> Any:
    """Replace NumPy values and ``HistoryBuffer`` objects by weights-only types."""
    if isinstance(obj, HistoryBuffer):
        log, count = obj.data
        return {_TAG: 'HistoryBuffer', 'log': encode(log), 'count': encode(count),
                'max_length': int(obj.max_length)}
    if isinstance(obj, np.ndarray):
        try:
            data = torch.from_numpy(np.ascontiguousarray(obj)).clone()
        except TypeError:  # object, string and unsigned dtypes torch lacks
            data = obj.tolist()
        return {_TAG: 'ndarray', 'data': data, 'dtype': obj.dtype.str}
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, dict):
        return type(obj)((k, encode(v)) for k, v in obj.items())
    if isinstance(obj, (list, tuple)) and not hasattr(obj, '_fields'):
        return type(obj)(encode(v) for v in obj)
    return obj


def decode(obj: Any) -> Any:
    """Invert :func:`encode`."""
    if isinstance(obj, dict):
        kind = obj.get(_TAG)
        if kind == 'ndarray':
            data = obj['data']
            data = data.numpy() if isinstance(data, torch.Tensor) else data
            return np.asarray(data, dtype=np.dtype(obj['dtype']))
        if kind == 'HistoryBuffer':
            return HistoryBuffer(decode(obj['log']), decode(obj['count']), obj['max_length'])
        return type(obj)((k, decode(v)) for k, v in obj.items())
    if isinstance(obj, (list, tuple)) and not hasattr(obj, '_fields'):
        return type(obj)(decode(v) for v in obj)
    return obj


class WeightsOnlyCheckpointHook(Hook):
    """Keeps the runner's checkpoints loadable with ``weights_only=True``.

    The posecore Runner glue registers it on every run; it touches only the
    non-tensor parts (``meta``, ``message_hub``), so the model's state dict
    stays as mmengine and MMPose write it.
    """

    priority = 'LOWEST'  # encode after every other hook has added its data

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        for key in ('meta', 'message_hub'):
            if key in checkpoint:
                checkpoint[key] = encode(checkpoint[key])

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        for key in ('meta', 'message_hub'):
            if key in checkpoint:
                checkpoint[key] = decode(checkpoint[key])


def load_local_checkpoint(filename: str, map_location: Any = None) -> Any:
    """Load a local checkpoint with ``weights_only=True``, explaining a refusal.

    :raises FileNotFoundError: no such file.
    :raises CheckpointLoadError: the file needs arbitrary unpickling.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint {filename!r} does not exist; pass the path '
                                f'of a .pth file.')
    try:
        return torch.load(filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as exc:
        reason = str(exc).split('WeightsUnpickler error:', 1)[-1].strip().splitlines()[0]
        raise CheckpointLoadError(
            f'checkpoint {filename!r} holds objects that loading with weights_only=True '
            f'refuses ({reason}). posecore never runs pickled code from a checkpoint. If '
            f'the file comes from a source you trust, save just its tensors once, e.g. '
            f"torch.save({{'state_dict': torch.load(f, weights_only=False)['state_dict']}}, "
            f'NEW_FILE), and use NEW_FILE.') from exc


def install_local_loader() -> None:
    """Make mmengine's loader use :func:`load_local_checkpoint` for local paths."""
    CheckpointLoader.register_scheme(prefixes='', loader=load_local_checkpoint, force=True)
