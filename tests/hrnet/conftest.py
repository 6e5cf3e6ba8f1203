"""Fixtures for the HRNet plugin tests: ``extra`` settings and reference data."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest


def hrnet_extra(width: int, blocks: int = 4, modules: tuple[int, int, int] = (1, 4, 3),
                multiscale_output: bool = False) -> dict[str, Any]:
    """MMPose's HRNet-w{width} ``extra`` (``blocks``/``modules`` shrink it for tests)."""
    chans = [width * 2**i for i in range(4)]
    extra: dict[str, Any] = {
        'stage1': dict(num_modules=1, num_branches=1, block='BOTTLENECK',
                       num_blocks=(blocks, ), num_channels=(64, ))}
    for index, num_modules in zip((2, 3, 4), modules):
        extra[f'stage{index}'] = dict(
            num_modules=num_modules, num_branches=index, block='BASIC',
            num_blocks=(blocks, ) * index, num_channels=tuple(chans[:index]))
    extra['stage4']['multiscale_output'] = multiscale_output
    return extra


@pytest.fixture
def make_extra() -> Callable[..., dict[str, Any]]:
    """Factory for HRNet ``extra`` dicts (see :func:`hrnet_extra`)."""
    return hrnet_extra


@pytest.fixture
def tiny_extra() -> dict[str, Any]:
    """A fast HRNet: width 4, one block per branch, one module per stage."""
    return hrnet_extra(4, blocks=1, modules=(1, 1, 1))


@pytest.fixture(scope='session')
def reference_dir(shared_dir: Path) -> Path:
    """``../shared/reference``: MMPose's keys list and the small top-down model."""
    return shared_dir / 'reference'

