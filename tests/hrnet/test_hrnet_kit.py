"""HRNet keeps the backbone contract of the testing kit (``posecore.testing.check_backbone``)."""
from __future__ import annotations

import pytest

from posecore.testing import check_backbone


@pytest.mark.parametrize('multiscale', [False, True])
def test_hrnet_keeps_the_backbone_contract(posecore_plugins, tiny_extra, multiscale):
    posecore_plugins('pose-plugin-hrnet')
    extra = dict(tiny_extra, stage4=dict(tiny_extra['stage4'], multiscale_output=multiscale))
    model = check_backbone(dict(type='HRNet', extra=extra), input_shape=(2, 3, 64, 64))
    assert type(model).__name__ == 'HRNet'
