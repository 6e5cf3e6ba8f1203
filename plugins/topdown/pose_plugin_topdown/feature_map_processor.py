"""``FeatureMapProcessor``: the neck of MMPose 1.x's HRNetV2 configs (hand, face): select
backbone outputs, resize them to the first one's size and concatenate, optionally with
ReLU and a rescale."""
from __future__ import annotations

from numbers import Real
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from .model_errors import ModelConfigError


class FeatureMapProcessor(nn.Module):
    """Select, concatenate and rescale feature maps (MMPose 1.x's, same results).

    :param select_index: index or indices of the feature maps to keep (None: all).
    :param concat: resize the kept maps (bilinear) to the first one's size and
        concatenate them along the channels: one map.
    :param scale_factor: bilinear rescale of every map (1: none).
    :param apply_relu: ReLU on the maps (after the concatenation).
    :param align_corners: of the bilinear resizes.

    A single tensor is passed through ReLU and rescale only; a sequence comes back
    as a list.
    """

    def __init__(self,
                 select_index: Optional[Union[int, Tuple[int, ...]]] = None,
                 concat: bool = False,
                 scale_factor: float = 1.0,
                 apply_relu: bool = False,
                 align_corners: bool = False) -> None:
        super().__init__()
        if isinstance(select_index, int):
            select_index = (select_index, )
        if select_index is not None and not all(isinstance(i, int) for i in select_index):
            raise ModelConfigError(f'FeatureMapProcessor: select_index must be an int or a '
                                   f'tuple of ints, got {select_index!r}')
        if not isinstance(scale_factor, Real) or not scale_factor > 0:
            raise ModelConfigError(f'FeatureMapProcessor: scale_factor must be a number > 0, '
                                   f'got {scale_factor!r}')
        self.select_index = select_index
        self.concat = concat
        self.scale_factor = scale_factor
        self.apply_relu = apply_relu
        self.align_corners = align_corners

    def forward(self, inputs: Union[Tensor, Sequence[Tensor]]
                ) -> Union[Tensor, List[Tensor]]:
        sequential = isinstance(inputs, (tuple, list))
        maps = list(inputs) if sequential else [inputs]
        if sequential:
            if self.select_index is not None:
                if not all(-len(maps) <= i < len(maps) for i in self.select_index):
                    raise ModelConfigError(
                        f'FeatureMapProcessor: select_index {self.select_index!r} is out of '
                        f'range for {len(maps)} feature maps')
                maps = [maps[i] for i in self.select_index]
            if self.concat:
                size = tuple(int(s) for s in maps[0].shape[-2:])
                maps = [torch.cat([F.interpolate(x, size, None, 'bilinear',
                                                 self.align_corners) for x in maps], dim=1)]
        if self.apply_relu:
            maps = [F.relu(x) for x in maps]
        if self.scale_factor != 1.0:
            maps = [F.interpolate(x, None, self.scale_factor, 'bilinear', self.align_corners)
                    for x in maps]
        return maps if sequential else maps[0]
