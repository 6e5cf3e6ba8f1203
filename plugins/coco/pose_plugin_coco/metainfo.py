"""Person keypoint metainfo shipped as data: COCO-17 (``coco_metainfo.json``), AI
Challenger's 14 (``aic``), COCO + AIC's 19 (``coco_aic``), CrowdPose's 14 (``crowdpose``),
ExLPose's 14 (``exlpose``), Human-Art's 17 (``humanart``), MPII's 16 (``mpii``), OneHand10K's
21 (``onehand10k``) and WFLW's 98 (``wflw``), MMPose's
``configs/_base_/datasets/{name}.py`` values.

Import-light (no torch, numpy or mmengine): the pluggy hook module calls
:func:`dataset_metainfo` to answer ``posecore_dataset_metainfo(name)``.
"""
from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

#: metainfo names this plugin provides (``{name}_metainfo.json``)
NAMES = ('coco', 'aic', 'coco_aic', 'crowdpose', 'exlpose', 'humanart', 'mpii', 'onehand10k',
         'wflw')
#: ``CocoDataset.METAINFO``: MMPose's spelling; a missing file falls back to this plugin's data
COCO_METAINFO_FILE = 'configs/_base_/datasets/coco.py'


@lru_cache(maxsize=None)
def _data(name: str) -> str:
    return resources.files(__package__).joinpath(f'{name}_metainfo.json').read_text(
        encoding='utf-8')


def coco_metainfo() -> dict[str, Any]:
    """The raw COCO-17 ``dataset_info`` (see :func:`dataset_metainfo`)."""
    return dataset_metainfo('coco')


def dataset_metainfo(name: str) -> dict[str, Any]:
    """The raw ``dataset_info`` of ``name`` (one of :data:`NAMES`), as MMPose's
    ``configs/_base_/datasets/{name}.py`` has it.

    ``keypoint_info`` and ``skeleton_info`` are dicts keyed by int id (JSON
    keeps them as lists), skeleton links are ``(name_a, name_b)`` tuples;
    ``joint_weights`` and ``sigmas`` lists of floats, one per keypoint. A fresh
    dict each call, so callers may change it.
    """
    data = json.loads(_data(name))
    return dict(
        dataset_name=data['dataset_name'],
        paper_info=data['paper_info'],
        keypoint_info={kpt['id']: kpt for kpt in data['keypoint_info']},
        skeleton_info={link['id']: dict(link, link=tuple(link['link']))
                       for link in data['skeleton_info']},
        joint_weights=data['joint_weights'],
        sigmas=data['sigmas'],
    )
