"""Fixtures for the top-down transform tests: transforms built through
``TRANSFORMS`` (the entry points of pose-plugin-topdown), the real COCO
samples and MMPose's reference outputs."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Dict, List

import numpy as np
import pytest

from .samples import coco_data_infos

REFERENCE = 'reference/topdown_pipeline_mmpose'


@pytest.fixture
def build() -> Callable[..., Any]:
    """``build(dict(type='RandomFlip', ...))`` or ``build('RandomFlip', ...)``."""
    from posecore.registry import TRANSFORMS

    def make(cfg: Any, **kwargs: Any) -> Any:
        cfg = dict(type=cfg, **kwargs) if isinstance(cfg, str) else dict(cfg)
        return TRANSFORMS.build(cfg)
    return make


@pytest.fixture(scope='session')
def coco_infos(testdata: Path, shared_dir: Path) -> List[Dict[str, Any]]:
    """The 14 COCO person instances as data infos (do not change them: use
    ``samples.fresh``)."""
    return coco_data_infos(testdata / 'coco', shared_dir / 'coco_metainfo.json')


@pytest.fixture(scope='session')
def reference(shared_dir: Path) -> Dict[str, Any]:
    """MMPose 1.3.2's outputs: ``arrays`` (the npz) and ``meta`` (the JSON)."""
    base = shared_dir / REFERENCE
    with np.load(base.with_suffix('.npz')) as data:
        arrays = {key: data[key] for key in data.files}
    return dict(arrays=arrays, meta=json.loads(base.with_suffix('.json').read_text()))
