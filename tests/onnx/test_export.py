"""``posecore export``: a checked ONNX file with its sidecar, outputs equal to
PyTorch's, MSRA decoding in the graph equal to the codec's."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import torch

from pose_plugin_onnx.graph_decode import MSRADecode
from pose_plugin_onnx.sidecar import read_sidecar, sidecar_path

from .conftest import COCO_IMAGES, write_config


def test_export_writes_a_checked_file_and_a_sidecar(exported: Path, shared_dir: Path):
    onnx.checker.check_model(str(exported), full_check=True)
    graph = onnx.load(str(exported)).graph
    assert [o.name for o in graph.output] == ['heatmaps', 'keypoints', 'scores']
    dims = graph.input[0].type.tensor_type.shape.dim
    assert graph.input[0].name == 'images'
    assert graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.UINT8
    assert dims[0].dim_param and [d.dim_value for d in dims[1:]] == [3, 128, 96]

    side = read_sidecar(exported)
    assert sidecar_path(exported).name == 'small.onnx.json'
    assert side['input']['size'] == [96, 128] and side['input']['batch'] is None
    assert side['codec'] == {'type': 'MSRAHeatmap', 'input_size': [96, 128],
                             'heatmap_size': [24, 32], 'sigma': 2}
    coco = json.loads((shared_dir / 'coco_metainfo.json').read_text())
    names = [kpt['name'] for kpt in sorted(coco['keypoint_info'], key=lambda k: k['id'])]
    assert side['keypoint_names'] == names
    assert side['flip_indices'] == [0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15]
    assert side['flip_test'] is True and side['decoded_in_graph'] is True
    assert side['precision'] == 'fp32'
    for dist in ('posecore', 'pose-plugin-onnx', 'torch', 'onnx', 'onnxruntime'):
        assert side['versions'][dist], dist
    assert side['model']['backbone_distribution'] == 'pose-plugin-hrnet'
    assert all(d['relative'] <= 1e-4 for d in side['check']['fp32'].values())
    # the metainfo comes back as the model had it (arrays, int keys)
    assert side['dataset_meta']['keypoint_id2name'][0] == 'nose'
    assert side['dataset_meta']['sigmas'].dtype == np.float32


def test_a_fixed_batch_and_another_input_size(tmp_path, onnx_config, onnx_checkpoint, coco_dir,
                                              capsys):
    from posecore.cli.main import main

    out = tmp_path / 'fixed.onnx'
    assert main(['export', str(onnx_config), str(onnx_checkpoint), '--out', str(out),
                 '--input-size', '64', '96', '--batch', '3',
                 '--image', str(coco_dir / '000000040083.jpg')]) == 0
    printed = capsys.readouterr().out
    assert 'onnxruntime vs PyTorch on 3 crop(s) of' in printed
    assert "heatmaps: max |diff|" in printed and "keypoints: max |diff| 0 px" in printed
    side = read_sidecar(out)
    assert side['input']['size'] == [64, 96] and side['input']['batch'] == 3
    assert side['codec']['heatmap_size'] == [16, 24]
    assert side['flip_test'] is False
    affine = [s for s in side['test_pipeline'] if s['type'] == 'TopdownAffine'][0]
    assert list(affine['input_size']) == [64, 96]
    dims = onnx.load(str(out)).graph.input[0].type.tensor_type.shape.dim
    assert [d.dim_value for d in dims] == [3, 3, 96, 64]
    assert sorted(p.name for p in tmp_path.iterdir()) == ['fixed.onnx', 'fixed.onnx.json']
    # a fixed batch of 3 takes any number of crops (the last batch padded)
    from pose_plugin_onnx import OnnxPoseModel

    model = OnnxPoseModel(out)
    crops = np.random.default_rng(0).integers(0, 255, (5, 3, 96, 64), dtype=np.uint8)
    five = model.run(crops)['heatmaps']
    assert five.shape == (5, 17, 24, 16)
    np.testing.assert_allclose(five[3:], model.run(crops[3:])['heatmaps'], rtol=1e-6, atol=1e-7)


def test_onnxruntime_outputs_equal_pytorch(exported, torch_model, coco_dir):
    """The graph vs the PyTorch estimator (its own preprocessor, flip test and
    head) on real crops: heatmaps within 1e-5 relative."""
    from mmengine.dataset import pseudo_collate
    from pose_plugin_onnx import OnnxPoseModel
    from pose_plugin_topdown.flip import flip_heatmaps
    from pose_plugin_topdown.inference import build_test_pipeline, load_image, pack_instances

    pipeline = build_test_pipeline(torch_model.cfg)
    path = str(coco_dir / '000000196141.jpg')
    boxes = np.array([[0, 0, 200, 300], [100, 50, 400, 420], [10, 10, 300, 200]], np.float32)
    packed = pack_instances(torch_model, pipeline, load_image(pipeline, path), path, boxes)
    with torch.no_grad():
        data = torch_model.data_preprocessor(pseudo_collate(packed))
        feats, flipped = torch_model._extract_feat_and_flipped(data['inputs'])
        want = (torch_model.head.forward(feats) + flip_heatmaps(
            torch_model.head.forward(flipped), torch_model.dataset_meta['flip_indices'],
            shift_heatmap=True)) * 0.5
    got = OnnxPoseModel(exported).run(np.stack([p['inputs'].numpy() for p in packed]))
    rel = np.abs(got['heatmaps'] - want.numpy()).max() / np.abs(want.numpy()).max()
    assert rel < 1e-5


def _codec():
    from posecore.registry import KEYPOINT_CODECS

    return KEYPOINT_CODECS.build(dict(type='MSRAHeatmap', input_size=(96, 128),
                                      heatmap_size=(24, 32), sigma=2))


def test_graph_decode_equals_the_codec():
    """Peaks everywhere, on every border row and column, and maps whose
    maximum is <= 0: the tensor decode gives the codec's numbers exactly."""
    rng = np.random.default_rng(0)
    maps = rng.random((6, 17, 32, 24)).astype(np.float32) * 0.1
    k = 0
    for y in (0, 1, 2, 15, 30, 31):
        for x in (0, 1, 2, 12, 22, 23):
            b, kk = divmod(k, 17)
            maps[b, kk, y, x] = 1.0 + rng.random()
            k += 1
    maps[5, 10:] -= 1.0  # no positive maximum
    want_kpts, want_scores = _codec().batch_decode(maps)
    got_kpts, got_scores = MSRADecode((96, 128), (24, 32))(torch.from_numpy(maps))
    np.testing.assert_array_equal(got_kpts.numpy(), want_kpts[:, 0])
    np.testing.assert_array_equal(got_scores.numpy(), want_scores[:, 0])


def test_the_keypoints_output_is_the_codec_decode_of_the_heatmaps_output(onnx_model, coco_dir):
    from pose_plugin_topdown.inference import build_test_pipeline, load_image, pack_instances

    pipeline = build_test_pipeline(onnx_model.cfg)
    path = str(coco_dir / '000000197388.jpg')
    packed = pack_instances(onnx_model, pipeline, load_image(pipeline, path), path,
                            np.array([[0, 0, 300, 400], [50, 50, 350, 300]], np.float32))
    out = onnx_model.run(np.stack([p['inputs'].numpy() for p in packed]))
    kpts, scores = _codec().batch_decode(out['heatmaps'])
    np.testing.assert_array_equal(out['keypoints'], kpts[:, 0])
    np.testing.assert_array_equal(out['scores'], scores[:, 0])


def test_the_torchscript_exporter_gets_hrnet_right_too(torch_model, tmp_path):
    """HRNet's fast paths step aside while traced (pose_plugin_hrnet.tracing):
    the legacy exporter (MMPose-era tooling) used to give outputs ~60% off."""
    import warnings

    from pose_plugin_onnx.session import make_session

    backbone = torch_model.backbone
    x = torch.randn(2, 3, 128, 96)
    with torch.no_grad():
        want = backbone(x)[0].numpy()
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            torch.onnx.export(backbone, (x, ), str(tmp_path / 'legacy.onnx'), dynamo=False,
                              input_names=['x'], opset_version=17)
    got = make_session(tmp_path / 'legacy.onnx').run(None, {'x': x.numpy()})[0]
    assert np.abs(got - want).max() / np.abs(want).max() < 1e-5


def test_a_sub_pixel_flip_shift_is_exported_as_configured(tmp_path, shared_dir, onnx_checkpoint,
                                                          coco_dir):
    """``shift_heatmap=0.75`` (posecore's exact shift) goes into the graph as 0.75, not as
    MMPose's one pixel: the export's own check against PyTorch passes."""
    from posecore.cli.main import main

    cfg = write_config(tmp_path, shared_dir, replace=('shift_heatmap=True', 'shift_heatmap=0.75'))
    out = tmp_path / 'shift.onnx'
    assert main(['export', str(cfg), str(onnx_checkpoint), '--out', str(out), '--flip-test',
                 '--image', str(coco_dir / COCO_IMAGES[0])]) == 0
    side = read_sidecar(out)
    assert side['shift_heatmap'] == 0.75
    assert all(d['relative'] <= 1e-4 for d in side['check']['fp32'].values())
