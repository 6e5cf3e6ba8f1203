"""The testing kit's backbone contract (shapes, backward, no NaN, init_weights,
state-dict round trip) over the option space, and the entry points."""
from __future__ import annotations

from importlib.metadata import entry_points

import pytest

from posecore.registry import MODELS
from posecore.testing import check_backbone

SMALL = dict(stem_channels=8, base_channels=4)


@pytest.mark.parametrize('cfg', [
    dict(type='ResNet', depth=18, out_indices=(0, 1, 2, 3)),
    dict(type='ResNet', depth=50),
    dict(type='ResNetV1d', depth=50, out_indices=(1, 3)),
    dict(type='ResNet', depth=50, style='caffe', strides=(1, 2, 2, 1), dilations=(1, 1, 2, 2)),
    dict(type='ResNet', depth=34, num_stages=2, strides=(1, 2), dilations=(1, 1),
         out_indices=(1, ), in_channels=1),
    dict(type='ResNet', depth=18, norm_cfg=dict(type='GN', num_groups=2), deep_stem=True),
    dict(type='ResNet', depth=18, frozen_stages=2, norm_eval=True),
    dict(type='ResNet', depth=18, with_cp=True, channels_last=False),
    dict(type='ResNet', depth=18, zero_init_residual=False, init_cfg=None),
], ids=lambda cfg: '-'.join(f'{k}={v}' for k, v in cfg.items() if k != 'type'))
def test_resnet_keeps_the_backbone_contract(resnet_plugin, cfg):
    in_channels = cfg.get('in_channels', 3)
    model = check_backbone(dict(cfg, **SMALL), input_shape=(2, in_channels, 64, 48))
    assert type(model).__name__ == cfg['type']


def test_entry_points_name_the_two_classes():
    found = {ep.name: ep.value for ep in entry_points(group='posecore.models')
             if ep.value.startswith('pose_plugin_resnet.')}
    assert found == {'ResNet': 'pose_plugin_resnet.resnet:ResNet',
                     'ResNetV1d': 'pose_plugin_resnet.resnet:ResNetV1d'}


def test_qualified_name_builds(resnet_plugin):
    model = MODELS.build(dict(type='pose-plugin-resnet::ResNetV1d', depth=18, **SMALL))
    assert type(model).__name__ == 'ResNetV1d' and model.deep_stem and model.avg_down
