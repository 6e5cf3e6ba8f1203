"""The errors of pose-plugin-onnx, each a :class:`posecore.errors.PosecoreError`
(the CLI prints them as one ``posecore: error:`` line)."""
from __future__ import annotations

from posecore.errors import PosecoreError, UsageError


class OnnxExportError(PosecoreError, RuntimeError):
    """A model that cannot be exported (an operator without an ONNX form, a
    head whose output is not one heatmap tensor)."""


class OnnxMismatchError(OnnxExportError):
    """onnxruntime's output differs from PyTorch's beyond the tolerance."""


class SidecarError(PosecoreError, ValueError):
    """An ``.onnx`` file without its JSON sidecar, or one that does not match
    the file, the config or the input it is given."""


class ExportUsageError(UsageError):
    """A bad ``posecore export`` option."""


class OnnxFileNotFoundError(PosecoreError, FileNotFoundError):
    """No ``.onnx`` file at the given path."""
