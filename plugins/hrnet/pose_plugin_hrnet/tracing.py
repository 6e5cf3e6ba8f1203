"""Whether HRNet's forward is being traced or exported rather than run.

The eager fast paths (BatchNorm folded into cached conv weights, oneDNN's
fused conv op, in-place adds into blocked views of a tensor, channels-last
copies) compute the right numbers when run, but a tracer records them
differently from what they do: an in-place add into a view is lost when the
TorchScript graph becomes ONNX (outputs ~60% off), the fused oneDNN op has
no ONNX form, and folded weights become constants cut off from the
parameters. While :func:`tracing` is true, HRNet runs the plain modules
(conv, norm, ``F.interpolate`` + add), which every tracer records as they run.
"""
from __future__ import annotations

import torch


def tracing() -> bool:
    """True under ``torch.jit.trace``, ``torch.onnx.export`` (either exporter)
    and ``torch.export``; False in eager runs and under ``torch.compile``
    (which has its own handling, see :mod:`.conv_norm`)."""
    return bool(torch.jit.is_tracing() or torch.onnx.is_in_onnx_export()
                or torch.compiler.is_exporting())
