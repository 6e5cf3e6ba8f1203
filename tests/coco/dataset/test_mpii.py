"""MPII: ``MpiiDataset`` (pose-plugin-coco) and ``MpiiPCKAccuracy`` (pose-plugin-topdown)
equal MMPose 1.3.2 on ``mmpose-testdata/mpii`` (``data/make_mmpose_mpii_reference.py``:
data infos for training and, with head boxes, for testing; PCKh of predictions near the
joints), and bad arguments."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from .conftest import assert_same, decode

DATA = Path(__file__).parent / 'data'
needs_scipy = pytest.mark.skipif(importlib.util.find_spec('scipy') is None,
                                 reason='reading MPII head boxes (.mat) needs SciPy')


@pytest.fixture(scope='module')
def reference() -> dict:
    return decode(json.loads((DATA / 'mmpose_mpii_dataset.json').read_text()))


def _mpii(testdata, **kwargs):
    from posecore.registry import DATASETS

    kwargs.setdefault('ann_file', str(testdata / 'mpii' / 'test_mpii.json'))
    return DATASETS.build(dict(type='MpiiDataset', data_prefix=dict(img='imgs/'), **kwargs))


def test_training_infos_match_mmpose(testdata, reference):
    ds = _mpii(testdata)  # metainfo: the plugin's copy of configs/_base_/datasets/mpii.py
    assert ds.metainfo['num_keypoints'] == 16
    assert_same(reference['train_infos'], [ds.get_data_info(i) for i in range(len(ds))])


@needs_scipy
def test_test_infos_with_head_boxes_match_mmpose(testdata, reference):
    ds = _mpii(testdata, test_mode=True, headbox_file=str(DATA / 'mpii_headboxes.mat'))
    assert_same(reference['test_infos'], [ds.get_data_info(i) for i in range(len(ds))])


@needs_scipy
@pytest.mark.parametrize('thr', ['0.5', '0.2'])
def test_pckh_matches_mmpose(testdata, reference, thr):
    from posecore.registry import METRICS

    ds = _mpii(testdata, test_mode=True, headbox_file=str(DATA / 'mpii_headboxes.mat'))
    metric = METRICS.build(dict(type='MpiiPCKAccuracy', thr=float(thr)))
    metric.dataset_meta = ds.metainfo
    infos = [ds.get_data_info(i) for i in range(len(ds))]
    metric.process([], [dict(pred_instances=dict(keypoints=np.array(p)),
                             gt_instances=dict(keypoints=i['keypoints'],
                                               head_size=i['head_size'],
                                               keypoints_visible=i['keypoints_visible']))
                         for p, i in zip(reference['predictions'], infos)])
    got = metric.evaluate(len(infos))
    assert got.keys() == reference['metrics'][thr].keys()
    for key, value in reference['metrics'][thr].items():
        assert got[key] == pytest.approx(value, rel=1e-12, abs=1e-12), key


@pytest.mark.parametrize('kwargs, match', [
    (dict(bbox_file='dets.json', test_mode=True), r'bbox_file is not supported'),
    (dict(data_mode='bottomup'), r"only data_mode='topdown'"),
    (dict(headbox_file='heads.mat'), r'headbox_file is for evaluation only'),
    (dict(headbox_file='heads.json', test_mode=True), r'must be a MATLAB \.mat file'),
])
def test_bad_arguments(testdata, kwargs, match):
    with pytest.raises(ValueError, match=match):
        _mpii(testdata, **kwargs)


def test_a_coco_file_is_named_as_the_wrong_format(testdata):
    with pytest.raises(ValueError, match=r'must hold a JSON list of person annotations'):
        _mpii(testdata, ann_file=str(testdata / 'coco' / 'test_coco.json'))
