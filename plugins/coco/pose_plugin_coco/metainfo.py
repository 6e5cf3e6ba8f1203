"""The COCO-17 person keypoint metainfo, shipped as data (``coco_metainfo.json``).

Import-light (no torch, numpy or mmengine): the pluggy hook module calls
:func:`coco_metainfo` to answer ``posecore_dataset_metainfo('coco')``.
"""
from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

DATA_FILE = 'coco_metainfo.json'
#: ``CocoDataset.METAINFO``: MMPose's spelling; a missing file falls back to this plugin's data
COCO_METAINFO_FILE = 'configs/_base_/datasets/coco.py'


@lru_cache(maxsize=None)
def _data() -> str:
    return resources.files(__package__).joinpath(DATA_FILE).read_text(encoding='utf-8')


def coco_metainfo() -> dict[str, Any]:
    """The raw COCO-17 ``dataset_info``, as MMPose's ``configs/_base_/datasets/coco.py`` has it.

    ``keypoint_info`` and ``skeleton_info`` are dicts keyed by int id (JSON
    keeps them as lists), skeleton links are ``(name_a, name_b)`` tuples;
    ``joint_weights`` and ``sigmas`` lists of 17 floats. A fresh dict each
    call, so callers may change it.
    """
    data = json.loads(_data())
    return dict(
        dataset_name=data['dataset_name'],
        paper_info=data['paper_info'],
        keypoint_info={kpt['id']: kpt for kpt in data['keypoint_info']},
        skeleton_info={link['id']: dict(link, link=tuple(link['link']))
                       for link in data['skeleton_info']},
        joint_weights=data['joint_weights'],
        sigmas=data['sigmas'],
    )
