"""onnxruntime sessions with as many threads as this process may use CPUs."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Optional, Union


def cpu_count() -> int:
    """CPUs this process may run on (its affinity mask, else ``os.cpu_count()``)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def make_session(model: Union[str, Path, bytes], threads: Optional[int] = None) -> object:
    """An ``onnxruntime.InferenceSession`` on the CPU.

    :param model: an ``.onnx`` path or the serialized model.
    :param threads: intra-op threads; default :func:`cpu_count`.
    """
    import onnxruntime as ort  # deferred: heavy, and only needed to run a model

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or cpu_count()
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    source = model if isinstance(model, bytes) else str(model)
    return ort.InferenceSession(source, sess_options=options,
                                providers=['CPUExecutionProvider'])
