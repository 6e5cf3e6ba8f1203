"""Geometry of boxes and keypoints for the data pipeline (MMPose 1.x
``structures.bbox`` / ``structures.keypoint`` functions, same numbers).

Formats: ``xyxy`` (left, top, right, bottom), ``xywh`` (left, top, width,
height), ``center``/``scale`` (box centre (x, y) and size (w, h), times a
padding factor). Shapes: N boxes, K keypoints, D keypoint dimension; a
single box may be given as ``(4,)`` (or ``(2,)``) and comes back so.

The warp matrices are MMPose's bit for bit: the same float32/float64 steps
in the same order, so ``cv2.warpAffine`` crops exactly the pixels MMPose
crops. Flipping follows MMPose's pixel convention (``x -> w - 1 - x``).
"""
from __future__ import annotations

import math
from typing import Any, Optional, Sequence, Tuple

import cv2
import numpy as np

__all__ = [
    'bbox_xyxy2xywh', 'bbox_xywh2xyxy', 'bbox_xyxy2cs', 'bbox_xywh2cs',
    'bbox_cs2xyxy', 'bbox_cs2xywh', 'flip_bbox', 'fix_aspect_ratio',
    'get_warp_matrix', 'get_udp_warp_matrix', 'flip_keypoints',
    'check_flip_indices', 'FLIP_DIRECTIONS',
]

#: the flip directions MMPose knows
FLIP_DIRECTIONS = ('horizontal', 'vertical', 'diagonal')


def _as_boxes(bbox: Any, width: int, name: str) -> Tuple[np.ndarray, bool]:
    """``bbox`` as an array ``(..., width)``; whether it was one box."""
    bbox = np.asarray(bbox)
    if bbox.ndim == 0 or bbox.shape[-1] < width:
        raise ValueError(f'{name} expects boxes of shape (N, {width}) or '
                         f'({width},), got shape {bbox.shape!r}')
    single = bbox.ndim == 1
    return (bbox[None] if single else bbox), single


def bbox_xyxy2xywh(bbox_xyxy: np.ndarray) -> np.ndarray:
    """(left, top, right, bottom[, score]) -> (left, top, w, h[, score]),
    shape ``(N, 4)`` or ``(N, 5)``; a new array."""
    boxes = np.array(bbox_xyxy, copy=True)
    boxes[..., 2:4] -= boxes[..., 0:2]
    return boxes


def bbox_xywh2xyxy(bbox_xywh: np.ndarray) -> np.ndarray:
    """(left, top, w, h[, score]) -> (left, top, right, bottom[, score]),
    shape ``(N, 4)`` or ``(N, 5)``; a new array."""
    boxes = np.array(bbox_xywh, copy=True)
    boxes[..., 2:4] += boxes[..., 0:2]
    return boxes


def bbox_xyxy2cs(bbox: np.ndarray,
                 padding: float = 1.) -> Tuple[np.ndarray, np.ndarray]:
    """Boxes (left, top, right, bottom) ``(N, 4)`` or ``(4,)`` -> centre and
    scale ``(N, 2)`` or ``(2,)``; the scale (w, h) is multiplied by
    ``padding``."""
    boxes, single = _as_boxes(bbox, 4, 'bbox_xyxy2cs')
    top_left, bottom_right = boxes[..., 0:2], boxes[..., 2:4]
    scale = (bottom_right - top_left) * padding
    center = (bottom_right + top_left) * 0.5
    return (center[0], scale[0]) if single else (center, scale)


def bbox_xywh2cs(bbox: np.ndarray,
                 padding: float = 1.) -> Tuple[np.ndarray, np.ndarray]:
    """Boxes (left, top, w, h) ``(N, 4)`` or ``(4,)`` -> centre and scale
    ``(N, 2)`` or ``(2,)``; the scale is multiplied by ``padding``."""
    boxes, single = _as_boxes(bbox, 4, 'bbox_xywh2cs')
    top_left, size = boxes[..., 0:2], boxes[..., 2:4]
    center = top_left + size * 0.5
    scale = size * padding
    return (center[0], scale[0]) if single else (center, scale)


def _cs2corner_size(center: np.ndarray, scale: np.ndarray, padding: float,
                    name: str) -> Tuple[np.ndarray, np.ndarray, bool]:
    center, scale = np.asarray(center), np.asarray(scale)
    if center.ndim != scale.ndim or center.shape[-1:] != (2,) \
            or scale.shape[-1:] != (2,):
        raise ValueError(f'{name} expects center and scale of the same '
                         f'shape (N, 2) or (2,), got {center.shape!r} and '
                         f'{scale.shape!r}')
    single = center.ndim == 1
    if single:
        center, scale = center[None], scale[None]
    size = scale / padding
    return center - 0.5 * size, size, single


def bbox_cs2xyxy(center: np.ndarray, scale: np.ndarray,
                 padding: float = 1.) -> np.ndarray:
    """Centre and scale ``(N, 2)`` or ``(2,)`` -> boxes (left, top, right,
    bottom); the scale is divided by ``padding`` first."""
    top_left, size, single = _cs2corner_size(center, scale, padding,
                                             'bbox_cs2xyxy')
    boxes = np.concatenate((top_left, top_left + size), axis=-1)
    return boxes[0] if single else boxes


def bbox_cs2xywh(center: np.ndarray, scale: np.ndarray,
                 padding: float = 1.) -> np.ndarray:
    """Centre and scale ``(N, 2)`` or ``(2,)`` -> boxes (left, top, w, h);
    the scale is divided by ``padding`` first."""
    top_left, size, single = _cs2corner_size(center, scale, padding,
                                             'bbox_cs2xywh')
    boxes = np.concatenate((top_left, size), axis=-1)
    return boxes[0] if single else boxes


def _check_direction(direction: Any, name: str) -> str:
    if direction not in FLIP_DIRECTIONS:
        raise ValueError(f'{name}: direction must be one of '
                         f'{FLIP_DIRECTIONS}, got {direction!r}')
    return direction


def flip_bbox(bbox: np.ndarray,
              image_size: Tuple[int, int],
              bbox_format: str = 'xywh',
              direction: str = 'horizontal') -> np.ndarray:
    """Flip boxes inside an image of size ``image_size`` ``(w, h)``.

    :param bbox: ``(..., 4)`` for ``'xyxy'`` / ``'xywh'``, ``(..., 2)`` for
        ``'center'`` (box centres).
    :param bbox_format: ``'xywh'``, ``'xyxy'`` or ``'center'``. As in MMPose
        an ``xywh`` box only has its left/top corner mirrored.
    :param direction: ``'horizontal'``, ``'vertical'`` or ``'diagonal'``.
    :returns: a new array.
    """
    _check_direction(direction, 'flip_bbox')
    if bbox_format not in ('xywh', 'xyxy', 'center'):
        raise ValueError("flip_bbox: bbox_format must be 'xywh', 'xyxy' or "
                         f"'center', got {bbox_format!r}")
    bbox = np.asarray(bbox)
    flipped = bbox.copy()
    w, h = image_size
    # pixel centres run 0..w-1, so x mirrors to w - 1 - x
    if bbox_format == 'xyxy':
        if direction == 'horizontal':
            # left and right swap roles
            flipped[..., 0:4:2] = w - bbox[..., 2::-2] - 1
        elif direction == 'vertical':
            flipped[..., 1:4:2] = h - bbox[..., 3::-2] - 1
        else:
            flipped[...] = [w, h, w, h] - bbox - 1
            flipped = np.concatenate((flipped[..., 2:], flipped[..., :2]),
                                     axis=-1)
    else:
        if direction == 'horizontal':
            flipped[..., 0] = w - bbox[..., 0] - 1
        elif direction == 'vertical':
            flipped[..., 1] = h - bbox[..., 1] - 1
        else:
            flipped[..., :2] = [w, h] - bbox[..., :2] - 1
    return flipped


def fix_aspect_ratio(bbox_scale: np.ndarray, aspect_ratio: float) -> np.ndarray:
    """Enlarge box scales ``(N, 2)`` to the ratio ``w / h == aspect_ratio``
    (the short side grows, as MMPose's ``TopdownAffine``)."""
    w, h = bbox_scale[:, 0:1], bbox_scale[:, 1:2]
    return np.where(w > h * aspect_ratio,
                    np.concatenate((w, w / aspect_ratio), axis=1),
                    np.concatenate((h * aspect_ratio, h), axis=1))


def _check_warp_args(center: Any, scale: Any, output_size: Any,
                     name: str) -> Tuple[np.ndarray, np.ndarray]:
    center, scale = np.asarray(center), np.asarray(scale)
    if center.shape != (2,) or scale.shape != (2,) or len(output_size) != 2:
        raise ValueError(
            f'{name} expects center (2,), scale (2,) and output_size (w, h) '
            f'of one box, got shapes {center.shape!r}, {scale.shape!r} and '
            f'output_size {output_size!r}')
    return center, scale


def get_warp_matrix(center: np.ndarray,
                    scale: np.ndarray,
                    rot: float,
                    output_size: Tuple[int, int],
                    shift: Tuple[float, float] = (0., 0.),
                    inv: bool = False,
                    fix_aspect_ratio: bool = True) -> np.ndarray:
    """The 2x3 affine matrix (float64) that maps the box (``center``,
    ``scale`` (w, h), rotated by ``rot`` degrees) onto an output of size
    ``output_size`` ``(w, h)``; ``inv`` maps the output back to the image.

    :param shift: translation of the box as a fraction of its size.
    :param fix_aspect_ratio: the third point pair is at a right angle to the
        first two (no shear); otherwise it follows the box height.

    Built as MMPose builds it (three point pairs through
    ``cv2.getAffineTransform``, the points rounded to float32 at the same
    steps) so the matrix is bitwise MMPose's.
    """
    center, scale = _check_warp_args(center, scale, output_size,
                                     'get_warp_matrix')
    dst_w, dst_h = output_size[0], output_size[1]
    rad = np.deg2rad(rot)
    sin, cos = np.sin(rad), np.cos(rad)
    offset = scale * np.asarray(shift, dtype=np.float64)
    origin = center + offset

    def rotated(x: Any, y: Any) -> np.ndarray:
        # rotation of (x, y) (a float64 vector, as MMPose's) by `rad`
        return np.array([[cos, -sin], [sin, cos]]) @ np.array([x, y])

    src = np.empty((3, 2), dtype=np.float32)
    dst = np.empty((3, 2), dtype=np.float32)
    src[0] = origin
    # half the box width to the left, along the rotated x axis
    src[1] = center + rotated(scale[0] * -0.5, 0.) + offset
    dst[0] = (dst_w * 0.5, dst_h * 0.5)
    dst[1] = np.array([dst_w * 0.5, dst_h * 0.5]) + (dst_w * -0.5, 0.)
    if fix_aspect_ratio:
        # third point: the first-to-second vector turned by 90 degrees
        for points in (src, dst):
            step = points[0] - points[1]
            points[2] = points[1] + np.array((-step[1], step[0]))
    else:
        src[2] = center + rotated(0., scale[1] * -0.5) + offset
        dst[2] = np.array([dst_w * 0.5, dst_h * 0.5]) + (0., dst_h * -0.5)
    if inv:
        return cv2.getAffineTransform(dst, src)
    return cv2.getAffineTransform(src, dst)


def get_udp_warp_matrix(center: np.ndarray,
                        scale: np.ndarray,
                        rot: float,
                        output_size: Tuple[int, int]) -> np.ndarray:
    """The 2x3 affine matrix (float32) of UDP (Huang et al., CVPR 2020):
    the box maps onto an output of ``output_size`` ``(w, h)`` with pixel
    ``0`` and ``size - 1`` at its edges. Same float32 steps as MMPose."""
    center, scale = _check_warp_args(center, scale, output_size,
                                     'get_udp_warp_matrix')
    rad = np.deg2rad(rot)
    cos, sin = math.cos(rad), math.sin(rad)
    scale_x = (output_size[0] - 1) / scale[0]
    scale_y = (output_size[1] - 1) / scale[1]
    # the image is taken as twice the centre, as MMPose does
    size_x, size_y = center[0] * 2, center[1] * 2
    warp = np.empty((2, 3), dtype=np.float32)
    warp[0, 0] = cos * scale_x
    warp[0, 1] = -sin * scale_x
    warp[0, 2] = scale_x * (-0.5 * size_x * cos + 0.5 * size_y * sin
                            + 0.5 * scale[0])
    warp[1, 0] = sin * scale_y
    warp[1, 1] = cos * scale_y
    warp[1, 2] = scale_y * (-0.5 * size_x * sin - 0.5 * size_y * cos
                            + 0.5 * scale[1])
    return warp


def check_flip_indices(flip_indices: Any, num_keypoints: int) -> np.ndarray:
    """``flip_indices`` as an int array of length ``num_keypoints`` with
    values in ``[0, num_keypoints)``.

    :raises ValueError: naming the expected length (or range) and what came.
    """
    if flip_indices is None:
        raise ValueError(
            f'flip_indices is missing: expected a list of {num_keypoints} '
            'keypoint indices (the dataset metainfo gives it)')
    indices = np.asarray(flip_indices)
    if indices.ndim != 1 or len(indices) != num_keypoints:
        got = (f'length {len(indices)}' if indices.ndim == 1
               else f'shape {indices.shape}')
        raise ValueError(
            f'flip_indices must have one entry per keypoint: expected length '
            f'{num_keypoints}, got {got} ({np.ravel(indices).tolist()[:20]!r});'
            ' check the dataset metainfo against the keypoints')
    if indices.dtype.kind not in 'iu' or (
            num_keypoints and (indices.min() < 0
                               or indices.max() >= num_keypoints)):
        raise ValueError(
            f'flip_indices must be ints in [0, {num_keypoints}), got '
            f'{indices.tolist()!r}')
    return indices


def flip_keypoints(keypoints: np.ndarray,
                   keypoints_visible: Optional[np.ndarray],
                   image_size: Tuple[int, int],
                   flip_indices: Sequence[int],
                   direction: str = 'horizontal'
                   ) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """Flip keypoints ``(..., K, D)`` inside an image of size ``(w, h)``.

    Horizontal and vertical flips also swap each keypoint with its mirror
    (``flip_indices``); as in MMPose, a diagonal flip mirrors the
    coordinates without swapping. ``keypoints_visible`` ``(..., K)`` (or
    ``(..., K, 1|2)``) moves with its keypoints; ``None`` stays ``None``.

    :raises ValueError: ``flip_indices`` of the wrong length, or visibility
        whose shape does not match the keypoints.
    """
    _check_direction(direction, 'flip_keypoints')
    keypoints = np.asarray(keypoints)
    if keypoints.ndim < 2:
        raise ValueError('flip_keypoints expects keypoints of shape '
                         f'(..., K, D), got shape {keypoints.shape!r}')
    axis = keypoints.ndim - 2
    if keypoints_visible is not None:
        keypoints_visible = np.asarray(keypoints_visible)
        if keypoints_visible.shape[:axis + 1] != keypoints.shape[:-1]:
            raise ValueError(
                f'keypoints {keypoints.shape!r} and keypoints_visible '
                f'{keypoints_visible.shape!r} do not match: visibility must '
                'be (..., K) or (..., K, 1|2) for keypoints (..., K, D)')
    w, h = image_size
    if direction == 'diagonal':
        return [w, h] - keypoints - 1, keypoints_visible
    indices = check_flip_indices(flip_indices, keypoints.shape[axis])
    keypoints = keypoints.take(indices, axis=axis)
    if keypoints_visible is not None:
        keypoints_visible = keypoints_visible.take(indices, axis=axis)
    if direction == 'horizontal':
        keypoints[..., 0] = w - 1 - keypoints[..., 0]
    else:
        keypoints[..., 1] = h - 1 - keypoints[..., 1]
    return keypoints, keypoints_visible
