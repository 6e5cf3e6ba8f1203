"""The ``posecore_plugins`` fixture posecore gives plugin authors (pytest11)."""
from __future__ import annotations

import pytest

from posecore.errors import PluginDisabledError
from posecore.registry import KEYPOINT_CODECS, MODELS


def test_only_the_named_distributions_are_on(posecore_plugins):
    index = posecore_plugins('pose-plugin-hrnet')
    KEYPOINT_CODECS._module_dict.pop('MSRAHeatmap', None)  # loaded by other tests; restored
    assert MODELS.get('HRNet').__name__ == 'HRNet'
    assert index.is_blocked('pose-plugin-heatmap-codecs')
    with pytest.raises(PluginDisabledError, match='pose-plugin-heatmap-codecs'):
        KEYPOINT_CODECS.get('MSRAHeatmap')


def test_registries_are_restored_after_the_test():
    assert MODELS.get('HRNet').__name__ == 'HRNet'
    assert KEYPOINT_CODECS.get('MSRAHeatmap').__name__ == 'MSRAHeatmap'
