"""onnxruntime inference: ``OnnxPoseModel`` where the PyTorch model goes
(``inference_topdown``) and ``posecore infer --onnx``: the same keypoints,
the same files."""
from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np

from pose_plugin_topdown.inference import (build_test_pipeline, inference_topdown, load_image,
                                           pack_instances)

from .conftest import COCO_IMAGES

DET_FILE = 'coco/test_coco_det_AP_H_56.json'


def _boxes(testdata: Path, name: str) -> np.ndarray:
    image_id = int(Path(name).stem)
    dets = json.loads((testdata / DET_FILE).read_text())
    return np.array([d['bbox'] for d in dets if d['image_id'] == image_id and d['score'] >= 0.3],
                    np.float32)


def _near_ties(heatmaps: np.ndarray, margin: float = 1e-6) -> np.ndarray:
    """(B, K) True where the maximum or its quarter-pixel step is decided by
    less than ``margin``: float rounding (5e-8 here) can flip those."""
    b, k, h, w = heatmaps.shape
    flat = heatmaps.reshape(b, k, -1)
    top2 = np.sort(flat, axis=-1)[..., -2:]
    ties = top2[..., 1] - top2[..., 0] < margin
    index = flat.argmax(-1)
    y, x = np.divmod(index, w)
    padded = np.pad(heatmaps, ((0, 0), (0, 0), (1, 1), (1, 1)), mode='edge')
    bi, ki = np.meshgrid(np.arange(b), np.arange(k), indexing='ij')
    dx = padded[bi, ki, y + 1, x + 2] - padded[bi, ki, y + 1, x]
    dy = padded[bi, ki, y + 2, x + 1] - padded[bi, ki, y, x + 1]
    return ties | (np.abs(dx) < margin) | (np.abs(dy) < margin)


def test_inference_topdown_takes_the_onnx_model(onnx_model, torch_model, testdata, coco_dir):
    """Every box of the four COCO images: keypoints within 1e-3 px of PyTorch's
    wherever the heatmap maximum is not a float-rounding tie (an untrained
    model's maps are flat), scores within 1e-5."""
    compared = total = 0
    for name in COCO_IMAGES:
        boxes = _boxes(testdata, name)
        path = str(coco_dir / name)
        want = inference_topdown(torch_model, path, boxes, bbox_format='xywh')
        got = inference_topdown(onnx_model, path, boxes, bbox_format='xywh')
        assert len(got) == len(want) == len(boxes)
        pipeline = build_test_pipeline(onnx_model.cfg)
        packed = pack_instances(onnx_model, pipeline, load_image(pipeline, path), path,
                                np.concatenate([boxes[:, :2], boxes[:, :2] + boxes[:, 2:]], 1))
        ties = _near_ties(onnx_model.run(np.stack([p['inputs'].numpy() for p in packed]))
                          ['heatmaps'])
        for w, g, tie in zip(want, got, ties):
            wp, gp = w.pred_instances, g.pred_instances
            np.testing.assert_allclose(gp.keypoint_scores, wp.keypoint_scores, atol=1e-5)
            np.testing.assert_array_equal(gp.bboxes, wp.bboxes)
            diff = np.abs(gp.keypoints - wp.keypoints).max(-1)[0]
            assert diff[~tie].max(initial=0) < 1e-3
            compared += int((~tie).sum())
            total += tie.size
    assert compared > total / 2  # the test compares most keypoints


def test_infer_with_onnx_writes_the_same_files(exported, onnx_config, onnx_checkpoint,
                                               onnx_model, coco_dir, tmp_path, testdata):
    from posecore.cli.main import main

    torch_out, onnx_out = tmp_path / 'torch', tmp_path / 'onnx'
    det = str(testdata / DET_FILE)
    assert main(['infer', str(onnx_config), str(onnx_checkpoint), str(coco_dir),
                 '--bboxes', det, '--bbox-thr', '0.3', '--out-dir', str(torch_out)]) == 0
    assert main(['infer', str(onnx_config), str(coco_dir), '--bboxes', det, '--bbox-thr', '0.3',
                 '--onnx', str(exported), '--out-dir', str(onnx_out)]) == 0
    for sub in ('predictions', 'visualizations'):
        assert sorted(p.name for p in (onnx_out / sub).iterdir()) == \
            sorted(p.name for p in (torch_out / sub).iterdir())
    for name in COCO_IMAGES:
        stem = Path(name).stem
        got = json.loads((onnx_out / 'predictions' / f'{stem}.json').read_text())
        want = json.loads((torch_out / 'predictions' / f'{stem}.json').read_text())
        assert [p['bbox'] for p in got] == [p['bbox'] for p in want]
        np.testing.assert_allclose([p['keypoint_scores'] for p in got],
                                   [p['keypoint_scores'] for p in want], atol=1e-5)
        # the CLI gives what the Python API gives
        api = inference_topdown(onnx_model, str(coco_dir / name), _boxes(testdata, name),
                                bbox_format='xywh')
        np.testing.assert_allclose([p['keypoints'] for p in got],
                                   [r.pred_instances.keypoints[0] for r in api], atol=1e-4)
        drawn = cv2.imread(str(onnx_out / 'visualizations' / f'{stem}.png'))
        assert drawn.shape == cv2.imread(str(coco_dir / name)).shape


def test_the_model_runs_from_its_sidecar_alone(onnx_model):
    """No config: the pipeline, metainfo and visualizer come from the sidecar."""
    assert onnx_model.cfg.test_dataloader.dataset.pipeline[2]['type'] == 'TopdownAffine'
    assert onnx_model.dataset_meta['num_keypoints'] == 17
    assert onnx_model.cfg.get('visualizer') is None  # as in the config (infer's default applies)
    result = inference_topdown(onnx_model, np.zeros((64, 48, 3), np.uint8))
    assert result[0].pred_instances.keypoints.shape == (1, 17, 2)

