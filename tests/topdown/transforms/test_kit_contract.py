"""The top-down transforms keep the transform contract of the testing kit
(``posecore.testing.check_transform``: keys and dtypes kept)."""
from __future__ import annotations

import pytest

from posecore.testing import check_transform
from posecore.testing.samples import topdown_results

NEEDS_CENTER_SCALE = [
    dict(type='RandomBBoxTransform'),
    dict(type='TopdownAffine', input_size=(48, 64)),
    dict(type='TopdownAffine', input_size=(48, 64), use_udp=True),
    dict(type='RandomHalfBody', prob=1.0, min_total_keypoints=1),
]


@pytest.mark.parametrize('cfg', [dict(type='GetBBoxCenterScale'),
                                 dict(type='RandomFlip', prob=1.0),
                                 dict(type='RandomFlip', prob=1.0, direction='vertical')],
                         ids=lambda c: '-'.join(map(str, c.values())))
def test_transform_on_a_loaded_sample(posecore_plugins, cfg):
    posecore_plugins('pose-plugin-topdown')
    out = check_transform(cfg)
    assert out['img'].shape == topdown_results()['img'].shape


@pytest.mark.parametrize('cfg', NEEDS_CENTER_SCALE,
                         ids=lambda c: '-'.join(map(str, c.values())))
def test_transform_after_get_bbox_center_scale(posecore_plugins, cfg):
    posecore_plugins('pose-plugin-topdown')
    results = check_transform(dict(type='GetBBoxCenterScale'))
    out = check_transform(cfg, results=results)
    if cfg['type'] == 'TopdownAffine':
        assert out['img'].shape == (64, 48, 3)
