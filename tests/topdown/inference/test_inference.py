"""init_model and inference_topdown: MMPose's numbers, boxes, batching and bad input."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from posecore.checkpoint import CheckpointLoadError, encode
from posecore.structures import PoseDataSample

from pose_plugin_topdown.inference import (bboxes_to_xyxy, dataset_meta_from_config,
                                           inference_topdown, init_model)

IMAGE = 'coco/000000000785.jpg'  # 640 x 425
# three detections of image 785 in coco/test_coco_det_AP_H_56.json, xywh
DET_XYWH = np.array([[277.1183158543966, 45.699667786163765, 225.09126579259754, 333.5602652943344],
                     [281.950178384611, 44.56940615106412, 212.94084624881856, 344.98328732330305],
                     [268.01163251716935, 43.98534000198524, 238.46562, 341.79495]], np.float32)
KPT_IDS = [0, 9, 10, 15, 16]
# MMPose 1.3.2's inference_topdown with the same config and weights (keypoints KPT_IDS)
MMPOSE_DET_KPTS = np.array([
    [[220.27786, -9.02506], [516.7035, 372.09363], [262.6244, 372.09363],
     [233.30756, 4.00464], [532.9906, 4.00464]],
    [[213.23378, -12.02942], [519.8107, 382.14093], [257.0305, 382.14093],
     [226.70969, 1.44649], [536.6556, 1.44649]],
    [[213.6767, -12.09038], [517.4203, 378.43704], [257.06863, 378.43704],
     [227.02806, 1.26099], [534.10944, 1.26099]]])
MMPOSE_SCORES = np.array([-0.10885, -0.04, -0.04, -0.04781, -0.04781, -0.16201, -0.16223,
                          -0.04514, -0.04514, 0.20658, 0.20658, -0.13142, -0.13142, -0.09821,
                          -0.09821, 0.10623, 0.10618])
# the whole of 000000040083.jpg (500 x 333) as the box
MMPOSE_WHOLE_KPTS = np.array([[-88.54166, -276.2083], [503.90625, 485.5104],
                              [-3.90625, 485.5104], [-62.5, -250.16666],
                              [536.4583, -250.16666]])


def test_keypoints_equal_mmpose_for_detected_boxes(small_model, testdata: Path):
    results = inference_topdown(small_model, str(testdata / IMAGE), DET_XYWH, bbox_format='xywh')
    assert len(results) == 3 and all(isinstance(r, PoseDataSample) for r in results)
    keypoints = np.stack([r.pred_instances.keypoints[0] for r in results])
    assert keypoints.shape == (3, 17, 2)
    np.testing.assert_allclose(keypoints[:, KPT_IDS], MMPOSE_DET_KPTS, atol=1e-3)
    for r in results:
        np.testing.assert_allclose(r.pred_instances.keypoint_scores[0], MMPOSE_SCORES,
                                   atol=1e-5)
    xyxy = bboxes_to_xyxy(DET_XYWH, 'xywh')
    np.testing.assert_allclose(np.concatenate([r.pred_instances.bboxes for r in results]),
                               xyxy, rtol=1e-6)
    assert results[0].img_path == str(testdata / IMAGE)
    assert results[0].ori_shape == (425, 640)


def test_no_boxes_means_the_whole_image(small_model, testdata: Path):
    path = testdata / 'coco' / '000000040083.jpg'
    for bboxes in (None, [], np.zeros((0, 4))):
        (result, ) = inference_topdown(small_model, str(path), bboxes)
        np.testing.assert_array_equal(result.pred_instances.bboxes, [[0, 0, 500, 333]])
        np.testing.assert_allclose(result.pred_instances.keypoints[0, KPT_IDS],
                                   MMPOSE_WHOLE_KPTS, atol=1e-3)


def test_an_array_a_path_and_both_box_formats_agree(small_model, testdata: Path):
    path = testdata / IMAGE
    xyxy = bboxes_to_xyxy(DET_XYWH[:2], 'xywh')
    from_path = inference_topdown(small_model, str(path), xyxy)
    from_array = inference_topdown(small_model, cv2.imread(str(path)), DET_XYWH[:2].tolist(),
                                   bbox_format='xywh')
    for a, b in zip(from_path, from_array):
        np.testing.assert_allclose(a.pred_instances.keypoints, b.pred_instances.keypoints,
                                   atol=1e-4)
    assert from_array[0].img_path is None


def test_one_batch_equals_one_box_at_a_time(small_model, testdata: Path):
    path = str(testdata / IMAGE)
    together = inference_topdown(small_model, path, DET_XYWH, 'xywh')
    for i, result in enumerate(together):
        (alone, ) = inference_topdown(small_model, path, DET_XYWH[i:i + 1], 'xywh')
        np.testing.assert_allclose(result.pred_instances.keypoints,
                                   alone.pred_instances.keypoints, atol=1e-4)


def test_init_model_attaches_cfg_and_dataset_meta(small_model, small_config: Path):
    assert not small_model.training
    assert small_model.cfg.default_scope == 'posecore'  # MMPose's scope taken as posecore
    assert small_model.cfg.model.backbone.init_cfg is None  # no pretrained download
    assert small_model.cfg.model.train_cfg is None
    meta = small_model.dataset_meta
    assert meta['dataset_name'] == 'coco' and meta['num_keypoints'] == 17
    assert meta['keypoint_colors'].shape == (17, 3)
    assert dataset_meta_from_config(small_model.cfg, 'train')['flip_indices'][1] == 2


def test_checkpoint_meta_wins_over_the_config(small_config: Path, small_checkpoint: Path,
                                              tmp_path: Path):
    state = torch.load(small_checkpoint, weights_only=True)
    meta = dict(dataset_meta=dict(dataset_name='from-checkpoint', num_keypoints=17,
                                  keypoint_colors=np.zeros((17, 3), np.uint8)))
    path = tmp_path / 'with_meta.pth'
    torch.save(dict(state_dict=state, meta=encode(meta)), path)  # as posecore's runner saves
    model = init_model(small_config, str(path), cfg_options={'model.test_cfg.flip_test': False})
    assert model.dataset_meta['dataset_name'] == 'from-checkpoint'
    assert model.dataset_meta['keypoint_colors'].dtype == np.uint8
    assert model.cfg.model.test_cfg.flip_test is False
    # with cfg_options the backbone init_cfg stays, as in MMPose
    assert model.cfg.model.backbone.init_cfg is not None


def test_a_checkpoint_that_does_not_fit_lists_missing_and_unexpected_keys(
        small_config: Path, small_checkpoint: Path, tmp_path: Path):
    state = torch.load(small_checkpoint, weights_only=True)
    state['head.extra_layer.weight'] = torch.zeros(1)
    del state['head.final_layer.bias']
    path = tmp_path / 'bad.pth'
    torch.save(state, path)
    with pytest.raises(CheckpointLoadError,
                       match=r'missing keys: \[head\.final_layer\.bias\]; unexpected keys: '
                             r'\[head\.extra_layer\.weight\]'):
        init_model(small_config, str(path))
    state = torch.load(small_checkpoint, weights_only=True)
    state['head.final_layer.bias'] = torch.zeros(3)
    torch.save(state, path)
    with pytest.raises(CheckpointLoadError, match=r'head\.final_layer\.bias: file \(3,\) vs '
                                                  r'model \(17,\)'):
        init_model(small_config, str(path))


def test_bad_input_is_named(small_model, small_config: Path, tmp_path: Path):
    with pytest.raises(ValueError, match="bbox_format must be 'xyxy' or 'xywh', got 'cxcywh'"):
        inference_topdown(small_model, np.zeros((64, 48, 3), np.uint8), [[0, 0, 5, 5]],
                          bbox_format='cxcywh')
    with pytest.raises(ValueError, match=r'\(N, 4\) array of xyxy boxes, got shape \(2, 3\)'):
        inference_topdown(small_model, np.zeros((64, 48, 3), np.uint8), np.zeros((2, 3)))
    with pytest.raises(TypeError, match='config file path or an mmengine Config'):
        init_model(42)
    with pytest.raises(CheckpointLoadError, match='nothing-here.pth'):
        init_model(small_config, str(tmp_path / 'nothing-here.pth'))
    not_image = tmp_path / 'notes.jpg'
    not_image.write_text('hello')
    with pytest.raises(Exception, match='notes.jpg'):
        inference_topdown(small_model, str(not_image))
    with pytest.raises(ValueError, match='has no cfg'):
        inference_topdown(torch.nn.Linear(1, 1), str(not_image))
