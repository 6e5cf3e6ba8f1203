"""MMPose 1.3.2's outputs for an input size that is no whole multiple of the
heatmap size (input (192, 256), heatmap (40, 60): float ``scale_factor``),
and for decoding maps that take the codecs' exact (full-blur) paths: DARK
with the 1e-10 clamp biting, UDP with the [1e-3, 50] clip biting and a map
with a negative maximum (its ``-1`` location reads the previous map).

``data/float_ratio_mmpose.npz`` (8 KB) was made once with MMPose 1.3.2
(/tmp/anchor-venv): the four keypoints and visibilities below were encoded
by ``MSRAHeatmap(sigma=2)``, ``MegviiHeatmap(kernel_size=11)`` and
``UDPHeatmap()``, then ``decode`` was run on the maps built in
:data:`DECODES` (``<name>/heatmaps``, ``<name>/keypoint_weights``,
``<name>/decoded_keypoints``, ``<name>/decoded_scores``).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from .mmpose_match import assert_decoded_like_mmpose

SIZES = dict(input_size=(192, 256), heatmap_size=(40, 60))
CODECS = {
    'msra': dict(type='MSRAHeatmap', sigma=2, **SIZES),
    'dark': dict(type='MSRAHeatmap', sigma=2, unbiased=True, **SIZES),
    'megvii': dict(type='MegviiHeatmap', kernel_size=11, **SIZES),
    'udp': dict(type='UDPHeatmap', **SIZES),
}
# decode case: (codec, encoded maps it decodes, transform of those maps)
DECODES = {
    'msra': ('msra', 'msra', lambda h: h),
    'dark': ('dark', 'udp', lambda h: h),
    'dark_shifted': ('dark', 'udp', lambda h: h - 0.5),
    'megvii': ('megvii', 'megvii', lambda h: h),
    'udp': ('udp', 'udp', lambda h: h),
    'udp_scaled': ('udp', 'udp', lambda h: h * 100),
    'udp_shifted': ('udp', 'udp', lambda h: h - 0.3),
}


@pytest.fixture(scope='module')
def ref():
    path = Path(__file__).parent / 'data' / 'float_ratio_mmpose.npz'
    with np.load(path) as data:
        return {key: data[key] for key in data.files}


def test_keypoints_are_as_recorded(ref):
    np.testing.assert_array_equal(ref['keypoints'], np.array(
        [[[96.3, 130.7], [3.1, 250.2], [-9.5, 40.2], [150.0, 20.0]]],
        np.float32))
    np.testing.assert_array_equal(ref['keypoints_visible'], [[1, 1, 1, 0]])


def test_scale_factor_is_a_float_ratio(build):
    codec = build(CODECS['msra'])
    np.testing.assert_array_equal(codec.scale_factor,
                                  np.float32([192 / 40, 256 / 60]))


@pytest.mark.parametrize('name', ['msra', 'megvii', 'udp'])
def test_encode_matches_mmpose(build, ref, name):
    encoded = build(CODECS[name]).encode(ref['keypoints'],
                                         ref['keypoints_visible'])
    np.testing.assert_allclose(encoded['heatmaps'], ref[f'{name}/heatmaps'],
                               rtol=0, atol=1e-5)
    np.testing.assert_array_equal(encoded['keypoint_weights'],
                                  ref[f'{name}/keypoint_weights'])


@pytest.mark.parametrize('name', list(DECODES))
def test_decode_matches_mmpose(build, ref, name):
    codec_name, source, transform = DECODES[name]
    heatmaps = transform(ref[f'{source}/heatmaps']).astype(np.float32)
    keypoints, scores = build(CODECS[codec_name]).decode(heatmaps)
    assert_decoded_like_mmpose(keypoints, scores, ref[f'{name}/decoded_keypoints'],
                               ref[f'{name}/decoded_scores'])
