"""``RandomHalfBody``: crop to the upper or lower body at random (MMPose 1.x)."""
from __future__ import annotations

from typing import Any, ClassVar, Dict, List, Optional, Tuple

import numpy as np
from posecore.transforms import BaseTransform

from .loading import describe_sample

__all__ = ['RandomHalfBody']


class RandomHalfBody(BaseTransform):
    """Replace an instance's box by the box around its visible upper-body
    (or lower-body) keypoints, at random.

    An instance qualifies with at least ``min_total_keypoints`` visible
    keypoints; it is then cropped with probability ``prob``, to the upper
    body with probability ``upper_prioritized_prob`` unless that half has
    too few visible keypoints (``min_upper_keypoints`` /
    ``min_lower_keypoints``), in which case the other half is used, or
    neither. The new box is centred on the mean of the chosen keypoints and
    sized by their extent times ``padding``.

    Needs ``keypoints`` ``(N, K, 2)``, ``keypoints_visible`` ``(N, K)`` (or
    ``(N, K, 2)``), ``upper_body_ids``, ``lower_body_ids``,
    ``bbox_center``, ``bbox_scale``; changes ``bbox_center`` and
    ``bbox_scale``.

    Draws (per instance, as MMPose): none below ``min_total_keypoints``,
    else one, and a second when that one selects the instance.
    """

    #: validated body-part ids per (upper, lower, K): the metainfo lists
    #: are the same for every sample of a dataset
    _ids_cache: ClassVar[Dict[tuple, Tuple[np.ndarray, np.ndarray]]] = {}

    def __init__(self,
                 min_total_keypoints: int = 9,
                 min_upper_keypoints: int = 2,
                 min_lower_keypoints: int = 3,
                 padding: float = 1.5,
                 prob: float = 0.3,
                 upper_prioritized_prob: float = 0.7) -> None:
        self.min_total_keypoints = min_total_keypoints
        self.min_upper_keypoints = min_upper_keypoints
        self.min_lower_keypoints = min_lower_keypoints
        self.padding = padding
        self.prob = prob
        self.upper_prioritized_prob = upper_prioritized_prob

    def _select(self, visible: np.ndarray, upper: np.ndarray,
                lower: np.ndarray) -> Optional[np.ndarray]:
        """Indices of the half chosen for one instance, or None."""
        if visible.sum() < self.min_total_keypoints:
            return None
        if np.random.rand() > self.prob:
            return None
        upper_valid = upper[visible[upper] > 0]
        lower_valid = lower[visible[lower] > 0]
        prefer_upper = np.random.rand() < self.upper_prioritized_prob
        upper_ok = len(upper_valid) >= self.min_upper_keypoints
        lower_ok = len(lower_valid) >= self.min_lower_keypoints
        if upper_ok and lower_ok:
            return upper_valid if prefer_upper else lower_valid
        if upper_ok:
            return upper_valid
        if lower_ok:
            return lower_valid
        return None

    def _half_body_box(self, keypoints: np.ndarray,
                       indices: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        chosen = keypoints[indices]
        center = chosen.mean(axis=0)[:2]
        x1, y1 = chosen.min(axis=0)
        x2, y2 = chosen.max(axis=0)
        scale = np.array([x2 - x1, y2 - y1], dtype=center.dtype) * self.padding
        return center, scale

    def transform(self, results: Dict[str, Any]) -> Dict[str, Any]:
        """Maybe replace ``bbox_center`` / ``bbox_scale`` per instance."""
        try:
            keypoints = results['keypoints']
            visible = results['keypoints_visible']
            upper_ids = results['upper_body_ids']
            lower_ids = results['lower_body_ids']
        except KeyError as err:
            raise KeyError(
                f'RandomHalfBody needs results[{err.args[0]!r}] (keypoints, '
                'keypoints_visible and the dataset metainfo upper_body_ids / '
                f'lower_body_ids); sample {describe_sample(results)}') from None
        if visible.ndim == 3:
            visible = visible[..., 0]
        upper, lower = self._body_ids(upper_ids, lower_ids, visible.shape[-1],
                                      results)
        chosen: List[Optional[np.ndarray]] = [
            self._select(one, upper, lower) for one in visible]
        if all(indices is None for indices in chosen):
            return results
        centers, scales = [], []
        for i, indices in enumerate(chosen):
            if indices is None:
                centers.append(results['bbox_center'][i])
                scales.append(results['bbox_scale'][i])
            else:
                center, scale = self._half_body_box(keypoints[i], indices)
                centers.append(center)
                scales.append(scale)
        results['bbox_center'] = np.stack(centers)
        results['bbox_scale'] = np.stack(scales)
        return results

    @classmethod
    def _body_ids(cls, upper_ids: Any, lower_ids: Any, num_keypoints: int,
                  results: Dict[str, Any]) -> Tuple[np.ndarray, np.ndarray]:
        """The ids as index arrays, checked against ``num_keypoints``."""
        key = (tuple(upper_ids), tuple(lower_ids), num_keypoints)
        cached = cls._ids_cache.get(key)
        if cached is not None:
            return cached
        arrays = []
        for name, ids in (('upper_body_ids', key[0]), ('lower_body_ids', key[1])):
            array = np.asarray(ids, dtype=np.intp) if all(
                isinstance(i, (int, np.integer)) for i in ids) else None
            if array is None or (array.size and (array.min() < 0 or
                                                 array.max() >= num_keypoints)):
                raise ValueError(
                    f'RandomHalfBody: {name} must be keypoint indices in '
                    f'[0, {num_keypoints}), got {list(ids)!r} (sample '
                    f'{describe_sample(results)})')
            array.setflags(write=False)   # shared by every sample
            arrays.append(array)
        if len(cls._ids_cache) > 64:
            cls._ids_cache.clear()
        cls._ids_cache[key] = upper, lower = arrays[0], arrays[1]
        return upper, lower

    def __repr__(self) -> str:
        return (f'{type(self).__name__}('
                f'min_total_keypoints={self.min_total_keypoints}, '
                f'min_upper_keypoints={self.min_upper_keypoints}, '
                f'min_lower_keypoints={self.min_lower_keypoints}, '
                f'padding={self.padding}, prob={self.prob}, '
                f'upper_prioritized_prob={self.upper_prioritized_prob})')
