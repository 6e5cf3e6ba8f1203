"""Health checks of the installed plugins, for ``posecore plugins check``."""
from __future__ import annotations

import importlib.util
from collections import defaultdict
from typing import NamedTuple

from posecore.discovery import HOOK_GROUP, PluginIndex


class CheckResult(NamedTuple):
    """One line of ``posecore plugins check``: ``ok`` False makes it fail."""

    ok: bool
    subject: str
    message: str


def check_collisions(index: PluginIndex) -> list[CheckResult]:
    """Names declared by two or more switched-on distributions in one group."""
    owners: dict[tuple[str, str], list[str]] = defaultdict(list)
    for entry in index.entries():
        owners[(entry.group, entry.name)].append(entry.dist)
    return [CheckResult(False, f'{group}:{name}',
                        f'declared by {", ".join(dists)}; configs must use one of '
                        f'{", ".join(repr(d + "::" + name) for d in dists)}')
            for (group, name), dists in sorted(owners.items()) if len(dists) > 1]


def check_versions(index: PluginIndex) -> list[CheckResult]:
    """Distributions whose ``posecore`` requirement excludes the installed core."""
    results = []
    for dist in index.distributions(include_blocked=False):
        problem = index.version_problem(dist.name)
        if problem:
            results.append(CheckResult(False, dist.name, problem))
    return results


def check_modules(index: PluginIndex) -> list[CheckResult]:
    """Entry points whose target module cannot be found (no import is run)."""
    results = []
    for entry in index.entries():
        try:
            found = importlib.util.find_spec(entry.module) is not None
        except (ImportError, ValueError):  # a missing parent package
            found = False
        if not found:
            results.append(CheckResult(False, entry.qualified,
                                       f'module {entry.module!r} of entry point '
                                       f'{entry.name} = {entry.value!r} (group '
                                       f'{entry.group!r}) of distribution {entry.dist} '
                                       f'{entry.version} is not installed'))
    return results


def check_imports(index: PluginIndex) -> list[CheckResult]:
    """Import every registry entry point's target and report each failure:
    an import error, or an object that is not callable (a registry builds
    types by calling them).

    Hook modules are loaded (and their failures reported) by the plugin manager.
    """
    from posecore.errors import PluginError

    results = []
    for entry in index.entries():
        if entry.group == HOOK_GROUP:
            continue
        try:
            obj = index.load(entry)
        except PluginError as exc:
            results.append(CheckResult(False, entry.qualified, str(exc)))
            continue
        if not callable(obj):
            results.append(CheckResult(
                False, entry.qualified,
                f'entry point {entry.name} = {entry.value!r} (group {entry.group!r}) of '
                f'distribution {entry.dist} {entry.version} names an object of type '
                f'{type(obj).__name__}, '
                f'not a class or function; point it at the class'))
    return results
