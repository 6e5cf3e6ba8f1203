"""Unreadable images in a training run (issue #13, point 4): a few are skipped with one
warning each naming the file and counted at the end; too many in a batch stop the run
with an error naming them. Top-down HRNet on the real COCO sample, one epoch, CLI."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ..conftest import DATA, run_posecore
from .corpus import OFF_PLUGINS, TRACEBACK

CONFIG = Path(__file__).with_name('topdown_small.py')
BAD = '000000000785.jpg'  # one person of the twelve trainable ones


@pytest.fixture
def coco_with_a_bad_image(tmp_path) -> Path:
    shutil.copytree(DATA / 'mmpose-testdata' / 'coco', tmp_path / 'coco')
    image = tmp_path / 'coco' / BAD
    image.write_bytes(image.read_bytes()[:300])  # a cut JPEG: OpenCV cannot decode it
    return tmp_path


def _train(work: Path, *options: str):
    return run_posecore(work, 'train', str(CONFIG), '--work-dir', str(work / 'work'),
                        '--cfg-options', *options, cwd=work,
                        POSECORE_DISABLE_PLUGINS=OFF_PLUGINS)


def test_a_few_unreadable_images_are_skipped_warned_once_and_counted(coco_with_a_bad_image):
    result = _train(coco_with_a_bad_image, 'randomness.seed=0')
    assert result.returncode == 0, result.stderr[-3000:]
    warnings = [line for line in result.stderr.splitlines()
                if line.startswith('posecore: warning: skipped an unreadable sample')]
    assert len(warnings) == 1 and BAD in warnings[0], result.stderr[-3000:]
    assert 'training skipped' in result.stderr and 'unreadable' in result.stderr
    assert (coco_with_a_bad_image / 'work' / 'epoch_1.pth').is_file()
    assert TRACEBACK not in result.stderr


def test_too_many_failures_in_a_batch_stop_the_run_naming_the_file(coco_with_a_bad_image):
    # no failure allowed: the first batch that needed a replacement stops the run
    result = _train(coco_with_a_bad_image, 'randomness.seed=0', 'max_bad_sample_share=0.0')
    assert result.returncode == 1
    assert 'posecore: error:' in result.stderr and BAD in result.stderr
    assert 'could not be loaded, more than the 0% allowed' in result.stderr
    assert TRACEBACK not in result.stderr
    assert not (coco_with_a_bad_image / 'work' / 'epoch_1.pth').exists()
