"""``TopdownPoseEstimator``: backbone (+ neck) + head, as MMPose 1.x's.

Modes of ``forward(inputs, data_samples, mode)``: ``'loss'`` (a dict of
losses), ``'predict'`` (data samples with ``pred_instances`` in
original-image coordinates) and ``'tensor'`` (the raw head output).

Config (MMPose's ``td-hm_hrnet-w32_8xb64-210e_coco-256x192.py``)::

    model = dict(type='TopdownPoseEstimator',
                 data_preprocessor=dict(type='PoseDataPreprocessor', ...),
                 backbone=dict(type='HRNet', ...),
                 head=dict(type='HeatmapHead', in_channels=32, out_channels=17, ...),
                 test_cfg=dict(flip_test=True, flip_mode='heatmap', shift_heatmap=True))

With ``flip_test`` the images and their mirror images run through the
backbone as one batch of 2B (one forward instead of two) whenever no
BatchNorm layer is in training mode, so the result does not depend on the
batch; otherwise as two batches, as MMPose does. State-dict keys equal
MMPose's (``backbone.*``, ``neck.*``, ``head.*``).
"""
from __future__ import annotations

from itertools import zip_longest
from typing import Any, Mapping, Optional, Sequence, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModel
from torch import Tensor
from torch.nn.modules.batchnorm import _BatchNorm

from .flip import channels_per_keypoint
from .model_errors import InvalidModeError, ModelConfigError, ModelInputError

__all__ = ['BasePoseEstimator', 'TopdownPoseEstimator']

ConfigLike = Union[Mapping[str, Any], nn.Module]
Features = Union[Tensor, Sequence[Tensor]]
_MODES = ('loss', 'predict', 'tensor')
_INPUT_META = ('input_center', 'input_scale', 'input_size')


def _build(cfg: ConfigLike, what: str) -> nn.Module:
    """A module from a ``MODELS`` config (or the module itself)."""
    if isinstance(cfg, nn.Module):
        return cfg
    if not isinstance(cfg, Mapping) or 'type' not in cfg:
        raise ModelConfigError(
            f"{what}={cfg!r} must be a config dict with a 'type' (e.g. "
            f"dict(type='HRNet', ...)) or a module")
    from posecore.registry import MODELS
    return MODELS.build(dict(cfg))


def _check_cfg(name: str, cfg: Any) -> dict:
    if cfg is None:
        return {}
    if not isinstance(cfg, Mapping):
        raise ModelConfigError(f'{name}={cfg!r} must be a dict or None')
    return dict(cfg)


def _split_batch(feats: Features, size: int) -> tuple[Features, Features]:
    """Split features of a 2B batch into those of the first and second B."""
    if isinstance(feats, Tensor):
        return feats[:size], feats[size:]
    return (type(feats)(f[:size] for f in feats),  # type: ignore[call-arg]
            type(feats)(f[size:] for f in feats))  # type: ignore[call-arg]


class BasePoseEstimator(BaseModel):
    """What pose estimators share (MMPose 1.x ``BasePoseEstimator``).

    :param backbone: backbone config (``MODELS``).
    :param neck: neck config, or None.
    :param head: head config, or None.
    :param train_cfg: training options passed to ``head.loss`` (e.g.
        ``compute_acc``).
    :param test_cfg: test options, also copied to ``head.test_cfg``.
    :param data_preprocessor: preprocessor config (``MODELS``), default
        mmengine's ``BaseDataPreprocessor``.
    :param init_cfg: mmengine init config.
    :param metainfo: dataset metainfo, raw (``keypoint_info``...) or
        ``dict(from_file=PATH)``; parsed as MMPose does, it replaces the data
        samples' metainfo in ``predict`` mode.
    """

    _version = 2

    def __init__(self,
                 backbone: ConfigLike,
                 neck: Optional[ConfigLike] = None,
                 head: Optional[ConfigLike] = None,
                 train_cfg: Optional[Mapping[str, Any]] = None,
                 test_cfg: Optional[Mapping[str, Any]] = None,
                 data_preprocessor: Optional[ConfigLike] = None,
                 init_cfg: Optional[Any] = None,
                 metainfo: Optional[Mapping[str, Any]] = None) -> None:
        # built here, from posecore's registry (mmengine's root one does not
        # know plugin names without a default scope)
        if isinstance(data_preprocessor, Mapping):
            data_preprocessor = _build(data_preprocessor, 'data_preprocessor')
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.metainfo = self._load_metainfo(metainfo)
        self.train_cfg = _check_cfg('train_cfg', train_cfg)
        self.test_cfg = _check_cfg('test_cfg', test_cfg)
        if 'flip_mode' in self.test_cfg:
            channels_per_keypoint(self.test_cfg['flip_mode'])  # a clear error if unknown
        self.backbone = _build(backbone, 'backbone')
        if neck is not None:
            self.neck = _build(neck, 'neck')
        if head is not None:
            self.head = _build(head, 'head')
            self.head.test_cfg = self.test_cfg.copy()
        self._check_keypoint_count()
        self.register_load_state_dict_pre_hook(type(self)._convert_old_keys)

    @property
    def with_neck(self) -> bool:
        """Whether the estimator has a neck."""
        return getattr(self, 'neck', None) is not None

    @property
    def with_head(self) -> bool:
        """Whether the estimator has a head."""
        return getattr(self, 'head', None) is not None

    @staticmethod
    def _load_metainfo(metainfo: Optional[Mapping[str, Any]]) -> Optional[dict]:
        if metainfo is None:
            return None
        if not isinstance(metainfo, Mapping):
            raise TypeError(f'metainfo should be a dict, but got {type(metainfo)}')
        from posecore.metainfo import parse_pose_metainfo
        return parse_pose_metainfo(metainfo)

    def _check_keypoint_count(self) -> None:
        """The head's keypoints equal the dataset's (when both are known)."""
        if self.metainfo is None or not self.with_head:
            return
        head_k = getattr(self.head, 'num_keypoints', None)
        data_k = self.metainfo.get('num_keypoints')
        if head_k is None or data_k is None or head_k == data_k:
            return
        out = getattr(self.head, 'out_channels', None)
        group = getattr(self.head, 'channels_per_keypoint', 1)
        per = f' ({group} channels per keypoint)' if group != 1 else ''
        raise ModelConfigError(
            f'head out_channels={out} gives {head_k} keypoints{per}, but the dataset '
            f"metainfo ({self.metainfo.get('dataset_name')!r}) has num_keypoints={data_k}: "
            f'set head.out_channels={data_k * group}')

    def switch_to_deploy(self) -> None:
        """Switch submodules that have ``switch_to_deploy`` to deploy mode."""
        for module in self.modules():
            if module is not self and callable(getattr(module, 'switch_to_deploy', None)):
                module.switch_to_deploy(self.test_cfg)

    def forward(self, inputs: Union[Tensor, list[Tensor]],
                data_samples: Optional[list[Any]] = None,
                mode: str = 'tensor') -> Any:
        """Run in ``mode``: ``'loss'``, ``'predict'`` or ``'tensor'``.

        :param inputs: images ``(B, C, H, W)`` (a list is stacked).
        :param data_samples: the batch's ``PoseDataSample`` list.
        :raises InvalidModeError: another mode.
        """
        if isinstance(inputs, list):
            inputs = torch.stack(inputs)
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            if self.metainfo is not None:
                for data_sample in data_samples or ():
                    data_sample.set_metainfo(self.metainfo)
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self._forward(inputs)
        raise InvalidModeError(
            f'Invalid mode "{mode}". Only supports loss, predict and tensor mode.')

    def loss(self, inputs: Tensor, data_samples: list[Any]) -> dict:
        raise NotImplementedError

    def predict(self, inputs: Tensor, data_samples: list[Any]) -> list[Any]:
        raise NotImplementedError

    def _forward(self, inputs: Tensor, data_samples: Optional[list[Any]] = None) -> Any:
        """Backbone, neck and head without post-processing."""
        x = self.extract_feat(inputs)
        if self.with_head:
            x = self.head.forward(x)
        return x

    def extract_feat(self, inputs: Tensor) -> Features:
        """Backbone (and neck) features of images ``(B, C, H, W)``."""
        x = self.backbone(inputs)
        if self.with_neck:
            x = self.neck(x)
        return x

    @staticmethod
    def _convert_old_keys(module: BasePoseEstimator, state_dict: dict, prefix: str,
                          local_metadata: dict, *args: Any) -> None:
        """Drop the preprocessor's ``mean``/``std`` (rebuilt from the config)
        and rename MMPose 0.x ``keypoint_head.*`` to ``head.*``."""
        for name in ('data_preprocessor.mean', 'data_preprocessor.std'):
            state_dict.pop(prefix + name, None)
        version = local_metadata.get('version')
        if version and version >= module._version:
            return
        for key in [k for k in state_dict if 'keypoint_head' in k]:
            state_dict[key.replace('keypoint_head', 'head')] = state_dict.pop(key)


class TopdownPoseEstimator(BasePoseEstimator):
    """Top-down pose estimator: one person crop per sample (MMPose 1.x's).

    Arguments as :class:`BasePoseEstimator`. ``test_cfg`` keys:
    ``flip_test`` (False), ``flip_mode`` (``'heatmap'`` or
    ``'udp_combined'``), ``shift_heatmap`` (False), ``output_heatmaps``
    (False: with True, ``pred_fields.heatmaps`` holds the heatmaps),
    ``output_keypoint_indices`` (None: keep only these keypoints).
    """

    def loss(self, inputs: Tensor, data_samples: list[Any]) -> dict:
        """Losses of a batch (``loss_kpt``, ``acc_pose`` for ``HeatmapHead``)."""
        feats = self.extract_feat(inputs)
        losses: dict = {}
        if self.with_head:
            losses.update(self.head.loss(feats, data_samples, train_cfg=self.train_cfg))
        return losses

    def predict(self, inputs: Tensor, data_samples: list[Any]) -> list[Any]:
        """Predict keypoints of a batch of crops.

        :returns: ``data_samples`` with ``pred_instances`` (``keypoints``
            ``(1, K, 2)`` in original-image coordinates, ``keypoint_scores``,
            ``keypoints_visible``, and ``bboxes``/``bbox_scores`` of the
            ground-truth instances) and, with ``output_heatmaps``,
            ``pred_fields.heatmaps``.
        """
        if not self.with_head:
            raise ModelConfigError('The model must have head to perform prediction.')
        if self.test_cfg.get('flip_test', False):
            feats: Any = self._extract_feat_and_flipped(inputs)
        else:
            feats = self.extract_feat(inputs)
        preds = self.head.predict(feats, data_samples, test_cfg=self.test_cfg)
        if isinstance(preds, tuple):
            batch_pred_instances, batch_pred_fields = preds
        else:
            batch_pred_instances, batch_pred_fields = preds, None
        return self.add_pred_to_datasample(batch_pred_instances, batch_pred_fields,
                                           data_samples)

    def _extract_feat_and_flipped(self, inputs: Tensor) -> list[Features]:
        """``[features, features of the horizontally flipped images]``."""
        flipped = inputs.flip(-1)
        if self._batch_independent():
            both = self.extract_feat(torch.cat([inputs, flipped]))
            return list(_split_batch(both, inputs.shape[0]))
        return [self.extract_feat(inputs), self.extract_feat(flipped)]

    def _batch_independent(self) -> bool:
        """No BatchNorm normalises with batch statistics (all in eval mode)."""
        return not any(m.training for m in self.modules() if isinstance(m, _BatchNorm))

    def add_pred_to_datasample(self, batch_pred_instances: list[Any],
                               batch_pred_fields: Optional[list[Any]],
                               batch_data_samples: list[Any]) -> list[Any]:
        """Put the predictions into the data samples, keypoints mapped from
        the input crop to the original image with the samples' metainfo
        ``input_center``, ``input_scale`` and ``input_size``."""
        if len(batch_pred_instances) != len(batch_data_samples):
            raise ModelInputError(
                f'{len(batch_pred_instances)} predictions for '
                f'{len(batch_data_samples)} data samples')
        indices = self.test_cfg.get('output_keypoint_indices', None)
        for i, (pred_instances, pred_fields, data_sample) in enumerate(zip_longest(
                batch_pred_instances, batch_pred_fields or [], batch_data_samples)):
            meta = data_sample.metainfo
            missing = [key for key in _INPUT_META if key not in meta]
            if missing:
                raise ModelInputError(
                    f'data sample {i} has no metainfo {missing}: predict maps keypoints '
                    'back to the image with input_center, input_scale and input_size, '
                    'which TopdownAffine sets and PackPoseInputs packs')
            center, scale = meta['input_center'], meta['input_scale']
            size = meta['input_size']
            keypoints = pred_instances.keypoints
            # crop pixels -> image pixels (numpy semantics as MMPose, same dtypes)
            keypoints[..., :2] = keypoints[..., :2] / size * scale + center - 0.5 * scale
            if 'keypoints_visible' not in pred_instances:
                pred_instances.keypoints_visible = pred_instances.keypoint_scores
            num_keypoints = keypoints.shape[1]
            if indices is not None:
                for key, value in pred_instances.all_items():
                    if key.startswith('keypoint'):
                        pred_instances.set_field(value[:, indices], key)
            gt_instances = data_sample.get('gt_instances')
            if gt_instances is not None:
                for key in ('bboxes', 'bbox_scores'):
                    if key in gt_instances:
                        pred_instances.set_field(gt_instances.get(key), key)
            data_sample.pred_instances = pred_instances
            if pred_fields is not None:
                if indices is not None:
                    for key, value in pred_fields.all_items():
                        if value.shape[0] == num_keypoints:
                            pred_fields.set_field(value[indices], key)
                data_sample.pred_fields = pred_fields
        return batch_data_samples

