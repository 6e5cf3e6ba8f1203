"""Inference backends other than PyTorch, found through entry points.

``posecore infer --backend NAME --onnx FILE`` loads the model with the entry
point ``NAME`` of the group ``posecore.inference_backends``: a callable
``(model_file, config=None, cfg_options=None)`` returning an object usable
where :func:`~pose_plugin_topdown.inference.init_model`'s model goes (``cfg``,
``dataset_meta``, ``test_step``). pose-plugin-onnx provides ``onnxruntime``;
this plugin does not depend on it (nothing is imported until asked for).
"""
from __future__ import annotations

from importlib import metadata
from typing import Any, Optional

from posecore.errors import PluginImportError, UsageError

GROUP = 'posecore.inference_backends'
#: first-party backends and the distribution that brings each
KNOWN: dict[str, str] = {'onnxruntime': 'pose-plugin-onnx'}


def load_backend_model(backend: str, model_file: str, config: Any = None,
                       cfg_options: Optional[dict] = None) -> Any:
    """The model of ``model_file`` run by ``backend``.

    :raises UsageError: no installed distribution provides ``backend``.
    :raises PluginImportError: its entry point fails to load.
    """
    found = [ep for ep in metadata.entry_points(group=GROUP) if ep.name == backend]
    if not found:
        installed = sorted({ep.name for ep in metadata.entry_points(group=GROUP)})
        hint = (f'pip install {KNOWN[backend]}' if backend in KNOWN
                else f'install a distribution with a {GROUP!r} entry point named {backend!r}')
        raise UsageError(f'--backend {backend}: no installed plugin provides it ({hint}); '
                         f'installed backends: {", ".join(["pytorch", *installed])}')
    entry = found[0]
    try:
        load = entry.load()
    except Exception as exc:
        dist = getattr(entry.dist, 'name', '?')
        raise PluginImportError(f'backend {backend!r} of {dist} ({entry.value}) failed to '
                                f'import: {type(exc).__name__}: {exc}') from exc
    return load(model_file, config=config, cfg_options=cfg_options)
