"""Fixtures of the ``CocoMetric`` tests: the real COCO annotations of
``mmpose-testdata/coco/test_coco.json`` (4 images, 14 people), the COCO
metainfo the metric needs, data samples made from the annotations (as
MMPose's own metric tests make them) and a helper that builds the metric
through the registry, feeds it and evaluates."""
from __future__ import annotations

import contextlib
import copy
import io
import json
from pathlib import Path
import uuid
from typing import Any, Callable

import numpy as np
import pytest

from .samples import topdown_sample

@pytest.fixture(autouse=True)
def fresh_message_hub(request) -> Any:
    """A MessageHub of this test's own: a metric without ann_file reads the
    annotation file a test dataset announced there, and other tests'
    datasets must not leak into these."""
    from mmengine.logging import MessageHub

    # a name never used before: an id() can repeat once an earlier request is freed, and
    # get_instance then returns that test's hub, which is not the current one
    return MessageHub.get_instance(f'coco-metric-test-{uuid.uuid4().hex}')


@pytest.fixture(scope='session')
def coco_ann_file(testdata: Path) -> Path:
    return testdata / 'coco' / 'test_coco.json'


@pytest.fixture(scope='session')
def coco_db(coco_ann_file: Path) -> dict:
    return json.loads(coco_ann_file.read_text())


@pytest.fixture
def dataset_meta(shared_dir: Path, coco_db: dict) -> dict:
    """COCO metainfo as a dataset gives it (sigmas float32, as MMPose's
    ``parse_pose_metainfo``) with the categories as ``CLASSES``."""
    info = json.loads((shared_dir / 'coco_metainfo.json').read_text())
    return dict(dataset_name='coco', num_keypoints=info['num_keypoints'],
                sigmas=np.array(info['sigmas'], dtype=np.float32),
                CLASSES=copy.deepcopy(coco_db['categories']))


@pytest.fixture
def gt_topdown(coco_db: dict) -> list:
    """Ground truth as predictions, one sample per annotation; scores =
    visibility flags (ints, as in the annotation file)."""
    samples = []
    for ann in coco_db['annotations']:
        kp = np.array(ann['keypoints']).reshape(1, -1, 3)
        samples.append(topdown_sample(ann, kp[..., :2], kp[..., 2]))
    return samples


@pytest.fixture
def gt_bottomup(coco_db: dict) -> list:
    """Ground truth as predictions, one sample per image holding all its
    people; ``id`` the list of annotation ids, as bottom-up datasets give."""
    by_image: dict = {}
    for ann in coco_db['annotations']:
        by_image.setdefault(ann['image_id'], []).append(ann)
    samples = []
    for img_id, anns in by_image.items():
        kp = np.array([a['keypoints'] for a in anns]).reshape(len(anns), -1,
                                                              3)
        samples.append(dict(
            id=[a['id'] for a in anns], img_id=img_id, ori_shape=(480, 640),
            raw_ann_info=copy.deepcopy(anns),
            gt_instances=dict(bbox_scores=np.ones(len(anns), np.float32)),
            pred_instances=dict(keypoints=kp[..., :2],
                                keypoint_scores=kp[..., 2])))
    return samples


@pytest.fixture
def run_metric(dataset_meta: dict) -> Callable[..., dict]:
    """``run_metric(samples, batch_size=1, **metric_args)``: build
    ``CocoMetric`` through the METRICS registry, set the metainfo, process
    the samples in batches and return ``evaluate``'s result."""
    from posecore.registry import METRICS

    def run(samples: list, batch_size: int = 1, **kwargs: Any) -> dict:
        metric = METRICS.build(dict(type='CocoMetric', **kwargs))
        metric.dataset_meta = dataset_meta
        for i in range(0, len(samples), batch_size):
            metric.process([], samples[i:i + batch_size])
        with contextlib.redirect_stdout(io.StringIO()):  # COCOeval's table
            return metric.evaluate(size=len(samples))

    return run
