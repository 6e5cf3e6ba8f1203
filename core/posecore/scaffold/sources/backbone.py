"""The sample backbone of ``posecore plugin new --registry models``."""
from __future__ import annotations

MODULE = 'backbone'
CLASS = '@Prefix@Backbone'
#: what the generated config's model uses; ``@channels@`` is the last stage's width
CONFIG = "dict(type='@Prefix@Backbone', base_channels=16, num_stages=4, out_indices=(3, ))"
CONFIG_CHANNELS = 128
#: the HeatmapHead upsamples the stride-32 output to stride 4, as for MMPose's ResNet
CONFIG_DECONV = (64, 64, 64)

SOURCE = '''\
"""``@Prefix@Backbone``: a small convolutional backbone, MMPose 1.x style.

Shapes: input ``(N, C, H, W)``; stage ``i`` (0-based) outputs
``(N, base_channels * 2**i, H / 2**(i + 2), W / 2**(i + 2))``.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence, Tuple

from mmengine.model import BaseModule
from torch import Tensor, nn


def _conv_bn_relu(in_channels: int, out_channels: int, stride: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False),
        nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True))


class @Prefix@Backbone(BaseModule):
    """A plain convolutional backbone: a stride-4 stem (conv and max-pool), then
    ``num_stages`` stages of two 3x3 conv-BN-ReLU layers; every stage after
    the first halves the resolution and doubles the channels.

    :param in_channels: channels of the input image.
    :param base_channels: channels of the stem and of the first stage.
    :param num_stages: number of stages, 1 to 5.
    :param out_indices: stages (0-based) whose outputs are returned, in order.
    :param frozen_stages: the stem and stages ``0..frozen_stages-1`` are frozen
        (no gradient, batch norm in eval mode); -1 freezes nothing.
    :param init_cfg: mmengine init config; default Kaiming for convolutions,
        weight 1 and bias 0 for batch norm.
    """

    def __init__(self,
                 in_channels: int = 3,
                 base_channels: int = 32,
                 num_stages: int = 4,
                 out_indices: Sequence[int] = (3, ),
                 frozen_stages: int = -1,
                 init_cfg: Optional[Any] = None) -> None:
        if init_cfg is None:
            init_cfg = [dict(type='Kaiming', layer='Conv2d'),
                        dict(type='Constant', val=1, layer='_BatchNorm')]
        super().__init__(init_cfg=init_cfg)
        if not 1 <= num_stages <= 5:
            raise ValueError(f'@Prefix@Backbone: num_stages must be 1 to 5, got {num_stages!r}')
        if not out_indices or any(not 0 <= i < num_stages for i in out_indices):
            raise ValueError(f'@Prefix@Backbone: out_indices must be stages 0 to '
                             f'{num_stages - 1}, got {out_indices!r}')
        if max(out_indices) != num_stages - 1:
            raise ValueError(f'@Prefix@Backbone: out_indices {tuple(out_indices)!r} leave the '
                             f'last stage ({num_stages - 1}) unused; lower num_stages instead')
        self.out_indices = tuple(out_indices)
        self.frozen_stages = frozen_stages
        self.stem = nn.Sequential(_conv_bn_relu(in_channels, base_channels, 2),
                                  nn.MaxPool2d(3, stride=2, padding=1))
        self.stages = nn.ModuleList()
        channels = base_channels
        for i in range(num_stages):
            width = base_channels * 2**i
            self.stages.append(nn.Sequential(_conv_bn_relu(channels, width, 1 if i == 0 else 2),
                                             _conv_bn_relu(width, width, 1)))
            channels = width
        self.out_channels = [base_channels * 2**i for i in self.out_indices]
        self._freeze()

    def _freeze(self) -> None:
        if self.frozen_stages < 0:
            return
        for module in [self.stem, *self.stages[:self.frozen_stages]]:
            module.eval()
            for param in module.parameters():
                param.requires_grad = False

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        """Feature maps of the stages in ``out_indices``."""
        x = self.stem(x)
        outs = []
        for i, stage in enumerate(self.stages):
            x = stage(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)

    def train(self, mode: bool = True) -> '@Prefix@Backbone':
        """Switch modes, keeping the frozen stages in eval mode."""
        super().train(mode)
        self._freeze()
        return self
'''

TEST = '''\
"""``@Prefix@Backbone``: the posecore backbone contract and its options."""
from __future__ import annotations

import pytest
import torch

from posecore.registry import MODELS
from posecore.testing import check_backbone

DIST = '@dist@'


def test_keeps_the_backbone_contract(posecore_plugins):
    posecore_plugins(DIST)
    check_backbone(dict(type='@Prefix@Backbone', base_channels=8), input_shape=(2, 3, 64, 64))


def test_output_shapes(posecore_plugins):
    posecore_plugins(DIST)
    model = MODELS.build(dict(type='@Prefix@Backbone', base_channels=8, out_indices=(0, 3)))
    outs = model(torch.randn(1, 3, 64, 96))
    assert [tuple(o.shape) for o in outs] == [(1, 8, 16, 24), (1, 64, 2, 3)]


def test_frozen_stages_get_no_gradient(posecore_plugins):
    posecore_plugins(DIST)
    model = MODELS.build(dict(type='@Prefix@Backbone', base_channels=8, frozen_stages=1))
    model.train()
    assert not any(p.requires_grad for p in model.stages[0].parameters())
    assert all(p.requires_grad for p in model.stages[1].parameters())
    assert not model.stem[0][1].training


def test_bad_out_indices_are_refused(posecore_plugins):
    posecore_plugins(DIST)
    with pytest.raises(ValueError, match='out_indices must be stages 0 to 3'):
        MODELS.build(dict(type='@Prefix@Backbone', out_indices=(4, )))
'''
