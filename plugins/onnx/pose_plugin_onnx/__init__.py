"""pose-plugin-onnx: ``posecore export`` (ONNX files with a JSON sidecar) and
onnxruntime inference (:class:`OnnxPoseModel`, ``posecore infer --onnx``).

Importing the package is light; :class:`OnnxPoseModel` and
:func:`export_onnx` load torch and onnxruntime when first used.
"""
from __future__ import annotations

from typing import Any

__all__ = ['OnnxPoseModel', 'export_onnx']


def __getattr__(name: str) -> Any:
    # deferred: `posecore --help` imports this package through the hook module
    if name == 'OnnxPoseModel':
        from .model import OnnxPoseModel
        return OnnxPoseModel
    if name == 'export_onnx':
        from .export import export_onnx
        return export_onnx
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
