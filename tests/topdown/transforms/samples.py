"""The 14 COCO person instances of ``mmpose-testdata/coco`` as MMPose 1.x
top-down data infos (the same as ``benchmarks/anchor/coco_pipeline_samples.py``
gives MMPose when the reference is made)."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Dict, List

import numpy as np

CODEC = dict(type='MSRAHeatmap', input_size=(192, 256), heatmap_size=(48, 64),
             sigma=2)
UDP_CODEC = dict(type='UDPHeatmap', input_size=(192, 256),
                 heatmap_size=(48, 64), sigma=2)


def coco_data_infos(coco: Path, metainfo: Path) -> List[Dict[str, Any]]:
    """One data info per person of ``coco/test_coco.json``: box clipped to
    the image as xyxy (1, 4), keypoints (1, 17, 2), visibility min(1, v),
    ids, path and the metainfo keys the transforms read."""
    meta = json.loads(metainfo.read_text())
    derived = meta['derived']
    data = json.loads((coco / 'test_coco.json').read_text())
    images = {img['id']: img for img in data['images']}
    infos = []
    for ann in data['annotations']:
        img = images[ann['image_id']]
        x, y, w, h = ann['bbox']
        right, bottom = img['width'] - 1, img['height'] - 1
        bbox = np.array([np.clip(x, 0, right), np.clip(y, 0, bottom),
                         np.clip(x + w, 0, right), np.clip(y + h, 0, bottom)],
                        dtype=np.float32).reshape(1, 4)
        raw = np.array(ann['keypoints'], dtype=np.float32).reshape(1, -1, 3)
        infos.append(dict(
            img_id=ann['image_id'], id=ann['id'], category_id=ann['category_id'],
            img_path=str(coco / img['file_name']), bbox=bbox,
            bbox_score=np.ones(1, dtype=np.float32),
            num_keypoints=ann['num_keypoints'],
            keypoints=raw[..., :2], keypoints_visible=np.minimum(1, raw[..., 2]),
            area=np.array(ann['area'], dtype=np.float32), iscrowd=ann['iscrowd'],
            dataset_name=meta['dataset_name'],
            upper_body_ids=list(derived['upper_body_ids']),
            lower_body_ids=list(derived['lower_body_ids']),
            flip_pairs=[list(p) for p in derived['flip_pairs']],
            flip_indices=list(derived['flip_indices']),
            dataset_keypoint_weights=np.array(meta['joint_weights'],
                                              dtype=np.float32),
            skeleton_links=[list(p) for p in derived['skeleton_links']]))
    return infos


def fresh(info: Dict[str, Any]) -> Dict[str, Any]:
    """A copy a pipeline may change, as a dataset hands a sample out."""
    return {key: value.copy() if isinstance(value, (np.ndarray, list)) else value
            for key, value in info.items()}


def digest(array: Any) -> str:
    """SHA-256 of an array's C-order bytes (as the reference script)."""
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


def train_pipeline(udp: bool = False) -> List[dict]:
    """The training pipeline's transform configs (256x192, 48x64 sigma 2)."""
    return [dict(type='LoadImage'), dict(type='GetBBoxCenterScale'),
            dict(type='RandomFlip', direction='horizontal'),
            dict(type='RandomHalfBody'), dict(type='RandomBBoxTransform'),
            dict(type='TopdownAffine', input_size=(192, 256), use_udp=udp),
            dict(type='GenerateTarget', encoder=UDP_CODEC if udp else CODEC),
            dict(type='PackPoseInputs')]
