"""A fresh plugin index per test, built from fake distributions (through the
``posecore_plugins`` fixture that posecore gives plugin authors)."""
from __future__ import annotations

import sys

import pytest


@pytest.fixture
def use_index(posecore_plugins):
    """``use_index(*fake_dists, environ={})`` installs an index of fake distributions."""

    def install(*dists, environ=None):
        return posecore_plugins(distributions=dists, environ=environ or {})

    yield install
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
