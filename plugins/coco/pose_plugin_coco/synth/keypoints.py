"""The COCO person-keypoint layout the generator writes: names, order, skeleton, sigmas.

These are the values of COCO's ``person_keypoints_*2017.json`` category and of
its keypoint evaluation; they are repeated here so the generator needs
nothing else of the plugin.
"""
from __future__ import annotations

from typing import Final

KEYPOINT_NAMES: Final[tuple[str, ...]] = (
    'nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear',
    'left_shoulder', 'right_shoulder', 'left_elbow', 'right_elbow',
    'left_wrist', 'right_wrist', 'left_hip', 'right_hip',
    'left_knee', 'right_knee', 'left_ankle', 'right_ankle')
NUM_KEYPOINTS: Final[int] = len(KEYPOINT_NAMES)
KPT: Final[dict[str, int]] = {name: i for i, name in enumerate(KEYPOINT_NAMES)}

#: limbs as 1-based keypoint ids, as in COCO's annotation files
SKELETON: Final[tuple[tuple[int, int], ...]] = (
    (16, 14), (14, 12), (17, 15), (15, 13), (12, 13), (6, 12), (7, 13), (6, 7),
    (6, 8), (7, 9), (8, 10), (9, 11), (2, 3), (1, 2), (1, 3), (2, 4), (3, 5),
    (4, 6), (5, 7))

#: per-keypoint OKS sigmas of the COCO keypoint evaluation
SIGMAS: Final[tuple[float, ...]] = (
    0.026, 0.025, 0.025, 0.035, 0.035, 0.079, 0.079, 0.072, 0.072,
    0.062, 0.062, 0.107, 0.107, 0.087, 0.087, 0.089, 0.089)

#: left/right partner of every keypoint (itself for the nose)
FLIP_INDICES: Final[tuple[int, ...]] = (0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15)

PERSON_CATEGORY: Final[dict] = {
    'supercategory': 'person', 'id': 1, 'name': 'person',
    'keypoints': list(KEYPOINT_NAMES),
    'skeleton': [list(link) for link in SKELETON],
}
