"""Compare onnxruntime's outputs with PyTorch's, output by output."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from .errors import OnnxMismatchError

#: fp32 exports fail beyond this relative difference (max |ort - torch| / max |torch|)
RELATIVE_TOLERANCE = 1e-4


@dataclass(frozen=True)
class OutputDifference:
    """How far one output of onnxruntime is from PyTorch's."""

    name: str
    max_abs: float
    relative: float  # max_abs / max |torch output|

    def __str__(self) -> str:
        unit = ' px' if self.name == 'keypoints' else ''
        return f'{self.name}: max |diff| {self.max_abs:.3g}{unit} ({self.relative:.2g} relative)'


def compare_outputs(names: Sequence[str], ort_outputs: Sequence[np.ndarray],
                    torch_outputs: Mapping[str, np.ndarray]) -> list[OutputDifference]:
    """One :class:`OutputDifference` per output name."""
    found = []
    for name, got in zip(names, ort_outputs):
        want = np.asarray(torch_outputs[name], dtype=np.float64)
        got = np.asarray(got, dtype=np.float64)
        if got.shape != want.shape:
            raise OnnxMismatchError(f'onnxruntime output {name!r} has shape {got.shape}, '
                                    f'PyTorch {want.shape}')
        max_abs = float(np.abs(got - want).max()) if got.size else 0.0
        scale = float(np.abs(want).max()) if want.size else 0.0
        relative = max_abs / scale if scale > 0 else (0.0 if max_abs == 0 else float('inf'))
        found.append(OutputDifference(name, max_abs, relative))
    return found


def check_differences(differences: Sequence[OutputDifference],
                      tolerance: float = RELATIVE_TOLERANCE) -> None:
    """Raise :class:`OnnxMismatchError` naming the first output beyond ``tolerance``."""
    for diff in differences:
        if not diff.relative <= tolerance:  # NaN fails too
            raise OnnxMismatchError(
                f'onnxruntime and PyTorch disagree on output {diff.name!r}: max |diff| '
                f'{diff.max_abs:.3g}, {diff.relative:.3g} relative > {tolerance:g}; the '
                f'graph does not compute what the model does (a layer that traces '
                f'differently from how it runs); no file written')
