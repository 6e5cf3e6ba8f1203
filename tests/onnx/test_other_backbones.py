"""Export works beyond the small HRNet: the ResNet example plugin
(``examples/pose-plugin-resnet``, a third-party plugin made with ``posecore
plugin new``), with a deconv head and its own folded-BatchNorm fast path."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from .conftest import COCO_IMAGES

RESNET_CONFIG = (Path(__file__).resolve().parents[2] / 'examples' / 'pose-plugin-resnet'
                 / 'configs' / 'td-hm_res18_1xb8-1e_synth-coco-64x64.py')


def test_the_resnet_example_plugin_exports(tmp_path, coco_dir):
    pytest.importorskip('pose_plugin_resnet', reason='pose-plugin-resnet is not installed')
    from pose_plugin_onnx import OnnxPoseModel, export_onnx
    from pose_plugin_topdown.inference import inference_topdown

    out = tmp_path / 'res18.onnx'
    result = export_onnx(str(RESNET_CONFIG), None, out, flip_test=True,
                         image=coco_dir / COCO_IMAGES[2])
    assert all(d.relative <= 1e-4 for d in result.differences)
    assert result.sidecar['model'] == dict(backbone='ResNet',
                                           backbone_distribution='pose-plugin-resnet',
                                           head='HeatmapHead')
    model = OnnxPoseModel(out)
    scores = inference_topdown(model, str(coco_dir / COCO_IMAGES[2]))[0] \
        .pred_instances.keypoint_scores
    assert scores.shape == (1, 17) and np.isfinite(scores).all()
