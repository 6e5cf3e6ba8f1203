"""The sample dataset of ``posecore plugin new --registry datasets``."""
from __future__ import annotations

MODULE = 'dataset'
CLASS = '@Prefix@KeypointDataset'
CONFIG = None  # the generated config trains on COCO-format data (CocoDataset)

SOURCE = '''\
"""``@Prefix@KeypointDataset``: top-down samples listed in one JSON file.

The file is mmengine's annotation format::

    {"metainfo": {"dataset_name": "...", "num_keypoints": K, "flip_indices": [...]},
     "data_list": [{"img_path": "a.jpg", "bbox": [x1, y1, x2, y2],
                    "keypoints": [[x, y], ...], "keypoints_visible": [1, ...]}, ...]}

Each sample gives what posecore's top-down pipeline and metrics read, in
MMPose 1.x's shapes: ``bbox`` ``(1, 4)``, ``bbox_score`` ``(1,)``,
``keypoints`` ``(1, K, 2)``, ``keypoints_visible`` ``(1, K)``, ``id``, ``img_id``.
"""
from __future__ import annotations

import copy
from typing import Any, Dict, List, Optional

import numpy as np
from mmengine.dataset import BaseDataset

#: metainfo entries copied into every sample (the flip and half-body transforms read them)
METAINFO_KEYS = ('dataset_name', 'flip_indices', 'upper_body_ids', 'lower_body_ids')


class @Prefix@KeypointDataset(BaseDataset):
    """Top-down keypoint samples from a JSON annotation file.

    :param ann_file: the annotation file, relative to ``data_root``.
    :param data_root: the folder of the data.
    :param data_prefix: ``dict(img_path=FOLDER)``, joined to each ``img_path``
        (default: the paths as written).
    :param pipeline: the data transforms (config dicts or callables).
    :param test_mode: build for testing.
    :param kwargs: the rest of mmengine's ``BaseDataset`` arguments.
    """

    def __init__(self, ann_file: str = '', data_root: str = '',
                 data_prefix: Optional[Dict[str, str]] = None, **kwargs: Any) -> None:
        super().__init__(ann_file=ann_file, data_root=data_root,
                         data_prefix=dict(data_prefix or dict(img_path='')), **kwargs)

    def load_data_list(self) -> List[dict]:
        """The samples of ``ann_file``; ``id`` and ``img_id`` default to the position."""
        data_list = super().load_data_list()
        for index, info in enumerate(data_list):
            info.setdefault('id', index)
            info.setdefault('img_id', index)
        return data_list

    def parse_data_info(self, raw_data_info: dict) -> dict:
        """One annotation entry as top-down arrays, its image path under ``data_prefix``."""
        info = super().parse_data_info(dict(raw_data_info))
        try:
            keypoints = np.asarray(info['keypoints'], np.float32).reshape(1, -1, 2)
            bbox = np.asarray(info['bbox'], np.float32).reshape(1, 4)
        except (KeyError, ValueError) as exc:
            raise ValueError(f'{self.ann_file}: entry {raw_data_info!r} needs "bbox" '
                             f'[x1, y1, x2, y2] and "keypoints" [[x, y], ...]: {exc}') from exc
        visible = np.asarray(info.get('keypoints_visible', np.ones(keypoints.shape[1])),
                             np.float32).reshape(1, -1)
        info.update(bbox=bbox, bbox_score=np.ones(1, np.float32), keypoints=keypoints,
                    keypoints_visible=visible, category_id=info.get('category_id', 1))
        return info

    def get_data_info(self, idx: int) -> dict:
        """Sample ``idx`` with the metainfo entries the transforms need."""
        info = super().get_data_info(idx)
        for key in METAINFO_KEYS:
            if key in self.metainfo:
                info[key] = copy.deepcopy(self.metainfo[key])
        return info
'''

TEST = '''\
"""``@Prefix@KeypointDataset``: reads its JSON file into top-down samples."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from posecore.registry import DATASETS

DIST = '@dist@'


@pytest.fixture
def ann_file(tmp_path):
    data = dict(metainfo=dict(dataset_name='two-points', num_keypoints=2, flip_indices=[1, 0]),
                data_list=[dict(img_path='a.jpg', bbox=[0, 0, 10, 20],
                                keypoints=[[1, 2], [3, 4]], keypoints_visible=[1, 0]),
                           dict(img_path='b.jpg', bbox=[5, 5, 15, 25],
                                keypoints=[[6, 7], [8, 9]])])
    path = tmp_path / 'ann.json'
    path.write_text(json.dumps(data))
    return path


def test_samples_have_the_top_down_shapes(posecore_plugins, ann_file):
    posecore_plugins(DIST)
    dataset = DATASETS.build(dict(type='@Prefix@KeypointDataset', ann_file=str(ann_file),
                                  data_prefix=dict(img_path='images'), pipeline=[]))
    assert len(dataset) == 2
    sample = dataset[0]
    assert sample['keypoints'].shape == (1, 2, 2) and sample['bbox'].shape == (1, 4)
    assert sample['keypoints_visible'].tolist() == [[1.0, 0.0]]
    assert Path(sample['img_path']) == Path('images', 'a.jpg')
    assert sample['flip_indices'] == [1, 0] and dataset.metainfo['num_keypoints'] == 2
    assert dataset[1]['keypoints_visible'].tolist() == [[1.0, 1.0]]


def test_an_entry_without_a_box_is_refused(posecore_plugins, tmp_path):
    posecore_plugins(DIST)
    path = tmp_path / 'bad.json'
    path.write_text(json.dumps(dict(metainfo={}, data_list=[dict(img_path='a.jpg',
                                                                 keypoints=[[1, 2]])])))
    with pytest.raises(ValueError, match='needs "bbox"'):
        DATASETS.build(dict(type='@Prefix@KeypointDataset', ann_file=str(path)))
'''
