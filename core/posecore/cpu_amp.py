"""Mixed precision on the CPU: bfloat16 autocast where the CPU computes it natively.

mmengine's ``AmpOptimWrapper`` runs on accelerators only. CPUs with AMX or
AVX-512 BF16 run bfloat16 convolutions natively, about 1.6x faster than float32
for HRNet's training step (``benchmarks/cpu_amp.py``). bfloat16 keeps float32's
exponent range, so no loss scaling is needed; the weights, the optimizer state
and the loss stay float32, and only the forward pass of ``train_step`` runs under
autocast (validation and testing stay float32).

On a CPU without native bfloat16, autocast would be emulated and slower than
float32, so :class:`CPUAmpOptimWrapper` trains in float32 there and says so once.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any

import torch
from mmengine.logging import print_log
from mmengine.optim import OptimWrapper

from posecore.errors import ConfigError


def native_bfloat16() -> bool:
    """Whether this CPU computes bfloat16 natively (AVX-512 BF16 or AMX), as oneDNN sees it."""
    check = getattr(torch.ops.mkldnn, '_is_mkldnn_bf16_supported', None)
    try:
        return bool(torch.backends.mkldnn.is_available() and check is not None and check())
    except RuntimeError:
        return False


def check_dtype(dtype: Any) -> None:
    """Refuse a ``dtype`` other than bfloat16, the only one CPU convolutions run natively.

    :raises ConfigError: naming ``optim_wrapper.dtype`` and the fix.
    """
    if dtype not in ('bfloat16', torch.bfloat16):
        raise ConfigError(f"optim_wrapper.dtype={dtype!r}: CPUAmpOptimWrapper runs bfloat16 "
                          f"only (float16 has no native CPU kernels); set dtype='bfloat16' "
                          f"or drop it.")


class CPUAmpOptimWrapper(OptimWrapper):
    """``OptimWrapper`` whose training forward runs under CPU bfloat16 autocast.

    :param dtype: ``'bfloat16'``, the only low-precision type CPU convolutions
        compute natively.
    :param kwargs: as mmengine's ``OptimWrapper`` (``optimizer``,
        ``accumulative_counts``, ``clip_grad``).
    """

    def __init__(self, dtype: str = 'bfloat16', **kwargs: Any) -> None:
        check_dtype(dtype)
        super().__init__(**kwargs)
        self.enabled = native_bfloat16()
        print_log('CPUAmpOptimWrapper: ' + (
            'training forward in bfloat16 (native on this CPU)' if self.enabled else
            'this CPU has no native bfloat16 (AVX-512 BF16 or AMX), where autocast would '
            'be slower than float32: training in float32') + '.', logger='current')

    @contextmanager
    def optim_context(self, model: torch.nn.Module):
        """mmengine's context (gradient accumulation), plus autocast on CPU modules."""
        with super().optim_context(model):
            on_cpu = next(model.parameters()).device.type == 'cpu'
            with torch.autocast('cpu', dtype=torch.bfloat16,
                                enabled=self.enabled and on_cpu):
                yield
