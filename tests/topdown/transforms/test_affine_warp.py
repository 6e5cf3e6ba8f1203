"""``warp_affine`` (BGR warped through OpenCV's 4-channel path) gives
``cv2.warpAffine``'s bytes for any box: inside, across the border, outside,
rotated, up- and downscaled, UDP's float32 matrices, flipped views and
degenerate boxes; stale scratch memory never leaks into the crop."""
from __future__ import annotations

import cv2
import numpy as np

from pose_plugin_topdown.bbox import get_udp_warp_matrix, get_warp_matrix
from pose_plugin_topdown.transforms import affine_warp
from pose_plugin_topdown.transforms.affine_warp import warp_affine


def _reference(img, matrix, size):
    return cv2.warpAffine(np.ascontiguousarray(img), matrix, size,
                          flags=cv2.INTER_LINEAR)


def test_same_bytes_as_cv2_warp_affine(coco_infos):
    rng = np.random.default_rng(0)
    images = [cv2.imread(path) for path in sorted({i['img_path'] for i in coco_infos})]
    for case in range(400):
        img = images[case % len(images)]
        h, w = img.shape[:2]
        center = (rng.random(2) * [w * 1.4, h * 1.4] - [w * 0.2, h * 0.2]).astype(np.float32)
        scale = (rng.random(2) * 700 + 1).astype(np.float32)
        rot = np.float32(rng.random() * 180 - 90) if case % 3 else np.float32(0)
        size = [(192, 256), (288, 384), (48, 64)][case % 3]
        matrix = (get_udp_warp_matrix if case % 4 == 0 else get_warp_matrix)(
            center, scale, rot, size)
        # stale bytes in the scratch buffer must not matter
        affine_warp._scratch(h, w)[...] = rng.integers(0, 256)
        src = np.flip(img, 1) if case % 5 == 0 else img
        got = warp_affine(src, matrix, size)
        assert got.dtype == np.uint8 and got.flags.c_contiguous
        np.testing.assert_array_equal(got, _reference(src, matrix, size),
                                      err_msg=f'case {case}')


def test_degenerate_and_other_images_take_opencv_directly():
    img = np.arange(30 * 40 * 3, dtype=np.uint8).reshape(30, 40, 3)
    zero = get_warp_matrix(np.float32([10, 10]), np.float32([0, 0]), 0., (16, 16))
    np.testing.assert_array_equal(warp_affine(img, zero, (16, 16)),
                                  _reference(img, zero, (16, 16)))
    matrix = get_warp_matrix(np.float32([20, 15]), np.float32([30, 20]), 10., (16, 16))
    for other in (img[..., 0], img.astype(np.float32), img[..., :2].copy()):
        np.testing.assert_array_equal(warp_affine(other, matrix, (16, 16)),
                                      _reference(other, matrix, (16, 16)))
    far = get_warp_matrix(np.float32([900, 900]), np.float32([30, 20]), 0., (16, 16))
    assert not warp_affine(img, far, (16, 16)).any()
