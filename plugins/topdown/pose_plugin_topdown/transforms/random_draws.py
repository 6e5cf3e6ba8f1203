"""Random draws of the random transforms, from NumPy's global generator in
MMPose's order.

MMPose's transforms draw from ``np.random`` (the global ``RandomState``
that mmengine seeds in each data-loader worker); drawing the same numbers
in the same order makes a seeded posecore run repeat itself and repeat
MMPose's. Two of MMPose's draws go through costly generic code
(``np.random.choice`` with probabilities, ``scipy.stats.truncnorm.rvs``);
the helpers here consume the generator exactly as those do and return the
same values, at a fraction of the cost and without SciPy.
"""
from __future__ import annotations

import bisect
import math
from statistics import NormalDist
from typing import Sequence, Tuple, Union

import numpy as np

__all__ = ['Choice', 'truncnorm']

_STANDARD_NORMAL = NormalDist()
_SQRT1_2 = math.sqrt(0.5)


class Choice:
    """``np.random.choice(len(probs), p=probs)`` for fixed ``probs``.

    NumPy draws one ``random_sample()`` and looks it up in the normalised
    cumulative sum of ``probs``; the table is built once here, with the
    same NumPy arithmetic, and the lookup is a bisection.

    :param probs: probabilities, non-negative, summing to 1 (within
        NumPy's tolerance, ``sqrt(float64 eps)``).
    :raises ValueError: probabilities that NumPy would refuse.
    """

    def __init__(self, probs: Sequence[float]) -> None:
        p = np.asarray(probs, dtype=np.float64)
        if p.ndim != 1 or p.size == 0:
            raise ValueError(f'probabilities must be a non-empty list, got '
                             f'{list(probs)!r}')
        if not np.all(np.isfinite(p)) or p.min() < 0:
            raise ValueError(f'probabilities must be finite and >= 0, got '
                             f'{p.tolist()!r}')
        if abs(math.fsum(p.tolist()) - 1.) > math.sqrt(np.finfo(np.float64).eps):
            raise ValueError(f'probabilities must sum to 1, got {p.tolist()!r} '
                             f'(sum {math.fsum(p.tolist())!r})')
        cdf = p.cumsum()
        cdf /= cdf[-1]
        self._cdf = cdf.tolist()

    def __call__(self) -> int:
        """Draw one index (one double from ``np.random``)."""
        return bisect.bisect_right(self._cdf, np.random.random_sample())


def _phi(x: float) -> float:
    """Standard normal CDF."""
    return 0.5 * math.erfc(-x * _SQRT1_2)


def truncnorm(low: float = -1.,
              high: float = 1.,
              size: Union[int, Tuple[int, ...]] = ()) -> np.ndarray:
    """Standard normal variates truncated to ``[low, high]``, float64, drawn
    as ``scipy.stats.truncnorm.rvs(low, high, size=size)`` draws them with
    the global generator: one ``uniform()`` per value (row-major), then the
    inverse CDF. Values agree with SciPy's to about 1e-16 (well below the
    float32 rounding that MMPose applies next).

    :raises ValueError: ``low >= high``.
    """
    if not low < high:
        raise ValueError(f'truncnorm needs low < high, got low={low!r}, '
                         f'high={high!r}')
    q = np.random.uniform(size=size)
    inv_cdf = _STANDARD_NORMAL.inv_cdf
    flat = np.ravel(q).tolist()
    if low < 0:
        # left of the mean: invert from the lower tail
        base, mass = _phi(low), _phi(high) - _phi(low)
        values = [inv_cdf(base + u * mass) for u in flat]
    else:
        # right of the mean: mirror, so the small tail stays accurate
        base, mass = _phi(-high), _phi(-low) - _phi(-high)
        values = [-inv_cdf(base + (1. - u) * mass) for u in flat]
    return np.array(values, dtype=np.float64).reshape(np.shape(q))
