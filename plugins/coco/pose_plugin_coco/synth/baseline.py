"""The mean-pose baseline: how far a model gets that ignores the image.

It predicts, in every box, the training set's mean pose normalised to the box
(each keypoint's mean of ``(x - x0) / w`` and ``(y - y0) / h`` over labelled
keypoints), scored with xtcocotools' COCO keypoint evaluation and COCO's
sigmas. On the generator's data (2,000 train / 500 val images, seed 0,
size 256) it scores AP 0.000 and AR 0.001 with the ground-truth boxes and
the same with the detected boxes: figures turn every way, bend every joint
and face the camera or not, so box geometry alone predicts nothing.
"""
from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import numpy as np

from .keypoints import NUM_KEYPOINTS, SIGMAS
from .layout import annotation_file, detection_file

STAT_NAMES = ('AP', 'AP .5', 'AP .75', 'AP (M)', 'AP (L)',
              'AR', 'AR .5', 'AR .75', 'AR (M)', 'AR (L)')


def mean_normalised_pose(annotations: list[dict]) -> np.ndarray:
    """(17, 2) mean keypoint position relative to the box (0..1), labelled keypoints only."""
    kps = np.array([a['keypoints'] for a in annotations], float).reshape(-1, NUM_KEYPOINTS, 3)
    boxes = np.array([a['bbox'] for a in annotations], float)
    rel = (kps[..., :2] - boxes[:, None, :2]) / boxes[:, None, 2:]
    labelled = (kps[..., 2] > 0)[..., None]
    return (rel * labelled).sum(0) / np.maximum(labelled.sum(0), 1)


def mean_pose_scores(data_root: str | Path, boxes: str = 'gt') -> dict[str, float]:
    """COCO keypoint AP/AR of the mean pose fitted on train and placed in val boxes.

    :param data_root: a folder written by ``posecore coco synth``.
    :param boxes: ``'gt'`` (the annotated boxes, score 1) or ``'det'`` (the
        detection file's boxes and scores).
    """
    from xtcocotools.coco import COCO
    from xtcocotools.cocoeval import COCOeval

    if boxes not in ('gt', 'det'):
        raise ValueError(f"boxes must be 'gt' or 'det', got {boxes!r}")
    root = Path(data_root)
    train = json.loads(annotation_file(root, 'train').read_text())
    mean = mean_normalised_pose([a for a in train['annotations'] if a['num_keypoints'] > 0])
    val_file = annotation_file(root, 'val')
    if boxes == 'gt':
        val = json.loads(val_file.read_text())
        sources = [(a['image_id'], a['bbox'], 1.0) for a in val['annotations']]
    else:
        dets = json.loads(detection_file(root, 'val').read_text())
        sources = [(d['image_id'], d['bbox'], d['score']) for d in dets]
    results = []
    for image_id, (x, y, w, h), score in sources:
        pts = mean * [w, h] + [x, y]
        kpts = np.concatenate([pts, np.ones((NUM_KEYPOINTS, 1))], axis=1)
        results.append(dict(image_id=image_id, category_id=1, score=float(score),
                            keypoints=kpts.reshape(-1).tolist()))
    with contextlib.redirect_stdout(io.StringIO()):  # COCOeval prints its tables
        gt = COCO(str(val_file))
        dt = gt.loadRes(results)
        ev = COCOeval(gt, dt, 'keypoints', np.array(SIGMAS), use_area=True)
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return dict(zip(STAT_NAMES, (float(v) for v in ev.stats)))
