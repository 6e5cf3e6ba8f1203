"""The pluggy plugin manager, fed from entry-point group ``posecore.plugins``."""
from __future__ import annotations

import warnings

import pluggy

from posecore import hookspecs
from posecore.discovery import HOOK_GROUP, PluginIndex, get_index
from posecore.errors import PluginError

_manager: pluggy.PluginManager | None = None
#: qualified entry-point name -> why its module could not be registered
load_failures: dict[str, PluginError] = {}


def make_plugin_manager(index: PluginIndex) -> pluggy.PluginManager:
    """A manager with the hook specs and every switched-on hook module registered.

    A module that fails to import is skipped with a warning (and reported by
    ``posecore plugins check``): it breaks only itself.
    """
    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    for entry in index.entries(HOOK_GROUP):
        try:
            plugin = index.load(entry)
            manager.register(plugin, name=entry.qualified)
        except PluginError as exc:
            load_failures[entry.qualified] = exc
            warnings.warn(f'posecore: warning: hook plugin skipped: {exc}', stacklevel=2)
        except (ValueError, pluggy.PluginValidationError) as exc:
            load_failures[entry.qualified] = PluginError(
                f'{entry.qualified} ({entry.value}) has invalid hook implementations: {exc}')
            warnings.warn(f'posecore: warning: hook plugin skipped: {exc}', stacklevel=2)
    return manager


def get_plugin_manager() -> pluggy.PluginManager:
    """The process-wide manager, built on first use from :func:`get_index`."""
    global _manager
    if _manager is None:
        _manager = make_plugin_manager(get_index())
    return _manager


def reset_plugin_manager() -> None:
    """Forget the manager (after the index or its switches changed)."""
    global _manager
    _manager = None
    load_failures.clear()
