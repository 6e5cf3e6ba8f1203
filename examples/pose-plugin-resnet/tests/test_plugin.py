"""pose-plugin-resnet as a whole: every entry point imports and names a class or function."""
from __future__ import annotations

from posecore import checks


def test_every_entry_point_imports(posecore_plugins):
    index = posecore_plugins('pose-plugin-resnet')
    assert index.distribution('pose-plugin-resnet') is not None, 'pip install -e . first'
    assert checks.check_modules(index) == []
    assert checks.check_imports(index) == []
