"""The testing kit (``posecore.testing``): each contract check passes a sound
component and fails a broken one with a message naming the component and the rule."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.evaluator import BaseMetric
from mmengine.model import BaseModule
from torch import nn

from posecore.codecs import BaseKeypointCodec
from posecore.errors import UsageError
from posecore.registry import KEYPOINT_CODECS, METRICS, MODELS, TRANSFORMS
from posecore.testing import (ContractError, build_component, check_backbone, check_codec,
                              check_metric, check_transform)
from posecore.transforms import BaseTransform


@pytest.fixture
def register(posecore_plugins):
    """``register(registry, cls)``: register a class for one test (restored afterwards)."""
    posecore_plugins()  # no distribution on: only what the test registers

    def add(registry, cls):
        registry.register_module(module=cls, force=True)
        return cls.__name__
    return add


# --------------------------------------------------------------- backbones
class SmallNet(BaseModule):
    """Two conv stages: a sound backbone."""

    def __init__(self, channels=8, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.stem = nn.Sequential(nn.Conv2d(3, channels, 3, 2, 1), nn.BatchNorm2d(channels),
                                  nn.ReLU())
        self.stage = nn.Conv2d(channels, 2 * channels, 3, 2, 1)

    def forward(self, x):
        x = self.stem(x)
        return (x, self.stage(x))


class NaNNet(SmallNet):
    def forward(self, x):
        outs = super().forward(x)
        return (outs[0], outs[1] * float('nan'))


class FlatNet(SmallNet):
    def forward(self, x):
        return super().forward(x)[1].flatten(2)


class DeadWeightNet(SmallNet):
    def __init__(self, **kw):
        super().__init__(**kw)
        self.unused = nn.Linear(4, 4)


class HiddenStateNet(SmallNet):
    def __init__(self, **kw):
        super().__init__(**kw)
        self.scale = torch.rand(1) + 1  # neither a parameter nor a buffer: lost on load

    def forward(self, x):
        return tuple(o * self.scale for o in super().forward(x))


class PlainNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)

    def forward(self, x):
        return self.conv(x)


def test_check_backbone_passes_a_sound_backbone(register):
    model = check_backbone(dict(type=register(MODELS, SmallNet)), input_shape=(2, 3, 32, 32))
    assert isinstance(model, SmallNet)


@pytest.mark.parametrize('cls, rule, figure', [
    (NaNNet, 'finite output', r'output 1 of shape \(2, 16, 8, 8\) holds 2048 NaN'),
    (FlatNet, 'output shape', r'output 0 has shape \(2, 16, 64\)'),
    (DeadWeightNet, 'gradient reaches every trainable parameter', r'unused\.weight'),
    (HiddenStateNet, 'state-dict round trip', r'differs by up to \d'),
    (PlainNet, 'init_weights', 'mmengine.model.BaseModule'),
])
def test_check_backbone_names_the_component_and_the_broken_rule(register, cls, rule, figure):
    name = register(MODELS, cls)
    with pytest.raises(ContractError, match=f"check_backbone: '{name}' breaks the rule "
                                            f"'{rule}': .*{figure}"):
        check_backbone(dict(type=name), input_shape=(2, 3, 32, 32))


# ------------------------------------------------------------------ codecs
class NormalizedCodec(BaseKeypointCodec):
    """Keypoints as fractions of the input size: an exact round trip."""

    label_mapping_table = dict(keypoint_labels='keypoint_labels')

    def __init__(self, input_size=(64, 64), shift=0.0):
        self.input_size = input_size
        self.shift = shift

    def encode(self, keypoints, keypoints_visible=None):
        keypoints, visible = self.check_keypoints(keypoints, keypoints_visible)
        return dict(keypoint_labels=keypoints / np.array(self.input_size, np.float32),
                    keypoint_weights=visible)

    def decode(self, encoded):
        keypoints = np.asarray(encoded) * np.array(self.input_size, np.float32) + self.shift
        return keypoints, np.ones(keypoints.shape[:-1], np.float32)


class InconsistentBatchCodec(NormalizedCodec):
    def batch_decode(self, batch):
        keypoints, scores = super().batch_decode(batch)
        return keypoints + np.arange(len(keypoints))[:, None, None, None], scores


def test_check_codec_passes_sound_codecs(register, posecore_plugins):
    check_codec(dict(type=register(KEYPOINT_CODECS, NormalizedCodec)), tolerance=1e-4)
    posecore_plugins('pose-plugin-heatmap-codecs')
    check_codec(dict(type='MSRAHeatmap', input_size=(192, 256), heatmap_size=(48, 64), sigma=2))


def test_check_codec_fails_a_codec_that_does_not_round_trip(register):
    name = register(KEYPOINT_CODECS, NormalizedCodec)
    with pytest.raises(ContractError, match=f"check_codec: '{name}' breaks the rule "
                                            r"'round trip': .* off by up to 5 input px "
                                            r'\(limit 1\); keypoint \d+ went from'):
        check_codec(dict(type=name, shift=5.0))


def test_check_codec_fails_a_batch_decode_unlike_decode(register):
    name = register(KEYPOINT_CODECS, InconsistentBatchCodec)
    with pytest.raises(ContractError, match=f"'{name}' breaks the rule 'batch decode': "
                                            r'batch_decode sample 1 differs .* up to 1 '):
        check_codec(dict(type=name))


def test_check_codec_asks_for_the_decode_key(register):
    name = register(KEYPOINT_CODECS, NormalizedCodec)
    with pytest.raises(ContractError, match=r"'encode output': encode returned the keys "
                                            r"\['keypoint_labels', 'keypoint_weights'\], "
                                            r"without \['heatmaps'\]"):
        check_codec(dict(type=name), decode_key='heatmaps')


# -------------------------------------------------------------- transforms
class Brighten(BaseTransform):
    def transform(self, results):
        results['img'] = np.clip(results['img'].astype(np.int16) + 10, 0, 255).astype(np.uint8)
        return results


class DropsKeypoints(BaseTransform):
    def transform(self, results):
        return {k: v for k, v in results.items() if k != 'keypoints'}


class FloatImage(BaseTransform):
    def transform(self, results):
        results['img'] = results['img'].astype(np.float32) / 255
        return results


class Drops(BaseTransform):
    def transform(self, results):
        return None


def test_check_transform_passes_a_sound_transform(register):
    out = check_transform(dict(type=register(TRANSFORMS, Brighten)))
    assert out['img'].dtype == np.uint8


@pytest.mark.parametrize('cls, rule, detail', [
    (DropsKeypoints, 'keys kept', r"lacks the input keys \['keypoints'\]"),
    (FloatImage, 'dtypes kept', "'img' changed dtype from uint8 to float32"),
    (Drops, 'returns a dict', 'returned None'),
])
def test_check_transform_names_the_broken_rule(register, cls, rule, detail):
    name = register(TRANSFORMS, cls)
    with pytest.raises(ContractError, match=f"check_transform: '{name}' breaks the rule "
                                            f"'{rule}': .*{detail}"):
        check_transform(dict(type=name))


def test_check_transform_accepts_documented_removals_and_conversions(register):
    check_transform(dict(type=register(TRANSFORMS, DropsKeypoints)), removes=['keypoints'])
    check_transform(dict(type=register(TRANSFORMS, FloatImage)), converts=['img'])
    assert check_transform(dict(type=register(TRANSFORMS, Drops)), may_drop=True) is None


# ----------------------------------------------------------------- metrics
class MeanError(BaseMetric):
    """Mean keypoint distance in pixels: a sound metric."""

    def process(self, data_batch, data_samples):
        for s in data_samples:
            diff = s['pred_instances']['keypoints'] - s['gt_instances']['keypoints']
            self.results.append(float(np.linalg.norm(diff, axis=-1).mean()))

    def compute_metrics(self, results):
        return dict(error=float(np.mean(results)))


class HalfWrong(MeanError):
    def compute_metrics(self, results):
        return dict(PCK=0.5 + float(np.mean(results)))


class AlwaysPerfect(MeanError):
    def compute_metrics(self, results):
        return dict(acc=1.0)


class Unnamed(MeanError):
    def compute_metrics(self, results):
        return dict(score=float(np.mean(results)))


def test_check_metric_passes_a_sound_metric(register):
    assert check_metric(dict(type=register(METRICS, MeanError))) == dict(error=0.0)


@pytest.mark.parametrize('cls, rule, detail', [
    (HalfWrong, 'perfect predictions score perfectly',
     "'PCK' is 0.5 for predictions equal to the ground truth; perfect is 1"),
    (AlwaysPerfect, 'responds to predictions', 'half a box away'),
    (Unnamed, 'perfect predictions score perfectly', r"pass perfect=\{'score': VALUE\}"),
])
def test_check_metric_names_the_broken_rule(register, cls, rule, detail):
    name = register(METRICS, cls)
    with pytest.raises(ContractError, match=f"check_metric: '{name}' breaks the rule "
                                            f"'{rule}': .*{detail}"):
        check_metric(dict(type=name))


def test_check_metric_takes_the_perfect_value_when_named(register):
    assert check_metric(dict(type=register(METRICS, Unnamed)), perfect={'score': 0.0})


# ------------------------------------------------------------------ others
def test_contract_error_is_an_assertion_error():
    assert issubclass(ContractError, AssertionError)


def test_build_component_builds_through_the_registry(register):
    assert isinstance(build_component('models', dict(type=register(MODELS, SmallNet))), SmallNet)
    with pytest.raises(UsageError, match="unknown registry 'model'; use one of datasets, hooks"):
        build_component('model', dict(type='SmallNet'))
    with pytest.raises(UsageError, match='must be a dict with a "type" key'):
        build_component('models', dict(channels=3))


def test_synthetic_coco_is_a_coco_data_root(synthetic_coco):
    ann = json.loads((synthetic_coco / 'annotations' / 'person_keypoints_train2017.json')
                     .read_text())
    assert len(ann['images']) == 4 and ann['annotations']
    assert len(list((synthetic_coco / 'val2017').glob('*.jpg'))) == 2
    assert (synthetic_coco / 'person_detection_results' /
            'COCO_val2017_detections_AP_H_56_person.json').is_file()


def test_the_pytest_plugin_loads_without_torch_numpy_or_mmengine():
    probe = ('import sys, posecore.testing; print(sorted(m for m in sys.modules if '
             "m.split('.')[0] in ('torch', 'numpy', 'mmengine')))")
    result = subprocess.run([sys.executable, '-c', probe], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == '[]'
