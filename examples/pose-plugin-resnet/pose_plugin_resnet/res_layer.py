"""``ResLayer``: one ResNet stage, a ``nn.Sequential`` of residual blocks.

The first block takes the stride and, when the shape changes, a downsampling
identity branch: a strided 1x1 conv and a norm, or with ``avg_down`` an
average pool followed by a stride-1 conv (ResNet-D). Module indices are
MMPose's, so the state-dict keys match (``layer2.0.downsample.1.weight``).
"""
from __future__ import annotations

from typing import Any, Mapping, Optional

import torch.nn as nn

from .blocks import ResidualBlock
from .layers import build_conv_layer, build_norm_layer


class ResLayer(nn.Sequential):
    """``num_blocks`` blocks; the first changes channels and resolution.

    :param block: :class:`.blocks.BasicBlock` or :class:`.blocks.Bottleneck`.
    :param num_blocks: blocks in the stage.
    :param in_channels: input channels of the stage.
    :param out_channels: output channels of every block.
    :param expansion: ``out_channels / mid_channels`` of the blocks.
    :param stride: stride of the first block.
    :param avg_down: downsample the identity with ``AvgPool2d`` + stride-1 conv.
    :param conv_cfg: None or ``dict(type='Conv2d')``.
    :param norm_cfg: the norm layers' config.
    :param block_kwargs: ``dilation``, ``style``, ``with_cp`` for every block.
    """

    def __init__(self, block: type[ResidualBlock], num_blocks: int, in_channels: int,
                 out_channels: int, expansion: int, stride: int = 1,
                 avg_down: bool = False, conv_cfg: Optional[Mapping[str, Any]] = None,
                 norm_cfg: Optional[Mapping[str, Any]] = None,
                 **block_kwargs: Any) -> None:
        norm_cfg = dict(norm_cfg) if norm_cfg is not None else {'type': 'BN'}
        self.block = block
        self.expansion = expansion
        downsample = None
        if stride != 1 or in_channels != out_channels:
            layers: list[nn.Module] = []
            conv_stride = stride
            if avg_down and stride != 1:
                conv_stride = 1
                layers.append(nn.AvgPool2d(kernel_size=stride, stride=stride,
                                           ceil_mode=True, count_include_pad=False))
            layers += [build_conv_layer(conv_cfg, in_channels, out_channels, 1,
                                        stride=conv_stride),
                       build_norm_layer(norm_cfg, out_channels)[1]]
            downsample = nn.Sequential(*layers)
        common = dict(expansion=expansion, conv_cfg=conv_cfg, norm_cfg=norm_cfg,
                      **block_kwargs)
        blocks = [block(in_channels, out_channels, stride=stride, downsample=downsample,
                        **common)]
        blocks += [block(out_channels, out_channels, stride=1, **common)
                   for _ in range(1, num_blocks)]
        super().__init__(*blocks)
