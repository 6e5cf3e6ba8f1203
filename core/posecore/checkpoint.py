"""Checkpoints that load with ``torch.load(weights_only=True)``.

mmengine 0.10 stores its message hub (``HistoryBuffer`` objects, NumPy
arrays and scalars) and the dataset metainfo (NumPy arrays) by pickling, and
torch >= 2.6 refuses those under ``weights_only=True`` (allow-listing them
ends at ``builtins.getattr``, which would let a file call anything). Instead,
:class:`WeightsOnlyCheckpointHook` rewrites them into tensors, lists and
plain scalars before a checkpoint is saved and restores them after it is
loaded; :func:`load_checkpoint_file` always loads with ``weights_only=True``
(NumPy arrays allowed: they are data) and explains a refusal.
"""
from __future__ import annotations

import os
import pickle
import urllib.error
from typing import Any

import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader

from posecore.errors import PosecoreError

_TAG = '__posecore_pickle_free__'


class CheckpointLoadError(PosecoreError, RuntimeError):
    """A checkpoint that cannot be read, or only by running pickled code."""


class CheckpointNotFoundError(CheckpointLoadError, FileNotFoundError):
    """No checkpoint file at the given path."""


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


_URL_PREFIXES = ('http://', 'https://')


def _numpy_globals() -> list:
    """What rebuilding NumPy arrays needs (data only, no code), e.g. in MMPose's ``meta``."""
    core = getattr(np, '_core', None) or np.core
    found = [core.multiarray._reconstruct, core.multiarray.scalar, np.ndarray, np.dtype]
    found += [t for t in vars(getattr(np, 'dtypes', object)).values()
              if isinstance(t, type) and t.__name__.endswith('DType')]
    return found


def _refusal(source: str, error: Exception, path: str | None) -> CheckpointLoadError:
    needed = ''
    if path is not None:
        try:
            needed = f' It needs {sorted(torch.serialization.get_unsafe_globals_in_checkpoint(path))!r}.'
        except Exception:  # an older torch, or an unreadable file: the reason below suffices
            pass
    reason = str(error).split('WeightsUnpickler error:', 1)[-1].strip().splitlines()[0]
    return CheckpointLoadError(
        f'checkpoint {source!r} holds objects that loading with weights_only=True refuses '
        f'({reason.split(". Please use", 1)[0]}).{needed} posecore never runs pickled code '
        f'from a checkpoint. If you trust the file, keep only its weights once: '
        f"torch.save(torch.load(path, weights_only=False)['state_dict'], 'weights.pth') "
        f'and pass that file.')


def load_checkpoint_file(source: str, map_location: Any = 'cpu') -> Any:
    """Load a checkpoint from a local path or an ``http(s)://`` URL, weights only.

    Tensors, containers, plain values and NumPy arrays load; anything that
    would run other pickled code is refused. URLs go through
    ``torch.hub.load_state_dict_from_url`` and its cache
    (``$TORCH_HOME/hub/checkpoints``), as mmengine's loader does.

    :raises CheckpointNotFoundError: no such local file.
    :raises CheckpointLoadError: the download failed (offline?) or the file
        needs more than weights-only unpickling.
    """
    if source.startswith(_URL_PREFIXES):
        cache = os.path.join(torch.hub.get_dir(), 'checkpoints')
        try:
            with torch.serialization.safe_globals(_numpy_globals()):
                return torch.hub.load_state_dict_from_url(
                    source, map_location=map_location, weights_only=True)
        except pickle.UnpicklingError as error:
            cached = os.path.join(cache, os.path.basename(source.split('?')[0]))
            raise _refusal(source, error, cached if os.path.isfile(cached) else None) from None
        except (urllib.error.URLError, OSError) as error:
            raise CheckpointLoadError(
                f'cannot download checkpoint {source!r} ({error}). If this machine is '
                f'offline, download the file elsewhere and put it in the cache folder '
                f"{cache!r}, or pass the local path, e.g. init_cfg=dict(type='Pretrained', "
                f"checkpoint='/path/to/file.pth').") from error
    path = os.path.expanduser(source)
    if not os.path.isfile(path):
        raise CheckpointNotFoundError(f'checkpoint file {source!r} does not exist; pass an '
                                      f'existing local path or an http(s):// URL.')
    try:
        with torch.serialization.safe_globals(_numpy_globals()):
            return torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as error:
        raise _refusal(source, error, path) from None


def load_from_local_weights_only(filename: str, map_location: Any = None) -> Any:
    """mmengine's local-path loader, weights only (mmengine logs the name after
    ``load_from_``: "Loads checkpoint by local_weights_only backend")."""
    return load_checkpoint_file(filename, map_location)


def install_local_loader() -> None:
    """Make mmengine's loader use :func:`load_checkpoint_file` for local paths."""
    CheckpointLoader.register_scheme(prefixes='', loader=load_from_local_weights_only,
                                     force=True)
