"""Fixtures of the pose-plugin-onnx tests: the small top-down model of
``tests/data/reference/topdown_hrnet_small.pth`` (MMPose-built weights,
input 96 x 128) exported once per session, and real COCO images."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ..topdown.inference.conftest import SMALL_CONFIG

COCO_IMAGES = ('000000000785.jpg', '000000040083.jpg', '000000196141.jpg', '000000197388.jpg')


def write_config(folder: Path, shared_dir: Path, name: str = 'small.py',
                 replace: tuple[str, str] | None = None) -> Path:
    """The small config (COCO metainfo from ``tests/data``) as a file in ``folder``."""
    meta = folder / 'coco_meta.py'
    if not meta.exists():
        raw = json.loads((shared_dir / 'coco_metainfo.json').read_text())
        raw = {k: v for k, v in raw.items() if k not in ('_comment', 'derived')}
        meta.write_text(f'dataset_info = {raw!r}\n')
    text = SMALL_CONFIG.replace('{META}', str(meta))
    if replace is not None:
        assert replace[0] in text
        text = text.replace(*replace)
    path = folder / name
    path.write_text(text)
    return path


@pytest.fixture(scope='session')
def onnx_config(tmp_path_factory, shared_dir: Path) -> Path:
    return write_config(tmp_path_factory.mktemp('onnx-config'), shared_dir)


@pytest.fixture(scope='session')
def onnx_checkpoint(shared_dir: Path) -> Path:
    return shared_dir / 'reference' / 'topdown_hrnet_small.pth'


@pytest.fixture(scope='session')
def coco_dir(testdata: Path, tmp_path_factory) -> Path:
    """A folder of the four real COCO images of ``tests/data``."""
    folder = tmp_path_factory.mktemp('coco-images')
    for name in COCO_IMAGES:
        shutil.copy(testdata / 'coco' / name, folder / name)
    return folder


@pytest.fixture(scope='session')
def exported(tmp_path_factory, onnx_config: Path, onnx_checkpoint: Path,
             coco_dir: Path) -> Path:
    """``posecore export --flip-test`` of the small model (dynamic batch, fp32)."""
    from posecore.cli.main import main

    out = tmp_path_factory.mktemp('export') / 'small.onnx'
    assert main(['export', str(onnx_config), str(onnx_checkpoint), '--out', str(out),
                 '--flip-test', '--image', str(coco_dir / COCO_IMAGES[0])]) == 0
    return out


@pytest.fixture(scope='session')
def torch_model(onnx_config: Path, onnx_checkpoint: Path):
    from pose_plugin_topdown.inference import init_model

    return init_model(str(onnx_config), str(onnx_checkpoint))


@pytest.fixture(scope='session')
def onnx_model(exported: Path):
    from pose_plugin_onnx import OnnxPoseModel

    return OnnxPoseModel(exported)
