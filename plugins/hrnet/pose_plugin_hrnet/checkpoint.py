"""``Pretrained`` initialisation: the weights of a checkpoint into a module.

Files and URLs are read by posecore's weights-only loader
(:func:`posecore.checkpoint.load_checkpoint_file`); this module picks the
tensors (``state_dict``/``model``, a ``prefix``) and checks they fit.
"""
from __future__ import annotations

from typing import Any, Mapping, Optional

import torch
import torch.nn as nn
from mmengine.logging import print_log
from posecore.checkpoint import CheckpointLoadError, load_checkpoint_file

_STATE_DICT_KEYS: tuple[str, ...] = ('state_dict', 'model')


def extract_state_dict(checkpoint: Any, source: str,
                       prefix: Optional[str] = None) -> dict[str, torch.Tensor]:
    """The tensors of a checkpoint (raw, or under ``state_dict``/``model``).

    With ``prefix`` (e.g. ``'backbone.'``) keep only keys starting with it,
    prefix removed. A leading ``module.`` (DataParallel) is stripped.
    """
    if not isinstance(checkpoint, Mapping):
        raise CheckpointLoadError(
            f'checkpoint {source!r} holds a {type(checkpoint).__name__}, not a '
            'dict of tensors')
    for key in _STATE_DICT_KEYS:
        if isinstance(checkpoint.get(key), Mapping):
            checkpoint = checkpoint[key]
            break
    state = {(k[len('module.'):] if k.startswith('module.') else k): v
             for k, v in checkpoint.items() if isinstance(v, torch.Tensor)}
    if prefix:
        if not prefix.endswith('.'):
            prefix += '.'
        picked = {k[len(prefix):]: v for k, v in state.items()
                  if k.startswith(prefix)}
        if not picked:
            sample = sorted(state)[:3]
            raise CheckpointLoadError(
                f'checkpoint {source!r} has no keys starting with prefix '
                f'{prefix!r} (first keys: {sample!r}); fix init_cfg.prefix or '
                'drop it')
        state = picked
    return state


def load_pretrained(module: nn.Module, source: str, prefix: Optional[str] = None,
                    map_location: Any = 'cpu') -> None:
    """Copy the weights of checkpoint ``source`` into ``module``.

    Keys missing from the file or unknown to the module are reported as a
    warning (as mmengine's ``PretrainedInit`` does, so ImageNet checkpoints
    with classifier weights load); a shape mismatch or no common key at all
    is an error.
    """
    state = extract_state_dict(load_checkpoint_file(source, map_location),
                               source, prefix)
    own = module.state_dict()
    mismatched = [f'{k}: file {tuple(v.shape)} vs model {tuple(own[k].shape)}'
                  for k, v in state.items() if k in own and v.shape != own[k].shape]
    if mismatched:
        raise CheckpointLoadError(
            f'checkpoint {source!r} does not fit {type(module).__name__}: '
            f'{len(mismatched)} shape mismatches, e.g. {mismatched[:3]!r}; '
            'check that the model config (extra) matches the checkpoint')
    common = own.keys() & state.keys()
    if not common:
        raise CheckpointLoadError(
            f'checkpoint {source!r} shares no key with {type(module).__name__} '
            f'(file keys like {sorted(state)[:3]!r}, model keys like '
            f"{sorted(own)[:3]!r}); set init_cfg.prefix, e.g. prefix='backbone.'")
    result = module.load_state_dict(state, strict=False)
    print_log(f'loaded {len(common)} tensors from {source!r}', logger='current')
    if result.missing_keys or result.unexpected_keys:
        print_log(
            f'checkpoint {source!r}: {len(result.missing_keys)} missing keys '
            f'{result.missing_keys[:5]!r}, {len(result.unexpected_keys)} '
            f'unexpected keys {result.unexpected_keys[:5]!r}',
            logger='current', level=30)
