"""Options: bad values are refused naming the option and what is accepted; frozen
stages, norm_eval, with_cp, zero_init_residual, out_indices and the folded
BatchNorm behave as MMPose's do."""
from __future__ import annotations

import pytest
import torch

from pose_plugin_resnet.errors import ResNetConfigError, ResNetInputError
from posecore.errors import ConfigError
from posecore.registry import MODELS

SMALL = dict(stem_channels=8, base_channels=4)


def build(**cfg):
    return MODELS.build(dict(dict(type='ResNet', depth=18, **SMALL), **cfg))


@pytest.mark.parametrize('option, value, match', [
    ('depth', 42, r'depth=42 is not a ResNet depth; accepted: \(18, 34, 50, 101, 152\)'),
    ('depth', '50', r"depth='50' is not a ResNet depth"),
    ('in_channels', 0, r'in_channels=0 must be a positive int'),
    ('base_channels', 2.5, r'base_channels=2.5 must be a positive int'),
    ('num_stages', 5, r'num_stages=5 must be an int from 1 to 4'),
    ('strides', (1, 2, 2), r'strides=\(1, 2, 2\) must be a sequence of 4 ints >= 1'),
    ('dilations', (1, 1, 1, 0), r'dilations=\(1, 1, 1, 0\) must be a sequence of 4 ints >= 1'),
    ('out_indices', (4, ), r'out_indices=\(4,\) must be a non-empty sequence of stage '
                           r'indices from 0 to 3'),
    ('out_indices', 3, r'out_indices=3 must be a non-empty sequence'),
    ('out_indices', (), r'out_indices=\(\) must be a non-empty'),
    ('style', 'tf', r"style='tf' is not supported; accepted: \('pytorch', 'caffe'\)"),
    ('deep_stem', 1, r'deep_stem=1 must be True or False'),
    ('frozen_stages', 5, r'frozen_stages=5 must be an int from -1 \(train all\) to 4'),
    ('norm_cfg', dict(type='LN'), r"norm_cfg.type='LN' is not supported; accepted: "
                                  r"\['BN', 'BN2d', 'GN', 'SyncBN'\]"),
    ('norm_cfg', dict(type='GN'), r'norm_cfg.num_groups=None: GN needs a positive int'),
    ('norm_cfg', dict(type='GN', num_groups=3), r'num_groups=3 does not divide a layer of 8'),
    ('norm_cfg', dict(type='BN', momentun=0.1), r"norm_cfg has unknown keys \['momentun'\]"),
    ('conv_cfg', dict(type='DCNv2'), r"conv_cfg=\{'type': 'DCNv2'\} is not supported; "
                                     r'accepted: None'),
    ('expansion', 4, r'expansion=4: depth 18 uses BasicBlock, whose expansion is 1'),
    ('init_cfg', dict(type='Pretrained'), r'init_cfg.checkpoint=None must be a local path'),
    ('init_cfg', dict(type='Pretrained', checkpoint='a.pth', strict=True),
     r"init_cfg has unknown keys \['strict'\] for type 'Pretrained'"),
])
def test_bad_option_names_the_option_and_accepted_values(resnet_plugin, option, value, match):
    with pytest.raises(ResNetConfigError, match=match) as info:
        build(**{option: value})
    assert isinstance(info.value, ConfigError)  # the CLI prints it as one clean line


def test_resnetv1d_refuses_the_options_it_fixes(resnet_plugin):
    with pytest.raises(ResNetConfigError, match=r'ResNetV1d sets deep_stem=True itself'):
        MODELS.build(dict(type='ResNetV1d', depth=18, deep_stem=False))


def test_wrong_input_is_named(resnet_plugin):
    model = build(in_channels=1)
    with pytest.raises(ResNetInputError, match=r'expected \(N, 1, H, W\) \(in_channels=1\)'):
        model(torch.randn(1, 3, 32, 32))


def test_frozen_stages_and_norm_eval_survive_train(resnet_plugin):
    model = build(frozen_stages=1, norm_eval=True).train()
    assert not any(p.requires_grad for n, p in model.named_parameters()
                   if n.startswith(('conv1', 'bn1', 'layer1')))
    assert all(p.requires_grad for n, p in model.named_parameters()
               if n.startswith(('layer2', 'layer3', 'layer4')))
    bns = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    assert bns and not any(m.training for m in bns)
    stats = model.layer3[0].bn1.running_mean.clone()
    model(torch.randn(2, 3, 64, 64))
    assert torch.equal(stats, model.layer3[0].bn1.running_mean)  # norm_eval: frozen statistics


def test_zero_init_residual_and_default_kaiming_init(resnet_plugin):
    model = MODELS.build(dict(type='ResNet', depth=50))
    model.init_weights()
    assert all(float(b.norm3.weight.detach().abs().sum()) == 0 for layer in
               (model.layer1, model.layer4) for b in layer)
    assert float(model.layer1[0].bn1.weight.detach().mean()) == 1.0
    # mmengine's Kaiming: normal, fan_out, ReLU gain: std = sqrt(2 / (out * k * k))
    std = float(model.layer4[0].conv2.weight.detach().std())
    assert std == pytest.approx((2 / (512 * 9)) ** 0.5, rel=0.05)


def test_with_cp_gives_the_same_gradients(resnet_plugin):
    torch.manual_seed(0)
    plain = build(zero_init_residual=False, channels_last=False)
    plain.init_weights()
    cp = build(with_cp=True, zero_init_residual=False, channels_last=False)
    cp.load_state_dict(plain.state_dict())
    x = torch.randn(2, 3, 64, 64, requires_grad=True)
    grads = []
    for model in (plain, cp):
        model.train()
        model(x)[0].pow(2).mean().backward()
        grads.append(model.layer2[0].conv1.weight.grad)
    torch.testing.assert_close(grads[0], grads[1])


def test_out_indices_select_stages_and_stop_early(resnet_plugin):
    torch.manual_seed(0)
    full = build(out_indices=(0, 1, 2, 3)).eval()
    early = build(out_indices=(1, )).eval()
    early.load_state_dict(full.state_dict())
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        outs = full(x)
        (only, ) = early(x)
    assert [o.shape[1:] for o in outs] == [(4, 16, 16), (8, 8, 8), (16, 4, 4), (32, 2, 2)]
    torch.testing.assert_close(only, outs[1])


def test_folded_batchnorm_follows_weight_changes(resnet_plugin):
    """The folded weights are cached: a changed parameter must not leave stale results."""
    torch.manual_seed(0)
    model = build(zero_init_residual=False).eval()
    model.init_weights()
    reference = build(zero_init_residual=False).eval()
    x = torch.randn(1, 3, 64, 64)
    for step in range(2):
        reference.load_state_dict(model.state_dict())
        with torch.no_grad():
            folded = model(x)[0]
        with torch.enable_grad():  # gradients on: BatchNorm runs unfolded
            unfolded = reference(x)[0].detach()
        torch.testing.assert_close(folded, unfolded, rtol=1e-4, atol=1e-5)
        with torch.no_grad():
            model.layer4[1].bn2.weight.mul_(3.0)
            model.bn1.running_var.mul_(0.5)


def test_training_frees_the_folded_weights(resnet_plugin):
    model = build().eval()
    with torch.no_grad():
        model(torch.randn(1, 3, 64, 64))
    cached = [m for m in model.modules() if '_pose_plugin_resnet_folded' in m.__dict__]
    # the stem, 16 block convs, 4 downsampling convs (stem_channels 8 != 4 in layer1 too)
    assert len(cached) == 21
    model.train()
    assert not [m for m in model.modules() if '_pose_plugin_resnet_folded' in m.__dict__]
