"""``CocoDataset``: COCO person keypoints, as MMPose 1.x's ``BaseCocoStyleDataset`` and
``CocoDataset``.

Shapes: K keypoints, N instances of an image (bottom-up); boxes xyxy.
"""
from __future__ import annotations

import copy
import os
import os.path as osp
import pickle
from itertools import chain
from typing import Any, Callable, Sequence

import numpy as np
from mmengine.dataset import BaseDataset, force_full_init
from mmengine.logging import MessageHub

from posecore.data_faults import SkipsUnreadableSamples
from posecore.errors import DataNotFoundError
from posecore.transforms import build_pipeline

from .annotations import (ABSENT, DETECTION_REQUIRED_KEYS, REQUIRED_KEYS, Detections,
                          Instances, categories, load_coco_file, parse_detections,
                          parse_instances, read_json)
from .metainfo import COCO_METAINFO_FILE

DATA_MODES = ('topdown', 'bottomup')
#: metainfo entries every data info carries for the pipeline and the model (as MMPose)
METAINFO_KEYS = ('dataset_name', 'upper_body_ids', 'lower_body_ids', 'flip_pairs',
                 'dataset_keypoint_weights', 'flip_indices', 'skeleton_links')


def _is_local(path: str) -> bool:
    return '://' not in str(path)


class CocoDataset(SkipsUnreadableSamples, BaseDataset):
    """COCO person keypoints for top-down or bottom-up pose estimation (MMPose 1.x's API).

    :param ann_file: COCO keypoint annotation file (``images``, ``annotations``,
        ``categories``), joined to ``data_root`` when relative.
    :param bbox_file: person detections (COCO results format) used instead of the
        ground-truth boxes; top-down ``test_mode`` only.
    :param data_mode: ``'topdown'`` (one instance per sample) or ``'bottomup'``
        (one image with all its instances per sample).
    :param metainfo: raw metainfo or ``dict(from_file=PATH)``; default COCO-17
        (``configs/_base_/datasets/coco.py``, else the copy this plugin ships).
    :param data_root: root joined to ``ann_file`` and ``data_prefix``; must exist
        when it is a local path.
    :param data_prefix: ``dict(img=FOLDER)`` joined to each image's ``file_name``.
    :param filter_cfg: ``dict(bbox_score_thr=T)`` drops samples whose
        ``bbox_score < T`` (top-down); other keys are accepted and ignored, as in MMPose.
    :param indices: keep only these (or the first ``indices``) samples.
    :param serialize_data: hold the data infos as one pickled buffer shared by workers.
    :param pipeline: transform configs (resolved through posecore's registry) or callables.
    :param test_mode: evaluation: samples are never dropped, images without
        instances are kept in bottom-up mode, and the ``ann_file`` is posted to
        mmengine's ``MessageHub`` as ``{dataset_name}_ann_file`` for ``CocoMetric``.
    :param lazy_init: defer reading the annotations until first use.
    :param max_refetch: retries with a random other sample when the pipeline drops one.
    :param sample_interval: keep images whose id is a multiple of it (MMPose 1.3's option).
    :param backend_args: ``mmengine.fileio`` backend arguments for reading
        ``ann_file`` and ``bbox_file`` (None: chosen from the path's prefix).

    Data infos carry MMPose's fields: ``img_id``, ``img_path``, ``bbox`` (1, 4)
    float32 xyxy clipped to the image, ``bbox_score`` (1,), ``num_keypoints``,
    ``keypoints`` (1, K, 2), ``keypoints_visible`` (1, K), ``area``, ``iscrowd``,
    ``segmentation``, ``id``, ``category_id``, ``raw_ann_info`` (the file's
    annotation; its ``segmentation`` is the same object as the info's), and per
    sample ``sample_idx`` and the metainfo's ``dataset_name``, ``flip_indices``,
    ``flip_pairs``, ``upper_body_ids``, ``lower_body_ids``, ``skeleton_links``,
    ``dataset_keypoint_weights``. Bottom-up infos stack these over the image's
    instances and add ``invalid_segs``.
    """

    METAINFO: dict = dict(from_file=COCO_METAINFO_FILE)
    #: subclasses whose annotations give each person's box (MPII, WFLW): top-down only,
    #: without ``bbox_file``
    ANNOTATED_BOXES_ONLY: bool = False

    def __init__(self,
                 ann_file: str = '',
                 bbox_file: str | None = None,
                 data_mode: str = 'topdown',
                 metainfo: dict | None = None,
                 data_root: str | None = None,
                 data_prefix: dict = dict(img=''),
                 filter_cfg: dict | None = None,
                 indices: int | Sequence[int] | None = None,
                 serialize_data: bool = True,
                 pipeline: Sequence[dict | Callable] = [],
                 test_mode: bool = False,
                 lazy_init: bool = False,
                 max_refetch: int = 1000,
                 sample_interval: int = 1,
                 backend_args: dict | None = None) -> None:
        name = type(self).__name__
        if data_mode not in DATA_MODES:
            raise ValueError(f'{name}: data_mode must be "topdown" or "bottomup", got '
                             f'{data_mode!r}')
        self.data_mode = data_mode
        if self.ANNOTATED_BOXES_ONLY and (data_mode != 'topdown' or bbox_file):
            raise ValueError(f"{name}: only data_mode='topdown' is supported, and bbox_file "
                             f"is not supported: the annotations give each person's box (got "
                             f'data_mode={data_mode!r}, bbox_file={bbox_file!r})')
        if bbox_file:
            if data_mode != 'topdown':
                raise ValueError(f'{name}: bbox_file is only supported in topdown mode, but '
                                 f'data_mode is {data_mode!r} (bbox_file={bbox_file!r})')
            if not test_mode:
                raise ValueError(f'{name}: bbox_file is only supported with test_mode=True '
                                 f'(detections replace ground truth for evaluation); got '
                                 f'bbox_file={bbox_file!r} with test_mode=False')
        if filter_cfg is not None and not isinstance(filter_cfg, dict):
            raise TypeError(f'{name}: filter_cfg must be a dict such as '
                            f'dict(bbox_score_thr=0.3) or None, got {filter_cfg!r}')
        if filter_cfg and 'bbox_score_thr' in filter_cfg and data_mode != 'topdown':
            raise ValueError(f'{name}: filter_cfg bbox_score_thr is only supported in topdown '
                             f'mode, but data_mode is {data_mode!r}')
        if not isinstance(data_prefix, dict) or 'img' not in data_prefix:
            raise ValueError(f"{name}: data_prefix must be a dict with an 'img' folder, e.g. "
                             f"dict(img='val2017/'), got {data_prefix!r}")
        if data_root and _is_local(data_root) and not osp.isdir(data_root):
            # checked here, in the main process, rather than when a worker first reads
            raise DataNotFoundError(
                f'{name}: data_root {str(data_root)!r} does not exist or is not a folder '
                f'(ann_file and data_prefix are joined to it; a relative path is taken from '
                f'the working directory {os.getcwd()!r}); set data_root, e.g. with '
                f'--cfg-options, or create the data (posecore coco synth makes a synthetic set)')
        if not isinstance(sample_interval, int) or sample_interval < 1:
            raise ValueError(f'{name}: sample_interval must be an int >= 1, got '
                             f'{sample_interval!r}')
        self.bbox_file = bbox_file
        self.sample_interval = sample_interval
        self.backend_args = backend_args
        super().__init__(ann_file=ann_file, metainfo=metainfo, data_root=data_root,
                         data_prefix=data_prefix, filter_cfg=filter_cfg, indices=indices,
                         serialize_data=serialize_data,
                         pipeline=build_pipeline(pipeline, 'CocoDataset'),
                         test_mode=test_mode, lazy_init=lazy_init, max_refetch=max_refetch)
        if self.test_mode:
            # CocoMetric finds the ground truth here when it is given no ann_file
            MessageHub.get_current_instance().update_info_dict(
                {f"{self._metainfo['dataset_name']}_ann_file": self.ann_file})

    @classmethod
    def _load_metainfo(cls, metainfo: dict | None = None) -> dict:
        """The parsed metainfo (:func:`posecore.metainfo.parse_pose_metainfo`) of
        ``metainfo``, or of :attr:`METAINFO` when None."""
        from posecore.metainfo import parse_pose_metainfo

        if metainfo is None:
            metainfo = copy.deepcopy(cls.METAINFO)
        if not isinstance(metainfo, dict):
            raise TypeError(f'{cls.__name__}: metainfo must be a dict (raw dataset_info or '
                            f'dict(from_file=PATH)), got {type(metainfo).__name__}: {metainfo!r}')
        return parse_pose_metainfo(metainfo) if metainfo else metainfo

    @force_full_init
    def prepare_data(self, idx: int) -> Any:
        """The pipeline's output for sample ``idx``; ``results['dataset']`` is this
        dataset (mixing transforms draw other samples from it)."""
        data_info = self.get_data_info(idx)
        data_info['dataset'] = self
        return self.pipeline(data_info)

    def get_data_info(self, idx: int) -> dict:
        """Sample ``idx``'s data info with the metainfo entries the pipeline needs."""
        data_info = _unpack_arrays(super().get_data_info(idx))
        for key in METAINFO_KEYS:
            if key in data_info:
                raise KeyError(f'{type(self).__name__}: data info of sample {idx} already has '
                               f'{key!r}, which is reserved for the metainfo')
            data_info[key] = copy.deepcopy(self._metainfo[key])
        return data_info

    def load_data_list(self) -> list[dict]:
        """Data infos from ``ann_file`` (and ``bbox_file``), in MMPose's order."""
        required = DETECTION_REQUIRED_KEYS if self.bbox_file else REQUIRED_KEYS
        data = load_coco_file(self.ann_file, self.backend_args, required)
        self._metainfo['CLASSES'] = categories(data, self.ann_file)
        img_prefix = self.data_prefix['img']
        if self.bbox_file:
            dets = read_json(self.bbox_file, 'bbox_file', self.backend_args)
            return self._detection_infos(
                parse_detections(dets, self.bbox_file, data, self.ann_file, img_prefix))
        instances, images = parse_instances(data, self.ann_file, img_prefix,
                                            self._metainfo.get('num_keypoints'),
                                            self.sample_interval)
        del data  # the kept annotation dicts live on in raw_ann_info
        if not self.test_mode and not instances.valid.any():
            from posecore.errors import DataError

            raise DataError(
                f'{type(self).__name__}: annotation file {str(self.ann_file)!r} has no training '
                f'samples: none of its {len(instances)} usable annotations is a person with '
                f'labelled keypoints and a box inside its image (annotations without bbox or '
                f'keypoints, of images not in "images", crowds and boxes outside the image are '
                f'skipped, as MMPose skips them); check the file, or the ann_file the config '
                f'names.')
        if self.data_mode == 'topdown':
            return [self._instance_info(instances, i)
                    for i in np.flatnonzero(instances.valid).tolist()]
        return self._bottomup_infos(instances, images)

    @staticmethod
    def _instance_info(inst: Instances, i: int) -> dict:
        # rows of the shared arrays are views: serialising copies only the row
        ann = inst.anns[i]
        info = {
            'img_id': ann['image_id'],
            'img_path': inst.img_paths[i],
            'bbox': inst.bbox[i:i + 1],
            'bbox_score': inst.bbox_score[i:i + 1],
            'num_keypoints': inst.num_keypoints[i],
            'keypoints': inst.keypoints[i:i + 1],
            'keypoints_visible': inst.keypoints_visible[i:i + 1],
            'area': inst.area[i, ...],
            'iscrowd': inst.iscrowd[i],
            'segmentation': ann.get('segmentation', None),
            'id': ann['id'],
            'category_id': inst.category_id[i, ...] if isinstance(inst.category_id, np.ndarray)
            else inst.category_id[i],
            'raw_ann_info': ann,
        }
        if inst.crowd_index is not None and inst.crowd_index[i] is not ABSENT:
            info['crowd_index'] = inst.crowd_index[i]
        return info

    def _bottomup_infos(self, inst: Instances, images: list[dict]) -> list[dict]:
        """One data info per image with instances (and, in test mode, per image without)."""
        infos = []
        # instances are grouped by image: each group starts where the image row changes
        starts = np.flatnonzero(np.diff(inst.image_rows, prepend=-1)).tolist()
        for s, e in zip(starts, starts[1:] + [len(inst)]):
            per = [self._instance_info(inst, i) for i in range(s, e)]
            info = {'img_id': per[0]['img_id'], 'img_path': per[0]['img_path']}
            for key in per[0]:
                if key in info:
                    continue
                seq = [p[key] for p in per]
                # as MMPose: arrays are joined, lists and tuples chained, others listed
                if isinstance(seq[0], np.ndarray):
                    seq = np.concatenate(seq) if seq[0].ndim > 0 else np.stack(seq)
                elif isinstance(seq[0], (tuple, list)):
                    seq = list(chain.from_iterable(seq))
                info[key] = seq
            # segmentations of the instances not to learn from mask out their regions
            info['invalid_segs'] = [p['segmentation'] for p, ok in
                                    zip(per, inst.valid[s:e].tolist()) if not ok]
            infos.append(info)
        if self.test_mode:
            used = set(inst.image_rows.tolist())
            infos.extend({'img_id': img['img_id'], 'img_path': img['img_path'], 'id': [],
                          'raw_ann_info': None}
                         for row, img in enumerate(images) if row not in used)
        return infos

    def _detection_infos(self, dets: Detections) -> list[dict]:
        k = self._metainfo['num_keypoints']
        keypoints = np.zeros((1, k, 2), dtype=np.float32)
        visible = np.ones((1, k), dtype=np.float32)
        return [{
            'img_id': dets.img_ids[i],
            'img_path': dets.img_paths[i],
            'img_shape': dets.img_shapes[i],
            'bbox': dets.bbox[i:i + 1],
            'bbox_score': dets.score[i:i + 1],
            'keypoints': keypoints,
            'keypoints_visible': visible,
            'id': i,
        } for i in range(len(dets))]

    def filter_data(self) -> list[dict]:
        """Drop samples whose ``bbox_score`` is below ``filter_cfg['bbox_score_thr']``."""
        if not self.filter_cfg or 'bbox_score_thr' not in self.filter_cfg:
            return self.data_list
        if self.data_mode != 'topdown':
            raise ValueError(f'{type(self).__name__}: filter_cfg bbox_score_thr is only '
                             f'supported in topdown mode, but data_mode is {self.data_mode!r}')
        thr = self.filter_cfg['bbox_score_thr']
        return [info for info in self.data_list if not info['bbox_score'] < thr]

    def _serialize_data(self) -> tuple[np.ndarray, np.ndarray]:
        """mmengine's serialisation into one buffer, with the arrays of each info packed
        as raw bytes (4x faster to pickle and to load than NumPy's reduce protocol),
        never holding the data list, the pickles and their concatenation at once."""
        buffer = bytearray()
        ends = np.empty(len(self.data_list), dtype=np.int64)
        for i in range(len(self.data_list)):
            buffer += pickle.dumps(_pack_arrays(self.data_list[i]), protocol=4)
            self.data_list[i] = None  # freed once pickled
            ends[i] = len(buffer)
        self.data_list.clear()
        return np.frombuffer(buffer, dtype=np.uint8), ends


#: key of a serialised info that holds its arrays as (key, dtype, shape, bytes) rows
_PACKED = '_packed_arrays'


def _pack_arrays(info: dict) -> dict:
    """``info`` with its top-level NumPy arrays moved into one ``_PACKED`` entry
    (their keys stay in place, as None, so the key order survives)."""
    packed = tuple((key, value.dtype.str, value.shape, value.tobytes())
                   for key, value in info.items()
                   if type(value) is np.ndarray and not value.dtype.hasobject)
    if not packed:
        return info
    info = dict(info)
    for key, *_ in packed:
        info[key] = None
    info[_PACKED] = packed
    return info


def _unpack_arrays(info: dict) -> dict:
    """Undo :func:`_pack_arrays` (writable arrays, as unpickled ones are)."""
    for key, dtype, shape, raw in info.pop(_PACKED, ()):
        info[key] = np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
    return info


class AicDataset(CocoDataset):
    """AI Challenger person keypoints (14: shoulders to ankles, head top, neck) in
    COCO's file format, as MMPose 1.x's ``AicDataset``; arguments as
    :class:`CocoDataset`, metainfo ``configs/_base_/datasets/aic.py`` (else this
    plugin's copy)."""

    METAINFO: dict = dict(from_file='configs/_base_/datasets/aic.py')


class CrowdPoseDataset(CocoDataset):
    """CrowdPose person keypoints (14: shoulders to ankles, top of head, neck) in COCO's
    file format, as MMPose 1.x's ``CrowdPoseDataset``; arguments as
    :class:`CocoDataset`, metainfo ``configs/_base_/datasets/crowdpose.py`` (else this
    plugin's copy). Its images' ``crowdIndex`` is kept (``CocoMetric`` with
    ``iou_type='keypoints_crowd'`` reports AP by crowding)."""

    METAINFO: dict = dict(from_file='configs/_base_/datasets/crowdpose.py')


class OneHand10KDataset(CocoDataset):
    """OneHand10K hand keypoints (21) in COCO's file format, as MMPose 1.x's
    ``OneHand10KDataset``; arguments as :class:`CocoDataset`, metainfo
    ``configs/_base_/datasets/onehand10k.py`` (else this plugin's copy)."""

    METAINFO: dict = dict(from_file='configs/_base_/datasets/onehand10k.py')


class HumanArtDataset(CocoDataset):
    """Human-Art (people in art and imagery, COCO's 17 keypoints) in COCO's file format, as
    MMPose 1.x's ``HumanArtDataset``; metainfo ``configs/_base_/datasets/humanart.py``
    (else this plugin's copy; its ``dataset_name`` is ``'Human-Art'``)."""

    METAINFO: dict = dict(from_file='configs/_base_/datasets/humanart.py')


class ExlposeDataset(CocoDataset):
    """ExLPose (people in low light, 14 keypoints) in COCO's file format, as MMPose 1.x's
    ``ExlposeDataset``; metainfo ``configs/_base_/datasets/exlpose.py`` (else this
    plugin's copy)."""

    METAINFO: dict = dict(from_file='configs/_base_/datasets/exlpose.py')
