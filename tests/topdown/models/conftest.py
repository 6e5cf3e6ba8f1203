"""Fixtures for the top-down model tests."""
from __future__ import annotations

from typing import Any, Callable, Optional

import pytest
import torch

from .helpers import estimator_cfg, randomize


@pytest.fixture
def build_estimator() -> Callable[..., torch.nn.Module]:
    """``build_estimator(head=..., **cfg)``: a randomised tiny estimator."""
    from posecore.registry import MODELS

    def build(head: Optional[dict] = None, seed: int = 0, **kwargs: Any) -> torch.nn.Module:
        model = MODELS.build(estimator_cfg(head, **kwargs))
        return randomize(model, seed)

    return build


@pytest.fixture(autouse=True, scope='module')
def one_torch_thread():
    """The test models are tiny: one thread is faster than several, and far
    faster when other processes share the cores (OpenMP threads wait on each other)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
