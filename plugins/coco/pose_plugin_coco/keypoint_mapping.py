"""Keypoint re-indexing for ``CocoMetric``'s ``pred_converter`` and
``gt_converter`` (MMPose 1.x's ``KeypointConverter`` arguments:
``num_keypoints`` and ``mapping``, a list of ``(source, target)`` index
pairs).

Target keypoints no pair names are zero (coordinates and visibility); their
sigma is 1, as in MMPose.
"""
from __future__ import annotations

from numbers import Integral
from typing import Any, Sequence

import numpy as np


class KeypointMapping:
    """A checked ``dict(num_keypoints=..., mapping=[(source, target)...])``.

    :param converter: the converter config (its ``type`` is ignored).
    :param role: ``'pred_converter'`` or ``'gt_converter'``, for errors.
    """

    def __init__(self, converter: Any, role: str) -> None:
        if not isinstance(converter, dict) or 'num_keypoints' not in \
                converter or 'mapping' not in converter:
            raise ValueError(
                f'CocoMetric: {role} must be a dict with num_keypoints and '
                'mapping, e.g. dict(type="KeypointConverter", '
                f'num_keypoints=17, mapping=[(0, 0), (1, 2)]), got '
                f'{converter!r}')
        num = converter['num_keypoints']
        if not isinstance(num, Integral) or isinstance(num, bool) or num < 1:
            raise ValueError(f'CocoMetric: {role}.num_keypoints must be an '
                             f'int >= 1, got {num!r}')
        self.num_keypoints = int(num)
        pairs = list(converter['mapping'])
        sources, targets = [], []
        for pair in pairs:
            ok = isinstance(pair, Sequence) and len(pair) == 2 and all(
                isinstance(i, Integral) and not isinstance(i, bool)
                for i in pair)
            if not ok:
                raise ValueError(
                    f'CocoMetric: each {role}.mapping entry must be a pair '
                    f'(source_index, target_index) of ints, got {pair!r} '
                    '(pairs that average two source keypoints are not '
                    'supported by the metric)')
            sources.append(int(pair[0]))
            targets.append(int(pair[1]))
        bad = [t for t in targets if not 0 <= t < self.num_keypoints]
        if bad:
            raise ValueError(f'CocoMetric: {role}.mapping targets {bad} are '
                             f'outside 0..{self.num_keypoints - 1} '
                             '(num_keypoints)')
        self.role = role
        self.source = np.array(sources, dtype=np.intp)
        self.target = np.array(targets, dtype=np.intp)

    def _check_sources(self, count: int, what: str) -> None:
        if len(self.source) and not (
                -count <= self.source.min() and self.source.max() < count):
            raise ValueError(
                f'CocoMetric: {self.role}.mapping sources '
                f'{self.source.tolist()} do not fit {what} with {count} '
                'keypoints')

    def sigmas(self, sigmas: np.ndarray) -> np.ndarray:
        """The target sigmas ``(num_keypoints,)`` (1 where unmapped)."""
        sigmas = np.asarray(sigmas)
        self._check_sources(len(sigmas), 'the dataset sigmas')
        out = np.ones(self.num_keypoints, dtype=sigmas.dtype)
        out[self.target] = sigmas[self.source]
        return out

    def instances(self, values: np.ndarray) -> np.ndarray:
        """Re-index ``(N, K, ...)`` per-keypoint values (same dtype)."""
        self._check_sources(values.shape[1], 'the predictions')
        out = np.zeros((len(values), self.num_keypoints) + values.shape[2:],
                       dtype=values.dtype)
        out[:, self.target] = values[:, self.source]
        return out

    def annotation(self, ann: dict) -> None:
        """Re-index a COCO annotation's flat ``keypoints`` in place and set
        its ``num_keypoints`` (when present) to ``num_keypoints``, as
        MMPose does."""
        if 'keypoints' in ann:
            keypoints = np.array(ann['keypoints'])
            if keypoints.size % 3:
                raise ValueError(
                    f'CocoMetric: annotation {ann.get("id")!r} has '
                    f'{keypoints.size} keypoint values, not a multiple of 3')
            keypoints = keypoints.reshape(-1, 3)
            self._check_sources(len(keypoints), f'annotation '
                                f'{ann.get("id")!r}')
            out = np.zeros((self.num_keypoints, 3), dtype=keypoints.dtype)
            out[self.target] = keypoints[self.source]
            ann['keypoints'] = out.reshape(-1).tolist()
        if 'num_keypoints' in ann:
            ann['num_keypoints'] = self.num_keypoints
