"""``--int8`` (onnxruntime static quantization, calibrated on real images) and
float16 conversion of the small model."""
from __future__ import annotations

import numpy as np
import onnx
from posecore.cli.main import main

from pose_plugin_onnx import OnnxPoseModel
from pose_plugin_onnx.precision import body_nodes_excluded, convert_float16
from pose_plugin_onnx.session import make_session
from pose_plugin_onnx.sidecar import read_sidecar

from .conftest import COCO_IMAGES


def _crops(n: int = 4) -> np.ndarray:
    return np.random.default_rng(1).integers(0, 255, (n, 3, 128, 96), dtype=np.uint8)


def test_int8_export(tmp_path, onnx_config, onnx_checkpoint, coco_dir, exported, capsys):
    out = tmp_path / 'int8.onnx'
    assert main(['export', str(onnx_config), str(onnx_checkpoint), '--out', str(out),
                 '--flip-test', '--int8', '--calib-images', str(coco_dir)]) == 0
    printed = capsys.readouterr()
    assert f'calibrating int8 on {len(COCO_IMAGES)} image(s)' in printed.err
    assert 'onnxruntime int8 vs PyTorch fp32: heatmaps: max |diff|' in printed.out
    side = read_sidecar(out)
    assert side['precision'] == 'int8' and side['check']['image'] == COCO_IMAGES[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ['int8.onnx', 'int8.onnx.json']
    graph = onnx.load(str(out)).graph
    ops = [n.op_type for n in graph.node]
    assert ops.count('QuantizeLinear') > 20 and 'DequantizeLinear' in ops
    # the heatmap layer and the decoding stay float: no Q/DQ after the last conv
    last_conv = max(i for i, op in enumerate(ops) if op == 'Conv')
    assert 'QuantizeLinear' not in ops[last_conv:]
    # the first conv reads the normalised image in float (per-tensor uint8 would give
    # its three channels of different ranges fewer levels), the second one int8
    dequantized = {o for n in graph.node if n.op_type == 'DequantizeLinear' for o in n.output}
    first, second = [n for n in graph.node if n.op_type == 'Conv'][:2]
    assert not dequantized & set(first.input)
    assert dequantized & set(second.input)
    int8 = OnnxPoseModel(out).run(_crops())
    fp32 = OnnxPoseModel(exported).run(_crops())
    assert int8['keypoints'].dtype == np.float32
    rel = np.abs(int8['heatmaps'] - fp32['heatmaps']).max() / np.abs(fp32['heatmaps']).max()
    assert 0 < rel < 0.25  # quantized, and still the same model


def test_float16_body(tmp_path, exported):
    out = tmp_path / 'fp16.onnx'
    convert_float16(exported, out)
    model = onnx.load(str(out))
    halves = [i for i in model.graph.initializer if i.data_type == onnx.TensorProto.FLOAT16]
    assert len(halves) > 50
    kept = set(body_nodes_excluded(exported))
    assert kept and kept <= {n.name for n in model.graph.node}
    names = ['heatmaps', 'keypoints', 'scores']
    got = dict(zip(names, make_session(out).run(names, {'images': _crops()})))
    want = dict(zip(names, make_session(exported).run(names, {'images': _crops()})))
    assert got['heatmaps'].dtype == np.float32 and got['keypoints'].dtype == np.float32
    rel = np.abs(got['heatmaps'] - want['heatmaps']).max() / np.abs(want['heatmaps']).max()
    assert rel < 1e-2
