"""``PoseDataPreprocessor``: batch images for the model (MMPose 1.x's).

Moves the batch to the model's device, converts BGR to RGB (``bgr_to_rgb``),
normalises with ``mean``/``std``, pads to a multiple of ``pad_size_divisor``,
stacks, records ``batch_input_shape`` and ``pad_shape`` in each data
sample's metainfo, and in training applies ``batch_augments``.

Same images in, same float values out as MMPose (mmengine's
``ImgDataPreprocessor`` does the arithmetic). A list of equally sized images
(what ``pseudo_collate`` gives for top-down crops) is stacked first, as uint8,
so each step runs once over the batch instead of once per image.
"""
from __future__ import annotations

import math
from numbers import Real
from typing import Any, Optional, Sequence, Union

import torch
import torch.nn as nn
from mmengine.model import ImgDataPreprocessor
from mmengine.structures import BaseDataElement

from .model_errors import ModelConfigError, ModelInputError

__all__ = ['PoseDataPreprocessor']


def _check_stats(name: str, values: Any) -> None:
    if values is None:
        return
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) \
            or len(values) not in (1, 3) \
            or not all(isinstance(v, Real) and not isinstance(v, bool) for v in values):
        raise ModelConfigError(
            f'PoseDataPreprocessor: {name}={values!r} must be 3 numbers (one per '
            'B, G, R / R, G, B channel) or 1 number (gray images), e.g. '
            'mean=[123.675, 116.28, 103.53]')


def _all_on(element: BaseDataElement, device: torch.device) -> bool:
    """Whether every tensor in ``element``'s data fields (nested ones too) is on ``device``."""
    for value in element.values():
        if isinstance(value, torch.Tensor) and value.device != device:
            return False
        if isinstance(value, BaseDataElement) and not _all_on(value, device):
            return False
    return True


class PoseDataPreprocessor(ImgDataPreprocessor):
    """Image pre-processor for pose estimation.

    :param mean: per-channel pixel mean (after any BGR/RGB conversion), or None.
    :param std: per-channel pixel standard deviation, or None (with ``mean``).
    :param pad_size_divisor: pad height and width up to a multiple of this.
    :param pad_value: value of padded pixels.
    :param bgr_to_rgb: convert 3-channel BGR images to RGB.
    :param rgb_to_bgr: convert RGB to BGR (not together with ``bgr_to_rgb``).
    :param non_blocking: copy to the device without blocking.
    :param batch_augments: configs (``MODELS``) of batch augmentations run in
        training, each called as ``aug(inputs, data_samples)``.
    """

    def __init__(self,
                 mean: Optional[Sequence[Union[float, int]]] = None,
                 std: Optional[Sequence[Union[float, int]]] = None,
                 pad_size_divisor: int = 1,
                 pad_value: Union[float, int] = 0,
                 bgr_to_rgb: bool = False,
                 rgb_to_bgr: bool = False,
                 non_blocking: Optional[bool] = False,
                 batch_augments: Optional[list[dict]] = None) -> None:
        _check_stats('mean', mean)
        _check_stats('std', std)
        if (mean is None) != (std is None):
            raise ModelConfigError(
                f'PoseDataPreprocessor: give both mean and std or neither, got mean='
                f'{mean!r}, std={std!r}')
        if bgr_to_rgb and rgb_to_bgr:
            raise ModelConfigError(
                'PoseDataPreprocessor: bgr_to_rgb and rgb_to_bgr cannot both be True')
        if isinstance(pad_size_divisor, bool) or not isinstance(pad_size_divisor, int) \
                or pad_size_divisor < 1:
            raise ModelConfigError(
                f'PoseDataPreprocessor: pad_size_divisor={pad_size_divisor!r} must be an '
                'int >= 1')
        super().__init__(mean=mean, std=std, pad_size_divisor=pad_size_divisor,
                         pad_value=pad_value, bgr_to_rgb=bgr_to_rgb,
                         rgb_to_bgr=rgb_to_bgr, non_blocking=non_blocking)
        if batch_augments is not None:
            from posecore.registry import MODELS
            self.batch_augments = nn.ModuleList(
                [MODELS.build(aug) for aug in batch_augments])
        else:
            self.batch_augments = None

    def forward(self, data: dict, training: bool = False) -> dict:
        """Preprocess a batch ``dict(inputs=..., data_samples=...)``; ``inputs``
        is a list of ``(C, H, W)`` tensors or a ``(B, C, H, W)`` tensor.

        :returns: ``dict(inputs=(B, C, H, W) float tensor, data_samples=...)``.
        """
        if not isinstance(data, dict) or 'inputs' not in data:
            raise ModelInputError(
                'PoseDataPreprocessor expects dict(inputs=..., data_samples=...), got '
                f'{type(data).__name__}')
        data = dict(data)
        inputs = data['inputs']
        if isinstance(inputs, (list, tuple)) and inputs \
                and all(isinstance(x, torch.Tensor) for x in inputs):
            self._check_images(inputs)
            pad_shapes = [self._padded(x.shape[-2:]) for x in inputs]
            if all(x.shape == inputs[0].shape for x in inputs):
                # one pass over the batch; elementwise, so the same values
                data['inputs'] = torch.stack(list(inputs))
        elif isinstance(inputs, torch.Tensor):
            if inputs.dim() != 4:
                raise ModelInputError(
                    'PoseDataPreprocessor expects inputs of shape (B, C, H, W) or a list '
                    f'of (C, H, W) tensors, got a tensor of shape {tuple(inputs.shape)}')
            self._check_images(inputs)
            pad_shapes = [self._padded(inputs.shape[-2:])] * inputs.shape[0]
        else:
            raise ModelInputError(
                'PoseDataPreprocessor expects inputs as a list of (C, H, W) tensors or a '
                f'(B, C, H, W) tensor, got {type(inputs).__name__}')
        data = super().forward(data=data, training=training)
        inputs, data_samples = data['inputs'], data['data_samples']
        if data_samples is not None:
            batch_input_shape = tuple(inputs[0].size()[-2:])
            for data_sample, pad_shape in zip(data_samples, pad_shapes):
                data_sample.set_metainfo({'batch_input_shape': batch_input_shape,
                                          'pad_shape': pad_shape})
        if training and self.batch_augments is not None:
            for batch_aug in self.batch_augments:
                inputs, data_samples = batch_aug(inputs, data_samples)
        return {'inputs': inputs, 'data_samples': data_samples}

    def cast_data(self, data: Any) -> Any:
        """mmengine's, except that a data sample whose tensors are all on the target
        device already is passed on as it is: ``BaseDataElement.to`` copies it
        whole, metainfo deep-copied, even from the CPU to the CPU (about 2% of a
        CPU training iteration of the demo model)."""
        if isinstance(data, BaseDataElement) and _all_on(data, self.device):
            return data
        return super().cast_data(data)

    def _padded(self, size: Sequence[int]) -> tuple[int, int]:
        """``(H, W)`` after padding to a multiple of ``pad_size_divisor``."""
        div = self.pad_size_divisor
        return (math.ceil(size[0] / div) * div, math.ceil(size[1] / div) * div)

    def _check_images(self, inputs: Any) -> None:
        """Channel counts that the colour conversion and ``mean`` can handle."""
        channels = {int(x.shape[-3]) if x.dim() >= 3 else -1 for x in inputs} \
            if isinstance(inputs, (list, tuple)) else {int(inputs.shape[1])}
        if -1 in channels:
            raise ModelInputError(
                'PoseDataPreprocessor expects each image as a (C, H, W) tensor, got '
                f'shapes {[tuple(x.shape) for x in inputs]}')
        need = set()
        if self._channel_conversion:
            need.add(3)
        if self._enable_normalize and self.mean.shape[0] == 3:
            need.add(3)
        if need and channels != need:
            raise ModelInputError(
                f'PoseDataPreprocessor: images have {sorted(channels)} channels, but '
                'bgr_to_rgb/rgb_to_bgr and a 3-value mean/std need 3-channel (C, H, W) '
                'images')
