"""Fixtures for the ResNet plugin tests: MMPose 1.3.2's reference outputs.

The reference (keys, parameter counts, seeded models with their outputs) was made
in an MMPose environment by ``benchmarks/anchor/make_resnet_reference.py`` and is
kept with the repository's test data (``tests/data/reference/resnet``, origin in
its README), so these tests prove equivalence without MMPose installed.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pytest
import torch

#: this plugin lives in examples/ of the posecore repository, which holds the reference
REFERENCE = Path(__file__).resolve().parents[3] / 'tests' / 'data' / 'reference' / 'resnet'


class Reference:
    """MMPose's reference: ``cases`` (configs and outputs), ``arrays``, ``architectures``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.doc: dict[str, Any] = json.loads((root / 'cases.json').read_text())
        self.architectures: dict[str, Any] = json.loads(
            (root / 'architectures.json').read_text())['models']
        self.arrays = dict(np.load(root / 'cases.npz'))
        self.states: dict[str, torch.Tensor] = torch.load(root / 'cases.pth', weights_only=True)

    def case(self, name: str) -> dict[str, Any]:
        """The entry of a case or train case: ``config``, ``outputs`` (and ``weights_of``)."""
        return {**self.doc['cases'], **self.doc['train_cases']}[name]

    def state_dict(self, name: str) -> dict[str, torch.Tensor]:
        """MMPose's state dict of case ``name`` (a train case: of its ``weights_of``)."""
        base = self.case(name).get('weights_of', name)
        return {k[len(base) + 1:]: v for k, v in self.states.items()
                if k.startswith(base + '.')}

    def input(self, name: str) -> torch.Tensor:
        """The input MMPose ran case ``name`` on (one per ``in_channels``)."""
        channels = self.case(name)['config'].get('in_channels', 3)
        return torch.from_numpy(self.arrays[f'input{channels}'])

    def outputs(self, name: str) -> list[np.ndarray]:
        """MMPose's outputs of case ``name``, in ``out_indices`` order."""
        return [self.arrays[f'{name}.out{j}'] for j in range(len(self.case(name)['outputs']))]

    def keys(self, model: str) -> list[tuple[str, str, str]]:
        """``(key, shape, dtype)`` rows of ``keys_<model>.txt``."""
        lines = (self.root / f'keys_{model}.txt').read_text().splitlines()
        return [tuple(line.split('\t')) for line in lines if not line.startswith('#')]


@pytest.fixture(scope='session')
def reference() -> Iterator[Reference]:
    if not (REFERENCE / 'cases.json').is_file():
        pytest.skip(f'MMPose reference data not found at {REFERENCE} (it ships with the '
                    'posecore repository: run these tests from a clone of it)')
    yield Reference(REFERENCE)


@pytest.fixture
def resnet_plugin(posecore_plugins):
    """Only this distribution switched on (what the tests build comes from it)."""
    posecore_plugins('pose-plugin-resnet')
