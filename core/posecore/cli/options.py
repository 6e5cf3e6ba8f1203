"""``--cfg-options KEY=VALUE ...``, parsed as mmengine's ``DictAction`` does."""
from __future__ import annotations

from typing import Any

from posecore.errors import UsageError


def parse_cfg_options(items: list[str] | None) -> dict[str, Any]:
    """``['a.b=1', 'c=[1,2]']`` -> ``{'a.b': 1, 'c': [1, 2]}``."""
    from mmengine.config import DictAction  # deferred: mmengine costs ~0.6 s to import

    options: dict[str, Any] = {}
    for item in items or []:
        key, sep, value = item.partition('=')
        if not sep or not key:
            raise UsageError(f'--cfg-options {item!r}: expected KEY=VALUE, e.g. '
                             f'train_cfg.max_epochs=1 or model.backbone.frozen_stages=-1')
        options[key] = DictAction._parse_iterable(value)
    return options
