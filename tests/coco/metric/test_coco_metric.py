"""``CocoMetric`` on the real COCO annotations of ``test_coco.json``: the
acceptance cases and the numbers MMPose 1.3.2 gives on the same inputs
(its own metric tests' expected values)."""
from __future__ import annotations

import contextlib
import copy
import io
import json

import numpy as np
import pytest
from .samples import KEYS, topdown_sample

MODES = [(s, n) for s in ('bbox', 'bbox_keypoint', 'bbox_rle', 'keypoint')
         for n in ('oks_nms', 'soft_oks_nms', 'none')]
PERFECT = {f'coco/{k}': 1.0 for k in KEYS}


@pytest.mark.parametrize('score_mode, nms_mode', MODES)
def test_ground_truth_scores_one_topdown(run_metric, gt_topdown,
                                         coco_ann_file, score_mode,
                                         nms_mode):
    results = run_metric(gt_topdown, ann_file=str(coco_ann_file),
                         score_mode=score_mode, nms_mode=nms_mode)
    assert results == PERFECT
    assert list(results) == [f'coco/{k}' for k in KEYS]


def test_ground_truth_scores_one_without_ann_file(run_metric, gt_topdown,
                                                  tmp_path):
    # the ground truth is built from the samples' raw_ann_info
    results = run_metric(gt_topdown, batch_size=4,
                         outfile_prefix=str(tmp_path / 'run'))
    assert results == PERFECT
    written = json.loads((tmp_path / 'run.gt.json').read_text())
    assert len(written['images']) == 4
    assert len(written['annotations']) == 14
    assert (tmp_path / 'run.keypoints.json').is_file()


@pytest.mark.parametrize('use_ann_file', [True, False])
@pytest.mark.parametrize('score_mode, nms_mode',
                         [('bbox', 'none'), ('bbox_keypoint', 'oks_nms')])
def test_ground_truth_scores_one_bottomup(run_metric, gt_bottomup,
                                          coco_ann_file, use_ann_file,
                                          score_mode, nms_mode):
    ann_file = str(coco_ann_file) if use_ann_file else None
    assert run_metric(gt_bottomup, ann_file=ann_file, score_mode=score_mode,
                      nms_mode=nms_mode) == PERFECT


def shifted(coco_db: dict) -> list:
    """Predictions x * 0.98, y * 1.02, scores * 0.8, box score 0.98."""
    samples = []
    for ann in coco_db['annotations']:
        kp = np.array(ann['keypoints'], np.float32).reshape(1, -1, 3)
        kp[..., 0] *= 0.98
        kp[..., 1] *= 1.02
        kp[..., 2] *= 0.8
        samples.append(topdown_sample(ann, kp[..., :2], kp[..., 2],
                                      bbox_score=0.98))
    return samples


def test_shifted_predictions(run_metric, coco_db, coco_ann_file):
    results = run_metric(shifted(coco_db), ann_file=str(coco_ann_file),
                         score_mode='bbox_keypoint', nms_mode='oks_nms')
    assert results['coco/AR'] == pytest.approx(0.58333, abs=1e-5)
    assert results['coco/AP'] == pytest.approx(0.5288, abs=0.025)
    # MMPose 1.3.2 on the same predictions (its test_topdown_alignment)
    assert results == pytest.approx({
        'coco/AP': 0.5287458745874587, 'coco/AP .5': 0.9042904290429042,
        'coco/AP .75': 0.5009900990099009,
        'coco/AP (M)': 0.42475247524752474,
        'coco/AP (L)': 0.6219554455445544, 'coco/AR': 0.5833333333333333,
        'coco/AR .5': 0.9166666666666666, 'coco/AR .75': 0.5833333333333334,
        'coco/AR (M)': 0.44000000000000006,
        'coco/AR (L)': 0.6857142857142857}, abs=1e-12)


def test_shifted_predictions_bbox_rle(run_metric, coco_db, coco_ann_file):
    results = run_metric(shifted(coco_db), ann_file=str(coco_ann_file),
                         score_mode='bbox_rle', nms_mode='oks_nms')
    assert results['coco/AP'] == pytest.approx(0.5004950495049505, abs=1e-12)
    assert results['coco/AP (L)'] == pytest.approx(0.5814108910891089,
                                                   abs=1e-12)
    assert results['coco/AR'] == pytest.approx(0.5833333333333333, abs=1e-12)


def test_two_predictions_per_person_soft_nms(run_metric, coco_db,
                                             coco_ann_file):
    # two diverging predictions per person in one batch of two samples;
    # expected values: MMPose 1.3.2 (its test_topdown_alignment, case 3)
    samples = []
    for i, ann in enumerate(coco_db['annotations']):
        base = np.array(ann['keypoints'], np.float32).reshape(1, -1, 3)
        for sign, id_shift in ((1, 0), (-1, 1)):
            kp = base.copy()
            kp[..., 0] *= 1 - sign * i / 100
            kp[..., 1] *= 1 + sign * i / 100
            kp[..., 2] *= 1 - (i if sign > 0 else 2 * i) / 100
            box = 1.0 if sign > 0 else 1 - 2 * i / 100
            sample = topdown_sample(ann, kp[..., :2], kp[..., 2],
                                    bbox_score=box)
            sample['id'] = ann['id'] + id_shift
            samples.append(sample)
    results = run_metric(samples, batch_size=2, ann_file=str(coco_ann_file),
                         score_mode='bbox_keypoint', keypoint_score_thr=0.2,
                         nms_thr=0.9, nms_mode='soft_oks_nms')
    assert results == pytest.approx({
        'coco/AP': 0.17073707370737073, 'coco/AP .5': 0.25055005500550054,
        'coco/AP .75': 0.10671067106710669, 'coco/AP (M)': 0.0,
        'coco/AP (L)': 0.29315181518151806, 'coco/AR': 0.2416666666666666,
        'coco/AR .5': 0.3333333333333333, 'coco/AR .75': 0.16666666666666666,
        'coco/AR (M)': 0.0, 'coco/AR (L)': 0.41428571428571426}, abs=1e-12)


def test_repeated_sample_counts_once(run_metric, gt_topdown, coco_ann_file):
    # a sample evaluated twice (e.g. a padded last batch) is one prediction
    samples = gt_topdown + [copy.deepcopy(gt_topdown[0])]
    assert run_metric(samples, ann_file=str(coco_ann_file), score_mode='bbox',
                      nms_mode='none') == PERFECT


def test_predicted_boxes_and_results_file(run_metric, gt_topdown,
                                          coco_ann_file, tmp_path):
    # boxes in pred_instances (as the top-down estimator puts them) are
    # written xywh with each result; numbers are unchanged
    for sample in gt_topdown:
        sample['pred_instances']['bboxes'] = sample['gt_instances']['bboxes']
    prefix = tmp_path / 'sub' / 'results'
    assert run_metric(gt_topdown, ann_file=str(coco_ann_file),
                      outfile_prefix=str(prefix)) == PERFECT
    written = json.loads((tmp_path / 'sub' / 'results.keypoints.json')
                         .read_text())
    assert len(written) == 14
    first = written[0]
    assert sorted(first) == ['bbox', 'category_id', 'image_id', 'keypoints',
                             'score']
    assert len(first['keypoints']) == 51
    boxes = [s['raw_ann_info']['bbox'] for s in gt_topdown
             if s['img_id'] == first['image_id']]
    assert any(first['bbox'] == pytest.approx(box, abs=1e-4)
               for box in boxes)


def test_format_only_writes_results_and_returns_nothing(
        run_metric, gt_topdown, coco_ann_file, tmp_path):
    results = run_metric(gt_topdown[:1], ann_file=str(coco_ann_file),
                         format_only=True,
                         outfile_prefix=str(tmp_path / 'test'))
    assert results == {}
    written = json.loads((tmp_path / 'test.keypoints.json').read_text())
    assert len(written) == 1 and written[0]['image_id'] == 785


def test_prefix_and_crowd_keys(run_metric, gt_topdown, coco_db, tmp_path):
    # CrowdPose style: crowd index per image, AP by crowdedness
    db = copy.deepcopy(coco_db)
    for i, img in enumerate(db['images']):
        img['crowdIndex'] = [0.0, 0.5, 0.5, 0.9][i]
    ann_file = tmp_path / 'crowd.json'
    ann_file.write_text(json.dumps(db))
    results = run_metric(gt_topdown, ann_file=str(ann_file), use_area=False,
                         iou_type='keypoints_crowd', prefix='crowdpose')
    assert list(results) == [f'crowdpose/{k}' for k in (
        'AP', 'AP .5', 'AP .75', 'AR', 'AR .5', 'AR .75', 'AP(E)', 'AP(M)',
        'AP(H)')]
    assert results['crowdpose/AP'] == 1.0


def test_annotation_file_from_the_dataset(dataset_meta, gt_topdown,
                                          coco_ann_file, fresh_message_hub):
    # a test dataset announces its ann_file in the MessageHub, as MMPose's
    from posecore.registry import METRICS
    fresh_message_hub.update_info('coco_ann_file', str(coco_ann_file))
    metric = METRICS.build(dict(type='CocoMetric'))
    metric.dataset_meta = dataset_meta
    assert metric.coco is not None
    samples = [{k: v for k, v in s.items() if k != 'raw_ann_info'}
               for s in gt_topdown]
    metric.process([], samples)
    with contextlib.redirect_stdout(io.StringIO()):
        assert metric.evaluate(size=len(samples)) == PERFECT


def test_with_the_coco_dataset_and_evaluator(coco_ann_file):
    # posecore's CocoDataset gives the metainfo (float32 sigmas, CLASSES)
    # and announces its annotation file; mmengine's Evaluator feeds the
    # metric; ground truth instances as predictions score 1.0
    from mmengine.evaluator import Evaluator

    from posecore.registry import DATASETS, METRICS
    dataset = DATASETS.build(dict(
        type='CocoDataset', ann_file=str(coco_ann_file), data_mode='topdown',
        test_mode=True, pipeline=[]))
    evaluator = Evaluator(METRICS.build(dict(
        type='CocoMetric', score_mode='bbox_keypoint', nms_mode='oks_nms')))
    evaluator.dataset_meta = dataset.metainfo
    samples = []
    for i in range(len(dataset)):
        info = dataset[i]
        samples.append(dict(
            id=info['id'], img_id=info['img_id'],
            category_id=info['category_id'],
            gt_instances=dict(bbox_scores=info['bbox_score']),
            pred_instances=dict(keypoints=info['keypoints'],
                                keypoint_scores=info['keypoints_visible'])))
    evaluator.process(samples)
    with contextlib.redirect_stdout(io.StringIO()):
        results = evaluator.evaluate(len(samples))
    assert results == PERFECT


def test_pose_data_samples_and_converters(run_metric, gt_topdown,
                                          coco_ann_file):
    # data samples (not dicts) are accepted; a converter pair that permutes
    # the keypoints on both sides changes nothing
    from mmengine.structures import InstanceData

    from posecore.structures import PoseDataSample
    samples = []
    for raw in gt_topdown:
        sample = PoseDataSample(metainfo=dict(
            id=raw['id'], img_id=raw['img_id'], category_id=1))
        sample.gt_instances = InstanceData(**raw['gt_instances'])
        sample.pred_instances = InstanceData(**raw['pred_instances'])
        samples.append(sample)
    mapping = [(i, (i * 5) % 17) for i in range(17)]
    converter = dict(type='KeypointConverter', num_keypoints=17,
                     mapping=mapping)
    assert run_metric(samples, ann_file=str(coco_ann_file),
                      pred_converter=converter,
                      gt_converter=converter) == PERFECT


def test_results_survive_collection_across_processes(dataset_meta,
                                                     gt_topdown,
                                                     coco_ann_file):
    # distributed evaluation pickles each rank's results to the main one
    import pickle

    from posecore.registry import METRICS
    rank = METRICS.build(dict(type='CocoMetric', ann_file=str(coco_ann_file)))
    rank.process([], gt_topdown)
    main = METRICS.build(dict(type='CocoMetric', ann_file=str(coco_ann_file)))
    main.dataset_meta = dataset_meta
    main.results = pickle.loads(pickle.dumps(rank.results))
    with contextlib.redirect_stdout(io.StringIO()):
        assert main.evaluate(size=len(gt_topdown)) == PERFECT
