"""``relu?(norm(conv(x)) [+ residual])``, with BatchNorm folded into the conv at inference.

In eval mode without gradients, ``bn(conv(x))`` equals one conv whose weight
is scaled by ``gamma / sqrt(var + eps)`` plus a bias: a whole pass over the
activations saved per layer. The folded weights are cached on the conv
(outside the state dict) and rebuilt when a parameter or running statistic
changes (tracked by tensor version counters). For float32 channels-last input
on CPU, oneDNN then runs conv, bias, residual sum and ReLU as one kernel.
Training, gradient-enabled eval, GroupNorm and ``torch.compile`` (which fuses
on its own) use the modules unchanged.
"""
from __future__ import annotations

from typing import Any, Final, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.modules.batchnorm import _BatchNorm

_CACHE_ATTR: Final[str] = '_pose_plugin_resnet_folded'
# oneDNN's fused conv (what torch.compile's CPU backend emits): private, so
# checked once and used only for the float32 channels-last case it handles.
_HAS_FUSED_CONV: Final[bool] = (torch.backends.mkldnn.is_available()
                                and hasattr(torch.ops.mkldnn, '_convolution_pointwise'))


def _is_channels_last(x: torch.Tensor) -> bool:
    # a tensor with 1x1 spatial size is both formats: oneDNN wants a clear one
    return x.is_contiguous(memory_format=torch.channels_last) and not x.is_contiguous()


def _foldable(conv: nn.Module, norm: nn.Module, x: torch.Tensor) -> bool:
    compiler = getattr(torch, 'compiler', None)
    return (not torch.is_grad_enabled() and type(conv) is nn.Conv2d
            and isinstance(norm, _BatchNorm) and not norm.training
            and norm.running_mean is not None and x.device.type == 'cpu'
            and not (compiler is not None and compiler.is_compiling()))


def folded_params(conv: nn.Conv2d, norm: _BatchNorm,
                  memory_format: torch.memory_format) -> tuple[torch.Tensor, torch.Tensor]:
    """``(weight, bias)`` of the conv equal to ``norm(conv(x))`` in eval mode.

    :param memory_format: layout of the returned weight (the activations').
    """
    tensors = (conv.weight, conv.bias, norm.weight, norm.bias, norm.running_mean,
               norm.running_var)
    key: tuple[Any, ...] = tuple(
        None if t is None else (t.data_ptr(), t._version, t.dtype) for t in tensors)
    key += (norm.eps, memory_format)
    cached = conv.__dict__.get(_CACHE_ATTR)
    if cached is not None and cached[0] == key:
        return cached[1], cached[2]
    with torch.no_grad():
        scale = torch.rsqrt(norm.running_var + norm.eps)
        if norm.weight is not None:
            scale = scale * norm.weight
        bias = -norm.running_mean * scale
        if norm.bias is not None:
            bias = bias + norm.bias
        if conv.bias is not None:
            bias = bias + conv.bias * scale
        weight = (conv.weight * scale.view(-1, 1, 1, 1)).contiguous(
            memory_format=memory_format)
    conv.__dict__[_CACHE_ATTR] = (key, weight, bias)
    return weight, bias


def drop_folded(module: nn.Module) -> None:
    """Free the folded weights cached in ``module``'s convs (a copy of every weight)."""
    for m in module.modules():
        m.__dict__.pop(_CACHE_ATTR, None)


def _fused_conv(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor,
                conv: nn.Conv2d, relu: bool,
                residual: Optional[torch.Tensor]) -> torch.Tensor:
    """oneDNN conv with the residual sum and ReLU as post-ops."""
    args = (list(conv.padding), list(conv.stride), list(conv.dilation), conv.groups)
    if residual is None:
        return torch.ops.mkldnn._convolution_pointwise(
            x, weight, bias, *args, 'relu' if relu else 'none', [], '')
    return torch.ops.mkldnn._convolution_pointwise.binary(
        x, residual, weight, bias, *args, 'add', None, 'relu' if relu else None, [], '')


def conv_norm(conv: nn.Module, norm: nn.Module, x: torch.Tensor, relu: bool,
              residual: Optional[torch.Tensor] = None) -> torch.Tensor:
    """``relu?(norm(conv(x)) [+ residual])``; the sum and ReLU reuse the output buffer.

    :param conv: the convolution.
    :param norm: the norm layer after it.
    :param x: the input.
    :param relu: apply ReLU last.
    :param residual: added before the ReLU (a residual block's identity).
    """
    if _foldable(conv, norm, x):
        channels_last = _is_channels_last(x)
        weight, bias = folded_params(
            conv, norm,  # type: ignore[arg-type]
            torch.channels_last if channels_last else torch.contiguous_format)
        if (_HAS_FUSED_CONV and channels_last and x.dtype == torch.float32
                and isinstance(conv.padding, tuple)
                and (residual is None or (residual.dtype == torch.float32
                                          and _is_channels_last(residual)))):
            return _fused_conv(x, weight, bias, conv, relu, residual)  # type: ignore[arg-type]
        out = F.conv2d(x, weight, bias, conv.stride, conv.padding, conv.dilation,
                       conv.groups)
    else:
        out = norm(conv(x))
    if residual is not None:
        out = out.add_(residual)
    return torch.relu_(out) if relu else out
