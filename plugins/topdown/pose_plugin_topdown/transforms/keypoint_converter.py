"""``KeypointConverter``: one dataset's keypoints in another's layout (MMPose 1.x), for
training on datasets combined (``CombinedDataset``, mmengine's ``ConcatDataset``)."""
from __future__ import annotations

from numbers import Integral
from typing import Any, Dict, Sequence

import numpy as np
from posecore.transforms import BaseTransform

from .loading import describe_sample

__all__ = ['KeypointConverter']


def _index(value: Any) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool) and value >= 0


class KeypointConverter(BaseTransform):
    """Reorder ``keypoints`` ``(N, K, 2)`` and ``keypoints_visible`` into a layout of
    ``num_keypoints``: target ``t`` of each ``(s, t)`` pair of ``mapping`` takes
    source keypoint ``s``, or the mean of two, ``((s1, s2), t)`` (visible when both
    are). Targets no pair names are zero and invisible.

    As MMPose: the results are float64; ``keypoints_visible`` becomes
    ``(N, num_keypoints, 2)``: the visibility, and a weight of 1 for every mapped
    target (``GenerateTarget`` splits it into ``keypoints_visible_weights``).
    With pairs of sources, ``flip_indices`` is cut to the mapping's length, a
    pair's own index replacing what it cannot name; otherwise it is kept.

    :param num_keypoints: keypoints of the target layout.
    :param mapping: ``(source, target)`` pairs, a source an index or two.
    """

    def __init__(self, num_keypoints: int, mapping: Sequence[Sequence[Any]]) -> None:
        if not _index(num_keypoints) or num_keypoints < 1:
            raise ValueError(f'KeypointConverter: num_keypoints must be an int >= 1, got '
                             f'{num_keypoints!r}')
        pairs = [tuple(p) if isinstance(p, (list, tuple)) else p for p in mapping]
        for pair in pairs:
            ok = isinstance(pair, tuple) and len(pair) == 2
            source = pair[0] if ok else None
            sources = tuple(source) if isinstance(source, (list, tuple)) else (source, )
            if not (ok and len(sources) in (1, 2) and all(map(_index, sources))
                    and _index(pair[1]) and pair[1] < num_keypoints):
                raise ValueError(
                    f'KeypointConverter: each mapping entry must be (source, target) or '
                    f'((source1, source2), target) with indices >= 0 and target < '
                    f'num_keypoints={num_keypoints}, got {pair!r}')
        self.num_keypoints = num_keypoints
        self.mapping = mapping
        sources = [p[0] for p in pairs]
        self.interpolation = any(isinstance(s, (list, tuple)) for s in sources)
        self.source_index = [s[0] if isinstance(s, (list, tuple)) else s for s in sources]
        self.source_index2 = [s[1] if isinstance(s, (list, tuple)) else s for s in sources]
        self.target_index = [p[1] for p in pairs]

    def transform(self, results: Dict[str, Any]) -> Dict[str, Any]:
        """Convert ``keypoints``, ``keypoints_visible`` and ``flip_indices``."""
        if 'keypoints' not in results:
            raise KeyError('KeypointConverter needs results["keypoints"] (N, K, 2); sample '
                           f'{describe_sample(results)}')
        source = np.asarray(results['keypoints'])
        n, k = source.shape[:2]
        visible = results.get('keypoints_visible')
        visible = np.ones((n, k)) if visible is None else np.asarray(visible)
        if visible.ndim > 2:
            visible = visible[:, :, 0]
        used = max(self.source_index + self.source_index2, default=-1)
        if used >= k:
            raise ValueError(
                f'KeypointConverter: mapping names source keypoint {used}, but the sample '
                f'has {k} keypoints (sample {describe_sample(results)}); check the mapping '
                f'against the dataset it converts')
        keypoints = np.zeros((n, self.num_keypoints, 3))
        out_visible = np.zeros((n, self.num_keypoints))
        weights = out_visible.copy()
        weights[:, self.target_index] = 1.0
        c = source.shape[-1]
        flip_indices = results.get('flip_indices')
        if self.interpolation:
            keypoints[:, self.target_index, :c] = 0.5 * (
                source[:, self.source_index] + source[:, self.source_index2])
            out_visible[:, self.target_index] = (visible[:, self.source_index]
                                                 * visible[:, self.source_index2])
            if flip_indices is not None:
                flip_indices = list(flip_indices)
                for i, (s1, s2) in enumerate(zip(self.source_index, self.source_index2)):
                    idx = flip_indices[s1] if s1 == s2 else i
                    idx = idx if idx < self.num_keypoints else i
                    if i < len(flip_indices):  # in place, as MMPose: later reads see it
                        flip_indices[i] = idx
                    else:  # more targets than source keypoints (MMPose: IndexError)
                        flip_indices.append(idx)
                flip_indices = flip_indices[:len(self.source_index)]
        else:
            keypoints[:, self.target_index, :c] = source[:, self.source_index]
            out_visible[:, self.target_index] = visible[:, self.source_index]
        results['keypoints'] = keypoints[..., :2]
        results['keypoints_visible'] = np.stack([out_visible, weights], axis=2)
        results['flip_indices'] = flip_indices
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(num_keypoints={self.num_keypoints}, '
                f'mapping={self.mapping})')
