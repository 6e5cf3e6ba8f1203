"""``PCKAccuracy``, ``AUC``, ``EPE`` and ``NME`` built through the METRICS
registry and fed the real MPII, OneHand10K and WFLW ground truth (see
conftest.py), with perfect, shifted and perturbed predictions."""
from __future__ import annotations

import numpy as np
import pytest
from mmengine.evaluator import Evaluator
from mmengine.structures import InstanceData

from posecore.registry import METRICS
from posecore.structures import PoseDataSample

WFLW_META = dict(dataset_name='wflw',
                 keypoint_id2name={i: f'kpt-{i}' for i in range(98)})


def shift(dx, dy):
    return lambda kpts: kpts + np.array([dx, dy], np.float32)


def perturbed(seed, sigma):
    rng = np.random.default_rng(seed)
    return lambda kpts: kpts + rng.normal(0, sigma, kpts.shape)


def plain_pck(samples, thr, size_of):
    """PCK written out with loops: per keypoint, the share of visible
    instances (with a size > 0) within ``thr * size``; then the mean over
    keypoints that have any."""
    num_keypoints = samples[0]['gt_instances']['keypoints'].shape[1]
    accs = []
    for k in range(num_keypoints):
        hits = total = 0
        for s in samples:
            gt = s['gt_instances']
            size = size_of(gt)
            if not gt['keypoints_visible'][0, k] or size == 0:
                continue
            d = np.linalg.norm((s['pred_instances']['keypoints'][0, k] -
                                gt['keypoints'][0, k]) / size)
            total += 1
            hits += d < thr
        if total:
            accs.append(hits / total)
    return float(np.mean(accs))


def bbox_size(gt):
    box = gt['bboxes'][0]
    return max(box[2] - box[0], box[3] - box[1])


# --- perfect predictions on real data --------------------------------------

def test_mpii_perfect_pck_pckh_epe(mpii, helpers):
    pck = METRICS.build(dict(type='PCKAccuracy', thr=0.05,
                             norm_item=['bbox', 'head']))
    assert helpers.evaluate(pck, mpii) == {'PCK': 1.0, 'PCKh': 1.0}
    assert helpers.evaluate(METRICS.build(dict(type='EPE')), mpii) == \
        {'EPE': 0.0}


def test_onehand10k_perfect_pck_auc_epe(onehand10k, helpers):
    # The OneHand10K config's evaluators.
    results = {}
    for cfg in (dict(type='PCKAccuracy', thr=0.2), dict(type='AUC'),
                dict(type='EPE')):
        results.update(helpers.evaluate(METRICS.build(cfg), onehand10k))
    assert results['PCK'] == 1.0 and results['EPE'] == 0.0
    # 20 thresholds 0, 0.05, ..., 0.95: all but the zero one (strict <).
    assert results['AUC'] == pytest.approx(0.95, abs=1e-12)


def test_wflw_nme_of_a_3_4_shift(wflw, helpers):
    # The WFLW config: NME(norm_mode='keypoint_distance') with the default
    # inter-ocular pair [60, 72]; every landmark is 5 px off.
    samples = helpers.with_predictions(wflw, shift(3, 4))
    nme = METRICS.build(dict(type='NME', norm_mode='keypoint_distance'))
    result = helpers.evaluate(nme, samples, dataset_meta=WFLW_META)
    assert result['NME'] == pytest.approx(0.0938072, abs=1e-6)
    ocular = [np.linalg.norm(s['gt_instances']['keypoints'][0, 60] -
                             s['gt_instances']['keypoints'][0, 72])
              for s in wflw]
    assert result['NME'] == pytest.approx(np.mean([5 / d for d in ocular]),
                                          rel=1e-6)
    given = METRICS.build(dict(type='NME', norm_mode='keypoint_distance',
                               keypoint_indices=[60, 72]))
    assert helpers.evaluate(given, samples,
                            dataset_meta=WFLW_META) == result
    perfect = METRICS.build(dict(type='NME', norm_mode='keypoint_distance'))
    assert helpers.evaluate(perfect, wflw, dataset_meta=WFLW_META) == \
        {'NME': 0.0}


# --- imperfect predictions --------------------------------------------------

def test_onehand10k_shift_gives_exact_epe_auc_and_ignores_invisible(
        onehand10k, helpers):
    samples = helpers.with_predictions(onehand10k, shift(3, 4))
    # Invisible keypoints far off must not count.
    for s in samples:
        hidden = s['gt_instances']['keypoints_visible'][0] == 0
        s['pred_instances']['keypoints'][0, hidden] += 1000
    assert helpers.evaluate(METRICS.build(dict(type='EPE')), samples) == \
        pytest.approx({'EPE': 5.0})
    # 5 / 30 = 0.167 is below thresholds 0.2 ... 0.95: 16 of 20.
    assert helpers.evaluate(METRICS.build(dict(type='AUC')), samples) == \
        pytest.approx({'AUC': 0.8})
    # 5 / 10 = 0.5: below 0.55 ... 0.95: 9 of 20.
    auc = METRICS.build(dict(type='AUC', norm_factor=10, num_thrs=20))
    assert helpers.evaluate(auc, samples) == pytest.approx({'AUC': 0.45})


@pytest.mark.parametrize('thr', [0.05, 0.1, 0.2])
def test_pck_on_perturbed_predictions_equals_plain_loops(
        mpii, onehand10k, helpers, thr):
    for name, data in (('mpii', mpii), ('onehand10k', onehand10k)):
        samples = helpers.with_predictions(data, perturbed(len(name), 8.0))
        result = helpers.evaluate(
            METRICS.build(dict(type='PCKAccuracy', thr=thr,
                               norm_item=['bbox', 'head']
                               if name == 'mpii' else 'bbox')), samples)
        assert result['PCK'] == pytest.approx(
            plain_pck(samples, thr, bbox_size), abs=1e-12)
        if name == 'mpii':
            head = plain_pck(samples, thr,
                             lambda gt: float(gt['head_size'].ravel()[0]))
            assert result['PCKh'] == pytest.approx(head, abs=1e-12)
            assert 0 < result['PCKh'] < 1


def test_nme_use_norm_item_bbox_size(onehand10k, helpers):
    samples = helpers.with_predictions(onehand10k, shift(3, 4))
    nme = METRICS.build(dict(type='NME', norm_mode='use_norm_item',
                             norm_item='bbox_size'))
    result = helpers.evaluate(nme, samples)
    expected = sum(
        5 / bbox_size(s['gt_instances']) *
        s['gt_instances']['keypoints_visible'].sum()
        for s in samples) / sum(s['gt_instances']['keypoints_visible'].sum()
                                for s in samples)
    assert result['NME'] == pytest.approx(expected, rel=1e-6)


def test_torso_pck_uses_keypoints_4_and_5(helpers):
    gt = np.zeros((1, 6, 2), np.float32)
    gt[0, 5] = [10, 0]  # torso 10 px
    pred = gt.copy()
    pred[0, 0] = [1.5, 0]  # 0.15 torso
    metric = METRICS.build(dict(type='PCKAccuracy', thr=0.1,
                                norm_item='torso'))
    s = helpers.sample(gt, np.ones((1, 6)), np.array([[0, 0, 100, 100.]]),
                       pred=pred)
    assert helpers.evaluate(metric, [s]) == pytest.approx({'tPCK': 5 / 6})
    # A ground-truth torso under 1 px: the predicted one is used, with a
    # warning.
    gt[0, 5] = [0.5, 0]
    pred[0, 5] = [20, 0]
    metric = METRICS.build(dict(type='PCKAccuracy', thr=0.1,
                                norm_item='torso'))
    s = helpers.sample(gt, np.ones((1, 6)), np.array([[0, 0, 100, 100.]]),
                       pred=pred)
    with pytest.warns(UserWarning, match='torso size'):
        result = helpers.evaluate(metric, [s])
    # 20 px torso: keypoint 0 at 0.075 is right; keypoint 5 at 0.975 wrong.
    assert result == pytest.approx({'tPCK': 5 / 6})


# --- keys, prefixes, data-sample forms ---------------------------------------

@pytest.mark.filterwarnings('ignore:Ground-truth torso size')
def test_result_keys_order_and_prefix(onehand10k, helpers):
    metric = METRICS.build(dict(type='PCKAccuracy', thr=0.2,
                                norm_item=['torso', 'bbox'], prefix='hand'))
    result = helpers.evaluate(metric, onehand10k)
    assert list(result) == ['hand/PCK', 'hand/tPCK']
    for cfg, key in ((dict(type='AUC'), 'AUC'), (dict(type='EPE'), 'EPE')):
        metric = METRICS.build(dict(cfg, prefix='val'))
        assert list(helpers.evaluate(metric, onehand10k)) == [f'val/{key}']
        assert METRICS.build(cfg).prefix is None


def test_pose_data_samples_through_mmengine_evaluator(onehand10k, helpers):
    samples = helpers.with_predictions(onehand10k, shift(3, 4))
    data_samples = []
    for s in samples:
        ds = PoseDataSample()
        ds.gt_instances = InstanceData(**s['gt_instances'])
        ds.pred_instances = InstanceData(**s['pred_instances'])
        data_samples.append(ds)
    # Built metrics: a Runner resolves the dicts itself (default scope
    # 'posecore'); a bare Evaluator would look in mmengine's registry.
    cfgs = (dict(type='EPE'), dict(type='AUC'),
            dict(type='PCKAccuracy', thr=0.2))
    evaluator = Evaluator([METRICS.build(cfg) for cfg in cfgs])
    evaluator.process(data_samples[:2])
    evaluator.process(data_samples[2:])
    result = evaluator.evaluate(len(data_samples))
    assert result['EPE'] == pytest.approx(5.0)
    assert result['AUC'] == pytest.approx(0.8)
    assert result['PCK'] == pytest.approx(
        plain_pck(samples, 0.2, bbox_size), abs=1e-12)


def test_several_instances_per_sample_equal_one_per_sample(mpii, helpers):
    singles = helpers.with_predictions(mpii, perturbed(1, 10.0))
    merged = dict(
        pred_instances=dict(keypoints=np.concatenate(
            [s['pred_instances']['keypoints'] for s in singles])),
        gt_instances={
            key: np.concatenate([s['gt_instances'][key] for s in singles])
            for key in singles[0]['gt_instances']})
    for cfg in (dict(type='PCKAccuracy', norm_item=['bbox', 'head']),
                dict(type='EPE'), dict(type='AUC'),
                dict(type='NME', norm_mode='use_norm_item',
                     norm_item='head_size')):
        assert helpers.evaluate(METRICS.build(cfg), [merged]) == \
            helpers.evaluate(METRICS.build(cfg), singles)


# --- bad input ------------------------------------------------------------

@pytest.mark.parametrize('cfg, match', [
    (dict(type='PCKAccuracy', norm_item='box'),
     r"norm_item 'box' is not supported; use 'bbox' \(PCK\), 'head'"),
    (dict(type='PCKAccuracy', norm_item=[]), r'at least one of'),
    (dict(type='PCKAccuracy', thr='0.2'), r"thr must be a finite number"),
    (dict(type='AUC', norm_factor=0), r'norm_factor must be a number > 0'),
    (dict(type='AUC', num_thrs=2.5), r'num_thrs must be an int >= 1'),
    (dict(type='NME', norm_mode='interocular'),
     r"norm_mode must be 'use_norm_item'.*got 'interocular'"),
    (dict(type='NME', norm_mode='use_norm_item'),
     r"norm_mode='use_norm_item' needs norm_item"),
    (dict(type='NME', norm_mode='keypoint_distance', keypoint_indices=[60]),
     r'keypoint_indices must be a pair of keypoint indices'),
])
def test_bad_settings_name_the_argument(cfg, match):
    # A ValueError, and a KeyError as MMPose raises for these.
    with pytest.raises(ValueError, match=match) as info:
        METRICS.build(cfg)
    assert isinstance(info.value, KeyError)


def test_pckh_without_head_size_says_what_to_set(onehand10k, helpers):
    metric = METRICS.build(dict(type='PCKAccuracy', norm_item='head'))
    with pytest.raises(KeyError, match=r"no gt_instances.head_size.*"
                       r"norm_item='bbox'"):
        helpers.evaluate(metric, onehand10k)


def test_nme_without_default_pair_asks_for_keypoint_indices(onehand10k,
                                                            helpers):
    metric = METRICS.build(dict(type='NME', norm_mode='keypoint_distance'))
    meta = dict(dataset_name='onehand10k',
                keypoint_id2name={i: str(i) for i in range(21)})
    with pytest.raises(ValueError, match=r"no default keypoint pair for "
                       r"dataset 'onehand10k': set keypoint_indices"):
        helpers.evaluate(metric, onehand10k, dataset_meta=meta)
    metric = METRICS.build(dict(type='NME', norm_mode='keypoint_distance',
                                keypoint_indices=[0, 21]))
    with pytest.raises(ValueError, match=r"has no keypoint 21"):
        helpers.evaluate(metric, onehand10k, dataset_meta=meta)
    metric = METRICS.build(dict(type='NME', norm_mode='keypoint_distance',
                                keypoint_indices=[0, 9]))
    assert helpers.evaluate(metric, onehand10k, dataset_meta=meta) == \
        {'NME': 0.0}


def test_bad_data_samples_name_the_field(onehand10k, mpii, helpers):
    metric = METRICS.build(dict(type='EPE'))
    s = onehand10k[0]
    no_pred = dict(gt_instances=s['gt_instances'])
    with pytest.raises(KeyError, match=r'no data_sample.pred_instances'):
        metric.process([], [no_pred])
    flat = dict(s, pred_instances=dict(keypoints=np.zeros((21, 2))))
    with pytest.raises(ValueError, match=r'pred_instances.keypoints must '
                       r'have shape \(N, K, D\).*got \(21, 2\)'):
        metric.process([], [flat])
    fewer = dict(s, pred_instances=dict(keypoints=np.zeros((1, 20, 2))))
    with pytest.raises(ValueError, match=r'gt_instances.keypoints must have '
                       r'the shape of pred_instances.keypoints \(1, 20, 2\)'):
        metric.process([], [fewer])
    bad_vis = dict(s, gt_instances=dict(s['gt_instances'],
                                        keypoints_visible=np.ones((1, 20))))
    with pytest.raises(ValueError, match=r'keypoints_visible must have shape '
                       r'\(N, K\) = \(1, 21\)'):
        metric.process([], [bad_vis])
    no_box = dict(s, gt_instances={k: v for k, v in s['gt_instances'].items()
                                   if k != 'bboxes'})
    with pytest.raises(KeyError, match=r"no gt_instances.bboxes.*"
                       r"PCKAccuracy\(norm_item='bbox'\)"):
        METRICS.build(dict(type='PCKAccuracy')).process([], [no_box])
    mixed = METRICS.build(dict(type='EPE'))
    mixed.process([], [onehand10k[0], mpii[0]])
    with pytest.raises(ValueError, match=r'same number of keypoints'):
        mixed.evaluate(2)
    with pytest.raises(ValueError, match=r'no data samples to evaluate'):
        METRICS.build(dict(type='AUC')).compute_metrics([])
