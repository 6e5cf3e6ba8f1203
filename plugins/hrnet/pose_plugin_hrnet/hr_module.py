"""``HRModule``: parallel branches of residual blocks plus the multi-resolution fusion."""
from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence

import torch
import torch.nn as nn

from .blocks import _ResidualBlock
from .conv_norm import conv_norm, run_sequential
from .layers import build_conv_layer, build_norm_layer
from .upsample_add import add_upsampled


class HRModule(nn.Module):
    """One high-resolution module: ``num_branches`` branches, then fusion.

    Submodule names and order (``branches``, ``fuse_layers``) follow MMPose,
    including the ``nn.Upsample`` kept as the third element of each upsampling
    fuse path, so state-dict keys are the same.
    ``in_channels`` is updated to the branch output channels after building.
    """

    def __init__(self, num_branches: int, block: type[_ResidualBlock],
                 num_blocks: Sequence[int], in_channels: Sequence[int],
                 num_channels: Sequence[int], multiscale_output: bool = False,
                 with_cp: bool = False,
                 conv_cfg: Optional[Mapping[str, Any]] = None,
                 norm_cfg: Optional[Mapping[str, Any]] = None,
                 upsample_cfg: Optional[Mapping[str, Any]] = None) -> None:
        super().__init__()
        self.in_channels = list(in_channels)
        self.num_branches = num_branches
        self.multiscale_output = multiscale_output
        self.conv_cfg = conv_cfg
        self.norm_cfg = dict(norm_cfg or {'type': 'BN'})
        self.upsample_cfg = dict(
            upsample_cfg or {'mode': 'nearest', 'align_corners': None})
        self.with_cp = with_cp
        self.branches = nn.ModuleList(
            self._make_branch(i, block, num_blocks[i], num_channels[i])
            for i in range(num_branches))
        self.fuse_layers = self._make_fuse_layers()
        self.relu = nn.ReLU(inplace=True)
        # The broadcast fusion equals nn.Upsample only for plain nearest mode.
        self._fast_upsample = (self.upsample_cfg.get('mode') == 'nearest'
                               and self.upsample_cfg.get('align_corners') is None)

    def _make_branch(self, index: int, block: type[_ResidualBlock],
                     num_blocks: int, channels: int) -> nn.Sequential:
        out_channels = channels * block.expansion
        downsample = None
        if self.in_channels[index] != out_channels:
            downsample = nn.Sequential(
                build_conv_layer(self.conv_cfg, self.in_channels[index],
                                 out_channels, 1, bias=False),
                build_norm_layer(self.norm_cfg, out_channels)[1])
        layers = [block(self.in_channels[index], out_channels,
                        downsample=downsample, with_cp=self.with_cp,
                        norm_cfg=self.norm_cfg, conv_cfg=self.conv_cfg)]
        self.in_channels[index] = out_channels
        layers += [block(out_channels, out_channels, with_cp=self.with_cp,
                         norm_cfg=self.norm_cfg, conv_cfg=self.conv_cfg)
                   for _ in range(1, num_blocks)]
        return nn.Sequential(*layers)

    def _conv_norm(self, cin: int, cout: int, kernel: int, stride: int,
                   padding: int) -> list[nn.Module]:
        return [build_conv_layer(self.conv_cfg, cin, cout, kernel,
                                 stride=stride, padding=padding, bias=False),
                build_norm_layer(self.norm_cfg, cout)[1]]

    def _make_fuse_layers(self) -> Optional[nn.ModuleList]:
        if self.num_branches == 1:
            return None
        chans = self.in_channels
        num_out = self.num_branches if self.multiscale_output else 1
        fuse_layers = nn.ModuleList()
        for i in range(num_out):
            paths: list[Optional[nn.Module]] = []
            for j in range(self.num_branches):
                if j > i:
                    paths.append(nn.Sequential(
                        *self._conv_norm(chans[j], chans[i], 1, 1, 0),
                        nn.Upsample(scale_factor=2**(j - i),
                                    mode=self.upsample_cfg['mode'],
                                    align_corners=self.upsample_cfg.get(
                                        'align_corners'))))
                elif j == i:
                    paths.append(None)
                else:
                    steps = []
                    for k in range(i - j):
                        last = k == i - j - 1
                        cout = chans[i] if last else chans[j]
                        layers = self._conv_norm(chans[j], cout, 3, 2, 1)
                        if not last:
                            layers.append(nn.ReLU(inplace=True))
                        steps.append(nn.Sequential(*layers))
                    paths.append(nn.Sequential(*steps))
            fuse_layers.append(nn.ModuleList(paths))
        return fuse_layers

    def _term(self, i: int, j: int,
              x: Sequence[torch.Tensor]) -> tuple[torch.Tensor, int]:
        """Branch ``j``'s contribution to output ``i`` and its pending upsample factor."""
        path = self.fuse_layers[i][j]  # type: ignore[index]
        if j > i and self._fast_upsample:
            return conv_norm(path[0], path[1], x[j], relu=False), 2**(j - i)
        return run_sequential(path, x[j]), 1

    def forward(self, x: list[torch.Tensor]) -> list[torch.Tensor]:
        """Run the branches on ``x`` (one map per branch), then fuse; return the outputs."""
        if self.num_branches == 1:
            return [self.branches[0](x[0])]
        x = [branch(xi) for branch, xi in zip(self.branches, x)]
        outs = []
        for i in range(len(self.fuse_layers)):  # type: ignore[arg-type]
            # Sum over j in MMPose's order; the first sum allocates the output,
            # the rest accumulate into it.
            if i == 0:
                t, s = self._term(0, 1, x)
                y = add_upsampled(x[0], t, s, inplace=False)
                start = 2
            else:
                y, _ = self._term(i, 0, x)
                start = 1
            for j in range(start, self.num_branches):
                if j == i:
                    y = y.add_(x[j])
                else:
                    t, s = self._term(i, j, x)
                    y = add_upsampled(y, t, s, inplace=True)
            outs.append(self.relu(y))
        return outs
