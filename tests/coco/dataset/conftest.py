"""Fixtures for the CocoDataset tests: the real COCO samples, the repository's COCO
metainfo config and datasets built through the registry (the plugin's entry point)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[3]
METAINFO_FILE = REPO / 'configs' / '_base_' / 'datasets' / 'coco.py'


@pytest.fixture(scope='session')
def coco_dir(testdata: Path) -> Path:
    """``mmpose-testdata/coco``: 4 COCO val images, ``test_coco.json`` (14 instances) and
    ``test_coco_det_AP_H_56.json`` (118 person detections)."""
    return testdata / 'coco'


@pytest.fixture(scope='session')
def coco_metainfo_file() -> Path:
    """``configs/_base_/datasets/coco.py`` of this repository."""
    return METAINFO_FILE


@pytest.fixture
def build_dataset(coco_metainfo_file: Path) -> Callable[..., Any]:
    """``build_dataset(**kwargs)``: a ``CocoDataset`` from ``DATASETS`` (metainfo from the
    repository's config file unless given, so the tests do not depend on the cwd)."""
    from posecore.registry import DATASETS

    def build(**kwargs: Any) -> Any:
        kwargs.setdefault('metainfo', dict(from_file=str(coco_metainfo_file)))
        return DATASETS.build(dict(type='CocoDataset', **kwargs))
    return build


def decode(value: Any) -> Any:
    """Undo ``make_mmpose_reference.encode``: arrays, NumPy scalars and tuples."""
    if isinstance(value, dict):
        if '__ndarray__' in value:
            return np.array(value['data'], dtype=value['__ndarray__']).reshape(value['shape'])
        if '__scalar__' in value:
            return np.dtype(value['__scalar__']).type(value['value'])
        if '__tuple__' in value:
            return tuple(decode(v) for v in value['__tuple__'])
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


@pytest.fixture(scope='session')
def mmpose_reference() -> dict:
    """MMPose 1.3.2's data infos on awkward and real COCO files (see
    ``data/make_mmpose_reference.py``)."""
    return json.loads((Path(__file__).parent / 'data' / 'mmpose_coco_dataset.json').read_text())


def assert_same(expected: Any, actual: Any, path: str = 'info') -> None:
    """Equal values of equal types: arrays of the same dtype and shape, dict keys in the
    same order, tuples stay tuples."""
    if isinstance(expected, np.ndarray):
        assert isinstance(actual, np.ndarray), f'{path}: {type(actual).__name__}'
        assert (actual.dtype, actual.shape) == (expected.dtype, expected.shape), path
        np.testing.assert_array_equal(actual, expected, err_msg=path)
        return
    assert type(actual) is type(expected), f'{path}: {type(actual)} != {type(expected)}'
    if isinstance(expected, dict):
        assert list(actual) == list(expected), path
        for key in expected:
            assert_same(expected[key], actual[key], f'{path}.{key}')
    elif isinstance(expected, (list, tuple)):
        assert len(actual) == len(expected), path
        for i, (e, a) in enumerate(zip(expected, actual)):
            assert_same(e, a, f'{path}[{i}]')
    else:
        assert actual == expected, f'{path}: {actual!r} != {expected!r}'
