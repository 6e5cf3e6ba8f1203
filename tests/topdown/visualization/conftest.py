"""Fixtures for the visualizer and hook tests: COCO metainfo, visualizers, images."""
from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Callable

import numpy as np
import pytest

_names = itertools.count()


@pytest.fixture(scope='session')
def coco_meta(shared_dir: Path) -> dict:
    """COCO-17 metainfo, parsed (``keypoint_colors``, ``skeleton_links``...)."""
    from posecore.metainfo import parse_pose_metainfo

    raw = json.loads((shared_dir / 'coco_metainfo.json').read_text())
    return parse_pose_metainfo(raw)


@pytest.fixture
def make_visualizer() -> Callable:
    """``make_visualizer(**kwargs)``: a PoseLocalVisualizer with a fresh
    instance name, made the current instance (as the runner makes it)."""
    from pose_plugin_topdown.visualizer import PoseLocalVisualizer

    def make(**kwargs):
        kwargs.setdefault('name', f'test-visualizer-{next(_names)}')
        return PoseLocalVisualizer.get_instance(**kwargs)

    return make


@pytest.fixture
def gray_image() -> np.ndarray:
    """A flat mid-gray RGB image, 120 x 160."""
    return np.full((120, 160, 3), 128, dtype=np.uint8)
