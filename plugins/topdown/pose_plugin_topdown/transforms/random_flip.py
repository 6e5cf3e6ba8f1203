"""``RandomFlip``: flip image, boxes and keypoints at random (MMPose 1.x)."""
from __future__ import annotations

from numbers import Real
from typing import Any, Dict, List, Optional, Union

import numpy as np

from posecore.transforms import BaseTransform

from ..bbox import FLIP_DIRECTIONS, check_flip_indices, flip_bbox, flip_keypoints
from .image_ops import flip_image
from .loading import describe_sample
from .random_draws import Choice

__all__ = ['RandomFlip']


def _is_prob(value: Any) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool) \
        and 0 <= value <= 1


class RandomFlip(BaseTransform):
    """Flip the image, ``bbox`` (xyxy), ``bbox_center``, ``keypoints`` and
    ``keypoints_visible`` (and ``img_mask``) with probability ``prob``.

    Keypoints swap with their mirror through ``results['flip_indices']``
    (one index per keypoint) on horizontal and vertical flips. Adds
    ``flip`` (bool) and ``flip_direction`` (str or None).

    :param prob: flip probability; with a list of directions, a float is
        shared evenly among them, or a list gives one probability each
        (summing to at most 1).
    :param direction: ``'horizontal'``, ``'vertical'``, ``'diagonal'`` or a
        list of them, one drawn per sample.

    The draw is MMPose's (one ``np.random`` double per sample, looked up in
    the same table), so seeded runs flip the same samples. The flipped
    image is a contiguous copy, equal to MMPose's ``np.flip`` view.
    """

    def __init__(self,
                 prob: Union[float, List[float]] = 0.5,
                 direction: Union[str, List[str]] = 'horizontal') -> None:
        if isinstance(direction, str):
            directions = [direction]
        elif isinstance(direction, (list, tuple)) and direction:
            directions = list(direction)
        else:
            raise ValueError(f'RandomFlip: direction must be one of '
                             f'{FLIP_DIRECTIONS} or a list of them, got '
                             f'{direction!r}')
        for one in directions:
            if one not in FLIP_DIRECTIONS:
                raise ValueError(f'RandomFlip: direction must be one of '
                                 f'{FLIP_DIRECTIONS} or a list of them, got '
                                 f'{direction!r}')
        if isinstance(prob, (list, tuple)):
            if not isinstance(direction, (list, tuple)) \
                    or len(prob) != len(directions):
                raise ValueError(
                    f'RandomFlip: a list prob needs a list direction of the '
                    f'same length, got prob={prob!r}, direction={direction!r}')
            if not all(_is_prob(p) for p in prob) or not 0 <= sum(prob) <= 1:
                raise ValueError(f'RandomFlip: prob must be probabilities '
                                 f'summing to at most 1, got {prob!r}')
            probs = list(prob) + [1 - sum(prob)]
        elif _is_prob(prob):
            share = prob / len(directions)
            probs = [share] * len(directions) + [1. - prob]
        else:
            raise ValueError(f'RandomFlip: prob must be a float in [0, 1] or '
                             f'a list of them, got {prob!r}')
        self.prob = prob
        self.direction = direction
        # None (the last choice) means no flip, as in MMPose
        self._choices: List[Optional[str]] = directions + [None]
        self._choose = Choice(probs)

    def transform(self, results: Dict[str, Any]) -> Dict[str, Any]:
        """Flip (or not) and add ``flip`` / ``flip_direction``."""
        direction = self._choices[self._choose()]
        keypoints = results.get('keypoints', None)
        if direction is None:
            if keypoints is not None and 'flip_indices' in results:
                # catch a wrong metainfo on every sample, not only flipped ones
                self._check_indices(results, keypoints)
            results['flip'] = False
            results['flip_direction'] = None
            return results
        results['flip'] = True
        results['flip_direction'] = direction
        # MMPose reads input_size (w, h) here as (h, w); kept for equal
        # numbers (the two only differ after TopdownAffine)
        h, w = results.get('input_size', results['img_shape'])
        img = results['img']
        if isinstance(img, list):
            results['img'] = [flip_image(one, direction) for one in img]
        else:
            results['img'] = flip_image(img, direction)
        if 'img_mask' in results:
            results['img_mask'] = flip_image(results['img_mask'], direction)
        if results.get('bbox', None) is not None:
            results['bbox'] = flip_bbox(results['bbox'], (w, h), 'xyxy',
                                        direction)
        if results.get('bbox_center', None) is not None:
            results['bbox_center'] = flip_bbox(results['bbox_center'], (w, h),
                                               'center', direction)
        if keypoints is not None:
            try:
                keypoints, visible = flip_keypoints(
                    keypoints, results.get('keypoints_visible', None), (w, h),
                    results.get('flip_indices', None), direction)
            except ValueError as err:
                raise ValueError(f'RandomFlip: {err} (sample '
                                 f'{describe_sample(results)})') from None
            results['keypoints'] = keypoints
            if visible is not None:
                results['keypoints_visible'] = visible
        return results

    @staticmethod
    def _check_indices(results: Dict[str, Any], keypoints: Any) -> None:
        indices = results['flip_indices']
        num_keypoints = np.shape(keypoints)[-2]
        if hasattr(indices, '__len__') and len(indices) == num_keypoints:
            return
        try:
            check_flip_indices(indices, num_keypoints)
        except ValueError as err:
            raise ValueError(f'RandomFlip: {err} (sample '
                             f'{describe_sample(results)})') from None

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(prob={self.prob}, '
                f'direction={self.direction})')
