"""A fresh plugin index per test, built from fake distributions."""
from __future__ import annotations

import sys

import pytest

from posecore.discovery import PluginIndex, reset_index
from posecore.plugin_manager import reset_plugin_manager
from posecore.registry import REGISTRIES


@pytest.fixture
def use_index(monkeypatch):
    """``use_index(*dists, environ={})`` installs an index of fake distributions."""
    saved = {key: dict(reg._module_dict) for key, reg in REGISTRIES.items()}

    def install(*dists, environ=None) -> PluginIndex:
        index = PluginIndex(dists, environ=environ or {})
        reset_index(index)
        reset_plugin_manager()
        return index

    yield install
    for key, reg in REGISTRIES.items():
        reg._module_dict.clear()
        reg._module_dict.update(saved[key])
        reg._qualified.clear()
    reset_index(None)
    reset_plugin_manager()
    for name in [m for m in sys.modules if m.startswith('posecore_fake_')]:
        del sys.modules[name]


@pytest.fixture
def fake_modules(tmp_path, monkeypatch):
    """``fake_modules(name=source, ...)`` writes importable modules for one test."""

    def write(**modules: str):
        for name, source in modules.items():
            (tmp_path / f'{name}.py').write_text(source)
        monkeypatch.syspath_prepend(str(tmp_path))

    return write
