"""MSRA heatmap decoding written in tensor ops, so that it is part of the
exported graph: the argmax of each heatmap, MMPose's quarter-pixel step
towards the higher neighbour, and the scale to input pixels. The same
numbers as ``MSRAHeatmap.batch_decode`` (``unbiased=False``) of
pose-plugin-heatmap-codecs.

Shapes: B batch, K keypoints, heatmap ``(H, W)``; keypoints ``(B, K, 2)``
``[x, y]`` in input pixels, scores ``(B, K)``.
"""
from __future__ import annotations

from typing import Any, Mapping, Optional

import torch
import torch.nn as nn


def graph_decodable(codec_cfg: Optional[Mapping[str, Any]]) -> bool:
    """Whether :class:`MSRADecode` computes what the codec's decode does."""
    return (isinstance(codec_cfg, Mapping)
            and str(codec_cfg.get('type', '')).split('::')[-1].split('.')[-1] == 'MSRAHeatmap'
            and not codec_cfg.get('unbiased', False))


class MSRADecode(nn.Module):
    """Keypoints and scores of heatmaps, as MMPose's ``MSRAHeatmap`` decodes them.

    :param input_size: the codec's ``[w, h]``.
    :param heatmap_size: the codec's ``[W, H]``.
    """

    def __init__(self, input_size: tuple[int, int], heatmap_size: tuple[int, int]) -> None:
        super().__init__()
        self.width, self.height = int(heatmap_size[0]), int(heatmap_size[1])
        # float32 as the codec's scale_factor
        scale = torch.tensor([input_size[0] / heatmap_size[0],
                              input_size[1] / heatmap_size[1]], dtype=torch.float32)
        self.register_buffer('scale', scale, persistent=False)

    def forward(self, heatmaps: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(keypoints (B, K, 2), scores (B, K))`` of heatmaps ``(B, K, H, W)``."""
        b, k = heatmaps.shape[0], heatmaps.shape[1]
        w, h = self.width, self.height
        flat = heatmaps.reshape(b, k, h * w)
        index = flat.argmax(dim=-1, keepdim=True)  # the first maximum, as NumPy's
        scores = flat.gather(-1, index)
        x, y = index % w, torch.div(index, w, rounding_mode='floor')
        # MMPose refines x where 1 < x < W-1 and y > 0, y where 1 < y < H-1 and x > 0
        ok_x = (x > 1) & (x < w - 1) & (y > 0)
        ok_y = (y > 1) & (y < h - 1) & (x > 0)
        # neighbours of unrefined axes read the maximum itself: a step of 0
        step_x = torch.where(ok_x, torch.ones_like(index), torch.zeros_like(index))
        step_y = torch.where(ok_y, torch.full_like(index, w), torch.zeros_like(index))
        near = flat.gather(-1, torch.cat([index + step_x, index + step_y,
                                          index - step_x, index - step_y], dim=-1))
        signs = torch.sign(near[..., :2] - near[..., 2:]) * 0.25
        locs = torch.cat([x, y], dim=-1).to(heatmaps.dtype) + signs
        # no maximum above 0: MMPose's -1 (scaled like the rest)
        locs = torch.where(scores > 0, locs, torch.full_like(locs, -1.0))
        return locs * self.scale.to(heatmaps.dtype), scores.squeeze(-1)
