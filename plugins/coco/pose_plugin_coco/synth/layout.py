"""Where the generator writes, laid out like MMPose's ``data/coco/``, and how.

::

    OUT_DIR/
      annotations/person_keypoints_train2017.json
      annotations/person_keypoints_val2017.json
      train2017/000000000001.jpg ...
      val2017/000000000001.jpg ...
      person_detection_results/COCO_val2017_detections_AP_H_56_person.json
      person_detection_results/COCO_train2017_detections_AP_H_56_person.json
      synth.json            (the generator's settings; written last)

JSON is written with sorted keys and no spaces, through a temporary file
renamed into place, so an interrupted run never leaves a half-written file.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from .keypoints import PERSON_CATEGORY

#: bump when the images or annotations of a given seed change
GENERATOR_VERSION = 1
SPLIT_NAMES = ('train', 'val')
INFO_FILE = 'synth.json'


def annotation_file(root: Path, split: str) -> Path:
    return root / 'annotations' / f'person_keypoints_{split}2017.json'


def image_dir(root: Path, split: str) -> Path:
    return root / f'{split}2017'


def image_name(image_id: int) -> str:
    return f'{image_id:012d}.jpg'


def detection_file(root: Path, split: str) -> Path:
    return root / 'person_detection_results' / f'COCO_{split}2017_detections_AP_H_56_person.json'


def outputs(root: Path) -> list[Path]:
    """Every path the generator writes under ``root`` (folders for the images)."""
    paths = [root / INFO_FILE]
    for split in SPLIT_NAMES:
        paths += [annotation_file(root, split), image_dir(root, split), detection_file(root, split)]
    return paths


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` as compact, key-sorted JSON, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + '.tmp')
    with open(tmp, 'w', encoding='utf-8') as f:
        json.dump(data, f, sort_keys=True, separators=(',', ':'))
    os.replace(tmp, path)


def write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` through a temporary file renamed into place."""
    tmp = path.with_name(path.name + '.tmp')
    with open(tmp, 'wb') as f:
        f.write(data)
    os.replace(tmp, path)


def coco_document(split: str, seed: int, images: list[dict], annotations: list[dict]) -> dict:
    """A COCO person-keypoints annotation file."""
    return {
        'info': {'description': f'posecore synthetic COCO keypoints, {split} split',
                 'version': str(GENERATOR_VERSION), 'contributor': 'posecore coco synth',
                 'seed': seed},
        'licenses': [],
        'images': images,
        'annotations': annotations,
        'categories': [PERSON_CATEGORY],
    }
