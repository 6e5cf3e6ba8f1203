"""Every bad HRNet argument gets a specific error naming the subject and the fix."""
from __future__ import annotations

import copy

import pytest
import torch

from pose_plugin_hrnet.errors import HRNetConfigError, HRNetInputError
from pose_plugin_hrnet.hrnet import HRNet
from posecore.errors import ConfigError


def _edit(extra, stage, **changes):
    extra = copy.deepcopy(extra)
    extra[stage].update(changes)
    return extra


@pytest.mark.parametrize('stage, changes, match', [
    ('stage3', dict(num_channels=(8, 16)),
     r"extra\.stage3\.num_channels has 2 entries .* extra\.stage3\.num_branches=3"),
    ('stage2', dict(num_blocks=(1, )), r"extra\.stage2\.num_blocks has 1 entries"),
    ('stage2', dict(block='BASICBLOCK'),
     r"extra\.stage2\.block='BASICBLOCK' is not a block name; use one of \['BASIC', 'BOTTLENECK'\]"),
    ('stage4', dict(num_modules=0), r"extra\.stage4\.num_modules=0 must be a positive int"),
    ('stage3', dict(num_channels=(8, 16, -1)), r"extra\.stage3\.num_channels\[2\]=-1"),
    ('stage1', dict(num_branches=2, num_blocks=(1, 1), num_channels=(4, 4)),
     r"extra\.stage1\.num_branches=2: stage1 has a single branch"),
    ('stage2', dict(num_chanels=(4, 8)), r"extra\.stage2: unknown key 'num_chanels'; did you mean 'num_channels'"),
    ('stage4', dict(multiscale_output='yes'), r"extra\.stage4\.multiscale_output='yes' must be True or False"),
    ('stage3', dict(num_channels=32), r"extra\.stage3\.num_channels=32 must be a list or tuple"),
])
def test_bad_stage(tiny_extra, stage, changes, match):
    with pytest.raises(HRNetConfigError, match=match):
        HRNet(_edit(tiny_extra, stage, **changes))


def test_missing_stage_and_key(tiny_extra):
    extra = copy.deepcopy(tiny_extra)
    del extra['stage4']
    with pytest.raises(HRNetConfigError, match=r"extra is missing 'stage4'"):
        HRNet(extra)
    extra = copy.deepcopy(tiny_extra)
    del extra['stage2']['block']
    with pytest.raises(HRNetConfigError, match=r"extra\.stage2 is missing the key 'block'"):
        HRNet(extra)
    with pytest.raises(HRNetConfigError, match=r"extra: unknown key 'stage5'"):
        HRNet(dict(tiny_extra, stage5={}))
    with pytest.raises(HRNetConfigError, match=r"extra=None must be a dict"):
        HRNet(None)


def test_config_errors_are_posecore_config_errors(tiny_extra):
    with pytest.raises(ConfigError):
        HRNet(_edit(tiny_extra, 'stage2', block='X'))
    with pytest.raises(ValueError):  # also a ValueError, like MMPose's checks
        HRNet(_edit(tiny_extra, 'stage2', block='X'))


@pytest.mark.parametrize('kwargs, match', [
    (dict(norm_cfg=dict(type='LayerNorm')), r"norm_cfg\.type='LayerNorm' is not supported"),
    (dict(norm_cfg=dict(type='GN')), r"norm_cfg\.num_groups=None: GN needs a positive int"),
    (dict(norm_cfg=dict(type='GN', num_groups=3)), r"norm_cfg\.num_groups=3 does not divide"),
    (dict(norm_cfg=dict(type='BN', momentun=0.1)), r"norm_cfg has unknown keys \['momentun'\]"),
    (dict(conv_cfg=dict(type='DCN')), r"conv_cfg\.type='DCN' is not supported"),
    (dict(in_channels=0), r"in_channels=0 must be a positive int"),
    (dict(frozen_stages=5), r"frozen_stages=5 must be an int from -1"),
    (dict(norm_eval='yes'), r"norm_eval='yes' must be True or False"),
    (dict(init_cfg=dict(type='Pretrained')), r"init_cfg\.checkpoint=None must be a local path"),
    (dict(init_cfg=dict(type='Pretrained', checkpoint='a.pth', prefx='b')),
     r"init_cfg has unknown keys \['prefx'\]"),
    (dict(extra={'stage1': {}, 'stage2': {}, 'stage3': {}, 'stage4': {},
                 'upsample': dict(mode='cubic')}), r"extra\.stage1 is missing"),
])
def test_bad_arguments(tiny_extra, kwargs, match):
    kwargs.setdefault('extra', tiny_extra)
    with pytest.raises(HRNetConfigError, match=match):
        HRNet(**kwargs)


def test_bad_upsample(tiny_extra):
    with pytest.raises(HRNetConfigError, match=r"extra\.upsample\.mode='cubic'"):
        HRNet(dict(tiny_extra, upsample=dict(mode='cubic')))
    with pytest.raises(HRNetConfigError, match=r"extra\.upsample\.align_corners=True only applies"):
        HRNet(dict(tiny_extra, upsample=dict(mode='nearest', align_corners=True)))


def test_bad_input_tensor(tiny_extra):
    model = HRNet(tiny_extra)
    with pytest.raises(HRNetInputError, match=r"expected \(N, 3, H, W\)"):
        model(torch.randn(1, 1, 64, 64))
    with pytest.raises(HRNetInputError, match=r"64 x 48: both must be multiples of 32"):
        model(torch.randn(1, 3, 64, 48))
