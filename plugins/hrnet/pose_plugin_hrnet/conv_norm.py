"""Conv + norm (+ ReLU) steps, with BatchNorm folded into the conv at inference.

In eval mode with gradients off, ``bn(conv(x))`` equals a single conv whose
weights are scaled by ``gamma / sqrt(var + eps)`` plus a bias, which saves a
full pass over every activation. The folded weights are cached on the conv
(not in the state dict) and rebuilt whenever a parameter or running
statistic changes (tracked by tensor version counters), and dropped by
:func:`drop_folded` at every train/eval switch of the HRNet (version counters
miss in-place updates that bypass autograd: fused optimizers such as
``Adam(fused=True)``, writes through ``.data``). Folded weights are
stored in the activations' memory format (channels-last by default); for
channels-last float32 input the conv, bias, residual sum and ReLU then run as
one oneDNN kernel.
Training, gradient-enabled eval, GroupNorm, ``torch.compile`` (which fuses
on its own) and tracing or export (:mod:`.tracing`) use the modules unchanged.
"""
from __future__ import annotations

from typing import Any, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.modules.batchnorm import _BatchNorm

from .tracing import tracing

_CACHE_ATTR = '_posecore_folded_bn'
# oneDNN's fused conv (what torch.compile's CPU backend emits); private, so
# looked up once and used only for the cases it is known to handle.
_HAS_MKLDNN_POINTWISE: bool = (
    torch.backends.mkldnn.is_available()
    and hasattr(torch.ops.mkldnn, '_convolution_pointwise'))


def _compiling() -> bool:
    compiler = getattr(torch, 'compiler', None)
    return bool(compiler is not None and compiler.is_compiling())


def _foldable(conv: nn.Module, norm: nn.Module, x: torch.Tensor) -> bool:
    return (not torch.is_grad_enabled() and isinstance(conv, nn.Conv2d)
            and type(conv).forward is nn.Conv2d.forward
            and isinstance(norm, _BatchNorm) and not norm.training
            and norm.running_mean is not None and x.device.type == 'cpu'
            and not _compiling() and not tracing())


def _state_key(conv: nn.Conv2d, norm: _BatchNorm) -> tuple[Any, ...]:
    tensors = [conv.weight, conv.bias, norm.weight, norm.bias, norm.running_mean,
               norm.running_var]
    return tuple((t.data_ptr(), t._version, t.dtype) if t is not None else None
                 for t in tensors) + (norm.eps, )


def drop_folded(module: nn.Module) -> None:
    """Forget the folded weights cached on every conv under ``module``."""
    for sub in module.modules():
        sub.__dict__.pop(_CACHE_ATTR, None)


def folded_params(conv: nn.Conv2d, norm: _BatchNorm,
                  memory_format: torch.memory_format) -> tuple[torch.Tensor, torch.Tensor]:
    """``(weight, bias)`` of the conv equal to ``norm(conv(x))`` in eval mode."""
    key = _state_key(conv, norm) + (memory_format, )
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


def _mkldnn_fusable(x: torch.Tensor, residual: Optional[torch.Tensor]) -> bool:
    """Whether oneDNN can run conv + bias (+ sum) (+ ReLU) as one kernel here."""
    if not _HAS_MKLDNN_POINTWISE or x.dtype != torch.float32:
        return False
    cl = torch.channels_last
    if not x.is_contiguous(memory_format=cl) or x.is_contiguous():
        return False
    return residual is None or (residual.dtype == torch.float32
                                and residual.is_contiguous(memory_format=cl)
                                and not residual.is_contiguous())


def _fused_conv(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor,
                conv: nn.Conv2d, relu: bool,
                residual: Optional[torch.Tensor]) -> torch.Tensor:
    """oneDNN conv with the residual sum and ReLU as post-ops (no extra passes)."""
    args = (list(conv.padding), list(conv.stride), list(conv.dilation), conv.groups)
    if residual is None:
        return torch.ops.mkldnn._convolution_pointwise(
            x, weight, bias, *args, 'relu' if relu else 'none', [], '')
    return torch.ops.mkldnn._convolution_pointwise.binary(
        x, residual, weight, bias, *args, 'add', None, 'relu' if relu else None,
        [], '')


def conv_norm(conv: nn.Module, norm: nn.Module, x: torch.Tensor, relu: bool,
              residual: Optional[torch.Tensor] = None) -> torch.Tensor:
    """``relu?(norm(conv(x)) [+ residual])``; the sum and ReLU reuse the output buffer."""
    if _foldable(conv, norm, x):
        # the weights take the activations' layout (mixed layouts cost a reorder)
        fmt = (torch.channels_last if x.is_contiguous(memory_format=torch.channels_last)
               and not x.is_contiguous() else torch.contiguous_format)
        weight, bias = folded_params(conv, norm, fmt)  # type: ignore[arg-type]
        if isinstance(conv.padding, tuple) and _mkldnn_fusable(x, residual):
            return _fused_conv(x, weight, bias, conv, relu, residual)  # type: ignore[arg-type]
        out = F.conv2d(x, weight, bias, conv.stride, conv.padding,
                       conv.dilation, conv.groups)
    else:
        out = norm(conv(x))
    if residual is not None:
        out = out.add_(residual)
    return torch.relu_(out) if relu else out


def run_sequential(seq: nn.Sequential, x: torch.Tensor) -> torch.Tensor:
    """Run ``seq`` (conv, norm, ReLU and nested Sequentials) via :func:`conv_norm`."""
    layers = list(seq)
    i = 0
    while i < len(layers):
        layer = layers[i]
        nxt = layers[i + 1] if i + 1 < len(layers) else None
        if isinstance(layer, nn.Conv2d) and nxt is not None \
                and isinstance(nxt, (_BatchNorm, nn.GroupNorm)):
            relu = i + 2 < len(layers) and isinstance(layers[i + 2], nn.ReLU)
            x = conv_norm(layer, nxt, x, relu)
            i += 3 if relu else 2
        elif isinstance(layer, nn.Sequential):
            x = run_sequential(layer, x)
            i += 1
        else:
            x = layer(x)
            i += 1
    return x
