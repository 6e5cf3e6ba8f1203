"""pytest fixtures for plugin authors, loaded through posecore's ``pytest11`` entry point.

A plugin's tests should not depend on which other plugins happen to be
installed; :func:`posecore_plugins` switches on only the distributions a test
names (or indexes fake ones) and restores the registries afterwards::

    def test_my_backbone_builds(posecore_plugins):
        posecore_plugins('my-pose-plugin')
        assert MODELS.build(dict(type='MyBackbone')).depth == 50
"""
from __future__ import annotations

from typing import Callable, Iterable, Iterator, Mapping

import pytest


@pytest.fixture
def posecore_plugins() -> Iterator[Callable[..., object]]:
    """``posecore_plugins(*dists, distributions=None, environ=None)`` -> the index.

    :param dists: installed distributions to switch on; all others are off
        (as with ``POSECORE_DISABLE_PLUGIN_AUTOLOAD=1 POSECORE_PLUGINS=...``).
    :param distributions: index these instead of what is installed (objects
        with the ``importlib.metadata.Distribution`` attributes ``entry_points``,
        ``metadata['Name']``, ``version``, ``requires``).
    :param environ: the ``POSECORE_*`` switches to apply instead of ``dists``.
    """
    # deferred: loading this pytest plugin must not import mmengine or torch
    from posecore.discovery import (ENV_DISABLE_AUTOLOAD, ENV_PLUGINS, PluginIndex,
                                    reset_index)
    from posecore.plugin_manager import reset_plugin_manager
    from posecore.registry import REGISTRIES

    saved = {key: (dict(reg._module_dict), dict(reg._qualified))
             for key, reg in REGISTRIES.items()}

    def use(*dists: str, distributions: Iterable | None = None,
            environ: Mapping[str, str] | None = None) -> PluginIndex:
        if environ is None:
            environ = {ENV_DISABLE_AUTOLOAD: '1', ENV_PLUGINS: ','.join(dists)}
        index = PluginIndex(distributions, environ=environ)
        reset_index(index)
        reset_plugin_manager()
        return index

    yield use
    for key, reg in REGISTRIES.items():
        reg._module_dict.clear()
        reg._module_dict.update(saved[key][0])
        reg._qualified.clear()
        reg._qualified.update(saved[key][1])
    reset_index(None)
    reset_plugin_manager()
