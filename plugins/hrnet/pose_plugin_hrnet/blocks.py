"""Residual blocks of HRNet: ``BasicBlock`` and ``Bottleneck`` (MMPose's ResNet blocks).

Attribute names (``conv1``, ``bn1``, ``downsample``...) are those of MMPose so
state-dict keys match; the norm names come from :func:`build_norm_layer`.
"""
from __future__ import annotations

from typing import Any, Mapping, Optional

import torch
import torch.nn as nn
import torch.utils.checkpoint as cp

from .conv_norm import conv_norm, run_sequential
from .layers import build_conv_layer, build_norm_layer, norm_layer


class _ResidualBlock(nn.Module):
    """Shared forward: residual branch, identity (or downsample), add, ReLU."""

    expansion: int = 1
    with_cp: bool = False
    downsample: Optional[nn.Module]

    def _inner_forward(self, x: torch.Tensor, final_relu: bool) -> torch.Tensor:
        """``residual(x) + identity(x)``, with the final ReLU if ``final_relu``."""
        raise NotImplementedError

    def _identity(self, x: torch.Tensor) -> torch.Tensor:
        if self.downsample is None:
            return x
        return run_sequential(self.downsample, x)  # type: ignore[arg-type]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return ``relu(residual(x) + identity(x))``."""
        if self.with_cp and x.requires_grad:
            # as MMPose: checkpoint everything but the final ReLU
            out = cp.checkpoint(self._inner_forward, x, False, use_reentrant=False)
            return torch.relu_(out)
        return self._inner_forward(x, True)


class BasicBlock(_ResidualBlock):
    """Two 3x3 convs (``expansion = 1``)."""

    expansion = 1

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1,
                 downsample: Optional[nn.Module] = None, with_cp: bool = False,
                 conv_cfg: Optional[Mapping[str, Any]] = None,
                 norm_cfg: Optional[Mapping[str, Any]] = None) -> None:
        super().__init__()
        norm_cfg = {'type': 'BN'} if norm_cfg is None else norm_cfg
        mid_channels = out_channels // self.expansion
        self.norm1_name, norm1 = build_norm_layer(norm_cfg, mid_channels, 1)
        self.norm2_name, norm2 = build_norm_layer(norm_cfg, out_channels, 2)
        self.conv1 = build_conv_layer(conv_cfg, in_channels, mid_channels, 3,
                                      stride=stride, padding=1, bias=False)
        self.add_module(self.norm1_name, norm1)
        self.conv2 = build_conv_layer(conv_cfg, mid_channels, out_channels, 3,
                                      padding=1, bias=False)
        self.add_module(self.norm2_name, norm2)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.with_cp = with_cp

    norm1 = norm_layer(1, 'The norm layer after ``conv1``.')
    norm2 = norm_layer(2, 'The norm layer after ``conv2`` (zeroed by zero_init_residual).')

    def _inner_forward(self, x: torch.Tensor, final_relu: bool) -> torch.Tensor:
        out = conv_norm(self.conv1, self.norm1, x, relu=True)
        return conv_norm(self.conv2, self.norm2, out, relu=final_relu,
                         residual=self._identity(x))


class Bottleneck(_ResidualBlock):
    """1x1 -> 3x3 -> 1x1 convs (``expansion = 4``, stride on the 3x3: 'pytorch' style)."""

    expansion = 4

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1,
                 downsample: Optional[nn.Module] = None, with_cp: bool = False,
                 conv_cfg: Optional[Mapping[str, Any]] = None,
                 norm_cfg: Optional[Mapping[str, Any]] = None) -> None:
        super().__init__()
        norm_cfg = {'type': 'BN'} if norm_cfg is None else norm_cfg
        mid_channels = out_channels // self.expansion
        self.norm1_name, norm1 = build_norm_layer(norm_cfg, mid_channels, 1)
        self.norm2_name, norm2 = build_norm_layer(norm_cfg, mid_channels, 2)
        self.norm3_name, norm3 = build_norm_layer(norm_cfg, out_channels, 3)
        self.conv1 = build_conv_layer(conv_cfg, in_channels, mid_channels, 1,
                                      bias=False)
        self.add_module(self.norm1_name, norm1)
        self.conv2 = build_conv_layer(conv_cfg, mid_channels, mid_channels, 3,
                                      stride=stride, padding=1, bias=False)
        self.add_module(self.norm2_name, norm2)
        self.conv3 = build_conv_layer(conv_cfg, mid_channels, out_channels, 1,
                                      bias=False)
        self.add_module(self.norm3_name, norm3)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.with_cp = with_cp

    norm1 = norm_layer(1, 'The norm layer after ``conv1``.')
    norm2 = norm_layer(2, 'The norm layer after ``conv2``.')
    norm3 = norm_layer(3, 'The norm layer after ``conv3`` (zeroed by zero_init_residual).')

    def _inner_forward(self, x: torch.Tensor, final_relu: bool) -> torch.Tensor:
        out = conv_norm(self.conv1, self.norm1, x, relu=True)
        out = conv_norm(self.conv2, self.norm2, out, relu=True)
        return conv_norm(self.conv3, self.norm3, out, relu=final_relu,
                         residual=self._identity(x))


BLOCKS: dict[str, type[_ResidualBlock]] = {
    'BASIC': BasicBlock, 'BOTTLENECK': Bottleneck}
