"""Build a component from a config dict through posecore's registries."""
from __future__ import annotations

import copy
from typing import Any, Mapping

from posecore.errors import UsageError


def build_component(registry: str, cfg: Mapping[str, Any]) -> Any:
    """Build ``cfg`` (a dict with ``type``) through ``posecore.registry.REGISTRIES[registry]``.

    The name resolves as in a config: a registered class, else the entry point
    of a switched-on distribution (see the ``posecore_plugins`` fixture).

    :param registry: ``'models'``, ``'datasets'``, ``'transforms'``,
        ``'keypoint_codecs'``, ``'metrics'``, ``'hooks'``, ``'visualizers'`` or
        ``'visbackends'``.
    :param cfg: the component's config; it is copied, never changed.
    :raises UsageError: ``registry`` is not one of the eight keys.
    """
    # deferred: loading the pytest plugin must not import mmengine
    from posecore.registry import REGISTRIES

    if registry not in REGISTRIES:
        raise UsageError(f'build_component: unknown registry {registry!r}; use one of '
                         f'{", ".join(sorted(REGISTRIES))}')
    if not isinstance(cfg, Mapping) or 'type' not in cfg:
        raise UsageError(f'build_component: cfg must be a dict with a "type" key, '
                         f'e.g. dict(type=\'HRNet\', ...), got {cfg!r}')
    return REGISTRIES[registry].build(copy.deepcopy(dict(cfg)))
