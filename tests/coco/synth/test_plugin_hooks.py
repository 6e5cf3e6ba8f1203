"""pose-plugin-coco's pluggy hooks, each through the ``posecore`` CLI in a subprocess."""
from __future__ import annotations

import json
import subprocess
import sys

from pose_plugin_coco.synth.keypoints import SIGMAS

from .conftest import posecore


def test_hook_module_is_import_light():
    probe = ('import sys, pose_plugin_coco.plugin_hooks, pose_plugin_coco.synth.cli\n'
             'print(sorted(m for m in sys.modules if m.split(".")[0] in '
             '("torch", "mmengine", "numpy", "cv2", "xtcocotools")))')
    result = subprocess.run([sys.executable, '-c', probe], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == '[]'


def test_add_commands_hook_adds_coco_synth():
    result = posecore('coco')  # no action: the help, listing the actions
    assert result.returncode == 2
    assert 'synth' in result.stdout and 'generate a synthetic COCO' in result.stdout


def test_metainfo_hook_answers_for_coco():
    result = posecore('metainfo', 'coco')
    assert result.returncode == 0, result.stderr
    meta = json.loads(result.stdout)
    assert meta['dataset_name'] == 'coco'
    assert [round(s, 3) for s in meta['sigmas']] == list(SIGMAS)


def test_metainfo_hook_ignores_other_names():
    result = posecore('metainfo', 'no-such-dataset')
    assert result.returncode != 0
    assert "no installed plugin provides dataset metainfo named 'no-such-dataset'" in result.stderr


def test_check_hook_reports_xtcocotools():
    result = posecore('plugins', 'check')
    lines = [line for line in result.stdout.splitlines()
             if 'pose-plugin-coco: xtcocotools' in line]
    assert len(lines) == 1, result.stdout
    assert lines[0].startswith('ok  '), lines[0]  # xtcocotools works in this environment
