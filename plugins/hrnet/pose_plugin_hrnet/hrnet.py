"""``HRNet`` backbone: MMPose 1.x's options, state-dict keys and outputs.

Config (as in MMPose's ``td-hm_hrnet-w32_8xb64-210e_coco-256x192.py``)::

    backbone=dict(type='HRNet', in_channels=3, extra=dict(stage1=..., stage4=...),
                  init_cfg=dict(type='Pretrained', checkpoint='...'))

Differences from MMPose (outputs and keys are unchanged):

- ``channels_last=True`` (default) runs activations in channels-last memory
  format, which oneDNN convolutions run faster on CPU; weights and outputs
  keep the default (contiguous) format.
- In eval mode without gradients, BatchNorm is folded into the convs
  (:mod:`.conv_norm`); results agree within float rounding.
- Fuse layers add nearest-upsampled maps by broadcasting instead of
  materialising them.
- Traced or exported (``torch.jit.trace``, ``torch.onnx.export``,
  ``torch.export``), the plain modules run instead of these fast paths
  (:mod:`.tracing`), so the recorded graph computes what eager mode does.
- ``Pretrained`` checkpoints are loaded with ``weights_only=True``
  (:mod:`.checkpoint`); a shape mismatch is an error.
- ``frozen_stages`` is applied at construction as well as in ``train()``.
- A transition that changes the channels of an existing branch reads that
  branch (MMPose reads the last one, which only runs if the two are equal).
"""
from __future__ import annotations

import copy
from typing import Any, Final, Mapping, Optional, Sequence, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from mmengine.model.weight_init import constant_init

from .blocks import BLOCKS, BasicBlock, Bottleneck, _ResidualBlock
from .checkpoint import load_pretrained
from .conv_norm import conv_norm, drop_folded, run_sequential
from .errors import HRNetConfigError, HRNetInputError
from .extra import StageConfig, validate_extra
from .hr_module import HRModule
from .layers import (build_conv_layer, build_norm_layer, check_conv_cfg, check_norm_cfg,
                     norm_layer)
from .tracing import tracing

InitCfg = Union[Mapping[str, Any], Sequence[Mapping[str, Any]], None]
# Marks "not given": MMPose's default init applies, whereas an explicit None
# means PyTorch's default initialisation, as in MMPose.
DEFAULT_INIT: Final[str] = 'mmpose-default'

_DEFAULT_INIT_CFG: list[dict[str, Any]] = [
    {'type': 'Normal', 'std': 0.001, 'layer': ['Conv2d']},
    {'type': 'Constant', 'val': 1, 'layer': ['_BatchNorm', 'GroupNorm']},
]
_PRETRAINED_KEYS: frozenset[str] = frozenset(
    {'type', 'checkpoint', 'prefix', 'map_location'})


def _check_init_cfg(init_cfg: InitCfg) -> None:
    if not (isinstance(init_cfg, Mapping) and init_cfg.get('type') == 'Pretrained'):
        return
    unknown = set(init_cfg) - _PRETRAINED_KEYS
    if unknown:
        raise HRNetConfigError(
            f'init_cfg has unknown keys {sorted(unknown)!r} for type '
            f"'Pretrained'; accepted: {sorted(_PRETRAINED_KEYS)!r}")
    if not isinstance(init_cfg.get('checkpoint'), str) or not init_cfg['checkpoint']:
        raise HRNetConfigError(
            f"init_cfg.checkpoint={init_cfg.get('checkpoint')!r} must be a local "
            "path or http(s) URL, e.g. dict(type='Pretrained', "
            "checkpoint='hrnet_w32.pth')")


class HRNet(BaseModule):
    """HRNet backbone (`High-Resolution Representations for Labeling Pixels and
    Regions <https://arxiv.org/abs/1904.04514>`_).

    :param extra: per-stage settings ``stage1``..``stage4`` (see :mod:`.extra`).
    :param in_channels: input image channels.
    :param conv_cfg: None or ``dict(type='Conv2d')``.
    :param norm_cfg: ``dict(type='BN'|'BN2d'|'SyncBN'|'GN', requires_grad=...,
        eps=..., momentum=..., num_groups=...)``.
    :param norm_eval: keep BatchNorm layers in eval mode (frozen statistics)
        while training.
    :param with_cp: activation checkpointing in the residual blocks.
    :param zero_init_residual: zero the last norm of each block at init
        (skipped when loading a ``Pretrained`` checkpoint).
    :param frozen_stages: freeze the stem (0) and stages 1..N (-1: none).
    :param init_cfg: mmengine init config; default is MMPose's (Normal(0.001)
        convs, norms at 1); ``dict(type='Pretrained', checkpoint=..., prefix=...)``
        loads weights.
    :param channels_last: run convolutions in channels-last memory format
        (faster on CPU; no effect on keys or results).
    :returns: ``forward`` returns a tuple of feature maps: one map at stride 4
        or, with ``extra.stage4.multiscale_output=True``, one per branch.
    """

    blocks_dict = BLOCKS

    def __init__(self, extra: Mapping[str, Any], in_channels: int = 3,
                 conv_cfg: Optional[Mapping[str, Any]] = None,
                 norm_cfg: Optional[Mapping[str, Any]] = None,
                 norm_eval: bool = False, with_cp: bool = False,
                 zero_init_residual: bool = False, frozen_stages: int = -1,
                 init_cfg: InitCfg | str = DEFAULT_INIT,
                 channels_last: bool = True) -> None:
        if isinstance(init_cfg, str) and init_cfg == DEFAULT_INIT:
            init_cfg = _DEFAULT_INIT_CFG
        norm_cfg = dict(norm_cfg) if norm_cfg is not None else {'type': 'BN'}
        self._check_args(in_channels, conv_cfg, norm_cfg, norm_eval, with_cp,
                         zero_init_residual, frozen_stages, init_cfg)
        super().__init__(init_cfg=copy.deepcopy(init_cfg))
        self.extra = validate_extra(extra)
        self.conv_cfg = conv_cfg
        self.norm_cfg = norm_cfg
        self.norm_eval = norm_eval
        self.with_cp = with_cp
        self.zero_init_residual = zero_init_residual
        self.frozen_stages = frozen_stages
        self.channels_last = channels_last
        self.upsample_cfg = self.extra['upsample']
        self.in_channels = in_channels
        # Input sides must halve exactly down to the lowest-resolution branch.
        lowest = max(self.extra[s]['num_branches'] for s in ('stage2', 'stage3', 'stage4'))
        self._size_divisor = 4 * 2**(lowest - 1)

        # stem: two stride-2 3x3 convs
        self.norm1_name, norm1 = build_norm_layer(norm_cfg, 64, postfix=1)
        self.norm2_name, norm2 = build_norm_layer(norm_cfg, 64, postfix=2)
        self.conv1 = build_conv_layer(conv_cfg, in_channels, 64, 3, stride=2,
                                      padding=1, bias=False)
        self.add_module(self.norm1_name, norm1)
        self.conv2 = build_conv_layer(conv_cfg, 64, 64, 3, stride=2, padding=1,
                                      bias=False)
        self.add_module(self.norm2_name, norm2)
        self.relu = nn.ReLU(inplace=True)

        # stage 1: one branch of residual blocks
        self.stage1_cfg: StageConfig = self.extra['stage1']
        block = BLOCKS[self.stage1_cfg['block']]
        stage1_out = self.stage1_cfg['num_channels'][0] * block.expansion
        self.layer1 = self._make_layer(block, 64, stage1_out,
                                       self.stage1_cfg['num_blocks'][0])

        # stages 2-4: transition (new lower-resolution branch), then HRModules
        pre_channels = [stage1_out]
        for index in (2, 3, 4):
            cfg: StageConfig = self.extra[f'stage{index}']
            expansion = BLOCKS[cfg['block']].expansion
            channels = [c * expansion for c in cfg['num_channels']]
            setattr(self, f'stage{index}_cfg', cfg)
            setattr(self, f'transition{index - 1}',
                    self._make_transition_layer(pre_channels, channels))
            multiscale = cfg.get('multiscale_output', False) if index == 4 else True
            stage, pre_channels = self._make_stage(cfg, channels, multiscale)
            setattr(self, f'stage{index}', stage)

        self._freeze_stages()

    @staticmethod
    def _check_args(in_channels: Any, conv_cfg: Any, norm_cfg: Any,
                    norm_eval: Any, with_cp: Any, zero_init_residual: Any,
                    frozen_stages: Any, init_cfg: InitCfg) -> None:
        if isinstance(in_channels, bool) or not isinstance(in_channels, int) \
                or in_channels < 1:
            raise HRNetConfigError(
                f'in_channels={in_channels!r} must be a positive int (3 for RGB)')
        check_conv_cfg(conv_cfg)
        check_norm_cfg(norm_cfg)
        for name, value in (('norm_eval', norm_eval), ('with_cp', with_cp),
                            ('zero_init_residual', zero_init_residual)):
            if not isinstance(value, bool):
                raise HRNetConfigError(f'{name}={value!r} must be True or False')
        if isinstance(frozen_stages, bool) or not isinstance(frozen_stages, int) \
                or not -1 <= frozen_stages <= 4:
            raise HRNetConfigError(
                f'frozen_stages={frozen_stages!r} must be an int from -1 (train '
                'all) to 4 (freeze stem and stages 1-4)')
        _check_init_cfg(init_cfg)

    norm1 = norm_layer(1, "The stem's first norm layer.")
    norm2 = norm_layer(2, "The stem's second norm layer.")

    def _conv_norm_relu(self, cin: int, cout: int, stride: int) -> nn.Sequential:
        return nn.Sequential(
            build_conv_layer(self.conv_cfg, cin, cout, 3, stride=stride,
                             padding=1, bias=False),
            build_norm_layer(self.norm_cfg, cout)[1], nn.ReLU(inplace=True))

    def _make_transition_layer(self, pre: Sequence[int],
                               cur: Sequence[int]) -> nn.ModuleList:
        layers: list[Optional[nn.Module]] = []
        for i, cout in enumerate(cur):
            if i < len(pre):
                layers.append(self._conv_norm_relu(pre[i], cout, 1)
                              if cout != pre[i] else None)
            else:
                # a new branch: stride-2 convs from the lowest resolution
                steps = i + 1 - len(pre)
                layers.append(nn.Sequential(*(
                    self._conv_norm_relu(pre[-1], cout if k == steps - 1 else pre[-1], 2)
                    for k in range(steps))))
        return nn.ModuleList(layers)

    def _make_layer(self, block: type[_ResidualBlock], in_channels: int,
                    out_channels: int, num_blocks: int) -> nn.Sequential:
        downsample = None
        if in_channels != out_channels:
            downsample = nn.Sequential(
                build_conv_layer(self.conv_cfg, in_channels, out_channels, 1,
                                 bias=False),
                build_norm_layer(self.norm_cfg, out_channels)[1])
        layers = [block(in_channels, out_channels, downsample=downsample,
                        with_cp=self.with_cp, norm_cfg=self.norm_cfg,
                        conv_cfg=self.conv_cfg)]
        layers += [block(out_channels, out_channels, with_cp=self.with_cp,
                         norm_cfg=self.norm_cfg, conv_cfg=self.conv_cfg)
                   for _ in range(1, num_blocks)]
        return nn.Sequential(*layers)

    def _make_stage(self, cfg: StageConfig, in_channels: list[int],
                    multiscale_output: bool) -> tuple[nn.Sequential, list[int]]:
        modules = []
        for i in range(cfg['num_modules']):
            # only the last module of the last stage may drop the low-res outputs
            multiscale = multiscale_output or i != cfg['num_modules'] - 1
            module = HRModule(
                cfg['num_branches'], BLOCKS[cfg['block']], cfg['num_blocks'],
                in_channels, cfg['num_channels'], multiscale,
                with_cp=self.with_cp, conv_cfg=self.conv_cfg,
                norm_cfg=self.norm_cfg, upsample_cfg=self.upsample_cfg)
            modules.append(module)
            in_channels = module.in_channels
        return nn.Sequential(*modules), in_channels

    def _freeze_stages(self) -> None:
        """Eval mode and no gradients for the stem and stages 1..frozen_stages."""
        if self.frozen_stages >= 0:
            self.norm1.eval()
            self.norm2.eval()
            for m in (self.conv1, self.norm1, self.conv2, self.norm2):
                for param in m.parameters():
                    param.requires_grad = False
        for i in range(1, self.frozen_stages + 1):
            frozen = [self.layer1 if i == 1 else getattr(self, f'stage{i}')]
            if i < 4:
                frozen.append(getattr(self, f'transition{i}'))
            for m in frozen:
                m.eval()
                for param in m.parameters():
                    param.requires_grad = False

    def init_weights(self) -> None:
        """Initialise from ``init_cfg``; ``Pretrained`` loads a checkpoint safely."""
        cfg = self.init_cfg
        if isinstance(cfg, Mapping) and cfg.get('type') == 'Pretrained':
            load_pretrained(self, cfg['checkpoint'], prefix=cfg.get('prefix'),
                            map_location=cfg.get('map_location', 'cpu'))
            self._is_init = True
            return  # zero_init_residual does not apply to loaded weights
        super().init_weights()
        if self.zero_init_residual:
            for m in self.modules():
                if isinstance(m, Bottleneck):
                    constant_init(m.norm3, 0)
                elif isinstance(m, BasicBlock):
                    constant_init(m.norm2, 0)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """Return the feature maps of the last stage for images ``x`` (N, C, H, W)."""
        self._check_input(x)
        # a memory format means nothing to a traced graph (ONNX is NCHW)
        channels_last = self.channels_last and not tracing()
        if channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        x = conv_norm(self.conv1, self.norm1, x, relu=True)
        x = conv_norm(self.conv2, self.norm2, x, relu=True)
        y_list = [self.layer1(x)]
        for index in (2, 3, 4):
            transition = getattr(self, f'transition{index - 1}')
            x_list = []
            for i, layer in enumerate(transition):
                src = y_list[i] if i < len(y_list) else y_list[-1]
                x_list.append(src if layer is None else run_sequential(layer, src))
            y_list = getattr(self, f'stage{index}')(x_list)
        if channels_last:
            return tuple(y.contiguous() for y in y_list)
        return tuple(y_list)

    def _check_input(self, x: torch.Tensor) -> None:
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise HRNetInputError(
                f'HRNet input of shape {tuple(x.shape)!r}: expected (N, '
                f'{self.in_channels}, H, W) (in_channels={self.in_channels})')
        div = self._size_divisor
        if x.shape[2] % div or x.shape[3] % div:
            raise HRNetInputError(
                f'HRNet input of size H x W = {x.shape[2]} x {x.shape[3]}: both '
                f'must be multiples of {div} so that the {div // 4}x-downsampled '
                'branch maps line up when fused; resize or pad the input '
                '(e.g. 256x192)')

    def train(self, mode: bool = True) -> HRNet:
        """Set train/eval mode, keeping frozen stages and (``norm_eval``) BN in eval; drop
        the BN-folded weights of the last evaluation (:func:`.conv_norm.drop_folded`)."""
        super().train(mode)
        drop_folded(self)
        self._freeze_stages()
        if mode and self.norm_eval:
            for m in self.modules():
                if isinstance(m, nn.modules.batchnorm._BatchNorm):
                    m.eval()
        return self
