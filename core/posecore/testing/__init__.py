"""The testing kit for plugin authors, loaded as posecore's ``pytest11`` plugin.

Fixtures (available in every test once posecore is installed):

- ``posecore_plugins``: switch on only the distributions a test names, and
  restore the registries afterwards;
- ``synthetic_coco``: a tiny COCO-style data root (pose-plugin-coco's generator).

Functions, each a one-line contract test that raises :class:`ContractError`
naming the component and the broken rule::

    from posecore.testing import check_backbone

    def test_backbone_contract(posecore_plugins):
        posecore_plugins('my-pose-plugin')
        check_backbone(dict(type='MyBackbone', depth=18))

- :func:`build_component` ``(registry, cfg)``: build through a registry;
- :func:`check_backbone`, :func:`check_codec`, :func:`check_transform`,
  :func:`check_metric`.

Loading this module imports neither torch, nor mmengine, nor NumPy (every
pytest run in an environment with posecore loads it): the checks are
imported on first use.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from posecore.testing.contract_error import ContractError
from posecore.testing.fixtures import posecore_plugins, synthetic_coco

if TYPE_CHECKING:
    from posecore.testing.backbone_check import check_backbone
    from posecore.testing.build import build_component
    from posecore.testing.codec_check import check_codec
    from posecore.testing.metric_check import check_metric
    from posecore.testing.transform_check import check_transform

#: public name -> the module defining it (imported on first access: start-up time)
_LAZY = {
    'build_component': 'posecore.testing.build',
    'check_backbone': 'posecore.testing.backbone_check',
    'check_codec': 'posecore.testing.codec_check',
    'check_transform': 'posecore.testing.transform_check',
    'check_metric': 'posecore.testing.metric_check',
}

__all__ = ['ContractError', 'build_component', 'check_backbone', 'check_codec',
           'check_metric', 'check_transform', 'posecore_plugins', 'synthetic_coco']


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value  # later lookups skip this function
        return value
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
