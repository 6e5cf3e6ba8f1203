"""Traced or exported, HRNet runs its plain modules (``pose_plugin_hrnet.tracing``):
the recorded graph has no oneDNN-only op, no in-place add into a view and no
folded constants, and computes what eager mode computes."""
from __future__ import annotations

import torch

from pose_plugin_hrnet.hrnet import HRNet
from pose_plugin_hrnet.tracing import tracing


def _model(extra) -> HRNet:
    model = HRNet(extra).eval()
    with torch.no_grad():  # non-trivial statistics, so a lost BatchNorm shows
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-1, 1)
                m.running_var.uniform_(0.5, 2)
                m.weight.uniform_(0.5, 1.5)
    return model


def test_tracing_is_false_in_eager_mode():
    assert tracing() is False


def test_a_trace_records_the_plain_modules(tiny_extra):
    model = _model(tiny_extra)
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        want = model(x)[0]  # the fast paths (folded, fused, blocked adds)
        traced = torch.jit.trace(model, (x, ), check_trace=False)
    kinds = [node.kind() for node in traced.inlined_graph.nodes()]
    assert not [k for k in kinds if k.startswith('mkldnn::')]
    assert 'aten::batch_norm' in kinds  # not folded into constants
    assert 'aten::upsample_nearest2d' in kinds  # not a blocked in-place view add
    with torch.no_grad():
        torch.testing.assert_close(traced(x)[0], want, rtol=1e-5, atol=1e-5)
        # the trace follows the parameters, as the module does
        model.conv1.weight.mul_(0.5)
        torch.testing.assert_close(traced(x)[0], model(x)[0], rtol=1e-5, atol=1e-5)


def test_torch_export_gives_the_eager_outputs(tiny_extra):
    model = _model(tiny_extra)
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        want = model(x)[0]
        program = torch.export.export(model, (x, ))
    targets = {str(n.target) for n in program.graph.nodes if n.op == 'call_function'}
    assert not [t for t in targets if 'mkldnn' in t]
    torch.testing.assert_close(program.module()(x)[0], want, rtol=1e-5, atol=1e-5)
