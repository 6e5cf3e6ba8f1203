"""pose-plugin-onnx as a plugin: its hook module is import-light, ``posecore
export`` is a CLI command, ``posecore plugins check`` reports onnxruntime, and
only this distribution depends on onnx/onnxruntime."""
from __future__ import annotations

import subprocess
import sys
from importlib import metadata

from posecore.cli.main import main


def test_the_hook_module_imports_no_torch_or_onnx():
    code = ('import sys, pose_plugin_onnx, pose_plugin_onnx.plugin_hooks; '
            'print(sorted(m for m in ("torch", "onnx", "onnxruntime") if m in sys.modules))')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == '[]'


def test_export_is_a_posecore_command(capsys):
    try:
        main(['export', '--help'])
    except SystemExit as exc:
        assert exc.code == 0
    assert '--flip-test' in capsys.readouterr().out


def test_plugins_check_reports_onnxruntime():
    from pose_plugin_onnx.plugin_hooks import posecore_check

    [result] = posecore_check()
    assert result.ok and result.subject == 'pose-plugin-onnx: onnx/onnxruntime'
    assert 'onnxruntime ' in result.message


def test_only_this_plugin_depends_on_onnx():
    def needs(dist: str) -> set[str]:
        names = {r.split(';')[0].split('>')[0].split('=')[0].split('<')[0].strip()
                 for r in metadata.requires(dist) or []}
        return names & {'onnx', 'onnxruntime', 'onnxscript'}

    assert needs('pose-plugin-onnx') == {'onnx', 'onnxruntime', 'onnxscript'}
    for dist in ('posecore', 'pose-plugin-topdown', 'pose-plugin-hrnet', 'pose-plugin-coco',
                 'pose-plugin-heatmap-codecs'):
        assert needs(dist) == set(), dist
