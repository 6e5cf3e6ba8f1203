"""``ConvModule``: conv -> norm -> ReLU, as mmcv's, for the deep stem of ``ResNetV1d``.

Submodule names (``conv``, ``bn``/``gn``, ``activate``) are mmcv's, so the
state-dict keys (``stem.0.conv.weight``, ``stem.0.bn.running_mean``...) are
MMPose's.
"""
from __future__ import annotations

from typing import Any, Mapping, Optional

import torch
import torch.nn as nn

from .conv_norm import conv_norm
from .layers import build_conv_layer, build_norm_layer


class ConvModule(nn.Module):
    """A bias-free 3x3 conv, its norm and an in-place ReLU.

    :param in_channels: input channels.
    :param out_channels: output channels.
    :param stride: conv stride.
    :param conv_cfg: None or ``dict(type='Conv2d')``.
    :param norm_cfg: the norm layer's config (see :func:`.layers.build_norm_layer`).
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int,
                 conv_cfg: Optional[Mapping[str, Any]],
                 norm_cfg: Mapping[str, Any]) -> None:
        super().__init__()
        self.conv = build_conv_layer(conv_cfg, in_channels, out_channels, 3,
                                     stride=stride, padding=1)
        self.norm_name, norm = build_norm_layer(norm_cfg, out_channels)
        self.add_module(self.norm_name, norm)
        self.activate = nn.ReLU(inplace=True)

    @property
    def norm(self) -> nn.Module:
        """The norm layer (``bn`` or ``gn``, mmcv's name)."""
        return getattr(self, self.norm_name)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return ``relu(norm(conv(x)))``."""
        return conv_norm(self.conv, self.norm, x, relu=True)
