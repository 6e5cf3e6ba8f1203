"""Synthetic COCO keypoint ground truth and predictions for timing and
comparing ``CocoMetric`` implementations (numpy only, so both posecore's and
MMPose's environments import it).

Shapes: N instances, K = 17 keypoints. Predictions are MMPose 1.x data
sample dicts (``PoseDataSample.to_dict()`` form): ``pred_instances``
(``keypoints`` ``(n, K, 2)``, ``keypoint_scores`` ``(n, K)``, optional
``bboxes`` xyxy), ``gt_instances`` (``bbox_scores``, ``bbox_scales``),
``id``, ``img_id``, ``category_id``, ``ori_shape``, ``raw_ann_info``.
"""
from __future__ import annotations

from typing import Any

import numpy as np

K = 17
SIGMAS = np.array([.026, .025, .025, .035, .035, .079, .079, .072, .072,
                   .062, .062, .107, .107, .087, .087, .089, .089],
                  dtype=np.float32)
CATEGORIES = [dict(id=1, name='person', supercategory='person',
                   keypoints=[f'k{i}' for i in range(K)], skeleton=[])]


def dataset_meta() -> dict[str, Any]:
    """The fields of MMPose's parsed COCO metainfo that ``CocoMetric`` reads
    (``sigmas`` float32 as ``parse_pose_metainfo`` makes them)."""
    return dict(dataset_name='coco', num_keypoints=K, sigmas=SIGMAS.copy(),
                CLASSES=[dict(c) for c in CATEGORIES])


def ground_truth(num_images: int, rng: np.random.Generator,
                 per_image: tuple[int, int] = (1, 6)) -> dict[str, Any]:
    """A COCO person-keypoints annotation dict: ``num_images`` 640x480
    images with ``per_image`` (low, high inclusive) people each; about 8%
    have no labelled keypoint and 3% are crowd regions."""
    images, anns = [], []
    ann_id = 1
    for img_id in range(1, num_images + 1):
        images.append(dict(id=img_id * 7, width=640, height=480,
                           file_name=f'{img_id:012d}.jpg'))
        for _ in range(rng.integers(per_image[0], per_image[1] + 1)):
            w, h = rng.uniform(20, 300), rng.uniform(40, 420)
            x, y = rng.uniform(0, 640 - w), rng.uniform(0, 480 - h)
            kx = np.round(rng.uniform(x, x + w, K))
            ky = np.round(rng.uniform(y, y + h, K))
            vis = rng.choice([0, 1, 2], K, p=[0.2, 0.2, 0.6])
            if rng.random() < 0.08:
                vis[:] = 0
            crowd = int(rng.random() < 0.03)
            if crowd:
                vis[:] = 0
            kx[vis == 0] = 0
            ky[vis == 0] = 0
            kpts = np.stack([kx, ky, vis], 1).astype(int).ravel().tolist()
            anns.append(dict(
                id=ann_id, image_id=img_id * 7, category_id=1,
                bbox=[round(float(v), 2) for v in (x, y, w, h)],
                area=round(float(w * h * rng.uniform(0.4, 0.8)), 4),
                keypoints=kpts, num_keypoints=int((vis > 0).sum()),
                iscrowd=crowd, segmentation=[]))
            ann_id += 1
    return dict(info={}, licenses=[], images=images, annotations=anns,
                categories=[dict(c) for c in CATEGORIES])


def topdown_samples(gt: dict[str, Any], num_instances: int,
                    rng: np.random.Generator, dtype: Any = np.float32,
                    with_bboxes: bool = True, with_scales: bool = True,
                    duplicates: int = 0) -> list[dict[str, Any]]:
    """``num_instances`` one-person data samples: noisy copies of the
    ground truth (several per person, as detected boxes give) and false
    positives, with detection scores; ``duplicates`` samples repeated (as
    a distributed sampler pads the last batch)."""
    anns = [a for a in gt['annotations'] if not a['iscrowd']]
    images = gt['images']
    samples = []
    for sid in range(num_instances):
        if rng.random() < 0.8:
            ann = anns[rng.integers(len(anns))]
            kp = np.asarray(ann['keypoints'], float).reshape(K, 3)
            x, y, w, h = ann['bbox']
            scale = np.sqrt(max(ann['area'], 1.0))
            noise = rng.normal(0, rng.uniform(0.01, 0.25) * scale, (K, 2))
            xy = np.where(kp[:, 2:] > 0, kp[:, :2],
                          [x + w / 2, y + h / 2]) + noise
            img_id, raw = ann['image_id'], ann
        else:
            img = images[rng.integers(len(images))]
            w, h = rng.uniform(20, 300), rng.uniform(40, 420)
            x, y = rng.uniform(0, 640 - w), rng.uniform(0, 480 - h)
            xy = rng.uniform([x, y], [x + w, y + h], (K, 2))
            img_id, raw = img['id'], None
        box = np.array([[x, y, x + w, y + h]]) + rng.normal(0, 3, (1, 4))
        sample = dict(
            id=sid + 1, img_id=img_id, category_id=np.array(1),  # as MMPose
            ori_shape=(480, 640),
            pred_instances=dict(
                keypoints=xy[None].astype(dtype),
                keypoint_scores=rng.uniform(0, 1, (1, K)).astype(dtype)),
            gt_instances=dict(
                bbox_scores=rng.uniform(0.05, 1, 1).astype(dtype)),
            raw_ann_info=raw)
        if with_bboxes:
            sample['pred_instances']['bboxes'] = box.astype(dtype)
        if with_scales:
            sample['gt_instances']['bbox_scales'] = (
                np.array([[w, h]]) * 1.25).astype(dtype)
        samples.append(sample)
    for i in rng.integers(0, len(samples), duplicates):
        samples.append(samples[i])
    return samples


def bottomup_samples(gt: dict[str, Any], rng: np.random.Generator,
                     dtype: Any = np.float32) -> list[dict[str, Any]]:
    """One data sample per image holding every person (noisy ground truth
    plus a false positive), ``id`` the list of annotation ids, as MMPose's
    bottom-up datasets give."""
    by_image: dict[int, list] = {img['id']: [] for img in gt['images']}
    for ann in gt['annotations']:
        by_image[ann['image_id']].append(ann)
    samples = []
    for img_id, anns in by_image.items():
        kp = np.array([a['keypoints'] for a in anns] or
                      np.zeros((0, K * 3))).reshape(-1, K, 3)
        xy = kp[..., :2] + rng.normal(0, 4, kp[..., :2].shape)
        xy = np.concatenate([xy, rng.uniform(0, 480, (1, K, 2))])
        scores = rng.uniform(0, 1, (len(xy), K))
        samples.append(dict(
            id=[a['id'] for a in anns], img_id=img_id, ori_shape=(480, 640),
            pred_instances=dict(keypoints=xy.astype(dtype),
                                keypoint_scores=scores.astype(dtype)),
            # an image without people carries None, as MMPose's datasets
            gt_instances=dict(), raw_ann_info=anns or None))
    return samples
