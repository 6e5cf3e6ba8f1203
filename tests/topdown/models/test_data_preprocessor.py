"""``PoseDataPreprocessor``: colour order, normalisation, padding, metainfo."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from posecore.registry import MODELS
from posecore.structures import PoseDataSample

from .helpers import PREPROCESSOR

MEAN = np.array(PREPROCESSOR['mean'], np.float32)[:, None, None]
STD = np.array(PREPROCESSOR['std'], np.float32)[:, None, None]


def _images(*sizes, seed=0):
    rng = np.random.default_rng(seed)
    return [torch.from_numpy(rng.integers(0, 256, (3, h, w), dtype=np.uint8)) for h, w in sizes]


def test_bgr_to_rgb_and_normalise_list_and_tensor():
    pre = MODELS.build(PREPROCESSOR)
    images = _images((64, 48), (64, 48))
    expected = np.stack([(img.numpy()[::-1].astype(np.float32) - MEAN) / STD for img in images])
    from_list = pre(dict(inputs=images, data_samples=[PoseDataSample(), PoseDataSample()]))
    np.testing.assert_array_equal(from_list['inputs'].numpy(), expected)
    from_tensor = pre(dict(inputs=torch.stack(images)))
    np.testing.assert_array_equal(from_tensor['inputs'].numpy(), expected)
    assert from_tensor['data_samples'] is None
    for sample in from_list['data_samples']:
        assert sample.batch_input_shape == (64, 48) and sample.pad_shape == (64, 48)


def test_padding_of_differently_sized_images():
    pre = MODELS.build(dict(type='PoseDataPreprocessor', pad_size_divisor=32, pad_value=7))
    images = _images((70, 50), (64, 90))
    out = pre(dict(inputs=images, data_samples=[PoseDataSample(), PoseDataSample()]))
    assert out['inputs'].shape == (2, 3, 96, 96)
    np.testing.assert_array_equal(out['inputs'][0, :, :70, :50].numpy(), images[0].numpy())
    assert (out['inputs'][0, :, 70:] == 7).all() and (out['inputs'][1, :, :, 90:] == 7).all()
    assert [s.pad_shape for s in out['data_samples']] == [(96, 64), (64, 96)]
    assert all(s.batch_input_shape == (96, 96) for s in out['data_samples'])
    assert MODELS.build(dict(type='PoseDataPreprocessor', pad_size_divisor=32))(
        dict(inputs=torch.stack(_images((70, 50), (70, 50)))))['inputs'].shape == (2, 3, 96, 64)


def test_mean_std_are_not_in_the_state_dict():
    assert not MODELS.build(PREPROCESSOR).state_dict()


@pytest.mark.parametrize('cfg, match', [
    (dict(mean=[1, 2, 3]), 'give both mean and std or neither'),
    (dict(mean=[1, 2], std=[1, 2]), r'mean=\[1, 2\] must be 3 numbers'),
    (dict(bgr_to_rgb=True, rgb_to_bgr=True), 'cannot both be True'),
    (dict(pad_size_divisor=0), 'pad_size_divisor=0 must be an int >= 1'),
])
def test_bad_arguments(cfg, match):
    with pytest.raises(ValueError, match=match):
        MODELS.build(dict(type='PoseDataPreprocessor', **cfg))


def test_bad_inputs():
    pre = MODELS.build(PREPROCESSOR)
    with pytest.raises(ValueError, match=r'images have \[1\] channels'):
        pre(dict(inputs=[torch.zeros(1, 8, 8, dtype=torch.uint8)]))
    with pytest.raises(ValueError, match=r'got a tensor of shape \(3, 8, 8\)'):
        pre(dict(inputs=torch.zeros(3, 8, 8, dtype=torch.uint8)))


def test_data_samples_already_on_the_device_pass_as_they_are():
    """No copy of a CPU sample for a CPU model (mmengine's ``to`` copies it whole);
    a sample holding a tensor elsewhere is still moved."""
    from mmengine.structures import InstanceData

    from pose_plugin_topdown.data_preprocessor import _all_on

    pre = MODELS.build(PREPROCESSOR)
    sample = PoseDataSample(metainfo=dict(flip_indices=[1, 0]))
    sample.gt_instances = InstanceData(keypoints=torch.zeros(1, 2, 2))
    out = pre(dict(inputs=_images((64, 48)), data_samples=[sample]))
    assert out['data_samples'][0] is sample
    assert sample.batch_input_shape == (64, 48)
    cpu = torch.device('cpu')
    assert _all_on(sample, cpu)
    sample.gt_instances.keypoints = torch.zeros(1, 2, 2, device='meta')
    assert not _all_on(sample, cpu)
