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
    problem = checkpoint_problem(path)
    if problem:
        raise CheckpointLoadError(f'checkpoint file {source!r} {problem}')
    try:
        with torch.serialization.safe_globals(_numpy_globals()):
            return torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as error:
        if 'Unsupported global' not in str(error) and 'Unsupported operand' not in str(error):
            raise CheckpointLoadError(
                f'checkpoint file {source!r} is not a PyTorch checkpoint or is corrupt '
                f'({_first_line(error)}); pass a .pth file written by torch.save.') from None
        raise _refusal(source, error, path) from None
    except (RuntimeError, OSError, EOFError) as error:
        text = str(error)
        if 'version' in text and 'too old' in text:
            raise CheckpointLoadError(
                f'checkpoint file {source!r} was written by a newer PyTorch than the installed '
                f'{torch.__version__} ({text.split(". ", 1)[-1].split(". The", 1)[0]}); '
                f'upgrade torch, or save it again with this version.') from None
        raise CheckpointLoadError(
            f'checkpoint file {source!r} is truncated or corrupt ({type(error).__name__}: '
            f'{_first_line(error)}); use an earlier checkpoint or copy the file '
            f'again.') from None


_ZIP_MAGIC = b'PK\x03\x04'
_PICKLE_PROTO = b'\x80'


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0][:200]


def checkpoint_problem(path: str) -> str | None:
    """Why the file at ``path`` cannot be a whole checkpoint, read without unpickling
    (an empty file, a cut ZIP archive, bytes that are neither torch format), or None.

    :param path: a local file.
    """
    import zipfile

    with open(path, 'rb') as f:
        head = f.read(4)
    if not head:
        return ('is empty (0 bytes): its save was interrupted or it was cut when copied; '
                'use an earlier checkpoint or copy the file again.')
    if head == _ZIP_MAGIC:
        try:
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError) as error:
            return (f'is truncated or corrupt (its ZIP archive is unreadable: {error}); use an '
                    f'earlier checkpoint or copy the file again.')
        if not any(name.endswith('data.pkl') for name in names):
            return ('is a ZIP archive but not a PyTorch checkpoint (no data.pkl); pass a .pth '
                    'file written by torch.save.')
        return None
    if not head.startswith(_PICKLE_PROTO):  # torch's legacy format starts with a pickle
        return (f'is not a PyTorch checkpoint (it starts with {head!r}, neither a ZIP archive '
                f'nor a pickle); pass a .pth file written by torch.save.')
    return None


def load_from_local_weights_only(filename: str, map_location: Any = None) -> Any:
    """mmengine's local-path loader, weights only (mmengine logs the name after
    ``load_from_``: "Loads checkpoint by local_weights_only backend")."""
    return load_checkpoint_file(filename, map_location)


def install_local_loader() -> None:
    """Make mmengine's loader use :func:`load_checkpoint_file` for local paths."""
    CheckpointLoader.register_scheme(prefixes='', loader=load_from_local_weights_only,
                                     force=True)


def state_dict_mismatch(model: torch.nn.Module, checkpoint: Any, strict: bool) -> str | None:
    """How a loaded checkpoint's weights differ from ``model``'s, or None when they fit.

    :param checkpoint: what was loaded: a dict with ``state_dict``, or a bare state dict.
    :param strict: every weight must be there with its shape and nothing else (``test``);
        otherwise only a checkpoint sharing no weight with the model is refused (a
        ``load_from`` for fine-tuning may differ in its head).
    """
    if not isinstance(checkpoint, dict):
        return (f'holds a {type(checkpoint).__name__}, not a dict of weights (a state dict '
                f'or a dict with a "state_dict" key); pass a checkpoint written by '
                f'posecore/mmengine or torch.save(model.state_dict(), path).')
    state = checkpoint.get('state_dict', checkpoint)
    if not isinstance(state, dict):
        return f'has a "state_dict" that is a {type(state).__name__}, not a dict of weights.'
    state = {k[len('module.'):] if k.startswith('module.') else k: v for k, v in state.items()}
    own = model.state_dict()
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    shapes = [f'{k} is {tuple(state[k].shape)} there but {tuple(own[k].shape)} in the model'
              for k in own if k in state and hasattr(state[k], 'shape')
              and tuple(state[k].shape) != tuple(own[k].shape)]

    def few(keys: list[str]) -> str:
        return ', '.join(keys[:4]) + (f' and {len(keys) - 4} more' if len(keys) > 4 else '')

    if len(missing) == len(own) and own:
        return (f'shares no weight with the model the config builds (another model\'s '
                f'weights?): the model needs {few(missing)}, the file holds '
                f'{few(unexpected) or "no weights"}; pass a checkpoint of this model, or '
                f'the config it was trained with.')
    if not strict or not (missing or unexpected or shapes):
        return None
    parts = ([f'{len(missing)} weights of the model are missing ({few(missing)})'] if missing
             else []) + ([f'{len(unexpected)} are not in the model ({few(unexpected)})']
                         if unexpected else []) + ([f'shapes differ: {few(shapes)}'] if shapes
                                                   else [])
    return (f'does not match the model the config builds: {"; ".join(parts)}; pass the '
            f'checkpoint trained with this config, or the config it was trained with.')


def guard_checkpoint_loading(runner: Any, strict: bool) -> None:
    """Make ``runner.load_checkpoint`` refuse weights that do not fit the model.

    mmengine loads with ``strict=False`` and only logs the differences: a test
    would evaluate a half-random model without a word.

    :param runner: an mmengine ``Runner``.
    :param strict: see :func:`state_dict_mismatch`.
    """
    from mmengine.model import is_model_wrapper

    original = runner.load_checkpoint

    def load_checkpoint(filename: str, *args: Any, **kwargs: Any) -> Any:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        try:
            checkpoint = original(filename, *args, **kwargs)
        except (AttributeError, TypeError, KeyError, RuntimeError) as error:
            loaded = load_checkpoint_file(filename) if os.path.isfile(filename) else None
            problem = state_dict_mismatch(model, loaded, strict) if loaded is not None else None
            if problem is None:
                raise
            raise CheckpointLoadError(f'checkpoint file {filename!r} {problem}') from error
        problem = state_dict_mismatch(model, checkpoint, strict)
        if problem:
            raise CheckpointLoadError(f'checkpoint file {filename!r} {problem}')
        return checkpoint

    runner.load_checkpoint = load_checkpoint
