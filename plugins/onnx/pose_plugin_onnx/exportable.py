"""The graph ``posecore export`` writes: a top-down estimator with its data
preprocessing, optional flip test and heatmap decoding inside.

Input ``images``: ``(N, 3, H, W)`` uint8 crops, BGR, as the test pipeline
(``TopdownAffine`` + ``PackPoseInputs``) gives them. Inside, as
``PoseDataPreprocessor`` and ``TopdownPoseEstimator.predict`` do: channel
conversion, float, ``(x - mean) / std``, padding; with flip test the images
and their mirror images as one batch of 2N, the mirrored heatmaps flipped
back (``flip_indices``, ``flip_mode``, ``shift_heatmap``) and averaged.
Outputs: ``heatmaps`` ``(N, C, h, w)`` and, where the codec allows
(:mod:`.graph_decode`), ``keypoints`` ``(N, K, 2)`` in input pixels and
``scores`` ``(N, K)``.
"""
from __future__ import annotations

import math
from typing import Any, Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from .errors import OnnxExportError
from .graph_decode import MSRADecode

INPUT_NAME = 'images'
HEATMAPS, KEYPOINTS, SCORES = 'heatmaps', 'keypoints', 'scores'


class ExportableTopdown(nn.Module):
    """Wrap a ``TopdownPoseEstimator`` (eval mode) for export.

    :param estimator: the estimator, with ``data_preprocessor``,
        ``extract_feat`` and a heatmap ``head``.
    :param input_size: ``(w, h)`` of the crops.
    :param flip_test: put the flip test into the graph.
    :param flip_indices: the mirror keypoint of each keypoint (flip test).
    :param flip_mode: ``test_cfg.flip_mode`` (``'heatmap'``...).
    :param shift_heatmap: ``test_cfg.shift_heatmap`` (True, False or pixels in [0, 1]).
    :param decoder: heatmaps -> keypoints module, or None (heatmaps only).
    """

    def __init__(self, estimator: nn.Module, input_size: tuple[int, int], flip_test: bool,
                 flip_indices: Optional[Sequence[int]], flip_mode: str = 'heatmap',
                 shift_heatmap: Union[bool, float] = False,
                 decoder: Optional[MSRADecode] = None) -> None:
        super().__init__()
        if not getattr(estimator, 'with_head', False):
            raise OnnxExportError('the model has no head: export needs a top-down estimator '
                                  'with a heatmap head (model.head)')
        self.estimator = estimator
        pre = estimator.data_preprocessor
        self.bgr_to_rgb = bool(getattr(pre, '_channel_conversion', False))
        self.normalize = bool(getattr(pre, '_enable_normalize', False))
        if self.normalize:
            self.register_buffer('mean', pre.mean.detach().clone().float(), persistent=False)
            self.register_buffer('std', pre.std.detach().clone().float(), persistent=False)
        divisor = int(getattr(pre, 'pad_size_divisor', 1))
        w, h = input_size
        self.pad = (0, math.ceil(w / divisor) * divisor - w,
                    0, math.ceil(h / divisor) * divisor - h)
        self.pad_value = float(getattr(pre, 'pad_value', 0))
        self.flip_test = flip_test
        self.flip_indices = None if flip_indices is None else [int(i) for i in flip_indices]
        self.flip_mode = flip_mode
        self.shift_heatmap = shift_heatmap
        self.decoder = decoder

    @property
    def output_names(self) -> list[str]:
        """Names of the graph outputs, in order."""
        return [HEATMAPS] if self.decoder is None else [HEATMAPS, KEYPOINTS, SCORES]

    def preprocess(self, images: torch.Tensor) -> torch.Tensor:
        """What ``PoseDataPreprocessor`` does to a stacked uint8 batch (mmengine's order)."""
        x = images
        if self.bgr_to_rgb:
            x = x[:, [2, 1, 0], ...]
        x = x.float()
        if self.normalize:
            x = (x - self.mean) / self.std
        if any(self.pad):
            x = F.pad(x, self.pad, 'constant', self.pad_value)
        return x

    def heatmaps(self, x: torch.Tensor) -> torch.Tensor:
        """Head output of preprocessed images, flip-averaged with flip test."""
        estimator = self.estimator
        if not self.flip_test:
            return self._one_tensor(estimator.head.forward(estimator.extract_feat(x)))
        from pose_plugin_topdown.flip import flip_heatmaps

        n = x.shape[0]
        both = self._one_tensor(estimator.head.forward(
            estimator.extract_feat(torch.cat([x, x.flip(-1)]))))
        flipped = flip_heatmaps(both[n:], flip_indices=self.flip_indices,
                                flip_mode=self.flip_mode, shift_heatmap=self.shift_heatmap)
        return (both[:n] + flipped) * 0.5

    def _one_tensor(self, out: Any) -> torch.Tensor:
        if isinstance(out, torch.Tensor) and out.dim() == 4:
            return out
        head = type(self.estimator.head).__name__
        raise OnnxExportError(
            f'{head} returns {type(out).__name__}, not one (N, C, H, W) heatmap tensor: '
            f'posecore export handles heatmap heads (e.g. HeatmapHead)')

    def forward(self, images: torch.Tensor) -> Any:
        """Outputs named :attr:`output_names` for uint8 crops ``images``."""
        heatmaps = self.heatmaps(self.preprocess(images))
        if self.decoder is None:
            return heatmaps
        keypoints, scores = self.decoder(heatmaps)
        return heatmaps, keypoints, scores
