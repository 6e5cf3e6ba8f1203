"""PoseVisualizationHook and BadCaseAnalysisHook with a stand-in runner:
what they draw, where it goes, and that they stay off by default."""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
from mmengine.structures import InstanceData
from posecore.registry import HOOKS
from posecore.structures import PoseDataSample

IMAGE = 'coco/000000000785.jpg'  # 640 x 425


@pytest.fixture
def image_path(testdata: Path, tmp_path: Path) -> Path:
    path = tmp_path / 'images' / 'person.jpg'
    path.parent.mkdir()
    shutil.copy(testdata / IMAGE, path)
    return path


def runner(tmp_path: Path, meta: dict, iteration: int = 0) -> SimpleNamespace:
    evaluator = SimpleNamespace(dataset_meta=meta)
    return SimpleNamespace(iter=iteration, work_dir=str(tmp_path / 'work'),
                           timestamp='20240101_000000', log_dir=str(tmp_path / 'log'),
                           val_evaluator=evaluator, test_evaluator=evaluator)


def prediction(img_path: Path, shift: float = 0.0) -> PoseDataSample:
    """One person box with COCO keypoints; the prediction is ``shift`` px off."""
    rng = np.random.default_rng(1)
    gt = rng.uniform([300, 60], [480, 360], (1, 17, 2)).astype(np.float32)
    bbox = np.array([[280., 45., 500., 380.]], np.float32)
    data_sample = PoseDataSample(metainfo=dict(img_path=str(img_path), ori_shape=(425, 640)))
    data_sample.gt_instances = InstanceData(keypoints=gt, bboxes=bbox,
                                            keypoints_visible=np.ones((1, 17), np.float32))
    data_sample.pred_instances = InstanceData(
        keypoints=gt + shift, keypoint_scores=np.ones((1, 17), np.float32),
        keypoints_visible=np.ones((1, 17), np.float32), bboxes=bbox)
    return data_sample


def test_hooks_are_off_by_default_and_draw_nothing(make_visualizer, coco_meta, image_path,
                                                   tmp_path):
    vis = make_visualizer(vis_backends=[dict(type='LocalVisBackend')], save_dir=str(tmp_path))
    for cfg in (dict(type='PoseVisualizationHook'),
                dict(type='BadCaseAnalysisHook', out_dir='badcase')):
        hook = HOOKS.build(cfg)
        assert hook.enable is False
        run = runner(tmp_path, coco_meta)
        batch = dict(data_samples=[prediction(image_path, 50)])
        hook.after_val_iter(run, 0, batch, batch['data_samples'])
        hook.after_test_iter(run, 0, batch, batch['data_samples'])
        hook.after_test_epoch(run)
    assert not (tmp_path / 'vis_data' / 'vis_image').exists()
    assert not (tmp_path / 'work').exists()
    assert vis.radius == 3


def test_validation_draws_the_first_prediction_every_interval(make_visualizer, coco_meta,
                                                              image_path, tmp_path):
    make_visualizer(vis_backends=[dict(type='LocalVisBackend')], save_dir=str(tmp_path))
    hook = HOOKS.build(dict(type='PoseVisualizationHook', enable=True, interval=2))
    outputs = [prediction(image_path)]
    batch = dict(data_samples=outputs)
    for batch_idx in range(3):
        hook.after_val_iter(runner(tmp_path, coco_meta, iteration=10), batch_idx, batch, outputs)
    drawn = sorted(p.name for p in (tmp_path / 'vis_data' / 'vis_image').iterdir())
    assert drawn == ['val_img_10.png', 'val_img_12.png']  # iterations 10 and 12, not 11
    png = cv2.imread(str(tmp_path / 'vis_data' / 'vis_image' / 'val_img_10.png'))
    assert png.shape == (425, 640, 3)  # the prediction only, no ground truth beside it
    x, y = outputs[0].pred_instances.keypoints[0, 0].astype(int)
    assert tuple(png[y, x][::-1]) == tuple(coco_meta['keypoint_colors'][0])


def test_testing_draws_every_prediction_to_out_dir(make_visualizer, coco_meta, image_path,
                                                   tmp_path):
    make_visualizer()
    hook = HOOKS.build(dict(type='PoseVisualizationHook', enable=True, out_dir='vis'))
    outputs = [prediction(image_path), prediction(image_path, 5)]
    run = runner(tmp_path, coco_meta)
    hook.after_test_iter(run, 0, dict(data_samples=outputs), outputs)
    out_dir = Path(run.work_dir) / run.timestamp / 'vis'
    assert sorted(p.name for p in out_dir.iterdir()) == ['person_0.jpg', 'person_1.jpg']
    hook.after_test_iter(run, 1, dict(data_samples=outputs[:1]), outputs[:1])
    assert (out_dir / 'person_2.jpg').is_file()  # the folder is not nested again


def test_bad_cases_are_drawn_and_listed(make_visualizer, coco_meta, image_path, tmp_path):
    vis = make_visualizer()
    # PNG in, PNG out: exact colours; no skeleton, so only keypoints are drawn
    image_path = image_path.with_suffix('.png')
    cv2.imwrite(str(image_path), cv2.imread(str(image_path.with_suffix('.jpg'))))
    coco_meta = {k: v for k, v in coco_meta.items() if not k.startswith('skeleton')}
    hook = HOOKS.build(dict(type='BadCaseAnalysisHook', enable=True, out_dir='badcase',
                            metric_type='loss', badcase_thr=5))
    good, bad = prediction(image_path, 1.0), prediction(image_path, 4.0)  # MSE 1 and 16
    run = runner(tmp_path, coco_meta)
    hook.after_test_iter(run, 0, dict(data_samples=[good, bad]), [good, bad])
    hook.after_test_epoch(run)
    out_dir = Path(run.work_dir) / run.timestamp / 'badcase'
    results = json.loads((out_dir / 'results.json').read_text())
    assert len(results) == 1
    assert results[0]['img'] == 'person' and results[0]['bbox'] == [[280, 45, 500, 380]]
    assert results[0]['KeypointMSELoss'] == pytest.approx(16.0)
    drawings = [p for p in out_dir.iterdir() if p.suffix == '.png']
    name = 'person_bbox[[280, 45, 500, 380]]_KeypointMSELoss16.0.png'
    assert [p.name for p in drawings] == [name]
    img = cv2.imread(str(drawings[0]))  # BGR
    gt, pred = bad.gt_instances.keypoints[0], bad.pred_instances.keypoints[0]
    # a keypoint with no other within 12 px: its circles overlap nothing else
    dist = np.linalg.norm(gt[:, None] - gt[None], axis=-1) + np.eye(17) * 99
    k = int(np.argmax(dist.min(axis=1) > 12))
    assert tuple(img[int(gt[k, 1]), int(gt[k, 0])]) == (255, 0, 0)  # ground truth in blue
    assert tuple(img[int(pred[k, 1]), int(pred[k, 0])]) == (0, 0, 255)  # prediction in red
    assert vis.kpt_color == 'red'


def test_bad_settings_are_refused():
    with pytest.raises(KeyError, match="metric_type 'precision'"):
        HOOKS.build(dict(type='BadCaseAnalysisHook', metric_type='precision'))
    with pytest.raises(ValueError, match='interval must be a positive int'):
        HOOKS.build(dict(type='PoseVisualizationHook', interval=0))


def test_an_unreadable_image_is_named(make_visualizer, coco_meta, tmp_path):
    make_visualizer()
    broken = tmp_path / 'broken.jpg'
    broken.write_text('not an image')
    hook = HOOKS.build(dict(type='PoseVisualizationHook', enable=True))
    outputs = [prediction(broken)]
    with pytest.raises(ValueError, match='broken.jpg'):
        hook.after_test_iter(runner(tmp_path, coco_meta), 0, dict(data_samples=outputs),
                             outputs)
