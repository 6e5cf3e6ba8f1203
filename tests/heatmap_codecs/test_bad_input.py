"""Wrong arguments and shapes raise ``ValueError`` naming what was expected
and what was received (never ``assert``)."""
from __future__ import annotations

import numpy as np
import pytest

SIZES = dict(input_size=(192, 256), heatmap_size=(48, 64))
MSRA = dict(type='MSRAHeatmap', sigma=2, **SIZES)
UDP = dict(type='UDPHeatmap', **SIZES)
COMBINED = dict(type='UDPHeatmap', heatmap_type='combined', **SIZES)
MEGVII = dict(type='MegviiHeatmap', kernel_size=11, **SIZES)


@pytest.mark.parametrize('cfg, match', [
    (dict(MSRA, heatmap_size=(0, 64)), r'heatmap_size must be a pair .*'
     r'ints >= 1, got \(0, 64\)'),
    (dict(MEGVII, input_size=(192, -256)), r'input_size must be a pair'),
    (dict(MSRA, heatmap_size=(48,)), r'heatmap_size must be a pair'),
    (dict(MSRA, input_size=(192.5, 256)), r'input_size must be a pair'),
    (dict(MSRA, sigma=0), r'sigma must be a number > 0, got 0'),
    (dict(MSRA, unbiased=True, blur_kernel_size=10),
     r'blur_kernel_size must be an odd int >= 1.*got 10'),
    (dict(MEGVII, kernel_size=4), r'kernel_size must be an odd int'),
    (dict(UDP, blur_kernel_size=4), r'blur_kernel_size must be an odd int'),
    (dict(COMBINED, blur_kernel_size=-1),
     r'blur_kernel_size must be an int >= 0 \(the blur kernel is 2 \* '
     r'value \+ 1\), got -1'),
    (dict(UDP, heatmap_type='offset'),
     r"heatmap_type must be one of \('gaussian', 'combined'\), "
     r"got 'offset'"),
    (dict(UDP, heatmap_size=(1, 64)), r'ints >= 2'),
    (dict(COMBINED, radius_factor=-1.0), r'radius_factor must be a number'),
])
def test_bad_arguments(build, cfg, match):
    with pytest.raises(ValueError, match=match):
        build(cfg)


@pytest.mark.parametrize('cfg', [MSRA, UDP, COMBINED, MEGVII])
@pytest.mark.parametrize('shape', [(17, 2), (1, 1, 17, 2), (1, 17, 3)])
def test_keypoints_of_wrong_shape(build, cfg, shape):
    codec = build(cfg)
    with pytest.raises(ValueError, match=r'expects keypoints of shape '
                       rf'\(N, K, 2\), got shape {re_shape(shape)}'):
        codec.encode(np.zeros(shape, np.float32))


@pytest.mark.parametrize('cfg', [MSRA, UDP, COMBINED, MEGVII])
def test_visibility_of_wrong_shape(build, cfg):
    codec = build(cfg)
    with pytest.raises(ValueError, match=r'keypoints_visible of shape '
                       r'\(1, 17\).*got shape \(17,\)'):
        codec.encode(np.zeros((1, 17, 2)), np.ones(17))


@pytest.mark.parametrize('cfg', [
    dict(MSRA, input_size=(190, 250)), dict(MEGVII, heatmap_size=(40, 60)),
    dict(MSRA, heatmap_size=(400, 600)),
    # options the configuration does not use are not checked, as in MMPose
    dict(MSRA, blur_kernel_size=10), dict(COMBINED, blur_kernel_size=10),
    dict(COMBINED, sigma=0), dict(UDP, radius_factor=-1.0)])
def test_arguments_mmpose_accepts(build, cfg):
    build(cfg)


@pytest.mark.parametrize('cfg', [MSRA, dict(MSRA, unbiased=True), UDP,
                                 COMBINED, MEGVII])
@pytest.mark.parametrize('n', [0, 2])
def test_encode_takes_exactly_one_instance(build, cfg, n):
    # MMPose asserts keypoints.shape[0] == 1 in all three codecs
    codec = build(cfg)
    with pytest.raises(ValueError, match=r'encodes exactly 1 instance.*'
                       r'expected keypoints of shape \(1, K, 2\), got shape '
                       rf'\({n}, 17, 2\)'):
        codec.encode(np.zeros((n, 17, 2)), np.ones((n, 17)))


@pytest.mark.parametrize('cfg, channels', [(MSRA, 'K'), (UDP, 'K'),
                                           (MEGVII, 'K'),
                                           (COMBINED, 'K a multiple of 3')])
@pytest.mark.parametrize('shape', [(17, 48, 64), (17, 64), (1, 17, 64, 48),
                                   (0, 64, 48)])
def test_decode_of_wrong_shape(build, cfg, channels, shape):
    codec = build(cfg)
    with pytest.raises(ValueError, match=r'decode expects heatmaps of shape '
                       rf'\(K, 64, 48\).*got shape {re_shape(shape)}'):
        codec.decode(np.zeros(shape, np.float32))


def test_combined_decode_needs_three_maps_per_keypoint(build):
    codec = build(COMBINED)
    with pytest.raises(ValueError, match=r'K a multiple of 3.*\(17, 64, 48\)'):
        codec.decode(np.zeros((17, 64, 48), np.float32))


@pytest.mark.parametrize('cfg', [MSRA, UDP, MEGVII])
def test_batch_decode_of_wrong_shape(build, cfg):
    codec = build(cfg)
    with pytest.raises(ValueError, match=r'batch_decode expects heatmaps of '
                       r'shape \(B, K, 64, 48\).*got shape \(17, 64, 48\)'):
        codec.batch_decode(np.zeros((17, 64, 48), np.float32))


def re_shape(shape) -> str:
    """A shape tuple as a regular expression."""
    return repr(tuple(shape)).replace('(', r'\(').replace(')', r'\)')
