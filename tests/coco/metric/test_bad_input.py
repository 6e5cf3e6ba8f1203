"""Bad arguments, annotation files and data samples raise errors that name
the thing to fix."""
from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from posecore.registry import METRICS


def build(**kwargs):
    return METRICS.build(dict(type='CocoMetric', **kwargs))


@pytest.mark.parametrize('kwargs, match', [
    (dict(score_mode='invalid'), r"`score_mode` should be one of .*'invalid'"),
    (dict(nms_mode='nms'), r"`nms_mode` should be one of .*'nms'"),
    (dict(iou_type='bbox'), r"iou_type must be one of .*'bbox'"),
    (dict(nms_thr='0.9'), r"nms_thr must be a number, got '0.9'"),
    (dict(pred_converter=dict(num_keypoints=17)),
     r'pred_converter must be a dict with num_keypoints and mapping'),
    (dict(gt_converter=dict(num_keypoints=17, mapping=[((0, 1), 2)])),
     r'gt_converter.mapping entry must be a pair .* got \(\(0, 1\), 2\)'),
    (dict(gt_converter=dict(num_keypoints=3, mapping=[(0, 5)])),
     r'gt_converter.mapping targets \[5\] are outside 0..2'),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        build(**kwargs)


def test_format_only_needs_outfile_prefix():
    # a ValueError that is also MMPose's AssertionError
    with pytest.raises(ValueError, match='`outfile_prefix` can not be None'):
        build(format_only=True)
    with pytest.raises(AssertionError):
        build(format_only=True)


def test_missing_annotation_file(tmp_path):
    path = tmp_path / 'nowhere.json'
    with pytest.raises(FileNotFoundError, match=f'{path}.* does not exist'):
        build(ann_file=str(path))


def test_annotation_file_not_json(tmp_path):
    path = tmp_path / 'broken.json'
    path.write_text('{"images": [')
    with pytest.raises(ValueError, match=f'{path}.* is not a JSON file'):
        build(ann_file=str(path))
    path.write_text('[1, 2]')
    with pytest.raises(ValueError, match='must hold a COCO JSON object'):
        build(ann_file=str(path))


@pytest.mark.parametrize('drop', ['images', 'annotations', 'categories'])
def test_annotation_file_lacking_a_section(coco_db, tmp_path, drop):
    db = {k: v for k, v in coco_db.items() if k != drop}
    path = tmp_path / 'partial.json'
    path.write_text(json.dumps(db))
    with pytest.raises(ValueError, match=rf"{path}.* lacks \['{drop}'\]"):
        build(ann_file=str(path))


def test_format_only_accepts_file_without_annotations(coco_db, tmp_path):
    db = {k: v for k, v in coco_db.items() if k != 'annotations'}
    path = tmp_path / 'image_info.json'
    path.write_text(json.dumps(db))
    build(ann_file=str(path), format_only=True,
          outfile_prefix=str(tmp_path / 'r'))
    with pytest.raises(AssertionError, match='Ground truth annotations are '
                       'required for evaluation'):
        build(ann_file=str(path))


def test_predictions_for_unknown_images_are_reported(run_metric, gt_topdown,
                                                     coco_ann_file):
    stray = copy.deepcopy(gt_topdown[:3])
    for i, sample in enumerate(stray):
        sample['img_id'] = 900001 + i % 2
        sample['id'] += 10**6
    with pytest.raises(ValueError, match=r'predictions for 2 image id\(s\) '
                       r'that .*test_coco.json.* does not have: 900001, '
                       r'900002'):
        run_metric(gt_topdown + stray, ann_file=str(coco_ann_file))


@pytest.mark.parametrize('edit, match', [
    (lambda s: s.pop('pred_instances'), r'`pred_instances` are required.* '
     r'id 442619'),
    (lambda s: s.pop('img_id'), r"a data sample lacks 'img_id'"),
    (lambda s: s['pred_instances'].pop('keypoint_scores'),
     r"sample id 442619 lack 'keypoint_scores'"),
    (lambda s: s['pred_instances'].update(
        keypoints=np.zeros((1, 17, 3))), r'keypoints must be \(n, K, 2\).*'
     r'got \(1, 17, 3\)'),
    (lambda s: s['pred_instances'].update(
        keypoint_scores=np.zeros((1, 16))), r'keypoint_scores \(n, K\), got '
     r'\(1, 17, 2\) and \(1, 16\)'),
    (lambda s: s['pred_instances'].update(bbox_scores=np.zeros(0)),
     r'pred_instances bbox_scores must have 1 dimensions and a row for each '
     r'of the 1 predicted instances, got shape \(0,\)'),
    (lambda s: s['pred_instances'].update(bboxes=np.zeros((1, 2))),
     r'bboxes must be \(n, 4\) rows \[x1, y1, x2, y2\], got shape \(1, 2\)'),
    (lambda s: s['gt_instances'].update(bbox_scales=np.zeros(2)),
     r'gt_instances bbox_scales must have 2 dimensions'),
])
def test_bad_data_samples(gt_topdown, edit, match):
    metric = build()
    sample = copy.deepcopy(gt_topdown[0])
    edit(sample)
    with pytest.raises(ValueError, match=match):
        metric.process([], [sample])


def test_without_ann_file_samples_need_raw_annotations(gt_topdown):
    sample = copy.deepcopy(gt_topdown[0])
    del sample['raw_ann_info']
    with pytest.raises(ValueError, match=r"lacks \['raw_ann_info'\], which "
                       'evaluating without ann_file needs'):
        build().process([], [sample])


def test_raw_annotation_without_area(run_metric, gt_topdown):
    del gt_topdown[2]['raw_ann_info']['area']
    with pytest.raises(ValueError, match=r"annotation 230195 of image 40083 "
                       r"lacks \['area'\].*use_area=False"):
        run_metric(gt_topdown)


def test_keypoint_count_must_match_the_dataset(run_metric, gt_topdown,
                                               coco_ann_file):
    for sample in gt_topdown:
        pred = sample['pred_instances']
        pred['keypoints'] = pred['keypoints'][:, :14]
        pred['keypoint_scores'] = pred['keypoint_scores'][:, :14]
    with pytest.raises(ValueError, match='predictions have 14 keypoints, '
                       'the dataset 17; a pred_converter maps'):
        run_metric(gt_topdown, ann_file=str(coco_ann_file))


def test_mixed_keypoint_counts(run_metric, gt_topdown, coco_ann_file):
    pred = gt_topdown[3]['pred_instances']
    pred['keypoints'] = pred['keypoints'][:, :14]
    pred['keypoint_scores'] = pred['keypoint_scores'][:, :14]
    with pytest.raises(ValueError, match=r'keypoints of data sample id '
                       r'\d+ has shape \(1, 14, 2\)'):
        run_metric(gt_topdown, ann_file=str(coco_ann_file))


def test_dataset_meta_is_required(gt_topdown, coco_ann_file):
    metric = build(ann_file=str(coco_ann_file))
    metric.process([], gt_topdown)
    with pytest.raises(ValueError, match='dataset_meta with the keypoint '
                       'sigmas is not set'):
        metric.evaluate(size=len(gt_topdown))


def test_sigmas_must_match_keypoints(run_metric, dataset_meta, gt_topdown,
                                     coco_ann_file):
    dataset_meta['sigmas'] = dataset_meta['sigmas'][:16]
    with pytest.raises(ValueError, match=r'sigmas must have num_keypoints = '
                       r'17 values, got shape \(16,\)'):
        run_metric(gt_topdown, ann_file=str(coco_ann_file))
