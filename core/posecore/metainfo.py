"""Dataset metainfo by name, provided by plugins through a pluggy hook."""
from __future__ import annotations

from typing import Any

from posecore.errors import PluginError
from posecore.plugin_manager import get_plugin_manager


class MetainfoNotFoundError(PluginError, KeyError):
    """No installed plugin provides metainfo under the requested name."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ''


def get_dataset_metainfo(name: str) -> dict[str, Any]:
    """The metainfo dict (keypoint names, skeleton, sigmas...) of dataset ``name``.

    :raises MetainfoNotFoundError: no plugin answered for ``name``.
    """
    result = get_plugin_manager().hook.posecore_dataset_metainfo(name=name)
    if result is None:
        raise MetainfoNotFoundError(
            f'no installed plugin provides dataset metainfo named {name!r}; install the '
            f"plugin for that dataset (e.g. pip install pose-plugin-coco for 'coco') or "
            f"give the metainfo as dict(from_file='path/to/metainfo.py').")
    return result
