"""``ResNet`` and ``ResNetV1d`` backbones: MMPose 1.x's options, state-dict keys and outputs.

Config (as in MMPose's ``td-hm_res50_8xb64-210e_coco-256x192.py``)::

    backbone=dict(type='ResNet', depth=50,
                  init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50'))

Differences from MMPose (keys, shapes and outputs are unchanged):

- ``channels_last=True`` (default) runs the activations in channels-last
  memory format, which oneDNN convolutions run faster on CPU; weights and
  outputs keep the default (contiguous) format.
- In eval mode without gradients, BatchNorm is folded into the convs
  (:mod:`.conv_norm`); results agree within float rounding.
- Stages after the last one in ``out_indices`` are not run (their output is
  unused; MMPose computes it and drops it).
- ``Pretrained`` checkpoints load with ``weights_only=True``, model-zoo names
  (``torchvision://``) without torchvision (:mod:`.pretrained`); a shape
  mismatch is an error.
- Bad options raise :class:`.errors.ResNetConfigError` naming the accepted
  values where MMPose asserts.
"""
from __future__ import annotations

import copy
from typing import Any, Final, Mapping, Optional, Sequence, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from mmengine.model.weight_init import constant_init

from .blocks import BasicBlock, Bottleneck, ResidualBlock
from .conv_module import ConvModule
from .conv_norm import conv_norm, drop_folded
from .errors import ResNetConfigError, ResNetInputError
from .layers import build_conv_layer, build_norm_layer, norm_property
from .options import check_options
from .pretrained import load_pretrained
from .res_layer import ResLayer

InitCfg = Union[Mapping[str, Any], Sequence[Mapping[str, Any]], None]
# Marks "not given": MMPose's default init applies, whereas an explicit None
# means PyTorch's default initialisation, as in MMPose.
DEFAULT_INIT: Final[str] = 'mmpose-default'
_DEFAULT_INIT_CFG: Final[list[dict[str, Any]]] = [
    {'type': 'Kaiming', 'layer': ['Conv2d']},
    {'type': 'Constant', 'val': 1, 'layer': ['_BatchNorm', 'GroupNorm']},
]


class ResNet(BaseModule):
    """ResNet backbone (`Deep Residual Learning for Image Recognition
    <https://arxiv.org/abs/1512.03385>`_), MMPose's ``ResNet`` (V1b).

    :param depth: 18, 34 (``BasicBlock``), 50, 101 or 152 (``Bottleneck``).
    :param in_channels: input image channels.
    :param stem_channels: output channels of the stem.
    :param base_channels: middle channels of the first stage (doubled per stage).
    :param expansion: block expansion (None: 1 for BasicBlock, 4 for Bottleneck).
    :param num_stages: stages to build, 1 to 4.
    :param strides: stride of the first block of each stage.
    :param dilations: dilation of each stage's 3x3 convs.
    :param out_indices: stages whose outputs ``forward`` returns (0-based).
    :param style: 'pytorch' (stride on the 3x3 conv) or 'caffe' (on the first 1x1).
    :param deep_stem: three 3x3 convs instead of the 7x7 stem conv.
    :param avg_down: downsample identities with ``AvgPool2d`` + stride-1 conv.
    :param frozen_stages: freeze (eval mode, no gradients) the stem (0) and stages
        1..N; -1 freezes nothing.
    :param conv_cfg: None or ``dict(type='Conv2d')``.
    :param norm_cfg: ``dict(type='BN'|'BN2d'|'SyncBN'|'GN', requires_grad=..., eps=...,
        momentum=..., num_groups=...)``.
    :param norm_eval: keep BatchNorm layers in eval mode (frozen statistics) while
        training.
    :param with_cp: activation checkpointing in the residual blocks (less memory,
        slower training).
    :param zero_init_residual: zero the last norm of each block at init (skipped when
        loading a ``Pretrained`` checkpoint).
    :param init_cfg: mmengine init config; default MMPose's (Kaiming convs, norms at
        1); ``dict(type='Pretrained', checkpoint=..., prefix=...)`` loads weights.
    :param channels_last: run the convolutions in channels-last memory format (faster
        on CPU; no effect on keys or results).
    :returns: ``forward`` returns a tuple with one feature map per ``out_indices``
        entry, in stage order.
    """

    arch_settings: Final[dict[int, tuple[type[ResidualBlock], tuple[int, ...]]]] = {
        18: (BasicBlock, (2, 2, 2, 2)),
        34: (BasicBlock, (3, 4, 6, 3)),
        50: (Bottleneck, (3, 4, 6, 3)),
        101: (Bottleneck, (3, 4, 23, 3)),
        152: (Bottleneck, (3, 8, 36, 3)),
    }

    def __init__(self, depth: int, in_channels: int = 3, stem_channels: int = 64,
                 base_channels: int = 64, expansion: Optional[int] = None,
                 num_stages: int = 4, strides: Sequence[int] = (1, 2, 2, 2),
                 dilations: Sequence[int] = (1, 1, 1, 1), out_indices: Sequence[int] = (3, ),
                 style: str = 'pytorch', deep_stem: bool = False, avg_down: bool = False,
                 frozen_stages: int = -1, conv_cfg: Optional[Mapping[str, Any]] = None,
                 norm_cfg: Optional[Mapping[str, Any]] = None, norm_eval: bool = False,
                 with_cp: bool = False, zero_init_residual: bool = True,
                 init_cfg: InitCfg | str = DEFAULT_INIT,
                 channels_last: bool = True) -> None:
        if isinstance(init_cfg, str) and init_cfg == DEFAULT_INIT:
            init_cfg = copy.deepcopy(_DEFAULT_INIT_CFG)
        norm_cfg = dict(norm_cfg) if norm_cfg is not None \
            else {'type': 'BN', 'requires_grad': True}
        check_options(depth, in_channels, stem_channels, base_channels, expansion,
                      num_stages, strides, dilations, out_indices, style, deep_stem,
                      avg_down, frozen_stages, conv_cfg, norm_cfg, norm_eval, with_cp,
                      zero_init_residual, init_cfg, channels_last)
        super().__init__(init_cfg=copy.deepcopy(init_cfg))
        self.depth = depth
        self.in_channels = in_channels
        self.stem_channels = stem_channels
        self.base_channels = base_channels
        self.num_stages = num_stages
        self.strides = tuple(strides)
        self.dilations = tuple(dilations)
        self.out_indices = tuple(out_indices)
        self.style = style
        self.deep_stem = deep_stem
        self.avg_down = avg_down
        self.frozen_stages = frozen_stages
        self.conv_cfg = conv_cfg
        self.norm_cfg = norm_cfg
        self.norm_eval = norm_eval
        self.with_cp = with_cp
        self.zero_init_residual = zero_init_residual
        self.channels_last = channels_last
        self.block, stage_blocks = self.arch_settings[depth]
        self.stage_blocks = stage_blocks[:num_stages]
        self.expansion = expansion if expansion is not None else self.block.default_expansion

        self._make_stem_layer(in_channels, stem_channels)
        self.res_layers: list[str] = []
        cin, cout = stem_channels, base_channels * self.expansion
        for i, num_blocks in enumerate(self.stage_blocks):
            layer = self.make_res_layer(
                block=self.block, num_blocks=num_blocks, in_channels=cin,
                out_channels=cout, expansion=self.expansion, stride=self.strides[i],
                dilation=self.dilations[i], style=style, avg_down=avg_down,
                with_cp=with_cp, conv_cfg=conv_cfg, norm_cfg=norm_cfg)
            self.add_module(f'layer{i + 1}', layer)
            self.res_layers.append(f'layer{i + 1}')
            cin, cout = cout, cout * 2
        self.feat_dim = cin
        # forward stops after the last stage an output is taken from
        self._last_stage = max(self.out_indices)
        self._freeze_stages()

    def make_res_layer(self, **kwargs: Any) -> ResLayer:
        """One stage (:class:`.res_layer.ResLayer`); subclasses may override, as in MMPose."""
        return ResLayer(**kwargs)

    norm1 = norm_property(1, "The stem's norm layer (without ``deep_stem``).")

    def _make_stem_layer(self, in_channels: int, stem_channels: int) -> None:
        if self.deep_stem:
            half = stem_channels // 2
            self.stem = nn.Sequential(
                ConvModule(in_channels, half, 2, self.conv_cfg, self.norm_cfg),
                ConvModule(half, half, 1, self.conv_cfg, self.norm_cfg),
                ConvModule(half, stem_channels, 1, self.conv_cfg, self.norm_cfg))
        else:
            self.conv1 = build_conv_layer(self.conv_cfg, in_channels, stem_channels, 7,
                                          stride=2, padding=3)
            self.norm1_name, norm1 = build_norm_layer(self.norm_cfg, stem_channels,
                                                      postfix=1)
            self.add_module(self.norm1_name, norm1)
            self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)

    def _freeze_stages(self) -> None:
        """Eval mode and no gradients for the stem and stages 1..frozen_stages."""
        frozen: list[nn.Module] = []
        if self.frozen_stages >= 0:
            # the stem's conv keeps its training flag, as in MMPose (a conv ignores it)
            frozen += [self.stem] if self.deep_stem else [self.norm1]
            if not self.deep_stem:
                self.conv1.requires_grad_(False)
        frozen += [getattr(self, f'layer{i}') for i in range(1, self.frozen_stages + 1)]
        for module in frozen:
            module.eval()
            module.requires_grad_(False)

    def init_weights(self) -> None:
        """Initialise from ``init_cfg``; ``Pretrained`` loads a checkpoint (weights only)."""
        cfg = self.init_cfg
        if isinstance(cfg, Mapping) and cfg.get('type') == 'Pretrained':
            load_pretrained(self, cfg['checkpoint'], prefix=cfg.get('prefix'),
                            map_location=cfg.get('map_location', 'cpu'))
            self._is_init = True
            return  # as MMPose: zero_init_residual does not apply to loaded weights
        super().init_weights()
        if self.zero_init_residual:
            for m in self.modules():
                if isinstance(m, Bottleneck):
                    constant_init(m.norm3, 0)
                elif isinstance(m, BasicBlock):
                    constant_init(m.norm2, 0)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """Return the feature maps of the stages in ``out_indices`` for images ``x``
        (N, C, H, W)."""
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ResNetInputError(
                f'ResNet input of shape {tuple(x.shape)!r}: expected (N, '
                f'{self.in_channels}, H, W) (in_channels={self.in_channels})')
        if self.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        if self.deep_stem:
            x = self.stem(x)
        else:
            x = conv_norm(self.conv1, self.norm1, x, relu=True)
        x = self.maxpool(x)
        outs = []
        for i, name in enumerate(self.res_layers[:self._last_stage + 1]):
            x = getattr(self, name)(x)
            if i in self.out_indices:
                outs.append(x.contiguous() if self.channels_last else x)
        return tuple(outs)

    def train(self, mode: bool = True) -> ResNet:
        """Set train/eval mode, keeping frozen stages and (``norm_eval``) BatchNorm in eval."""
        super().train(mode)
        self._freeze_stages()
        if mode:
            drop_folded(self)  # training does not use them: free the memory
        if mode and self.norm_eval:
            for m in self.modules():
                if isinstance(m, nn.modules.batchnorm._BatchNorm):
                    m.eval()
        return self


class ResNetV1d(ResNet):
    """ResNet-D (`Bag of Tricks <https://arxiv.org/abs/1812.01187>`_): a deep stem of
    three 3x3 convs and average-pool downsampling of the identities.

    Takes ``ResNet``'s options but ``deep_stem`` and ``avg_down``, which are always on.
    """

    def __init__(self, **kwargs: Any) -> None:
        for fixed in ('deep_stem', 'avg_down'):
            if fixed in kwargs:
                raise ResNetConfigError(
                    f'ResNetV1d sets {fixed}=True itself; remove {fixed} from its config '
                    "(or use type='ResNet' to choose it)")
        super().__init__(deep_stem=True, avg_down=True, **kwargs)
