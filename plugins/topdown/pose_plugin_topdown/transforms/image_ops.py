"""Whole-image operations of the pipeline: flipping and HWC -> CHW tensors.

Both give MMPose's values but contiguous results made in one pass: MMPose
flips with ``np.flip`` (a negative-stride view that OpenCV later copies
slowly, ~1 ms for a COCO image) and transposes with torch's strided copy.
"""
from __future__ import annotations

from typing import Sequence, Union

import cv2
import numpy as np
import torch

__all__ = ['flip_image', 'as_opencv_image', 'image_to_tensor']

_FLIP_CODES = {'horizontal': 1, 'vertical': 0, 'diagonal': -1}
_FLIP_AXES = {'horizontal': 1, 'vertical': 0, 'diagonal': (0, 1)}
# dtypes cv2.flip takes (anything else uses NumPy)
_CV2_DTYPES = frozenset(np.dtype(t) for t in (
    np.uint8, np.int8, np.uint16, np.int16, np.int32, np.float32, np.float64))


def flip_image(img: np.ndarray, direction: str) -> np.ndarray:
    """``img`` ``(H, W[, C])`` flipped ``'horizontal'``, ``'vertical'`` or
    ``'diagonal'`` (both axes), as a new C-contiguous array equal to
    ``np.flip``'s."""
    if img.dtype in _CV2_DTYPES and img.ndim in (2, 3) \
            and (img.ndim == 2 or img.shape[2] <= 512) and img.size:
        # cv2 drops a trailing axis of 1 channel: restore the shape
        return cv2.flip(img, _FLIP_CODES[direction]).reshape(img.shape)
    return np.ascontiguousarray(np.flip(img, axis=_FLIP_AXES[direction]))


def as_opencv_image(img: np.ndarray) -> np.ndarray:
    """``img`` as an array OpenCV reads without its own copy.

    A flipped view (negative strides, as ``np.flip`` makes) would be copied
    element by element by the cv2 binding (~1 ms for a COCO image); it is
    flipped back to a plain view and copied by ``cv2.flip`` instead (~40 us).
    Other arrays come back unchanged.
    """
    flipped = tuple(axis for axis in range(min(img.ndim, 2))
                    if img.strides[axis] < 0)
    if not flipped or (img.ndim == 3 and img.strides[2] < 0):
        return img if not flipped else np.ascontiguousarray(img)
    direction = ('diagonal' if len(flipped) == 2 else
                 'vertical' if flipped == (0,) else 'horizontal')
    return flip_image(np.flip(img, axis=flipped), direction)


def image_to_tensor(img: Union[np.ndarray, Sequence[np.ndarray]]) -> torch.Tensor:
    """An image ``(H, W[, C])`` as a contiguous ``(C, H, W)`` tensor of the
    same dtype (a list of images: stacked ``(N, C, H, W)``)."""
    if not isinstance(img, np.ndarray):
        if not isinstance(img, (list, tuple)) or not all(
                isinstance(one, np.ndarray) for one in img):
            raise TypeError('image_to_tensor expects an array (H, W[, C]) or '
                            f'a list of arrays, got {type(img).__name__}')
        return torch.stack([image_to_tensor(one) for one in img])
    if img.ndim < 3:
        img = img[..., None]
    height, width, channels = img.shape
    if img.dtype in _CV2_DTYPES and 1 < channels <= 4:
        # de-interleave straight into the planes of one CHW array
        planes = np.empty((channels, height, width), dtype=img.dtype)
        cv2.split(img, list(planes))
    else:
        planes = np.ascontiguousarray(img.transpose(2, 0, 1))
    return torch.from_numpy(planes)
