"""The 14 COCO person instances of ``tests/data/mmpose-testdata/coco`` as
MMPose 1.x top-down data infos (numpy only, so both posecore's and
MMPose's environments import it).

Each info is what MMPose's ``CocoDataset`` gives the pipeline: the box
clipped to the image as xyxy ``(1, 4)`` float32, ``keypoints`` ``(1, 17, 2)``
and ``keypoints_visible`` ``(1, 17)`` (``min(1, v)``) float32, ids, the
image path, and the metainfo keys the transforms read (``flip_indices``,
``upper_body_ids``, ``lower_body_ids``, ``dataset_keypoint_weights``...)
from ``tests/data/coco_metainfo.json``.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List

import numpy as np

REPO = Path(__file__).resolve().parents[2]
COCO = REPO / 'tests' / 'data' / 'mmpose-testdata' / 'coco'
METAINFO = REPO / 'tests' / 'data' / 'coco_metainfo.json'


def coco_data_infos(root: Path = COCO, metainfo: Path = METAINFO,
                    raw_ann_info: bool = True) -> List[Dict[str, Any]]:
    """One data info per annotated person of ``root/test_coco.json``."""
    meta = json.loads(metainfo.read_text())
    derived = meta['derived']
    coco = json.loads((root / 'test_coco.json').read_text())
    images = {img['id']: img for img in coco['images']}
    infos = []
    for ann in coco['annotations']:
        img = images[ann['image_id']]
        x, y, w, h = ann['bbox']
        right, bottom = img['width'] - 1, img['height'] - 1
        bbox = np.array([np.clip(x, 0, right), np.clip(y, 0, bottom),
                         np.clip(x + w, 0, right), np.clip(y + h, 0, bottom)],
                        dtype=np.float32).reshape(1, 4)
        raw = np.array(ann['keypoints'], dtype=np.float32).reshape(1, -1, 3)
        info = dict(
            img_id=ann['image_id'], id=ann['id'], category_id=ann['category_id'],
            img_path=str(root / img['file_name']), bbox=bbox,
            bbox_score=np.ones(1, dtype=np.float32),
            num_keypoints=ann['num_keypoints'],
            keypoints=raw[..., :2], keypoints_visible=np.minimum(1, raw[..., 2]),
            area=np.array(ann['area'], dtype=np.float32),
            iscrowd=ann['iscrowd'],
            dataset_name=meta['dataset_name'],
            upper_body_ids=list(derived['upper_body_ids']),
            lower_body_ids=list(derived['lower_body_ids']),
            flip_pairs=[list(p) for p in derived['flip_pairs']],
            flip_indices=list(derived['flip_indices']),
            dataset_keypoint_weights=np.array(meta['joint_weights'],
                                              dtype=np.float32),
            skeleton_links=[list(p) for p in derived['skeleton_links']])
        if raw_ann_info:
            info['segmentation'] = ann['segmentation']
            info['raw_ann_info'] = json.loads(json.dumps(ann))
        infos.append(info)
    return infos


def fresh(info: Dict[str, Any]) -> Dict[str, Any]:
    """A copy a pipeline may change (arrays and lists copied), as a dataset
    hands each sample out."""
    out = {}
    for key, value in info.items():
        if isinstance(value, np.ndarray):
            value = value.copy()
        elif isinstance(value, (list, dict)):
            value = json.loads(json.dumps(value))
        out[key] = value
    return out
