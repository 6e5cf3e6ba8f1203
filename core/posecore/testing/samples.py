"""Synthetic inputs for the contract checks: a top-down sample, keypoints, data samples.

The keypoint layout is COCO's 17 person keypoints (flip pairs, upper and
lower body, OKS sigmas), the layout MMPose 1.x and posecore train on by
default; nothing here is random unless a seed is given.
"""
from __future__ import annotations

from typing import Any

import numpy as np

#: COCO-17: each keypoint's mirror (left <-> right)
COCO_FLIP_INDICES = [0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15]
COCO_UPPER_BODY_IDS = list(range(11))
COCO_LOWER_BODY_IDS = list(range(11, 17))
#: COCO's per-keypoint OKS sigmas
COCO_SIGMAS = [0.026, 0.025, 0.025, 0.035, 0.035, 0.079, 0.079, 0.072, 0.072, 0.062, 0.062,
               0.107, 0.107, 0.087, 0.087, 0.089, 0.089]
NUM_KEYPOINTS = len(COCO_SIGMAS)


def random_keypoints(size: tuple[float, float], num_instances: int = 1,
                     num_keypoints: int = NUM_KEYPOINTS, margin: float = 0.1,
                     seed: int = 0) -> np.ndarray:
    """Keypoints ``(N, K, 2)`` float32 inside ``size`` ``[w, h]``, ``margin`` (a fraction)
    away from each border."""
    rng = np.random.default_rng(seed)
    size_arr = np.asarray(size, dtype=np.float64)
    points = size_arr * (margin + (1 - 2 * margin) * rng.random((num_instances, num_keypoints, 2)))
    return points.astype(np.float32)


def topdown_results(height: int = 96, width: int = 128, seed: int = 0) -> dict[str, Any]:
    """A results dict as ``LoadImage`` leaves it for a top-down COCO sample.

    An image ``(H, W, 3)`` uint8, one person box ``bbox`` ``(1, 4)`` xyxy with
    ``bbox_score`` ``(1,)``, ``keypoints`` ``(1, 17, 2)`` inside the box,
    ``keypoints_visible`` ``(1, 17)``, the ids and the COCO metainfo entries
    (``flip_indices``, ``upper_body_ids``, ``lower_body_ids``).
    """
    rng = np.random.default_rng(seed)
    img = rng.integers(0, 256, size=(height, width, 3), dtype=np.uint8)
    x1, y1, x2, y2 = 0.2 * width, 0.1 * height, 0.7 * width, 0.9 * height
    keypoints = np.array([x1, y1], np.float32) + random_keypoints((x2 - x1, y2 - y1), seed=seed)
    visible = np.ones((1, NUM_KEYPOINTS), np.float32)
    visible[0, :2] = 0  # an unlabelled keypoint or two, as in real annotations
    return dict(
        img=img, img_shape=(height, width), ori_shape=(height, width), img_path='synthetic.jpg',
        id=1, img_id=1, category_id=1,
        bbox=np.array([[x1, y1, x2, y2]], np.float32), bbox_score=np.ones(1, np.float32),
        keypoints=keypoints, keypoints_visible=visible,
        num_keypoints=NUM_KEYPOINTS - 2, area=np.float32((x2 - x1) * (y2 - y1)), iscrowd=0,
        dataset_name='coco', flip_indices=list(COCO_FLIP_INDICES),
        upper_body_ids=list(COCO_UPPER_BODY_IDS), lower_body_ids=list(COCO_LOWER_BODY_IDS))


def pose_data_samples(num_samples: int = 4, seed: int = 0) -> list[dict[str, Any]]:
    """Top-down data samples (``PoseDataSample.to_dict()`` form) whose predictions
    equal their ground truth.

    Each carries what MMPose's keypoint metrics read: ``gt_instances``
    (``keypoints``, ``keypoints_visible``, ``bboxes`` xyxy, ``bbox_scales``,
    ``bbox_scores``, ``bbox_size``, ``head_size``), ``pred_instances``
    (``keypoints``, ``keypoint_scores`` all 1), and for COCO-style evaluation
    without an annotation file ``id``, ``img_id``, ``category_id``,
    ``ori_shape`` and ``raw_ann_info``. Person sizes alternate between COCO's
    medium and large areas, so every AP/AR by size is defined.
    """
    rng = np.random.default_rng(seed)
    samples = []
    for i in range(num_samples):
        side = 60.0 if i % 2 == 0 else 160.0  # area 3,600 (medium), 25,600 (large)
        x, y = rng.uniform(10, 100, size=2)
        keypoints = np.array([x, y], np.float32) + random_keypoints((side, side), seed=seed + i)
        visible = np.ones((1, NUM_KEYPOINTS), np.float32)
        flat = np.concatenate([keypoints[0], np.full((NUM_KEYPOINTS, 1), 2.0)], axis=1)
        ann = dict(id=i + 1, image_id=i + 1, category_id=1, iscrowd=0, area=side * side,
                   bbox=[float(x), float(y), side, side], num_keypoints=NUM_KEYPOINTS,
                   keypoints=flat.reshape(-1).tolist())
        samples.append(dict(
            id=i + 1, img_id=i + 1, category_id=1, ori_shape=(480, 640), raw_ann_info=ann,
            gt_instances=dict(
                keypoints=keypoints, keypoints_visible=visible,
                bboxes=np.array([[x, y, x + side, y + side]], np.float32),
                bbox_scales=np.array([[side * 1.25, side * 1.25]], np.float32),
                bbox_scores=np.ones(1, np.float32),
                bbox_size=np.array([[side]], np.float32),
                head_size=np.array([[side / 4]], np.float32)),
            pred_instances=dict(keypoints=keypoints.copy(),
                                keypoint_scores=np.ones((1, NUM_KEYPOINTS), np.float32))))
    return samples


def coco_dataset_meta() -> dict[str, Any]:
    """The parsed-metainfo entries keypoint metrics read, for COCO-17."""
    return dict(dataset_name='coco', num_keypoints=NUM_KEYPOINTS,
                sigmas=np.array(COCO_SIGMAS, np.float32), CLASSES=[dict(id=1, name='person')],
                flip_indices=list(COCO_FLIP_INDICES))
