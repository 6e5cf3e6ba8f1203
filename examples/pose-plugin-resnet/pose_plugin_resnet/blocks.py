"""Residual blocks of ResNet: ``BasicBlock`` (two 3x3 convs) and ``Bottleneck`` (1x1, 3x3, 1x1).

Attribute names (``conv1``, ``bn1``, ``downsample``...) are MMPose's, so the
state-dict keys match; norm names come from :func:`.layers.build_norm_layer`.
"""
from __future__ import annotations

from typing import Any, Mapping, Optional

import torch
import torch.nn as nn
import torch.utils.checkpoint as cp

from .conv_norm import conv_norm
from .layers import build_conv_layer, build_norm_layer, norm_property


def run_downsample(seq: nn.Sequential, x: torch.Tensor) -> torch.Tensor:
    """The identity branch ``[AvgPool2d,] conv, norm`` of a downsampling block."""
    *pool, conv, norm = seq
    for layer in pool:
        x = layer(x)
    return conv_norm(conv, norm, x, relu=False)


class ResidualBlock(nn.Module):
    """The forward shared by both blocks: residual branch + identity, then ReLU.

    :param in_channels: input channels.
    :param out_channels: output channels (``expansion`` x the middle channels).
    :param expansion: ``out_channels / mid_channels``.
    :param stride: stride of the block (on the 3x3 conv, or the first 1x1 conv
        of a 'caffe' style ``Bottleneck``).
    :param dilation: dilation of the 3x3 conv (padding follows it).
    :param downsample: the identity branch when shapes change.
    :param style: 'pytorch' or 'caffe'.
    :param with_cp: activation checkpointing (recompute in backward).
    :param conv_cfg: None or ``dict(type='Conv2d')``.
    :param norm_cfg: the norm layers' config.
    """

    default_expansion: int = 1

    def __init__(self, in_channels: int, out_channels: int, expansion: int = 1,
                 stride: int = 1, dilation: int = 1,
                 downsample: Optional[nn.Sequential] = None, style: str = 'pytorch',
                 with_cp: bool = False, conv_cfg: Optional[Mapping[str, Any]] = None,
                 norm_cfg: Optional[Mapping[str, Any]] = None) -> None:
        super().__init__()
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.expansion = expansion
        self.mid_channels = out_channels // expansion
        self.stride = stride
        self.dilation = dilation
        self.style = style
        self.with_cp = with_cp
        self.conv_cfg = conv_cfg
        self.norm_cfg = dict(norm_cfg) if norm_cfg is not None else {'type': 'BN'}
        # subclasses register ``downsample`` after their layers: MMPose's key order
        self.downsample: Optional[nn.Sequential] = None

    def residual(self, x: torch.Tensor, identity: torch.Tensor,
                 final_relu: bool) -> torch.Tensor:
        """``branch(x) + identity``, with the final ReLU if ``final_relu``."""
        raise NotImplementedError

    def _inner_forward(self, x: torch.Tensor, final_relu: bool) -> torch.Tensor:
        identity = x if self.downsample is None else run_downsample(self.downsample, x)
        return self.residual(x, identity, final_relu)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return ``relu(branch(x) + identity(x))``."""
        if self.with_cp and x.requires_grad:
            # as MMPose: everything but the final ReLU is recomputed in backward
            out = cp.checkpoint(self._inner_forward, x, False, use_reentrant=False)
            return torch.relu_(out)
        return self._inner_forward(x, True)


class BasicBlock(ResidualBlock):
    """Two 3x3 convs; ``expansion`` must be 1."""

    default_expansion = 1

    def __init__(self, in_channels: int, out_channels: int, expansion: int = 1,
                 stride: int = 1, dilation: int = 1,
                 downsample: Optional[nn.Sequential] = None, style: str = 'pytorch',
                 with_cp: bool = False, conv_cfg: Optional[Mapping[str, Any]] = None,
                 norm_cfg: Optional[Mapping[str, Any]] = None) -> None:
        super().__init__(in_channels, out_channels, expansion, stride, dilation,
                         downsample, style, with_cp, conv_cfg, norm_cfg)
        mid = self.mid_channels
        self.norm1_name, norm1 = build_norm_layer(self.norm_cfg, mid, postfix=1)
        self.norm2_name, norm2 = build_norm_layer(self.norm_cfg, out_channels, postfix=2)
        # MMPose dilates the first conv only (padding = dilation keeps the size)
        self.conv1 = build_conv_layer(conv_cfg, in_channels, mid, 3, stride=stride,
                                      padding=dilation, dilation=dilation)
        self.add_module(self.norm1_name, norm1)
        self.conv2 = build_conv_layer(conv_cfg, mid, out_channels, 3, padding=1)
        self.add_module(self.norm2_name, norm2)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    norm1 = norm_property(1, 'The norm layer after ``conv1``.')
    norm2 = norm_property(2, 'The norm layer after ``conv2`` (zeroed by zero_init_residual).')

    def residual(self, x: torch.Tensor, identity: torch.Tensor,
                 final_relu: bool) -> torch.Tensor:
        out = conv_norm(self.conv1, self.norm1, x, relu=True)
        return conv_norm(self.conv2, self.norm2, out, relu=final_relu, residual=identity)


class Bottleneck(ResidualBlock):
    """1x1 -> 3x3 -> 1x1 convs; the stride is on the 3x3 conv ('pytorch' style) or on
    the first 1x1 conv ('caffe' style)."""

    default_expansion = 4

    def __init__(self, in_channels: int, out_channels: int, expansion: int = 4,
                 stride: int = 1, dilation: int = 1,
                 downsample: Optional[nn.Sequential] = None, style: str = 'pytorch',
                 with_cp: bool = False, conv_cfg: Optional[Mapping[str, Any]] = None,
                 norm_cfg: Optional[Mapping[str, Any]] = None) -> None:
        super().__init__(in_channels, out_channels, expansion, stride, dilation,
                         downsample, style, with_cp, conv_cfg, norm_cfg)
        mid = self.mid_channels
        self.conv1_stride, self.conv2_stride = (1, stride) if style == 'pytorch' \
            else (stride, 1)
        self.norm1_name, norm1 = build_norm_layer(self.norm_cfg, mid, postfix=1)
        self.norm2_name, norm2 = build_norm_layer(self.norm_cfg, mid, postfix=2)
        self.norm3_name, norm3 = build_norm_layer(self.norm_cfg, out_channels, postfix=3)
        self.conv1 = build_conv_layer(conv_cfg, in_channels, mid, 1,
                                      stride=self.conv1_stride)
        self.add_module(self.norm1_name, norm1)
        self.conv2 = build_conv_layer(conv_cfg, mid, mid, 3, stride=self.conv2_stride,
                                      padding=dilation, dilation=dilation)
        self.add_module(self.norm2_name, norm2)
        self.conv3 = build_conv_layer(conv_cfg, mid, out_channels, 1)
        self.add_module(self.norm3_name, norm3)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    norm1 = norm_property(1, 'The norm layer after ``conv1``.')
    norm2 = norm_property(2, 'The norm layer after ``conv2``.')
    norm3 = norm_property(3, 'The norm layer after ``conv3`` (zeroed by zero_init_residual).')

    def residual(self, x: torch.Tensor, identity: torch.Tensor,
                 final_relu: bool) -> torch.Tensor:
        out = conv_norm(self.conv1, self.norm1, x, relu=True)
        out = conv_norm(self.conv2, self.norm2, out, relu=True)
        return conv_norm(self.conv3, self.norm3, out, relu=final_relu, residual=identity)
