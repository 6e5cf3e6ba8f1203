"""``init_cfg=dict(type='Pretrained', checkpoint=...)``: weights of a checkpoint into a ResNet.

``checkpoint`` is a local path, an ``http(s)://`` URL, or one of mmengine's
model-zoo names: ``torchvision://resnet50`` (what MMPose's ResNet configs
use; torchvision's ImageNet weights, whose keys are ResNet's plus ``fc.*``)
or ``open-mmlab://resnet50_v1c``. Names are looked up in the URL tables
mmengine ships (``mmengine/hub/*.json``), so torchvision need not be
installed. Files are read by posecore's weights-only loader
(:func:`posecore.checkpoint.load_checkpoint_file`).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final, Mapping, Optional

import torch
import torch.nn as nn
from mmengine.logging import print_log
from posecore.checkpoint import CheckpointLoadError, load_checkpoint_file

from .errors import ResNetConfigError

# scheme -> the URL table mmengine ships for it
_ZOO_TABLES: Final[dict[str, str]] = {
    'torchvision://': 'torchvision_0.12.json',
    'modelzoo://': 'torchvision_0.12.json',
    'open-mmlab://': 'openmmlab.json',
    'openmmlab://': 'openmmlab.json',
}
_STATE_DICT_KEYS: Final[tuple[str, ...]] = ('state_dict', 'model')


def resolve_checkpoint(source: str) -> str:
    """The URL or path that ``source`` names (model-zoo names become URLs).

    :raises ResNetConfigError: an unknown model-zoo name (the message lists
        the ResNet names of that zoo).
    """
    for scheme, table in _ZOO_TABLES.items():
        if source.startswith(scheme):
            import mmengine  # deferred: only model-zoo names need its tables
            urls = json.loads((Path(mmengine.__file__).parent / 'hub' / table).read_text())
            name = source[len(scheme):]
            if name not in urls:
                known = sorted(k for k in urls if 'resnet' in k.lower())
                raise ResNetConfigError(
                    f'init_cfg.checkpoint={source!r}: no model {name!r} in mmengine\'s '
                    f'{scheme} table; ResNet names there: {known!r}')
            return str(urls[name])
    return source


def extract_state_dict(checkpoint: Any, source: str,
                       prefix: Optional[str] = None) -> dict[str, torch.Tensor]:
    """The tensors of a checkpoint (raw, or under ``state_dict``/``model``).

    :param checkpoint: what was loaded from the file.
    :param source: the file's name, for messages.
    :param prefix: keep only keys starting with it (e.g. ``'backbone.'``), removed.
        A leading ``module.`` (DataParallel) is stripped first.
    """
    if not isinstance(checkpoint, Mapping):
        raise CheckpointLoadError(
            f'checkpoint {source!r} holds a {type(checkpoint).__name__}, not a dict of '
            'tensors')
    for key in _STATE_DICT_KEYS:
        if isinstance(checkpoint.get(key), Mapping):
            checkpoint = checkpoint[key]
            break
    state = {k.removeprefix('module.'): v for k, v in checkpoint.items()
             if isinstance(v, torch.Tensor)}
    if prefix:
        prefix = prefix if prefix.endswith('.') else prefix + '.'
        picked = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
        if not picked:
            raise CheckpointLoadError(
                f'checkpoint {source!r} has no keys starting with prefix {prefix!r} '
                f'(first keys: {sorted(state)[:3]!r}); fix init_cfg.prefix or drop it')
        state = picked
    return state


def load_pretrained(module: nn.Module, source: str, prefix: Optional[str] = None,
                    map_location: Any = 'cpu') -> None:
    """Copy the weights of checkpoint ``source`` into ``module``.

    Keys missing from the file or unknown to the module are a warning (as with
    mmengine's ``PretrainedInit``, so ImageNet checkpoints with ``fc.*`` load);
    a shape mismatch or no common key at all is an error.

    :param module: the ResNet.
    :param source: path, URL or model-zoo name (see :func:`resolve_checkpoint`).
    :param prefix: take the keys under it (``'backbone.'`` for a whole pose model).
    :param map_location: as for ``torch.load``.
    """
    location = resolve_checkpoint(source)
    state = extract_state_dict(load_checkpoint_file(location, map_location), source, prefix)
    own = module.state_dict()
    mismatched = [f'{k}: file {tuple(v.shape)} vs model {tuple(own[k].shape)}'
                  for k, v in state.items() if k in own and v.shape != own[k].shape]
    if mismatched:
        raise CheckpointLoadError(
            f'checkpoint {source!r} does not fit {type(module).__name__}: '
            f'{len(mismatched)} shape mismatches, e.g. {mismatched[:3]!r}; check depth, '
            'base_channels, stem_channels and deep_stem against the checkpoint')
    if not own.keys() & state.keys():
        raise CheckpointLoadError(
            f'checkpoint {source!r} shares no key with {type(module).__name__} (file keys '
            f'like {sorted(state)[:3]!r}, model keys like {sorted(own)[:3]!r}); set '
            "init_cfg.prefix, e.g. prefix='backbone.'")
    result = module.load_state_dict(state, strict=False)
    print_log(f'loaded {len(own.keys() & state.keys())} tensors from {source!r}',
              logger='current')
    if result.missing_keys or result.unexpected_keys:
        print_log(f'checkpoint {source!r}: {len(result.missing_keys)} missing keys '
                  f'{result.missing_keys[:5]!r}, {len(result.unexpected_keys)} unexpected '
                  f'keys {result.unexpected_keys[:5]!r}', logger='current', level=30)
