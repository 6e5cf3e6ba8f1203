"""Conv and norm layers from the config dicts MMPose passes to mmcv.

mmcv is not a dependency: these cover what ResNet configs use. Norm layers
get the names mmcv gives them (``bn1``, ``gn2``...), which appear in
state-dict keys.
"""
from __future__ import annotations

from typing import Any, Final, Mapping, Optional

import torch.nn as nn

from .errors import ResNetConfigError

# type -> (layer class, abbreviation used in module names)
NORM_TYPES: Final[dict[str, tuple[type[nn.Module], str]]] = {
    'BN': (nn.BatchNorm2d, 'bn'),
    'BN2d': (nn.BatchNorm2d, 'bn'),
    'SyncBN': (nn.SyncBatchNorm, 'bn'),
    'GN': (nn.GroupNorm, 'gn'),
}
CONV_TYPES: Final[frozenset[str]] = frozenset({'Conv', 'Conv2d'})
_NORM_KEYS: Final[frozenset[str]] = frozenset(
    {'type', 'requires_grad', 'eps', 'momentum', 'affine', 'track_running_stats',
     'num_groups'})


def check_conv_cfg(conv_cfg: Optional[Mapping[str, Any]]) -> None:
    """Raise :class:`ResNetConfigError` unless ``conv_cfg`` is None or a plain 2D conv."""
    if conv_cfg is None:
        return
    if not isinstance(conv_cfg, Mapping) or conv_cfg.get('type') not in CONV_TYPES \
            or set(conv_cfg) != {'type'}:
        raise ResNetConfigError(
            f'conv_cfg={conv_cfg!r} is not supported; accepted: None, '
            "dict(type='Conv2d') or dict(type='Conv')")


def check_norm_cfg(norm_cfg: Any) -> None:
    """Raise :class:`ResNetConfigError` unless ``norm_cfg`` is a supported norm config."""
    if not isinstance(norm_cfg, Mapping) or 'type' not in norm_cfg:
        raise ResNetConfigError(
            f'norm_cfg={norm_cfg!r} must be a dict with a "type" key, e.g. '
            "dict(type='BN', requires_grad=True)")
    norm_type = norm_cfg['type']
    if norm_type not in NORM_TYPES:
        raise ResNetConfigError(
            f'norm_cfg.type={norm_type!r} is not supported; accepted: '
            f'{sorted(NORM_TYPES)!r}')
    unknown = set(norm_cfg) - _NORM_KEYS
    if unknown:
        raise ResNetConfigError(
            f'norm_cfg has unknown keys {sorted(unknown)!r}; accepted keys: '
            f'{sorted(_NORM_KEYS)!r}')
    groups = norm_cfg.get('num_groups')
    if norm_type == 'GN':
        if isinstance(groups, bool) or not isinstance(groups, int) or groups < 1:
            raise ResNetConfigError(
                f'norm_cfg.num_groups={groups!r}: GN needs a positive int number of '
                "groups, e.g. dict(type='GN', num_groups=32)")
    elif groups is not None:
        raise ResNetConfigError(
            f"norm_cfg.num_groups is used by type 'GN' only, not {norm_type!r}; remove it")


def build_conv_layer(conv_cfg: Optional[Mapping[str, Any]], in_channels: int,
                     out_channels: int, kernel_size: int, stride: int = 1,
                     padding: int = 0, dilation: int = 1,
                     bias: bool = False) -> nn.Conv2d:
    """The 2D conv named by ``conv_cfg`` (None means ``nn.Conv2d``).

    :param conv_cfg: None, ``dict(type='Conv2d')`` or ``dict(type='Conv')``.
    """
    check_conv_cfg(conv_cfg)
    return nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride,
                     padding=padding, dilation=dilation, bias=bias)


def build_norm_layer(norm_cfg: Mapping[str, Any], num_features: int,
                     postfix: int | str = '') -> tuple[str, nn.Module]:
    """A norm layer and its mmcv name (``bn1``, ``gn``...).

    :param norm_cfg: ``dict(type='BN'|'BN2d'|'SyncBN'|'GN', requires_grad=...,
        eps=..., momentum=..., num_groups=...)``.
    :param num_features: channels of the layer.
    :param postfix: appended to the name (``bn`` + ``1``).
    """
    check_norm_cfg(norm_cfg)
    cfg = dict(norm_cfg)
    layer_cls, abbr = NORM_TYPES[cfg.pop('type')]
    requires_grad = bool(cfg.pop('requires_grad', True))
    cfg.setdefault('eps', 1e-5)
    if layer_cls is nn.GroupNorm:
        for key in ('momentum', 'track_running_stats'):
            cfg.pop(key, None)
        if num_features % cfg['num_groups']:
            raise ResNetConfigError(
                f"norm_cfg.num_groups={cfg['num_groups']!r} does not divide a layer of "
                f'{num_features} channels; choose a divisor of every channel count '
                '(stem_channels // 2 with deep_stem, base_channels and its multiples)')
        layer: nn.Module = nn.GroupNorm(num_channels=num_features, **cfg)
    else:
        layer = layer_cls(num_features, **cfg)
    for param in layer.parameters():
        param.requires_grad = requires_grad
    return f'{abbr}{postfix}', layer


def norm_property(index: int | str, doc: str) -> property:
    """A read-only property for the norm layer stored under ``self.norm{index}_name``
    (mmcv's naming, which the state-dict keys follow)."""
    attr = f'norm{index}_name'
    return property(lambda self: getattr(self, getattr(self, attr)), doc=doc)
