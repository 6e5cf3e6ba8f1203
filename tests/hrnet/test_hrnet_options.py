"""HRNet options: with_cp, norm_eval, frozen_stages, zero_init_residual, norms, init."""
from __future__ import annotations

import pytest
import torch
import torch.nn as nn

from pose_plugin_hrnet.blocks import BasicBlock, Bottleneck
from pose_plugin_hrnet.hrnet import HRNet


def _pair(extra, **kwargs):
    torch.manual_seed(0)
    a = HRNet(extra, **kwargs)
    a.init_weights()
    return a


def test_with_cp_gives_same_outputs_and_gradients(tiny_extra):
    plain = _pair(tiny_extra, with_cp=False)
    ckpt = HRNet(tiny_extra, with_cp=True)
    ckpt.load_state_dict(plain.state_dict())
    x = torch.randn(2, 3, 64, 64)
    grads = []
    for model in (plain, ckpt):
        model.train()
        out = model(x)[0]
        out.square().mean().backward()
        grads.append((out.detach(), {n: p.grad for n, p in model.named_parameters()}))
    torch.testing.assert_close(grads[0][0], grads[1][0])
    for name, g in grads[0][1].items():
        torch.testing.assert_close(g, grads[1][1][name], msg=name)


def test_norm_eval_keeps_batchnorm_statistics(tiny_extra):
    model = _pair(tiny_extra, norm_eval=True)
    model.train()
    assert model.training
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    assert bns and not any(m.training for m in bns)
    before = model.bn1.running_mean.clone()
    model(torch.randn(2, 3, 64, 64))
    torch.testing.assert_close(model.bn1.running_mean, before)


@pytest.mark.parametrize('frozen', [0, 1, 2, 4])
def test_frozen_stages(tiny_extra, frozen):
    model = _pair(tiny_extra, frozen_stages=frozen)
    model.train()
    frozen_parts = [model.conv1, model.bn1, model.conv2, model.bn2]
    for i in range(1, frozen + 1):
        frozen_parts.append(model.layer1 if i == 1 else getattr(model, f'stage{i}'))
        if i < 4:
            frozen_parts.append(getattr(model, f'transition{i}'))
    frozen_ids = {id(p) for part in frozen_parts for p in part.parameters()}
    # as in MMPose: the stem's norms and whole frozen stages go to eval mode
    assert not model.bn1.training and not model.bn2.training
    for part in frozen_parts[4:]:
        assert not any(m.training for m in part.modules())
    for p in model.parameters():
        assert p.requires_grad == (id(p) not in frozen_ids)
    if frozen < 4:
        nxt = model.layer1 if frozen == 0 else getattr(model, f'stage{frozen + 1}')
        assert all(m.training for m in nxt.modules())


def test_frozen_stages_minus_one_trains_everything(tiny_extra):
    model = _pair(tiny_extra)
    model.train()
    assert all(p.requires_grad for p in model.parameters())
    assert all(m.training for m in model.modules())


def test_zero_init_residual(tiny_extra):
    model = _pair(tiny_extra, zero_init_residual=True)
    blocks = [m for m in model.modules() if isinstance(m, (BasicBlock, Bottleneck))]
    assert any(isinstance(b, Bottleneck) for b in blocks)
    for b in blocks:
        last = b.norm3 if isinstance(b, Bottleneck) else b.norm2
        assert torch.count_nonzero(last.weight) == 0
    assert torch.count_nonzero(model.bn1.weight) == 64


def test_default_init_is_mmpose(tiny_extra):
    model = _pair(tiny_extra)
    w = model.stage2[0].branches[0][0].conv1.weight
    assert 0.0005 < w.std().item() < 0.002
    assert torch.all(model.bn1.weight == 1) and torch.all(model.bn1.bias == 0)


def test_group_norm_names_and_forward(tiny_extra):
    model = HRNet(tiny_extra, norm_cfg=dict(type='GN', num_groups=2, requires_grad=False))
    keys = model.state_dict().keys()
    assert 'gn1.weight' in keys and 'layer1.0.gn3.weight' in keys
    assert not model.gn1.weight.requires_grad
    assert model(torch.randn(1, 3, 64, 64))[0].shape == (1, 4, 16, 16)


def test_syncbn_and_bn_options(tiny_extra):
    model = HRNet(tiny_extra, norm_cfg=dict(type='SyncBN', momentum=0.2, eps=1e-3))
    assert isinstance(model.bn1, nn.SyncBatchNorm)
    assert model.bn1.momentum == 0.2 and model.bn1.eps == 1e-3
    model.eval()  # SyncBN trains only under torch.distributed
    assert model(torch.randn(1, 3, 64, 64))[0].shape == (1, 4, 16, 16)
    conv = HRNet(tiny_extra, conv_cfg=dict(type='Conv2d'))
    assert conv.state_dict().keys() == model.state_dict().keys()


def test_upsample_mode_bilinear(tiny_extra):
    extra = dict(tiny_extra, upsample=dict(mode='bilinear', align_corners=False))
    model = HRNet(extra)
    model.eval()
    assert model(torch.randn(1, 3, 64, 64))[0].shape == (1, 4, 16, 16)


def test_folded_inference_matches_modules_and_tracks_changes(tiny_extra):
    model = _pair(tiny_extra)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight)
            if isinstance(m, nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
    model.eval()
    x = torch.randn(2, 3, 64, 64)
    unfused = model(x)[0].detach()  # gradients on: plain conv -> norm modules
    with torch.no_grad():
        folded = model(x)[0]
    def rel(a, b):  # the measure: max difference relative to the max
        return ((a - b).abs().max() / b.abs().max()).item()

    assert rel(folded, unfused) < 1e-5
    with torch.no_grad():
        model.bn1.running_var.mul_(4.0)  # the cached folded weights must follow
        changed = model(x)[0]
    assert rel(changed, model(x)[0].detach()) < 1e-5
    assert rel(changed, folded) > 1e-3
    assert not any(k.startswith('_posecore') for k in model.state_dict())


def test_folded_weights_follow_a_fused_optimizer_step_between_evaluations(tiny_extra):
    """``Adam(fused=True)`` updates the weights in place without bumping their version
    counters, so the cache key alone would serve the last evaluation's folded weights;
    the train/eval switch drops them."""
    model = _pair(tiny_extra)
    x = torch.randn(2, 3, 64, 64)
    model.eval()
    with torch.no_grad():
        before = model(x)[0]
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05, fused=True)
    versions = [p._version for p in model.parameters()]
    model(x)[0].square().mean().backward()
    optimizer.step()
    assert [p._version for p in model.parameters()] == versions  # what the cache cannot see
    model.eval()
    with torch.no_grad():
        after = model(x)[0]
    unfused = model(x)[0].detach()  # gradients on: plain conv -> norm modules
    torch.testing.assert_close(after, unfused, rtol=1e-4, atol=1e-5)
    assert not torch.allclose(after, before)
