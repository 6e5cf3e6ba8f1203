"""``init_cfg=dict(type='Pretrained', ...)``: MMPose checkpoints (whole pose models with
``prefix='backbone.'``, or bare backbones) and torchvision-style files load and give
MMPose's outputs; model-zoo names resolve without torchvision; bad files are named."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from pose_plugin_resnet.errors import ResNetConfigError
from pose_plugin_resnet.pretrained import resolve_checkpoint
from posecore.checkpoint import CheckpointLoadError
from posecore.registry import MODELS

CASE = 'r18_all_outs'


def _pretrained(reference, path, **extra):
    cfg = dict(reference.case(CASE)['config'],
               init_cfg=dict(type='Pretrained', checkpoint=str(path), **extra))
    model = MODELS.build(cfg)
    model.init_weights()
    return model.eval()


def _assert_mmpose_outputs(reference, model):
    with torch.no_grad():
        outs = model(reference.input(CASE))
    for ours, theirs in zip(outs, reference.outputs(CASE)):
        assert np.abs(ours.numpy() - theirs).max() / np.abs(theirs).max() < 1e-5


def test_whole_pose_model_checkpoint_with_prefix(resnet_plugin, reference, tmp_path):
    path = tmp_path / 'td-hm_res18.pth'
    state = {f'backbone.{k}': v for k, v in reference.state_dict(CASE).items()}
    state['head.final_layer.weight'] = torch.zeros(17, 32, 1, 1)
    torch.save({'meta': {'epoch': 210}, 'state_dict': state}, path)
    model = _pretrained(reference, path, prefix='backbone.')
    # zero_init_residual (on by default) does not touch loaded weights
    assert float(model.layer1[0].bn2.weight.detach().abs().sum()) > 0
    _assert_mmpose_outputs(reference, model)


def test_torchvision_style_checkpoint_with_classifier_keys(resnet_plugin, reference, tmp_path):
    path = tmp_path / 'resnet18-imagenet.pth'
    torch.save({**reference.state_dict(CASE), 'fc.weight': torch.zeros(1000, 32),
                'fc.bias': torch.zeros(1000)}, path)
    _assert_mmpose_outputs(reference, _pretrained(reference, path))  # fc.*: a warning only


def test_model_zoo_names_resolve_without_torchvision():
    assert resolve_checkpoint('torchvision://resnet50') == \
        'https://download.pytorch.org/models/resnet50-0676ba61.pth'
    assert resolve_checkpoint('open-mmlab://resnet50_v1c').startswith('https://download.openmmlab')
    assert resolve_checkpoint('weights/r50.pth') == 'weights/r50.pth'
    with pytest.raises(ResNetConfigError, match=r"no model 'resnet51'.*'resnet50'"):
        resolve_checkpoint('torchvision://resnet51')


def test_shape_mismatch_is_an_error(resnet_plugin, reference, tmp_path):
    path = tmp_path / 'r18.pth'
    torch.save(reference.state_dict(CASE), path)
    cfg = dict(reference.case(CASE)['config'], base_channels=8,
               init_cfg=dict(type='Pretrained', checkpoint=str(path)))
    with pytest.raises(CheckpointLoadError, match=r'shape mismatches.*check depth, base_channels'):
        MODELS.build(cfg).init_weights()


def test_wrong_prefix_is_an_error(resnet_plugin, reference, tmp_path):
    path = tmp_path / 'r18.pth'
    torch.save({'state_dict': reference.state_dict(CASE)}, path)
    with pytest.raises(CheckpointLoadError, match=r"no keys starting with prefix 'backbone.'"):
        _pretrained(reference, path, prefix='backbone')


def test_missing_file_is_named(resnet_plugin, reference, tmp_path):
    with pytest.raises(CheckpointLoadError, match='does not exist'):
        _pretrained(reference, tmp_path / 'absent.pth')
