"""The eight registries, resolving ``type`` names through entry points.

Resolution of ``type='X'`` (DESIGN.md): already registered here; else exactly
one switched-on entry point named X in this registry's group (load, register);
else mmengine's parent registry; else a :class:`PluginNotFoundError` with
close matches. ``'<distribution>::X'`` always names one provider.
"""
from __future__ import annotations

import difflib
import importlib
from typing import Any

from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import VISBACKENDS as MMENGINE_VISBACKENDS
from mmengine.registry import VISUALIZERS as MMENGINE_VISUALIZERS
from mmengine.registry import Registry

from posecore.discovery import REGISTRY_GROUPS, PluginEntry, get_index, normalize_dist
from posecore.errors import (PluginConflictError, PluginDisabledError, PluginImportError,
                             PluginNotFoundError)
from posecore.first_party import FIRST_PARTY

SCOPE = 'posecore'
#: MMPose 1.x configs spell types as 'mmpose.X' now and then
_ALIAS_SCOPES = ('mmpose',)
#: mmengine modules whose import fills the parent registry of each kind
_MMENGINE_MODULES = {
    'datasets': ('mmengine.dataset',), 'transforms': ('mmengine.dataset',),
    'models': ('mmengine.model',), 'visualizers': ('mmengine.visualization',),
    'visbackends': ('mmengine.visualization',), 'metrics': ('mmengine.evaluator',),
    'hooks': ('mmengine.hooks',), 'keypoint_codecs': (),
}


class PluginRegistry(Registry):
    """An mmengine ``Registry`` that also resolves names from entry points.

    :param name: registry name, e.g. ``'model'``.
    :param key: registry key, e.g. ``'models'``; the group is ``posecore.<key>``.
    :param parent: mmengine's root registry of the same kind, if any.
    """

    def __init__(self, name: str, key: str, parent: Registry | None = None) -> None:
        super().__init__(name, parent=parent, scope=SCOPE, locations=[])
        self._imported = True  # no import-by-convention: entry points say where
        self.key = key
        self.group = REGISTRY_GROUPS[key]
        self._qualified: dict[str, Any] = {}

    def get(self, key: str) -> Any:
        """The object registered or declared under ``key``.

        :raises PluginNotFoundError: nothing provides ``key``.
        :raises PluginConflictError: several distributions provide the bare name.
        :raises PluginImportError: the providing plugin failed to import.
        """
        if not isinstance(key, str):
            return super().get(key)
        if '::' in key:
            return self._get_qualified(key)
        scope, name = self.split_scope_key(key)
        if scope in _ALIAS_SCOPES:
            scope = None
        if scope not in (None, SCOPE):
            return super().get(key)  # another scope or a dotted import path
        if name in self._module_dict:
            return self._module_dict[name]
        obj = self._get_from_entry_points(name)
        if obj is None:
            obj = self._get_from_parents(name)
        if obj is None and get_index().refresh():  # installed since the index was built?
            obj = self._get_from_entry_points(name)
        if obj is None:
            self._raise_disabled(name)
            raise PluginNotFoundError(self._unknown_message(name))
        return obj

    def __contains__(self, key: str) -> bool:
        try:
            return self.get(key) is not None
        except PluginNotFoundError:
            return False

    def _get_from_entry_points(self, name: str) -> Any:
        providers = get_index().providers(self.group, name)
        if len(providers) > 1:
            spellings = '\n'.join(f"  type='{e.qualified}'   ({e.dist} {e.version}, {e.value})"
                                  for e in providers)
            raise PluginConflictError(
                f'{name!r} is declared in entry-point group {self.group!r} by '
                f'{len(providers)} distributions: '
                f'{", ".join(e.dist for e in providers)}. posecore does not pick one; '
                f'name the provider in the config:\n{spellings}\n'
                f'or switch one off (POSECORE_DISABLE_PLUGINS=DIST or -p no:DIST).')
        if not providers:
            return None
        obj = self._load(providers[0])
        if self._module_dict.get(name) is not obj:  # the module may use the decorator too
            self._register_module(module=obj, module_name=name, force=True)
        return obj

    def _get_qualified(self, key: str) -> Any:
        dist, _, name = key.partition('::')
        cache_key = f'{normalize_dist(dist)}::{name}'
        if cache_key in self._qualified:
            return self._qualified[cache_key]
        index = get_index()
        info = index.distribution(dist)
        if info is None:
            raise PluginNotFoundError(
                f'{key!r}: no installed distribution is named {dist!r}. '
                f'Installed plugin distributions: '
                f'{", ".join(d.name for d in index.distributions()) or "none"}.')
        entries = [e for e in info.entries if e.group == self.group and e.name == name]
        if not entries:
            declared = sorted(e.name for e in info.entries if e.group == self.group)
            raise PluginNotFoundError(
                f'{key!r}: distribution {info.name} declares no {name!r} in entry-point '
                f'group {self.group!r}; it declares: {", ".join(declared) or "nothing"}.')
        reason = index.is_blocked(info.name)
        if reason:
            raise PluginDisabledError(f'{key!r}: distribution {info.name} is switched off '
                                      f'({reason}).')
        obj = self._qualified[cache_key] = self._load(entries[0])
        return obj

    @staticmethod
    def _load(entry: PluginEntry) -> Any:
        obj = get_index().load(entry)
        if not callable(obj):
            raise PluginImportError(
                f'entry point {entry.name} = {entry.value!r} of {entry.dist} names a '
                f'{type(obj).__name__}, not a class or function; fix the entry point.')
        return obj

    def _get_from_parents(self, name: str) -> Any:
        if self.parent is None:
            return None
        for module in _MMENGINE_MODULES[self.key]:  # mmengine registers on import
            importlib.import_module(module)
        parent = self.parent
        while parent is not None:
            parent.import_from_location()
            if name in parent._module_dict:
                return parent._module_dict[name]
            parent = parent.parent
        return None

    def _raise_disabled(self, name: str) -> None:
        index = get_index()
        blocked = [e for e in index.providers(self.group, name, include_blocked=True)
                   if index.is_blocked(e.dist)]
        if blocked:
            why = '; '.join(f'{e.dist} ({index.is_blocked(e.dist)})' for e in blocked)
            raise PluginDisabledError(
                f'{name!r} ({self.group}) is provided only by switched-off distributions: '
                f'{why}. Switch it back on or pick another type.')

    def known_names(self) -> set[str]:
        """Every name this registry can resolve, without importing plugins."""
        names = set(self._module_dict)
        names.update(e.name for e in get_index().entries(self.group))
        parent = self.parent
        while parent is not None:
            names.update(parent._module_dict)
            parent = parent.parent
        return names

    def _unknown_message(self, name: str) -> str:
        lines = [f'{name!r} is not a known {self.name} type: no registered class, no '
                 f'entry point in group {self.group!r} and nothing in mmengine\'s registry.']
        close = difflib.get_close_matches(name, sorted(self.known_names()), n=5, cutoff=0.6)
        if close:
            lines.append(f'Did you mean: {", ".join(close)}?')
        others = [e for e in get_index().entries() if e.name == name and e.group != self.group]
        for e in others:
            lines.append(f'{name!r} is a {e.registry} name (from {e.dist}), not a {self.key} '
                         f'name: check which config field it is under.')
        dist = FIRST_PARTY.get(name)
        if dist and get_index().distribution(dist) is None:
            lines.append(f'{name!r} is provided by the first-party plugin {dist}, which is '
                         f'not installed: pip install {dist}')
        elif not close and not others:
            lines.append('Run `posecore plugins list` to see every installed name.')
        return '\n'.join(lines) + get_index().problems_note()


DATASETS = PluginRegistry('dataset', 'datasets', parent=MMENGINE_DATASETS)
TRANSFORMS = PluginRegistry('transform', 'transforms', parent=MMENGINE_TRANSFORMS)
MODELS = PluginRegistry('model', 'models', parent=MMENGINE_MODELS)
VISUALIZERS = PluginRegistry('visualizer', 'visualizers', parent=MMENGINE_VISUALIZERS)
VISBACKENDS = PluginRegistry('vis_backend', 'visbackends', parent=MMENGINE_VISBACKENDS)
METRICS = PluginRegistry('metric', 'metrics', parent=MMENGINE_METRICS)
KEYPOINT_CODECS = PluginRegistry('keypoint codec', 'keypoint_codecs')
HOOKS = PluginRegistry('hook', 'hooks', parent=MMENGINE_HOOKS)

#: registry key -> registry
REGISTRIES: dict[str, PluginRegistry] = {
    r.key: r for r in (DATASETS, TRANSFORMS, MODELS, VISUALIZERS, VISBACKENDS, METRICS,
                       KEYPOINT_CODECS, HOOKS)
}

# The Runner switches every registry it builds from to the 'posecore' scope;
# without a posecore child there, mmengine warns and falls back. These plain
# children only forward to mmengine's types (optimizers, loops, samplers...).
_FORWARDED = ('RUNNERS', 'RUNNER_CONSTRUCTORS', 'LOOPS', 'STRATEGIES', 'DATA_SAMPLERS',
              'MODEL_WRAPPERS', 'WEIGHT_INITIALIZERS', 'OPTIMIZERS', 'OPTIM_WRAPPERS',
              'OPTIM_WRAPPER_CONSTRUCTORS', 'PARAM_SCHEDULERS', 'EVALUATOR', 'TASK_UTILS',
              'LOG_PROCESSORS', 'INFERENCERS', 'FUNCTIONS')


def _forwarding_child(root_name: str) -> Registry:
    root = getattr(importlib.import_module('mmengine.registry'), root_name)
    child = Registry(root.name, parent=root, scope=SCOPE, locations=[])
    child._imported = True
    return child


FORWARDING_REGISTRIES: dict[str, Registry] = {n: _forwarding_child(n) for n in _FORWARDED}


def _register_core_optim_wrappers() -> None:
    from posecore.cpu_amp import CPUAmpOptimWrapper

    FORWARDING_REGISTRIES['OPTIM_WRAPPERS'].register_module(module=CPUAmpOptimWrapper)


_register_core_optim_wrappers()
