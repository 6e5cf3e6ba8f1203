"""Validation of ``ResNet``'s options: each bad value is a :class:`ResNetConfigError`
naming the option, the value given and the accepted values (MMPose asserts)."""
from __future__ import annotations

from typing import Any, Final, Mapping, Sequence

from .errors import ResNetConfigError
from .layers import check_conv_cfg, check_norm_cfg

DEPTHS: Final[tuple[int, ...]] = (18, 34, 50, 101, 152)
STYLES: Final[tuple[str, ...]] = ('pytorch', 'caffe')
_PRETRAINED_KEYS: Final[frozenset[str]] = frozenset(
    {'type', 'checkpoint', 'prefix', 'map_location'})


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def positive_int(name: str, value: Any) -> int:
    """``value`` if it is an int >= 1, else a :class:`ResNetConfigError` naming ``name``."""
    if not _is_int(value) or value < 1:
        raise ResNetConfigError(f'{name}={value!r} must be a positive int')
    return value


def int_tuple(name: str, value: Any, length: int, minimum: int) -> tuple[int, ...]:
    """``value`` as a tuple of ``length`` ints >= ``minimum``."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) \
            or len(value) != length or not all(_is_int(v) and v >= minimum for v in value):
        raise ResNetConfigError(
            f'{name}={value!r} must be a sequence of {length} ints >= {minimum}, one per '
            f'stage (num_stages={length})')
    return tuple(value)


def check_options(depth: Any, in_channels: Any, stem_channels: Any, base_channels: Any,
                  expansion: Any, num_stages: Any, strides: Any, dilations: Any,
                  out_indices: Any, style: Any, deep_stem: Any, avg_down: Any,
                  frozen_stages: Any, conv_cfg: Any, norm_cfg: Any, norm_eval: Any,
                  with_cp: Any, zero_init_residual: Any, init_cfg: Any,
                  channels_last: Any) -> None:
    """Raise :class:`ResNetConfigError` for the first invalid option (see ``ResNet``)."""
    if not _is_int(depth) or depth not in DEPTHS:
        raise ResNetConfigError(f'depth={depth!r} is not a ResNet depth; accepted: {DEPTHS!r}')
    for name, value in (('in_channels', in_channels), ('stem_channels', stem_channels),
                        ('base_channels', base_channels)):
        positive_int(name, value)
    if deep_stem and stem_channels < 2:
        raise ResNetConfigError(
            f'stem_channels={stem_channels!r}: the deep stem halves it, so it must be >= 2')
    if expansion is not None:
        positive_int('expansion', expansion)
        if depth < 50 and expansion != 1:
            raise ResNetConfigError(
                f'expansion={expansion!r}: depth {depth} uses BasicBlock, whose expansion '
                'is 1; use None or 1')
    if not _is_int(num_stages) or not 1 <= num_stages <= 4:
        raise ResNetConfigError(f'num_stages={num_stages!r} must be an int from 1 to 4')
    int_tuple('strides', strides, num_stages, 1)
    int_tuple('dilations', dilations, num_stages, 1)
    if isinstance(out_indices, (str, bytes)) or not isinstance(out_indices, Sequence) \
            or not out_indices \
            or not all(_is_int(i) and 0 <= i < num_stages for i in out_indices):
        raise ResNetConfigError(
            f'out_indices={out_indices!r} must be a non-empty sequence of stage indices '
            f'from 0 to {num_stages - 1} (num_stages={num_stages}), e.g. (3, )')
    if style not in STYLES:
        raise ResNetConfigError(f'style={style!r} is not supported; accepted: {STYLES!r}')
    for name, value in (('deep_stem', deep_stem), ('avg_down', avg_down),
                        ('norm_eval', norm_eval), ('with_cp', with_cp),
                        ('zero_init_residual', zero_init_residual),
                        ('channels_last', channels_last)):
        if not isinstance(value, bool):
            raise ResNetConfigError(f'{name}={value!r} must be True or False')
    if not _is_int(frozen_stages) or not -1 <= frozen_stages <= num_stages:
        raise ResNetConfigError(
            f'frozen_stages={frozen_stages!r} must be an int from -1 (train all) to '
            f'{num_stages} (freeze the stem and stages 1-{num_stages})')
    check_conv_cfg(conv_cfg)
    check_norm_cfg(norm_cfg)
    check_init_cfg(init_cfg)


def check_init_cfg(init_cfg: Any) -> None:
    """A ``Pretrained`` ``init_cfg`` must name a checkpoint and only known keys; other
    forms (mmengine's ``Kaiming``, ``Normal``... or a list of them) go to mmengine."""
    if not (isinstance(init_cfg, Mapping) and init_cfg.get('type') == 'Pretrained'):
        return
    unknown = set(init_cfg) - _PRETRAINED_KEYS
    if unknown:
        raise ResNetConfigError(
            f"init_cfg has unknown keys {sorted(unknown)!r} for type 'Pretrained'; "
            f'accepted: {sorted(_PRETRAINED_KEYS)!r}')
    checkpoint = init_cfg.get('checkpoint')
    if not isinstance(checkpoint, str) or not checkpoint:
        raise ResNetConfigError(
            f'init_cfg.checkpoint={checkpoint!r} must be a local path, an http(s) URL or '
            "a model-zoo name, e.g. dict(type='Pretrained', "
            "checkpoint='torchvision://resnet50')")
