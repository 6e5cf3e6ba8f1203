"""The JSON sidecar that makes an exported ``.onnx`` file usable without its config.

``model.onnx`` is described by ``model.onnx.json`` beside it: the input
(name, dtype, channel order, size ``[w, h]``, batch), the outputs, the codec
config, flip test settings, keypoint names and flip indices, the dataset
metainfo (for drawing), the test pipeline, the precision, the check made at
export time and the versions of posecore, the plugins, torch, onnx and
onnxruntime. NumPy arrays and dicts with non-string keys in the metainfo are
stored losslessly (``{"__ndarray__": ..., "dtype": ...}``, ``{"__items__": ...}``).
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Mapping, Union

import numpy as np

from .errors import SidecarError

FORMAT = 'posecore-onnx/1'
#: keys every sidecar holds
REQUIRED = ('format', 'input', 'outputs', 'codec', 'flip_test', 'keypoint_names',
            'flip_indices', 'dataset_meta', 'test_pipeline', 'precision', 'versions')

PathLike = Union[str, 'os.PathLike[str]']


def sidecar_path(onnx_path: PathLike) -> Path:
    """``model.onnx`` -> ``model.onnx.json``."""
    path = Path(onnx_path)
    return path.with_name(path.name + '.json')


def encode(value: Any) -> Any:
    """``value`` as JSON-able data that :func:`decode` turns back."""
    if isinstance(value, np.ndarray):
        return {'__ndarray__': value.tolist(), 'dtype': str(value.dtype)}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Mapping):
        if all(isinstance(k, str) for k in value):
            return {k: encode(v) for k, v in value.items()}
        return {'__items__': [[encode(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    return value


def decode(value: Any) -> Any:
    """The inverse of :func:`encode` (tuples come back as lists)."""
    if isinstance(value, dict):
        if '__ndarray__' in value:
            return np.array(value['__ndarray__'], dtype=value['dtype'])
        if '__items__' in value:
            return {_hashable(decode(k)): decode(v) for k, v in value['__items__']}
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def _hashable(key: Any) -> Any:
    return tuple(key) if isinstance(key, list) else key


def write_sidecar(onnx_path: PathLike, content: Mapping[str, Any],
                  target: PathLike | None = None) -> Path:
    """Write the sidecar of ``onnx_path`` (to ``target`` if given: a temporary
    name the caller renames); returns the path written."""
    missing = [k for k in REQUIRED if k not in content]
    if missing:
        raise ValueError(f'sidecar content lacks {missing}')
    path = Path(target) if target is not None else sidecar_path(onnx_path)
    data = dict(content)
    data['onnx_file'] = Path(onnx_path).name
    path.write_text(json.dumps(encode(data), indent=1) + '\n')
    return path


def read_sidecar(onnx_path: PathLike) -> dict[str, Any]:
    """The sidecar of ``onnx_path``, decoded.

    :raises SidecarError: no sidecar beside the file, or one that is not a
        posecore export sidecar or lacks keys.
    """
    path = sidecar_path(onnx_path)
    if not path.is_file():
        raise SidecarError(
            f'{str(onnx_path)!r} has no sidecar: expected {str(path)!r} beside it (the JSON '
            f'`posecore export` writes with the codec, input size, keypoint names and flip '
            f'indices); copy it along with the .onnx file, or export again with '
            f'`posecore export CFG CKPT --out {onnx_path}`')
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise SidecarError(f'sidecar {str(path)!r} cannot be read as JSON: {exc}') from None
    if not isinstance(data, dict) or data.get('format') != FORMAT:
        found = data.get('format') if isinstance(data, dict) else type(data).__name__
        raise SidecarError(f'{str(path)!r} is not a posecore export sidecar (format '
                           f'{found!r}, expected {FORMAT!r}); export again with '
                           f'`posecore export`')
    missing = [k for k in REQUIRED if k not in data]
    if missing:
        raise SidecarError(f'sidecar {str(path)!r} lacks {", ".join(missing)}; export again '
                           f'with `posecore export`')
    return decode(data)
