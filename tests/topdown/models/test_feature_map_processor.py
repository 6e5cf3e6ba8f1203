"""``FeatureMapProcessor`` (the HRNetV2 configs' neck): MMPose 1.3.2's outputs
(``tests/data/reference/feature_map_processor_mmpose.npz``, made by
``benchmarks/anchor/make_feature_map_processor_reference.py``), a single tensor, and
bad arguments."""
from __future__ import annotations

import importlib.util

import numpy as np
import pytest
import torch

from posecore.registry import MODELS

from ...conftest import DATA, REPO

_spec = importlib.util.spec_from_file_location(
    'make_feature_map_processor_reference',
    REPO / 'benchmarks' / 'anchor' / 'make_feature_map_processor_reference.py')
_reference = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_reference)  # its MMPose import is inside main()


def test_outputs_equal_mmposes():
    with np.load(DATA / 'reference' / 'feature_map_processor_mmpose.npz') as ref:
        arrays = dict(ref)
    maps = _reference.inputs()
    for i, x in enumerate(maps):
        np.testing.assert_array_equal(x.numpy(), arrays[f'input_{i}'])
    for c, kwargs in enumerate(_reference.CASES):
        out = MODELS.build(dict(type='FeatureMapProcessor', **kwargs))(maps)
        expected = sorted(k for k in arrays if k.startswith(f'case_{c}_'))
        assert isinstance(out, list) and len(out) == len(expected), kwargs
        for j, key in enumerate(expected):
            np.testing.assert_allclose(out[j].numpy(), arrays[key], rtol=0, atol=1e-6,
                                       err_msg=str(kwargs))


def test_hrnetv2_concat_shape_and_a_single_tensor():
    neck = MODELS.build(dict(type='FeatureMapProcessor', concat=True))
    maps = [torch.rand(1, c, 64 // 2 ** i, 64 // 2 ** i) for i, c in enumerate((18, 36, 72, 144))]
    assert neck(tuple(maps))[0].shape == (1, 270, 64, 64)
    single = MODELS.build(dict(type='FeatureMapProcessor', apply_relu=True))(maps[0] - 0.5)
    assert isinstance(single, torch.Tensor) and (single >= 0).all()


@pytest.mark.parametrize('kwargs, match', [
    (dict(scale_factor=0), r'scale_factor must be a number > 0, got 0'),
    (dict(select_index='0'), r'select_index must be an int or a tuple of ints'),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MODELS.build(dict(type='FeatureMapProcessor', **kwargs))


def test_select_index_out_of_range_is_named():
    neck = MODELS.build(dict(type='FeatureMapProcessor', select_index=(0, 5)))
    with pytest.raises(ValueError, match=r'select_index \(0, 5\) is out of range for 4'):
        neck([torch.rand(1, 2, 4, 4)] * 4)
