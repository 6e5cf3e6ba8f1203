"""The blurs the decoders build on equal OpenCV's, as MMPose calls it: one
call for all maps, and the local blur around one pixel per map."""
from __future__ import annotations

import cv2
import numpy as np
import pytest
from pose_plugin_heatmap_codecs.blur import LocalBlur, blur_maps


def mmpose_blur(heatmap: np.ndarray, kernel_size: int) -> np.ndarray:
    """MMPose's ``gaussian_blur`` without its rescale: zero padding."""
    border = kernel_size // 2
    padded = np.pad(heatmap, border).astype(np.float32)
    blurred = cv2.GaussianBlur(padded, (kernel_size, kernel_size), 0)
    return blurred[border:-border, border:-border]


@pytest.fixture
def maps():
    return np.random.default_rng(0).normal(size=(5, 20, 16)).astype(np.float32)


@pytest.mark.parametrize('kernel_size', [3, 11, 23, 41])
def test_blur_maps_is_opencv_per_map(maps, kernel_size):
    zero = blur_maps(maps, kernel_size)
    reflect = blur_maps(maps, kernel_size, reflect=True)
    for i, heatmap in enumerate(maps):
        np.testing.assert_allclose(zero[i], mmpose_blur(heatmap, kernel_size),
                                   rtol=0, atol=1e-7)
        np.testing.assert_array_equal(
            reflect[i], cv2.GaussianBlur(heatmap, (kernel_size,) * 2, 0))


@pytest.mark.parametrize('kernel_size, reach', [(3, 1), (11, 2), (17, 1)])
def test_local_blur_is_the_full_blur_around_a_pixel(maps, kernel_size, reach):
    m, height, width = maps.shape
    # corners, borders and inside
    x = np.array([0, width - 1, 3, 0, 7])
    y = np.array([0, height - 1, 0, 9, 10])
    local = LocalBlur(kernel_size, reach, (width, height))(maps, x, y)
    full = np.pad(blur_maps(maps, kernel_size), ((0, 0), (reach,) * 2,
                                                 (reach,) * 2))
    for i in range(m):
        square = full[i, y[i]:y[i] + 2 * reach + 1, x[i]:x[i] + 2 * reach + 1]
        inside = square != 0  # the padding is not blurred
        np.testing.assert_allclose(local[i][inside], square[inside],
                                   rtol=0, atol=1e-6)
