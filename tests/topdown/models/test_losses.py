"""The heatmap losses: MMPose's formulas (written out here in NumPy), zero
weights, and bad input."""
from __future__ import annotations

import importlib.util
import json

import numpy as np
import pytest
import torch

from posecore.registry import MODELS

from ...conftest import DATA, REPO


def _data(seed=0, b=3, k=17, h=8, w=6):
    rng = np.random.default_rng(seed)
    out = rng.random((b, k, h, w)).astype(np.float32)
    tgt = rng.random((b, k, h, w)).astype(np.float32)
    tgt[0, 3] = 0  # an empty channel
    weights = rng.random((b, k)).astype(np.float32)
    weights[1, :4] = 0
    return out, tgt, weights


def _t(*arrays):
    return [torch.from_numpy(a) for a in arrays]


@pytest.mark.parametrize('use_target_weight', [False, True])
@pytest.mark.parametrize('skip_empty_channel', [False, True])
def test_keypoint_mse_loss_formula(use_target_weight, skip_empty_channel):
    out, tgt, weights = _data()
    loss = MODELS.build(dict(type='KeypointMSELoss', use_target_weight=use_target_weight,
                             skip_empty_channel=skip_empty_channel, loss_weight=0.5))
    mask = np.ones_like(out) * weights[:, :, None, None]  # weights always apply, as MMPose
    if skip_empty_channel:
        mask = mask * (tgt != 0).any(axis=(2, 3))[:, :, None, None]
    expected = 0.5 * ((out - tgt) ** 2 * mask).mean()
    assert float(loss(*_t(out, tgt, weights))) == pytest.approx(expected, rel=1e-6)
    # without weights: plain MSE, masked by the non-empty channels if asked
    nonempty = (tgt != 0).any(axis=(2, 3))[:, :, None, None] if skip_empty_channel else 1
    expected = 0.5 * ((out - tgt) ** 2 * nonempty).mean()
    assert float(loss(*_t(out, tgt))) == pytest.approx(expected, rel=1e-6)


def test_keypoint_mse_loss_pixel_weights_and_mask():
    out, tgt, _ = _data()
    rng = np.random.default_rng(1)
    pixel_weights = rng.random(out.shape).astype(np.float32)
    mask = (rng.random((out.shape[0], 1, *out.shape[2:])) > 0.5).astype(np.float32)
    loss = MODELS.build(dict(type='KeypointMSELoss'))
    got = float(loss(*_t(out, tgt, pixel_weights), mask=torch.from_numpy(mask)))
    assert got == pytest.approx(((out - tgt) ** 2 * pixel_weights * mask).mean(), rel=1e-6)


def test_ohkm_loss_formula():
    out, tgt, weights = _data()
    loss = MODELS.build(dict(type='KeypointOHKMMSELoss', use_target_weight=True, topk=5))
    w = weights[:, :, None, None]
    per_kpt = ((out * w - tgt * w) ** 2).mean(axis=(2, 3))
    expected = np.sort(per_kpt, axis=1)[:, -5:].sum(axis=1).mean() / 5
    assert float(loss(*_t(out, tgt, weights))) == pytest.approx(expected, rel=1e-6)
    unweighted = MODELS.build(dict(type='KeypointOHKMMSELoss', loss_weight=2.))
    per_kpt = ((out - tgt) ** 2).mean(axis=(2, 3))
    expected = 2 * np.sort(per_kpt, axis=1)[:, -8:].sum(axis=1).mean() / 8
    assert float(unweighted(*_t(out, tgt, weights))) == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize('use_target_weight', [False, True])
def test_combined_target_loss_formula(use_target_weight):
    rng = np.random.default_rng(2)
    b, k = 2, 5
    out = rng.random((b, 3 * k, 4, 3)).astype(np.float32)
    tgt = rng.random((b, 3 * k, 4, 3)).astype(np.float32)
    weights = rng.random((b, k)).astype(np.float32)
    loss = MODELS.build(dict(type='CombinedTargetMSELoss',
                             use_target_weight=use_target_weight, loss_weight=3.))
    pred, gt = out.reshape(b, k, 3, -1), tgt.reshape(b, k, 3, -1)
    total = 0.
    for j in range(k):
        w = weights[:, j, None] if use_target_weight else 1.
        hp, hg = pred[:, j, 0] * w, gt[:, j, 0] * w
        total += 0.5 * ((hp - hg) ** 2).mean()
        for c in (1, 2):
            total += 0.5 * ((hg * pred[:, j, c] - hg * gt[:, j, c]) ** 2).mean()
    expected = total / k * 3
    assert float(loss(*_t(out, tgt, weights))) == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize('cfg', [
    dict(type='KeypointMSELoss', use_target_weight=True),
    dict(type='KeypointMSELoss', use_target_weight=True, skip_empty_channel=True),
    dict(type='KeypointOHKMMSELoss', use_target_weight=True, topk=4),
    dict(type='CombinedTargetMSELoss', use_target_weight=True)])
def test_no_visible_keypoint_gives_zero_loss_and_gradient(cfg):
    """An instance whose keypoints are all invisible: weight 0, loss 0, no NaN."""
    combined = cfg['type'] == 'CombinedTargetMSELoss'
    channels = 3 * 17 if combined else 17
    out = torch.rand(1, channels, 8, 6, requires_grad=True)
    tgt = torch.zeros(1, channels, 8, 6)  # the codec's target of an invisible instance
    loss = MODELS.build(cfg)(out, tgt, torch.zeros(1, 17))
    assert torch.isfinite(loss) and loss.item() == 0
    loss.backward()
    assert torch.isfinite(out.grad).all() and not out.grad.any()


def test_ohkm_topk_larger_than_keypoints():
    loss = MODELS.build(dict(type='KeypointOHKMMSELoss', topk=8))
    with pytest.raises(ValueError, match=r'topk \(8\).*num_keypoints \(5\)'):
        loss(torch.rand(1, 5, 4, 4), torch.rand(1, 5, 4, 4), torch.ones(1, 5))


@pytest.mark.parametrize('cfg, match', [
    (dict(type='KeypointOHKMMSELoss', topk=0), 'topk=0 must be an int >= 1'),
    (dict(type='KeypointMSELoss', use_target_weight='yes'), "use_target_weight='yes'"),
    (dict(type='KeypointMSELoss', loss_weight='1'), "loss_weight='1' must be a number"),
])
def test_bad_loss_arguments(cfg, match):
    with pytest.raises(ValueError, match=match):
        MODELS.build(cfg)


def test_shape_mismatches_name_both_shapes():
    loss = MODELS.build(dict(type='KeypointMSELoss'))
    with pytest.raises(ValueError, match=r'output \(2, 17, 8, 6\) and target \(2, 16, 8, 6\)'):
        loss(torch.rand(2, 17, 8, 6), torch.rand(2, 16, 8, 6))
    with pytest.raises(ValueError, match=r'target_weights of shape \(2, 16\).*\(2, 17\)'):
        loss(torch.rand(2, 17, 8, 6), torch.rand(2, 17, 8, 6), torch.ones(2, 16))
    with pytest.raises(ValueError, match='3 channels per keypoint, got 17'):
        MODELS.build(dict(type='CombinedTargetMSELoss'))(
            torch.rand(1, 17, 4, 4), torch.rand(1, 17, 4, 4), torch.ones(1, 5))


def _adaptive_wing_reference():
    spec = importlib.util.spec_from_file_location(
        'make_adaptive_wing_reference',
        REPO / 'benchmarks' / 'anchor' / 'make_adaptive_wing_reference.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # its MMPose import is inside main()
    return module


def test_adaptive_wing_loss_and_gradient_equal_mmposes():
    """``tests/data/reference/adaptive_wing_mmpose.json`` (made with MMPose 1.3.2)."""
    ref = _adaptive_wing_reference()
    expected = json.loads((DATA / 'reference' / 'adaptive_wing_mmpose.json').read_text())
    for kwargs, result in zip(ref.CASES, expected['results'], strict=True):
        output, target, weights = ref.inputs()
        output.requires_grad_(True)
        loss = MODELS.build(dict(type='AdaptiveWingLoss', **kwargs))(output, target, weights)
        loss.backward()
        assert loss.item() == pytest.approx(result['loss'], rel=1e-6), kwargs
        np.testing.assert_allclose(output.grad.flatten().numpy(), result['grad'], rtol=1e-5,
                                   atol=1e-7, err_msg=str(kwargs))


@pytest.mark.parametrize('kwargs, match', [
    (dict(theta=0), r'theta=0 must be a number > 0'),
    (dict(use_target_weight=1), r'use_target_weight=1 must be True or False')])
def test_adaptive_wing_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MODELS.build(dict(type='AdaptiveWingLoss', **kwargs))
