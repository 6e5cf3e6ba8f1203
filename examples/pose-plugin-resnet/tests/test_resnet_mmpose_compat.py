"""Equivalence with MMPose 1.3.2's ``ResNet`` / ``ResNetV1d``: state-dict keys, shapes,
parameter counts, eval and train outputs, and its checkpoints loading with ``strict=True``."""
from __future__ import annotations

import hashlib

import numpy as np
import pytest
import torch

from posecore.registry import MODELS


def listing(model: torch.nn.Module) -> str:
    """``key<TAB>shape<TAB>dtype`` lines, as the reference script writes them."""
    return ''.join(f'{k}\t{tuple(v.shape)}\t{str(v.dtype).replace("torch.", "")}\n'
                   for k, v in model.state_dict().items())


def relative_error(ours: torch.Tensor, theirs: np.ndarray) -> float:
    return float(np.abs(ours.detach().numpy() - theirs).max() / np.abs(theirs).max())


@pytest.mark.parametrize('variant', ['ResNet', 'ResNetV1d'])
@pytest.mark.parametrize('depth', [18, 34, 50, 101, 152])
def test_keys_shapes_and_parameter_count_equal_mmpose(resnet_plugin, reference, variant, depth):
    ref = reference.architectures[f'{variant}-{depth}']
    model = MODELS.build(dict(type=variant, depth=depth, init_cfg=None))
    assert sum(p.numel() for p in model.parameters()) == ref['params']
    assert len(model.state_dict()) == ref['entries']
    assert hashlib.sha256(listing(model).encode()).hexdigest() == ref['listing_sha256']


@pytest.mark.parametrize('variant, name', [('ResNet', 'resnet50'), ('ResNetV1d', 'resnetv1d50')])
def test_depth50_keys_in_mmpose_order(resnet_plugin, reference, variant, name):
    model = MODELS.build(dict(type=variant, depth=50, init_cfg=None))
    ours = [tuple(line.split('\t')) for line in listing(model).splitlines()]
    assert ours == reference.keys(name)  # every key, shape and dtype, in the same order
    if variant == 'ResNet':
        assert sum(p.numel() for p in model.parameters()) == 23_508_032


CASES = ['r18_all_outs', 'r50_default', 'v1d50', 'r50_caffe_dilated',
         'r34_three_stages_avgdown', 'r18_gn', 'r18_deep_stem_gn']


@pytest.mark.parametrize('channels_last', [True, False])
@pytest.mark.parametrize('name', CASES)
def test_mmpose_weights_load_strictly_and_give_mmpose_outputs(resnet_plugin, reference, name,
                                                              channels_last):
    case = reference.case(name)
    model = MODELS.build(dict(case['config'], channels_last=channels_last))
    model.load_state_dict(reference.state_dict(name), strict=True)
    model.eval()
    with torch.no_grad():  # BatchNorm folded into the convs on this path
        outs = model(reference.input(name))
    assert [list(o.shape) for o in outs] == case['outputs']
    for ours, theirs in zip(outs, reference.outputs(name)):
        assert ours.is_contiguous()
        assert relative_error(ours, theirs) < 1e-5


@pytest.mark.parametrize('name', ['r18_frozen2_train', 'v1d50_frozen0_train',
                                  'r50_norm_eval_train', 'r50_train'])
def test_train_mode_flags_and_outputs_equal_mmpose(resnet_plugin, reference, name):
    case = reference.case(name)
    model = MODELS.build(dict(case['config'], channels_last=False))
    model.load_state_dict(reference.state_dict(name), strict=True)
    model.train()
    assert [int(p.requires_grad) for p in model.parameters()] == \
        reference.arrays[f'{name}.requires_grad'].tolist()
    assert [int(m.training) for m in model.modules()] == \
        reference.arrays[f'{name}.training'].tolist()
    outs = model(reference.input(name))  # with gradients: nothing folded, MMPose's maths
    for ours, theirs in zip(outs, reference.outputs(name)):
        # batch statistics of a 2-image batch amplify float rounding in tiny layers
        assert relative_error(ours, theirs) < 1e-4
