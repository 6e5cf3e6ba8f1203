"""``MpiiDataset``: MPII Human Pose's 16 keypoints from MMPose's JSON conversion of the
annotations (one entry per person: ``image``, ``center``, ``scale``, ``joints``,
``joints_vis``), as MMPose 1.x's ``MpiiDataset``, with the head boxes of the official
``mpii_gt_val.mat`` for PCKh (``MpiiPCKAccuracy``).
"""
from __future__ import annotations

import os.path as osp
from typing import Any

import numpy as np

from .annotations import PIXEL_STD, box_of_center_scale, is_valid_instance, read_json
from .dataset import CocoDataset

#: MPII's head size: 0.6 of the head box diagonal
SC_BIAS = 0.6
_KEYS = ('image', 'center', 'scale', 'joints', 'joints_vis')


class MpiiDataset(CocoDataset):
    """MPII Human Pose, top-down (MMPose 1.x's API and data infos).

    :param ann_file: MMPose's MPII JSON (``mpii_train.json`` / ``mpii_val.json``).
    :param headbox_file: the head boxes (``mpii_gt_val.mat``, read with SciPy); each
        sample then has ``head_size`` ``(1, 1)``. Test mode only.
    :param kwargs: as :class:`~pose_plugin_coco.dataset.CocoDataset`, but top-down only
        and without ``bbox_file`` (the annotations give each person's box).

    As MMPose: the box is the annotation's centre (moved down by 15 / 200 of the
    scale, then to 0-based pixels) and 200 x scale square; the joints are kept as
    the file has them (1-based, which ``MpiiPCKAccuracy`` accounts for); samples
    with an empty box or no positive coordinate are dropped.
    """

    METAINFO: dict = dict(from_file='configs/_base_/datasets/mpii.py')

    ANNOTATED_BOXES_ONLY = True

    def __init__(self, ann_file: str = '', headbox_file: str | None = None,
                 **kwargs: Any) -> None:
        name = type(self).__name__
        if headbox_file:
            if not kwargs.get('test_mode', False):
                raise ValueError(f'{name}: headbox_file is for evaluation only: set '
                                 f'test_mode=True or drop headbox_file={headbox_file!r}')
            if not str(headbox_file).endswith('.mat'):
                raise ValueError(f'{name}: headbox_file must be a MATLAB .mat file '
                                 f"(MPII's mpii_gt_val.mat), got {headbox_file!r}")
        self.headbox_file = headbox_file
        super().__init__(ann_file=ann_file, **kwargs)

    def load_data_list(self) -> list[dict]:
        """Data infos from ``ann_file`` (and ``head_size`` from ``headbox_file``)."""
        anns = read_json(self.ann_file, 'ann_file', self.backend_args)
        if not isinstance(anns, list):
            raise ValueError(f'{type(self).__name__}: {self.ann_file!r} must hold a JSON '
                             f'list of person annotations (MMPose MPII format), got '
                             f'{type(anns).__name__}')
        heads = self._head_sizes(len(anns)) if self.headbox_file else None
        infos = []
        for idx, ann in enumerate(anns):
            info = self._info(idx, ann)
            if heads is not None:
                info['head_size'] = heads[idx].reshape(1, -1)
            if is_valid_instance(info):
                infos.append(info)
        return infos

    def _info(self, idx: int, ann: Any) -> dict:
        missing = [k for k in _KEYS if not isinstance(ann, dict) or k not in ann]
        if missing:
            raise ValueError(f'{type(self).__name__}: annotation {idx} of {self.ann_file!r} '
                             f'lacks {", ".join(missing)} (MMPose MPII format: '
                             f'{", ".join(_KEYS)})')
        stem = osp.splitext(osp.basename(str(ann['image'])))[0]
        if not stem.isdigit():
            raise ValueError(f'{type(self).__name__}: annotation {idx} of {self.ann_file!r}: '
                             f'image {ann["image"]!r} is not named by a number (MPII image '
                             f'ids are the file names)')
        center = np.array(ann['center'], dtype=np.float32)
        scale = np.array([ann['scale'], ann['scale']], dtype=np.float32) * PIXEL_STD
        if center[0] != -1:  # MMPose: lower the centre a little, not to crop the legs
            center[1] = center[1] + 15. / PIXEL_STD * scale[1]
        center = (center - 1).reshape(1, -1)  # 1-based (MATLAB) to 0-based
        scale = scale.reshape(1, -1)
        bbox = box_of_center_scale(center, scale)
        x1, y1, x2, y2 = np.split(bbox, axis=1, indices_or_sections=4)
        area = np.clip((x2 - x1) * (y2 - y1) * 0.53, a_min=1.0, a_max=None)
        return {
            'id': idx,
            'img_id': int(stem),
            'img_path': osp.join(self.data_prefix['img'], ann['image']),
            'bbox_center': center,
            'bbox_scale': scale,
            'bbox': bbox,
            'bbox_score': np.ones(1, dtype=np.float32),
            'keypoints': np.array(ann['joints'], dtype=np.float32).reshape(1, -1, 2),
            'keypoints_visible': np.array(ann['joints_vis']).reshape(1, -1),
            'area': area[..., 0].astype(np.float32),
            'category_id': ann.get('category_id', [1] * len(bbox)),
        }

    def _head_sizes(self, count: int) -> np.ndarray:
        """``(count,)`` float64: 0.6 x the diagonal of each annotation's head box."""
        try:
            from scipy.io import loadmat
        except ImportError:
            raise ImportError(f'{type(self).__name__}: reading headbox_file '
                              f'{self.headbox_file!r} needs SciPy: pip install scipy (or '
                              f'"pose-plugin-coco[mpii]")'
                              ) from None
        from mmengine.fileio import get_local_path

        with get_local_path(self.headbox_file) as local:
            boxes = np.transpose(loadmat(local)['headboxes_src'], [2, 0, 1])
        if len(boxes) < count:
            raise ValueError(f'{type(self).__name__}: headbox_file {self.headbox_file!r} '
                             f'has {len(boxes)} head boxes for {count} annotations')
        return np.array([np.linalg.norm(box[1] - box[0], axis=0) * SC_BIAS
                         for box in boxes[:count]])
