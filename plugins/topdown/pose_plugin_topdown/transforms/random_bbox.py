"""``RandomBBoxTransform``: random shift, resize and rotation of the boxes
(MMPose 1.x)."""
from __future__ import annotations

from numbers import Real
from typing import Any, Dict, Tuple

import numpy as np
from posecore.transforms import BaseTransform

from .loading import describe_sample
from .random_draws import truncnorm

__all__ = ['RandomBBoxTransform']

_SHIFT_DISTS = ('normal', 'uniform')


class RandomBBoxTransform(BaseTransform):
    """Shift, scale and rotate each box at random.

    Per box: with probability ``shift_prob`` the centre moves by
    ``v * shift_factor`` times the box size (per axis); with probability
    ``scale_prob`` the size is multiplied by a factor in ``scale_factor``;
    with probability ``rotate_prob`` the box turns by up to
    ``rotate_factor`` degrees (``bbox_rotation``, 0 otherwise).

    Shift, scale and rotation are standard normals truncated to [-1, 1],
    drawn (with the three probability draws) from ``np.random`` exactly as
    MMPose 1.3.2 draws them, so a seed gives MMPose's boxes.

    :param shift_factor: largest shift as a fraction of the box size.
    :param shift_prob: probability to shift.
    :param shift_dist: ``'normal'`` (truncated normal, MMPose 1.3.2) or
        ``'uniform'`` (uniform in [-1, 1), drawn after the truncated
        normals; not in MMPose 1.3.2).
    :param scale_factor: ``(min, max)`` scale factor; the truncated normal
        maps onto it (mean at the middle).
    :param scale_prob: probability to rescale.
    :param rotate_factor: largest rotation in degrees.
    :param rotate_prob: probability to rotate.

    Needs ``bbox_center`` and ``bbox_scale`` ``(N, 2)``; adds
    ``bbox_rotation`` ``(N,)`` (float32, degrees).
    """

    def __init__(self,
                 shift_factor: float = 0.16,
                 shift_prob: float = 0.3,
                 shift_dist: str = 'normal',
                 scale_factor: Tuple[float, float] = (0.5, 1.5),
                 scale_prob: float = 1.0,
                 rotate_factor: float = 80.0,
                 rotate_prob: float = 0.6) -> None:
        if shift_dist not in _SHIFT_DISTS:
            raise ValueError(f'RandomBBoxTransform: shift_dist must be one of '
                             f'{_SHIFT_DISTS}, got {shift_dist!r}')
        try:
            scale_min, scale_max = scale_factor
        except (TypeError, ValueError):
            raise ValueError('RandomBBoxTransform: scale_factor must be a '
                             f'pair (min, max), got {scale_factor!r}') from None
        for name, value in (('shift_factor', shift_factor),
                            ('shift_prob', shift_prob),
                            ('scale_prob', scale_prob),
                            ('rotate_factor', rotate_factor),
                            ('rotate_prob', rotate_prob),
                            ('scale_factor[0]', scale_min),
                            ('scale_factor[1]', scale_max)):
            if not isinstance(value, Real) or isinstance(value, bool):
                raise ValueError(f'RandomBBoxTransform: {name} must be a '
                                 f'number, got {value!r}')
        self.shift_factor = shift_factor
        self.shift_prob = shift_prob
        self.shift_dist = shift_dist
        self.scale_factor = scale_factor
        self.scale_prob = scale_prob
        self.rotate_factor = rotate_factor
        self.rotate_prob = rotate_prob

    def _get_transform_params(
            self, num_bboxes: int) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Offsets ``(n, 2)`` (fractions of the box size), scale factors
        ``(n, 1)`` and rotations ``(n,)`` in degrees, float32."""
        draws = truncnorm(-1., 1., size=(num_bboxes, 4)).astype(np.float32)
        if self.shift_dist == 'normal':
            offset = draws[:, :2] * self.shift_factor
        else:
            offset = (np.random.uniform(-1., 1., size=(num_bboxes, 2))
                      .astype(np.float32) * self.shift_factor)
        offset = np.where(
            np.random.rand(num_bboxes, 1) < self.shift_prob, offset, 0.)
        scale_min, scale_max = self.scale_factor
        mean = (scale_max + scale_min) * 0.5
        half_range = (scale_max - scale_min) * 0.5
        scale = draws[:, 2:3] * half_range + mean
        scale = np.where(
            np.random.rand(num_bboxes, 1) < self.scale_prob, scale, 1.)
        rotate = draws[:, 3] * self.rotate_factor
        rotate = np.where(
            np.random.rand(num_bboxes) < self.rotate_prob, rotate, 0.)
        return offset, scale, rotate

    def transform(self, results: Dict[str, Any]) -> Dict[str, Any]:
        """Change ``bbox_center`` / ``bbox_scale``, add ``bbox_rotation``."""
        if 'bbox_center' not in results or 'bbox_scale' not in results:
            raise KeyError('RandomBBoxTransform needs results["bbox_center"] '
                           'and results["bbox_scale"] (GetBBoxCenterScale '
                           f'adds them); sample {describe_sample(results)}')
        bbox_scale = results['bbox_scale']
        if np.ndim(bbox_scale) != 2:
            raise ValueError('RandomBBoxTransform expects bbox_scale of shape '
                             f'(N, 2), got {np.shape(bbox_scale)!r} (sample '
                             f'{describe_sample(results)})')
        offset, scale, rotate = self._get_transform_params(bbox_scale.shape[0])
        results['bbox_center'] = results['bbox_center'] + offset * bbox_scale
        results['bbox_scale'] = bbox_scale * scale
        results['bbox_rotation'] = rotate
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(shift_prob={self.shift_prob}, '
                f'shift_factor={self.shift_factor}, '
                f'shift_dist={self.shift_dist!r}, '
                f'scale_prob={self.scale_prob}, '
                f'scale_factor={self.scale_factor}, '
                f'rotate_prob={self.rotate_prob}, '
                f'rotate_factor={self.rotate_factor})')
