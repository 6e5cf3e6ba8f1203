"""``PackPoseInputs``: the model's input tensor and ``PoseDataSample``
(MMPose 1.x)."""
from __future__ import annotations

import copy
import warnings
from typing import Any, Dict, Sequence

import numpy as np
import torch
from mmengine.structures import InstanceData, PixelData
from posecore.structures import PoseDataSample
from posecore.transforms import BaseTransform

from ..multilevel_pixel_data import MultilevelPixelData
from .image_ops import image_to_tensor
from .loading import describe_sample

__all__ = ['PackPoseInputs']

_IMMUTABLE = (int, float, str, bool, bytes, type(None), np.generic)
# exact types whose values deepcopy returns as they are
_ATOMS = frozenset((int, float, str, bool, bytes, type(None)))


def _deep_copy(value: Any) -> Any:
    """``copy.deepcopy`` for metainfo values, fast for the usual kinds
    (scalars, strings, arrays, lists/tuples/dicts of them, e.g. the
    polygons of ``raw_ann_info``)."""
    kind = type(value)
    if kind in _ATOMS or isinstance(value, _IMMUTABLE):
        return value
    if kind is list:
        # a flat list of numbers (a polygon, flip_indices): one C-level copy
        if all(map(_ATOMS.__contains__, map(type, value))):
            return value[:]
        return [_deep_copy(v) for v in value]
    if kind is dict:
        return {k: _deep_copy(v) for k, v in value.items()}
    if kind is tuple:
        return tuple(_deep_copy(v) for v in value)
    if isinstance(value, np.ndarray) and value.dtype != object:
        return value.copy()
    return copy.deepcopy(value)


class PackPoseInputs(BaseTransform):
    """Pack ``results`` into ``dict(inputs=..., data_samples=...)``.

    ``inputs``: the image as a contiguous ``(C, H, W)`` tensor of its dtype
    (``uint8`` for the pipeline above); without an image but with
    ``lifting_target``, the keypoints (3D lifting).

    ``data_samples``: a ``PoseDataSample`` with

    - ``gt_instances`` (``InstanceData``, arrays as they are):
      ``bbox -> bboxes``, ``bbox_score -> bbox_scores``, ``keypoints``,
      ``keypoints_cam``, ``keypoints_visible``, ``bbox_scale ->
      bbox_scales``, ``head_size`` (or the codec's
      ``instance_mapping_table``), plus ``transformed_keypoints`` with
      ``pack_transformed``;
    - ``gt_instance_labels`` (tensors): ``keypoint_labels``,
      ``keypoint_weights``, ``keypoints_visible_weights`` (or the codec's
      ``label_mapping_table``; lists from several codecs are stacked);
    - ``gt_fields`` (``PixelData`` of tensors, or ``MultilevelPixelData``
      for lists): ``heatmaps``, ``instance_heatmaps``, ``heatmap_mask``,
      ``heatmap_weights``, ``displacements``, ``displacement_weights`` (or
      the codec's ``field_mapping_table``); absent when there are none;
    - metainfo: the ``meta_keys`` present in ``results`` (deep copies).

    The same fields and values as MMPose 1.x packs.

    :param meta_keys: keys copied into the metainfo.
    :param pack_transformed: also pack ``transformed_keypoints``.
    """

    instance_mapping_table = dict(
        bbox='bboxes',
        bbox_score='bbox_scores',
        keypoints='keypoints',
        keypoints_cam='keypoints_cam',
        keypoints_visible='keypoints_visible',
        # CocoMetric computes areas from the gt bbox_scales
        bbox_scale='bbox_scales',
        # for PCKh (MpiiPCKAccuracy)
        head_size='head_size',
    )
    field_mapping_table = dict(
        heatmaps='heatmaps',
        instance_heatmaps='instance_heatmaps',
        heatmap_mask='heatmap_mask',
        heatmap_weights='heatmap_weights',
        displacements='displacements',
        displacement_weights='displacement_weights')
    label_mapping_table = dict(
        keypoint_labels='keypoint_labels',
        keypoint_weights='keypoint_weights',
        keypoints_visible_weights='keypoints_visible_weights')

    def __init__(self,
                 meta_keys: Sequence[str] = (
                     'id', 'img_id', 'img_path', 'category_id', 'crowd_index',
                     'ori_shape', 'img_shape', 'input_size', 'input_center',
                     'input_scale', 'flip', 'flip_direction', 'flip_indices',
                     'raw_ann_info', 'dataset_name'),
                 pack_transformed: bool = False) -> None:
        if isinstance(meta_keys, str) or not all(
                isinstance(key, str) for key in meta_keys):
            raise TypeError('PackPoseInputs: meta_keys must be a sequence of '
                            f'key names, got {meta_keys!r}')
        self.meta_keys = meta_keys
        self.pack_transformed = pack_transformed

    def transform(self, results: Dict[str, Any]) -> Dict[str, Any]:
        """Return ``dict(inputs=tensor, data_samples=PoseDataSample)``."""
        if 'img' in results:
            inputs = image_to_tensor(results['img'])
        elif 'lifting_target' in results and 'keypoints' in results:
            keypoints = results.get('keypoint_labels', results['keypoints'])
            inputs = self._keypoints_to_tensor(keypoints)
        else:
            raise KeyError('PackPoseInputs needs results["img"] (or '
                           '"lifting_target" and "keypoints"); sample '
                           f'{describe_sample(results)}')

        sample = PoseDataSample()
        instances = InstanceData()
        for key, packed in results.get('instance_mapping_table',
                                       self.instance_mapping_table).items():
            if key in results:
                instances.set_field(results[key], packed)
        if self.pack_transformed and 'transformed_keypoints' in results:
            instances.set_field(results['transformed_keypoints'],
                                'transformed_keypoints')
        sample.gt_instances = instances

        labels = InstanceData()
        for key, packed in results.get('label_mapping_table',
                                       self.label_mapping_table).items():
            if key in results:
                value = results[key]
                if isinstance(value, list):
                    # several codecs: one row per codec
                    value = np.stack(value)
                self._check_length(labels, packed, value, results)
                # set_field: InstanceData's own setter re-measures every
                # field on each call (~15 us); the length is checked above
                labels.set_field(torch.from_numpy(value)
                                 if isinstance(value, np.ndarray) else value,
                                 packed)
        sample.gt_instance_labels = labels

        fields = None
        for key, packed in results.get('field_mapping_table',
                                       self.field_mapping_table).items():
            if key not in results:
                continue
            value = results[key]
            multilevel = isinstance(value, list)
            if fields is None:
                fields = MultilevelPixelData() if multilevel else PixelData()
            elif multilevel != isinstance(fields, MultilevelPixelData):
                raise ValueError('PackPoseInputs: got mixed single-level and '
                                 f'multi-level pixel data ({key!r}); sample '
                                 f'{describe_sample(results)}')
            if multilevel:
                fields.set_field(value, packed)
            else:
                fields.set_field(self._pixel_field(fields, packed, value,
                                                   results), packed)
        if fields is not None:
            if isinstance(fields, MultilevelPixelData):
                fields = fields.to_tensor()
            sample.gt_fields = fields

        for key in self.meta_keys:
            if key in results:
                sample.set_field(_deep_copy(results[key]), key,
                                 field_type='metainfo')
        return dict(inputs=inputs, data_samples=sample)

    @staticmethod
    def _check_length(labels: InstanceData, name: str, value: Any,
                      results: Dict[str, Any]) -> None:
        """All instance labels have the same length (the instances)."""
        if len(labels.keys()) and len(value) != len(labels):
            raise ValueError(
                f'PackPoseInputs: instance label {name!r} has length '
                f'{len(value)}, the others {len(labels)} (one row per '
                f'instance); sample {describe_sample(results)}')

    @staticmethod
    def _pixel_field(fields: PixelData, name: str, value: Any,
                     results: Dict[str, Any]) -> torch.Tensor:
        """``value`` as a ``(C, H, W)`` tensor, checked as ``PixelData``
        checks it (a 2-D map gains a channel axis, with mmengine's warning)."""
        if isinstance(value, np.ndarray):
            value = torch.from_numpy(value)
        if not isinstance(value, torch.Tensor) or value.ndim not in (2, 3):
            raise ValueError(
                f'PackPoseInputs: {name!r} must be an array (C, H, W) or '
                f'(H, W), got {getattr(value, "shape", type(value).__name__)} '
                f'(sample {describe_sample(results)})')
        if fields.shape and tuple(value.shape[-2:]) != fields.shape:
            raise ValueError(
                f'PackPoseInputs: {name!r} has size {tuple(value.shape[-2:])}, '
                f'the other fields {fields.shape} (sample '
                f'{describe_sample(results)})')
        if value.ndim == 2:
            warnings.warn('The shape of value will convert from '
                          f'{tuple(value.shape)} to {(1, *value.shape)}')
            value = value[None]
        return value

    @staticmethod
    def _keypoints_to_tensor(keypoints: Any) -> torch.Tensor:
        if isinstance(keypoints, np.ndarray):
            return torch.from_numpy(np.ascontiguousarray(keypoints))
        return torch.stack([PackPoseInputs._keypoints_to_tensor(one)
                            for one in keypoints])

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(meta_keys={self.meta_keys}, '
                f'pack_transformed={self.pack_transformed})')
