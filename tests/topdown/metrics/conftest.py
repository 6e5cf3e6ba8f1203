"""Ground truth of the real MPII, OneHand10K and WFLW samples in
``tests/data/mmpose-testdata``, read as MMPose's datasets read it, and
turned into the data-sample dicts that mmengine's ``Evaluator`` hands to a
metric (``PoseDataSample.to_dict()``), one instance per sample.
"""
from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Callable, List, Optional

import numpy as np
import pytest

#: MPII boxes are stored as a centre and a scale in units of 200 px.
MPII_PIXEL_STD = 200.0


def sample(keypoints: np.ndarray, visible: np.ndarray, bbox: np.ndarray,
           pred: Optional[np.ndarray] = None, **gt_items) -> dict:
    """One data sample dict: ground truth ``(1, K, 2)`` with visibility
    ``(1, K)`` and box ``(1, 4)`` xyxy; prediction ``pred`` (default: the
    ground truth)."""
    pred = keypoints.copy() if pred is None else pred
    return dict(
        pred_instances=dict(keypoints=pred.astype(np.float32),
                            keypoint_scores=np.ones(pred.shape[:2],
                                                    np.float32)),
        gt_instances=dict(keypoints=keypoints, keypoints_visible=visible,
                          bboxes=bbox, **gt_items))


def load_mpii(path: Path) -> List[dict]:
    """MPII list file: ``joints`` as given, ``joints_vis`` as visibility,
    the box from ``center``/``scale`` (moved down by 15/200 of the scale,
    then from 1-based to 0-based), as MMPose's ``MpiiDataset``. The file has
    no head boxes: ``head_size`` stands in as 0.6 x the head-top to
    upper-neck distance (MPII scales its head-box diagonal by 0.6)."""
    samples = []
    for ann in json.loads(path.read_text()):
        scale = np.float32(ann['scale']) * np.float32(MPII_PIXEL_STD)
        center = np.array(ann['center'], dtype=np.float32)
        center[1] += 15.0 / MPII_PIXEL_STD * scale
        center -= 1
        bbox = np.concatenate([center - scale / 2,
                               center + scale / 2]).reshape(1, 4)
        keypoints = np.array(ann['joints'], np.float32).reshape(1, -1, 2)
        visible = np.array(ann['joints_vis']).reshape(1, -1)
        head = 0.6 * np.linalg.norm(keypoints[0, 9] - keypoints[0, 8])
        samples.append(
            sample(keypoints, visible, bbox.astype(np.float32),
                   head_size=np.array([[head]], np.float32)))
    return samples


def load_coco_style(path: Path) -> List[dict]:
    """COCO-style keypoint file: the xywh box clipped to the image and made
    xyxy, keypoints ``(1, K, 2)`` and visibility ``min(1, v)``, as MMPose's
    ``BaseCocoStyleDataset``."""
    data = json.loads(path.read_text())
    images = {img['id']: img for img in data['images']}
    samples = []
    for ann in data['annotations']:
        img = images[ann['image_id']]
        x, y, w, h = ann['bbox']
        bbox = np.array([
            np.clip(x, 0, img['width'] - 1), np.clip(y, 0, img['height'] - 1),
            np.clip(x + w, 0, img['width'] - 1),
            np.clip(y + h, 0, img['height'] - 1)
        ], dtype=np.float32).reshape(1, 4)
        raw = np.array(ann['keypoints'], np.float32).reshape(1, -1, 3)
        samples.append(sample(raw[..., :2], np.minimum(1, raw[..., 2]), bbox))
    return samples


@pytest.fixture(scope='session')
def mpii(testdata: Path) -> List[dict]:
    """5 MPII people, 16 keypoints (76 of 80 visible)."""
    return load_mpii(testdata / 'mpii' / 'test_mpii.json')


@pytest.fixture(scope='session')
def onehand10k(testdata: Path) -> List[dict]:
    """4 OneHand10K hands, 21 keypoints."""
    return load_coco_style(testdata / 'onehand10k' / 'test_onehand10k.json')


@pytest.fixture(scope='session')
def wflw(testdata: Path) -> List[dict]:
    """4 WFLW faces, 98 landmarks."""
    return load_coco_style(testdata / 'wflw' / 'test_wflw.json')


def with_predictions(samples: List[dict],
                     change: Callable[[np.ndarray], np.ndarray]) -> List[dict]:
    """Copies of ``samples`` whose predictions are ``change(gt keypoints)``."""
    out = []
    for s in samples:
        gt = s['gt_instances']
        pred = change(gt['keypoints'].copy()).astype(np.float32)
        out.append(dict(pred_instances=dict(s['pred_instances'],
                                            keypoints=pred),
                        gt_instances=dict(gt)))
    return out


def evaluate(metric, samples: List[dict], batch_size: int = 2,
             dataset_meta: Optional[dict] = None) -> dict:
    """Feed ``samples`` to ``metric`` in batches and return its results."""
    if dataset_meta is not None:
        metric.dataset_meta = dataset_meta
    for start in range(0, len(samples), batch_size):
        metric.process([], samples[start:start + batch_size])
    return metric.evaluate(len(samples))


@pytest.fixture(scope='session')
def helpers() -> SimpleNamespace:
    """The helpers above for the test modules (given as a fixture: pytest
    runs with ``--import-mode=importlib``, so tests cannot import them)."""
    return SimpleNamespace(sample=sample, with_predictions=with_predictions,
                           evaluate=evaluate)
