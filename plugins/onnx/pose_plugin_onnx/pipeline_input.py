"""What a config's test pipeline says about the model input."""
from __future__ import annotations

from typing import Any, Optional, Sequence


def pipeline_input_size(pipeline: Any) -> Optional[tuple[int, int]]:
    """``(w, h)`` of the pipeline's ``TopdownAffine``, or None when it has none."""
    if not isinstance(pipeline, Sequence):
        return None
    for step in pipeline:
        kind = str(step.get('type', '')).split('::')[-1].split('.')[-1] \
            if hasattr(step, 'get') else ''
        if kind == 'TopdownAffine' and step.get('input_size') is not None:
            w, h = step['input_size']
            return int(w), int(h)
    return None


def config_pipeline(cfg: Any) -> Any:
    """``cfg.test_dataloader.dataset.pipeline``, or None."""
    try:
        return cfg.test_dataloader.dataset.pipeline
    except AttributeError:
        return None
