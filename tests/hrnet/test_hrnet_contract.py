"""Registry-driven contract test over HRNet-w18/w32/w48 (timm-style)."""
from __future__ import annotations

import pytest
import torch

from posecore.registry import MODELS

WIDTHS = [18, 32, 48]


@pytest.mark.parametrize('multiscale', [False, True])
@pytest.mark.parametrize('width', WIDTHS)
def test_output_shapes_at_256x192(make_extra, width, multiscale):
    # Shapes only: built and run on the meta device, so no arithmetic is done.
    with torch.device('meta'):
        model = MODELS.build(dict(type='HRNet', in_channels=3,
                                  extra=make_extra(width, multiscale_output=multiscale)))
        outs = model(torch.empty(2, 3, 256, 192))
    assert isinstance(outs, tuple)
    if multiscale:
        assert [tuple(o.shape) for o in outs] == [
            (2, width * 2**i, 256 // s, 192 // s)
            for i, s in enumerate((4, 8, 16, 32))]
    else:
        assert [tuple(o.shape) for o in outs] == [(2, width, 64, 48)]


def test_w32_parameter_count(make_extra):
    with torch.device('meta'):
        model = MODELS.build(dict(type='HRNet', extra=make_extra(32)))
    assert sum(p.numel() for p in model.parameters()) == 28_535_552


@pytest.mark.parametrize('width', WIDTHS)
def test_backward_runs_without_nan(make_extra, width):
    # Real arithmetic on a small input; one block per branch keeps it quick.
    torch.manual_seed(0)
    model = MODELS.build(dict(type='HRNet', extra=make_extra(
        width, blocks=1, modules=(1, 1, 1), multiscale_output=True)))
    model.train()  # PyTorch's default init: enough signal for a NaN check
    outs = model(torch.randn(2, 3, 64, 64))
    loss = sum(o.float().pow(2).mean() for o in outs)
    loss.backward()
    assert all(torch.isfinite(o).all() for o in outs)
    grads = [p.grad for p in model.parameters() if p.requires_grad]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
