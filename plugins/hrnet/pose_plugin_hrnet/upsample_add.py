"""``y + nearest_upsample(z, s)`` without materialising the upsampled tensor.

HRNet's fuse layers upsample low-resolution maps by an integer factor with
nearest neighbour and add them to a high-resolution map. Viewing the output
as ``(h, s, w, s)`` blocks and broadcasting ``z`` over them gives the same
numbers as ``F.interpolate`` + add while skipping a full-size temporary.
While traced or exported (:mod:`.tracing`) it is ``F.interpolate`` + an
out-of-place add: an in-place add into a view does not survive ONNX export.
"""
from __future__ import annotations

from typing import Optional

import torch
import torch.nn.functional as F

from .tracing import tracing


def _blocked_views(y: torch.Tensor, z: torch.Tensor,
                   s: int) -> Optional[tuple[torch.Tensor, torch.Tensor]]:
    """Views of ``y`` as ``s x s`` blocks and of ``z`` broadcast over them, or None."""
    n, c, h, w = z.shape
    if y.shape != (n, c, h * s, w * s):
        return None
    if y.is_contiguous() and z.is_contiguous():
        return (y.view(n, c, h, s, w, s), z.view(n, c, h, 1, w, 1))
    cl = torch.channels_last
    if y.is_contiguous(memory_format=cl) and z.is_contiguous(memory_format=cl):
        # Channels-last memory is NHWC; permute to it so view() is legal.
        return (y.permute(0, 2, 3, 1).view(n, h, s, w, s, c),
                z.permute(0, 2, 3, 1).view(n, h, 1, w, 1, c))
    return None


def add_upsampled(y: torch.Tensor, z: torch.Tensor, scale: int,
                  inplace: bool) -> torch.Tensor:
    """Return ``y + interpolate(z, scale_factor=scale, mode='nearest')``.

    :param inplace: write into ``y`` (which the caller owns) instead of a new tensor.
    """
    if tracing():
        return y + (z if scale == 1 else F.interpolate(z, scale_factor=scale, mode='nearest'))
    if scale == 1:
        return y.add_(z) if inplace else y + z
    views = _blocked_views(y, z, scale)
    if views is None:
        up = F.interpolate(z, scale_factor=scale, mode='nearest')
        return y.add_(up) if inplace else y + up
    y_blocks, z_blocks = views
    if inplace:
        y_blocks.add_(z_blocks)
        return y
    total = y_blocks + z_blocks  # contiguous in the blocked layout
    n, c, hs, ws = y.shape
    if total.dim() == 6 and total.shape[1] == c and y.is_contiguous():
        return total.view(n, c, hs, ws)
    return total.view(n, hs, ws, c).permute(0, 3, 1, 2)
