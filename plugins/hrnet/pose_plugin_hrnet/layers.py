"""Conv and norm layer builders for the config dicts MMPose passes to mmcv.

mmcv is not a dependency: these cover what HRNet configs use. Norm layers get
the names mmcv gives them (``bn1``, ``gn2``...), which appear in state-dict keys.
"""
from __future__ import annotations

from typing import Any, Mapping, Optional

import torch.nn as nn

from .errors import HRNetConfigError

# type -> (layer class, abbreviation used in module names)
_NORM_TYPES: dict[str, tuple[type[nn.Module], str]] = {
    'BN': (nn.BatchNorm2d, 'bn'),
    'BN2d': (nn.BatchNorm2d, 'bn'),
    'SyncBN': (nn.SyncBatchNorm, 'bn'),
    'GN': (nn.GroupNorm, 'gn'),
}
_CONV_TYPES: frozenset[str] = frozenset({'Conv', 'Conv2d'})
_NORM_KEYS: frozenset[str] = frozenset(
    {'type', 'requires_grad', 'eps', 'momentum', 'affine',
     'track_running_stats', 'num_groups'})


def check_conv_cfg(conv_cfg: Optional[Mapping[str, Any]]) -> None:
    """Raise :class:`HRNetConfigError` unless ``conv_cfg`` is None or a plain 2D conv."""
    if conv_cfg is None:
        return
    if not isinstance(conv_cfg, Mapping) or 'type' not in conv_cfg:
        raise HRNetConfigError(
            f'conv_cfg={conv_cfg!r} must be None or a dict with a "type" key, '
            'e.g. dict(type="Conv2d")')
    if conv_cfg['type'] not in _CONV_TYPES:
        raise HRNetConfigError(
            f'conv_cfg.type={conv_cfg["type"]!r} is not supported; use None, '
            f'"Conv" or "Conv2d"')
    extra = set(conv_cfg) - {'type'}
    if extra:
        raise HRNetConfigError(
            f'conv_cfg has unsupported keys {sorted(extra)!r}; only "type" is '
            'accepted')


def check_norm_cfg(norm_cfg: Mapping[str, Any]) -> None:
    """Raise :class:`HRNetConfigError` unless ``norm_cfg`` is a supported norm config."""
    if not isinstance(norm_cfg, Mapping) or 'type' not in norm_cfg:
        raise HRNetConfigError(
            f'norm_cfg={norm_cfg!r} must be a dict with a "type" key, e.g. '
            'dict(type="BN", requires_grad=True)')
    norm_type = norm_cfg['type']
    if norm_type not in _NORM_TYPES:
        raise HRNetConfigError(
            f'norm_cfg.type={norm_type!r} is not supported; use one of '
            f'{sorted(_NORM_TYPES)!r}')
    unknown = set(norm_cfg) - _NORM_KEYS
    if unknown:
        raise HRNetConfigError(
            f'norm_cfg has unknown keys {sorted(unknown)!r}; accepted keys are '
            f'{sorted(_NORM_KEYS)!r}')
    if norm_type == 'GN':
        groups = norm_cfg.get('num_groups')
        if not isinstance(groups, int) or isinstance(groups, bool) or groups < 1:
            raise HRNetConfigError(
                f'norm_cfg.num_groups={groups!r}: GN needs a positive int '
                'number of groups, e.g. dict(type="GN", num_groups=32)')
    elif 'num_groups' in norm_cfg:
        raise HRNetConfigError(
            f'norm_cfg.num_groups is only used by type "GN", not {norm_type!r}; '
            'remove it')


def build_conv_layer(conv_cfg: Optional[Mapping[str, Any]], in_channels: int,
                     out_channels: int, kernel_size: int, stride: int = 1,
                     padding: int = 0, dilation: int = 1,
                     bias: bool = True) -> nn.Conv2d:
    """Build the 2D conv named by ``conv_cfg`` (None means ``nn.Conv2d``)."""
    check_conv_cfg(conv_cfg)
    return nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride,
                     padding=padding, dilation=dilation, bias=bias)


def build_norm_layer(norm_cfg: Mapping[str, Any], num_features: int,
                     postfix: int | str = '') -> tuple[str, nn.Module]:
    """Build a norm layer; return ``(name, layer)`` with mmcv's naming (``bn1``)."""
    check_norm_cfg(norm_cfg)
    cfg = dict(norm_cfg)
    layer_cls, abbr = _NORM_TYPES[cfg.pop('type')]
    requires_grad = bool(cfg.pop('requires_grad', True))
    cfg.setdefault('eps', 1e-5)
    if layer_cls is nn.GroupNorm:
        cfg.pop('momentum', None)
        cfg.pop('track_running_stats', None)
        groups = cfg['num_groups']
        if num_features % groups:
            raise HRNetConfigError(
                f'norm_cfg.num_groups={groups!r} does not divide a layer of '
                f'{num_features} channels; choose a divisor of every '
                'channel count in extra')
        layer: nn.Module = nn.GroupNorm(num_channels=num_features, **cfg)
    else:
        layer = layer_cls(num_features, **cfg)
    for param in layer.parameters():
        param.requires_grad = requires_grad
    return f'{abbr}{postfix}', layer


def is_norm(module: nn.Module) -> bool:
    """Whether ``module`` is a BatchNorm-family or GroupNorm layer."""
    return isinstance(module, (nn.modules.batchnorm._BatchNorm, nn.GroupNorm))


def norm_layer(index: int, doc: str) -> property:
    """A read-only property for the norm layer stored under ``self.norm{index}_name``
    (mmcv's naming, ``bn1``/``gn1``..., which the state-dict keys follow)."""
    attr = f'norm{index}_name'
    return property(lambda self: getattr(self, getattr(self, attr)), doc=doc)
