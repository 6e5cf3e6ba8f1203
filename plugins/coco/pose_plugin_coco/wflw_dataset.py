"""``WFLWDataset``: WFLW's 98 face keypoints in COCO's file format with each face's
``center`` and ``scale``, as MMPose 1.x's ``WFLWDataset``."""
from __future__ import annotations

import numpy as np

from .annotations import (PIXEL_STD, REQUIRED_KEYS, Instances, box_of_center_scale, categories,
                          is_valid_instance, load_coco_file, parse_instances)
from .dataset import CocoDataset


class WFLWDataset(CocoDataset):
    """WFLW faces, top-down (MMPose 1.x's API and data infos); arguments as
    :class:`~pose_plugin_coco.dataset.CocoDataset`, without ``bbox_file``, metainfo
    ``configs/_base_/datasets/wflw.py`` (else this plugin's copy).

    As MMPose: each face's box is its annotation's ``center`` and a square of
    200 x ``scale`` (not the file's ``bbox``), kept as ``bbox_center`` and
    ``bbox_scale`` too; crowds, faces without labelled keypoints, empty boxes and
    faces with no positive coordinate are dropped.
    """

    METAINFO: dict = dict(from_file='configs/_base_/datasets/wflw.py')
    ANNOTATED_BOXES_ONLY = True

    def load_data_list(self) -> list[dict]:
        data = load_coco_file(self.ann_file, self.backend_args, REQUIRED_KEYS)
        self._metainfo['CLASSES'] = categories(data, self.ann_file)
        instances, _ = parse_instances(data, self.ann_file, self.data_prefix['img'],
                                       self._metainfo.get('num_keypoints'),
                                       self.sample_interval)
        infos = [self._face_info(instances, i) for i in range(len(instances))]
        return [info for info in infos if is_valid_instance(info)]

    def _face_info(self, inst: Instances, i: int) -> dict:
        ann = inst.anns[i]
        missing = [key for key in ('center', 'scale') if key not in ann]
        if missing:
            raise ValueError(f'{type(self).__name__}: annotation id={ann.get("id")!r} of '
                             f'{self.ann_file!r} lacks {" and ".join(missing)} (WFLW gives '
                             f'each face a center and a scale)')
        center = np.array([ann['center']], dtype=np.float32)
        scale = np.array([[ann['scale'], ann['scale']]], dtype=np.float32) * PIXEL_STD
        return {
            'img_id': ann['image_id'],
            'img_path': inst.img_paths[i],
            'bbox': box_of_center_scale(center, scale),
            'bbox_center': center,
            'bbox_scale': scale,
            'bbox_score': np.ones(1, dtype=np.float32),
            'num_keypoints': inst.num_keypoints[i],
            'keypoints': inst.keypoints[i:i + 1],
            'keypoints_visible': inst.keypoints_visible[i:i + 1],
            'iscrowd': inst.iscrowd[i],
            'id': ann['id'],
        }

