"""Flip-test helpers: values as MMPose's flip/swap/shift (written out here
with explicit loops), and bad ``flip_indices``."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from pose_plugin_topdown.flip import (flip_coordinates, flip_heatmaps, flip_vectors,
                                      flip_visibility)

from .helpers import COCO_FLIP


def _expected(maps, flip_indices, group, negate, shift):
    """Flip columns, swap keypoint groups, negate the x offset, shift right by one."""
    b, c, h, w = maps.shape
    src = maps.reshape(b, c // group, group, h, w)
    out = np.empty_like(src)
    for k, j in enumerate(flip_indices):
        for col in range(w):
            out[:, k, :, :, col] = src[:, j, :, :, w - 1 - col]
    if negate is not None:
        out[:, :, negate] *= -1
    if shift:
        out[..., 1:] = out[..., :-1].copy()
    return out.reshape(b, c, h, w)


@pytest.mark.parametrize('shift', [True, False])
@pytest.mark.parametrize('mode, group, negate', [('heatmap', 1, None),
                                                 ('udp_combined', 3, 1), ('offset', 2, 0)])
def test_flip_heatmaps_values(mode, group, negate, shift):
    maps = torch.randn(2, 17 * group, 5, 7)
    before = maps.clone()
    got = flip_heatmaps(maps, COCO_FLIP, mode, shift)
    np.testing.assert_array_equal(got.numpy(),
                                  _expected(maps.numpy(), COCO_FLIP, group, negate, shift))
    assert torch.equal(maps, before)  # the input is left alone


def test_flip_heatmaps_channels_last_and_no_indices():
    maps = torch.randn(2, 4, 5, 6)
    got = flip_heatmaps(maps.contiguous(memory_format=torch.channels_last), None,
                        shift_heatmap=False)
    np.testing.assert_array_equal(got.numpy(), maps.flip(-1).numpy())


def test_flip_indices_of_wrong_length_names_expected_length():
    with pytest.raises(ValueError, match='flip_indices has length 16 .* expected length 17'):
        flip_heatmaps(torch.zeros(1, 17, 4, 4), COCO_FLIP[:16])
    with pytest.raises(ValueError, match='expected length 17'):  # 51 combined channels
        flip_heatmaps(torch.zeros(1, 51, 4, 4), list(range(51)), 'udp_combined')
    with pytest.raises(ValueError, match=r'outside \[0, 3\)'):
        flip_heatmaps(torch.zeros(1, 3, 4, 4), [0, 1, 3])


def test_bad_flip_mode_and_shapes():
    with pytest.raises(ValueError, match="flip_mode='vertical' is not supported"):
        flip_heatmaps(torch.zeros(1, 3, 4, 4), None, 'vertical')
    with pytest.raises(ValueError, match='3 channels per keypoint.*17 channels'):
        flip_heatmaps(torch.zeros(1, 17, 4, 4), None, 'udp_combined')
    with pytest.raises(ValueError, match=r'\(B, C, H, W\)'):
        flip_heatmaps(torch.zeros(17, 4, 4), None)


def test_flip_coordinates_vectors_visibility():
    coords = torch.rand(2, 17, 2)
    before = coords.clone()
    got = flip_coordinates(coords, COCO_FLIP, True, (192, 256))
    expected = coords.numpy()[:, COCO_FLIP].copy()
    expected[..., 0] = 1 - expected[..., 0] - 1 / 192
    np.testing.assert_allclose(got.numpy(), expected, rtol=0, atol=1e-7)
    assert torch.equal(coords, before)
    x, y = torch.rand(2, 17, 9), torch.rand(2, 17, 11)
    fx, fy = flip_vectors(x, y, COCO_FLIP)
    assert torch.equal(fx, x[:, COCO_FLIP].flip(-1)) and torch.equal(fy, y[:, COCO_FLIP])
    vis = torch.rand(2, 17)
    assert torch.equal(flip_visibility(vis, COCO_FLIP), vis[:, COCO_FLIP])


def test_a_fractional_shift_interpolates_between_no_shift_and_one_pixel():
    maps = torch.randn(2, 17, 5, 7)
    none = flip_heatmaps(maps, COCO_FLIP, shift_heatmap=False)
    one = flip_heatmaps(maps, COCO_FLIP, shift_heatmap=True)
    torch.testing.assert_close(flip_heatmaps(maps, COCO_FLIP, shift_heatmap=0.75),
                               0.25 * none + 0.75 * one)
    assert torch.equal(flip_heatmaps(maps, COCO_FLIP, shift_heatmap=1), one)
    assert torch.equal(flip_heatmaps(maps, COCO_FLIP, shift_heatmap=0.0), none)


@pytest.mark.parametrize('bad', [1.5, -0.25, 'yes', None])
def test_a_shift_outside_zero_to_one_pixel_is_refused(bad):
    with pytest.raises(ValueError, match=r'shift_heatmap=.*number in \[0, 1\]'):
        flip_heatmaps(torch.zeros(1, 17, 4, 4), COCO_FLIP, shift_heatmap=bad)


@pytest.mark.parametrize('x', [20.0, 37.5, 61.25])
def test_the_exact_shift_aligns_flipped_msra_heatmaps_where_one_pixel_overshoots(x):
    """A keypoint encoded by MSRAHeatmap (input 96 wide, heatmaps 24: stride 4) in an image
    and in its mirror image (column 95 - x): the flipped-back mirror map shifted by
    1 - 24/96 = 0.75 pixels decodes (DARK) where the unflipped one does; MMPose's one pixel
    puts it one input pixel right."""
    from posecore.registry import KEYPOINT_CODECS

    codec = KEYPOINT_CODECS.build(dict(type='MSRAHeatmap', input_size=(96, 128),
                                       heatmap_size=(24, 32), sigma=1, unbiased=True,
                                       blur_kernel_size=5))

    def heatmap(column):
        encoded = codec.encode(np.array([[[column, 60.0]]]), np.ones((1, 1)))
        return torch.from_numpy(encoded['heatmaps'])[None]  # (1, 1, 32, 24)

    def decoded_x(maps):
        return codec.decode(maps[0].numpy())[0][0, 0, 0]

    mirrored = heatmap(95 - x)
    assert decoded_x(flip_heatmaps(mirrored, [0], shift_heatmap=0.75)) == \
        pytest.approx(x, abs=0.15)
    assert decoded_x(flip_heatmaps(mirrored, [0], shift_heatmap=True)) == \
        pytest.approx(x + 1, abs=0.15)
