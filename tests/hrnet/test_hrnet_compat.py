"""Checkpoint compatibility with MMPose: state-dict keys, shapes, outputs."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from pose_plugin_hrnet.hrnet import HRNet


def _reference_keys(reference_dir: Path) -> dict[str, tuple[str, str]]:
    keys = {}
    for line in (reference_dir / 'mmpose_hrnet_w32_keys.txt').read_text().splitlines():
        if line.startswith('#') or not line.strip():
            continue
        key, shape, dtype = line.split('\t')
        if key.startswith('backbone.'):
            keys[key[len('backbone.'):]] = (shape, dtype)
    return keys


def test_w32_keys_shapes_dtypes_equal_mmpose(reference_dir, make_extra):
    ref = _reference_keys(reference_dir)
    model = HRNet(make_extra(32))
    ours = {k: (str(tuple(v.shape)), str(v.dtype).removeprefix('torch.'))
            for k, v in model.state_dict().items()}
    assert len(ref) == 1752
    assert list(ours) == list(ref)  # same keys in the same order
    assert ours == ref
    assert sum(p.numel() for p in model.parameters()) == 28_535_552


@pytest.mark.parametrize('channels_last', [True, False])
def test_small_model_reproduces_mmpose_backbone_out(reference_dir, channels_last):
    meta = json.loads((reference_dir / 'topdown_hrnet_small.json').read_text())
    arrays = np.load(reference_dir / 'topdown_hrnet_small.npz')
    state = torch.load(reference_dir / 'topdown_hrnet_small.pth', weights_only=True)
    cfg = dict(meta['config']['backbone'])
    assert cfg.pop('type') == 'HRNet'
    model = HRNet(**cfg, channels_last=channels_last)
    backbone_state = {k[len('backbone.'):]: v for k, v in state.items()
                      if k.startswith('backbone.')}
    model.load_state_dict(backbone_state, strict=True)
    model.eval()
    with torch.no_grad():
        outs = model(torch.from_numpy(arrays['preprocessed_inputs']))
    assert isinstance(outs, tuple) and len(outs) == 1
    ref = arrays['backbone_out']
    err = np.abs(outs[-1].numpy() - ref).max() / np.abs(ref).max()
    assert err < 1e-5
    assert outs[-1].is_contiguous()


def test_state_dict_round_trips_between_layouts(tiny_extra):
    fast = HRNet(tiny_extra, channels_last=True)
    plain = HRNet(tiny_extra, channels_last=False)
    plain.load_state_dict(fast.state_dict(), strict=True)
    assert all(v.is_contiguous() for v in fast.state_dict().values())
    x = torch.randn(1, 3, 64, 64)
    fast.eval(), plain.eval()
    with torch.no_grad():
        torch.testing.assert_close(fast(x)[0], plain(x)[0], rtol=1e-5, atol=1e-6)


def test_entry_point_declared():
    from importlib.metadata import entry_points

    found = [ep for ep in entry_points(group='posecore.models') if ep.name == 'HRNet']
    assert [ep.value for ep in found] == ['pose_plugin_hrnet.hrnet:HRNet']
