"""Validation of HRNet's ``extra`` dict (the per-stage architecture settings).

``extra`` has the layout of MMPose's configs::

    extra = dict(
        stage1=dict(num_modules=1, num_branches=1, block='BOTTLENECK',
                    num_blocks=(4, ), num_channels=(64, )),
        stage2=dict(num_modules=1, num_branches=2, block='BASIC',
                    num_blocks=(4, 4), num_channels=(32, 64)),
        stage3=..., stage4=dict(..., multiscale_output=False),
        upsample=dict(mode='nearest', align_corners=None))  # optional
"""
from __future__ import annotations

import difflib
from typing import Any, Mapping, Sequence, TypedDict

from .blocks import BLOCKS
from .errors import HRNetConfigError

STAGES: tuple[str, ...] = ('stage1', 'stage2', 'stage3', 'stage4')
_STAGE_KEYS: tuple[str, ...] = (
    'num_modules', 'num_branches', 'block', 'num_blocks', 'num_channels')
_OPTIONAL_STAGE_KEYS: dict[str, tuple[str, ...]] = {
    'stage4': ('multiscale_output', )}
_UPSAMPLE_MODES: tuple[str, ...] = (
    'nearest', 'bilinear', 'bicubic', 'nearest-exact')


class StageConfig(TypedDict, total=False):
    """One stage of ``extra`` after validation (sequences become lists)."""

    num_modules: int
    num_branches: int
    block: str
    num_blocks: list[int]
    num_channels: list[int]
    multiscale_output: bool


def _unknown_key_error(subject: str, key: str,
                       allowed: Sequence[str]) -> HRNetConfigError:
    close = difflib.get_close_matches(key, allowed, n=1)
    hint = f'; did you mean {close[0]!r}?' if close else ''
    return HRNetConfigError(
        f'{subject}: unknown key {key!r}{hint} Accepted keys: {list(allowed)!r}')


def _positive_int(subject: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise HRNetConfigError(
            f'{subject}={value!r} must be a positive int')
    return value


def _int_list(subject: str, value: Any, length: int, branches: str) -> list[int]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise HRNetConfigError(
            f'{subject}={value!r} must be a list or tuple of {length} positive '
            f'ints, one per branch ({branches}={length})')
    if len(value) != length:
        raise HRNetConfigError(
            f'{subject} has {len(value)} entries {tuple(value)!r} but '
            f'{branches}={length}; give one entry per branch')
    return [_positive_int(f'{subject}[{i}]', v) for i, v in enumerate(value)]


def validate_stage(name: str, stage: Any) -> StageConfig:
    """Check one stage dict of ``extra``; return it normalised."""
    subject = f'extra.{name}'
    if not isinstance(stage, Mapping):
        raise HRNetConfigError(
            f'{subject}={stage!r} must be a dict with keys {list(_STAGE_KEYS)!r}')
    allowed = _STAGE_KEYS + _OPTIONAL_STAGE_KEYS.get(name, ())
    for key in stage:
        if key not in allowed:
            raise _unknown_key_error(subject, key, allowed)
    for key in _STAGE_KEYS:
        if key not in stage:
            raise HRNetConfigError(f'{subject} is missing the key {key!r}; '
                                   f'each stage needs {list(_STAGE_KEYS)!r}')
    branches = _positive_int(f'{subject}.num_branches', stage['num_branches'])
    if name == 'stage1' and branches != 1:
        raise HRNetConfigError(
            f'{subject}.num_branches={branches!r}: stage1 has a single branch; '
            'set it to 1')
    block = stage['block']
    if block not in BLOCKS:
        raise HRNetConfigError(
            f'{subject}.block={block!r} is not a block name; use one of '
            f'{sorted(BLOCKS)!r}')
    bsubject = f'{subject}.num_branches'
    out = StageConfig(
        num_modules=_positive_int(f'{subject}.num_modules', stage['num_modules']),
        num_branches=branches, block=block,
        num_blocks=_int_list(f'{subject}.num_blocks', stage['num_blocks'],
                             branches, bsubject),
        num_channels=_int_list(f'{subject}.num_channels',
                               stage['num_channels'], branches, bsubject))
    if 'multiscale_output' in stage:
        flag = stage['multiscale_output']
        if not isinstance(flag, bool):
            raise HRNetConfigError(
                f'{subject}.multiscale_output={flag!r} must be True or False')
        out['multiscale_output'] = flag
    return out


def validate_upsample(upsample: Any) -> dict[str, Any]:
    """Check ``extra.upsample`` (the fuse layers' ``nn.Upsample`` settings)."""
    subject = 'extra.upsample'
    if not isinstance(upsample, Mapping):
        raise HRNetConfigError(
            f'{subject}={upsample!r} must be a dict like '
            "dict(mode='nearest', align_corners=None)")
    for key in upsample:
        if key not in ('mode', 'align_corners'):
            raise _unknown_key_error(subject, key, ('mode', 'align_corners'))
    mode = upsample.get('mode', 'nearest')
    if mode not in _UPSAMPLE_MODES:
        raise HRNetConfigError(
            f'{subject}.mode={mode!r} is not an upsampling mode; use one of '
            f'{list(_UPSAMPLE_MODES)!r}')
    align = upsample.get('align_corners')
    if align is not None and mode not in ('bilinear', 'bicubic'):
        raise HRNetConfigError(
            f'{subject}.align_corners={align!r} only applies to bilinear or '
            f'bicubic modes, not {mode!r}; set it to None')
    return {'mode': mode, 'align_corners': align}


def validate_extra(extra: Any) -> dict[str, Any]:
    """Check HRNet's ``extra`` dict; return a normalised copy.

    :raises HRNetConfigError: naming the offending key (``extra.stage3.num_channels``)
        and the fix.
    """
    if not isinstance(extra, Mapping):
        raise HRNetConfigError(
            f'extra={extra!r} must be a dict with keys {list(STAGES)!r}, '
            'as in MMPose HRNet configs')
    allowed = STAGES + ('upsample', )
    for key in extra:
        if key not in allowed:
            raise _unknown_key_error('extra', key, allowed)
    out: dict[str, Any] = {}
    for name in STAGES:
        if name not in extra:
            raise HRNetConfigError(
                f'extra is missing {name!r}; HRNet needs stage1..stage4')
        out[name] = validate_stage(name, extra[name])
    out['upsample'] = validate_upsample(
        extra.get('upsample', {'mode': 'nearest', 'align_corners': None}))
    return out
