"""DARK's sub-pixel refinement of heatmap maxima (MMPose's
``refine_keypoints_dark``), vectorised over all maps; the quarter-pixel
steps are in :mod:`.refinement_quarter`, UDP's in :mod:`.refinement_udp`.

Shapes: M maps (``B * K``), heatmap ``(H, W)``; ``index``, ``pixel`` and
``vals`` ``(M,)`` from :func:`~.argmax.heatmap_maximum`, ``locs`` ``(M, 2)``
float32 from :func:`~.argmax.maximum_locations` (``-1`` = no maximum).
Every function returns refined float32 locations ``(M, 2)``.
"""
from __future__ import annotations

from typing import Tuple

import numpy as np

from .argmax import maximum_locations, pixel_xy
from .blur import LocalBlur, modulated_log


def newton_step(d: np.ndarray, eps: float = 0.) -> tuple:
    """``inverse(Hessian + eps) @ gradient`` ``(M, 2)`` from derivatives
    ``d`` ``(M, 5)`` float64 ``[dx, dy, dxx, dyy, dxy]`` (closed-form 2 x 2
    inverse), and ``gain`` ``(M,)``: how much an error in the log values
    can move the step (inverse norm times ``1 + 4 |step|``)."""
    dx, dy, dxx, dyy, dxy = d.T
    if eps:
        dxx = dxx + eps
        dyy = dyy + eps
    det = dxx * dyy - dxy * dxy
    step = np.stack([dyy * dx - dxy * dy, dxx * dy - dxy * dx], axis=1)
    norm = np.maximum(np.abs(dxx), np.abs(dyy)) + np.abs(dxy)
    # a flat map (det 0) gives NaN: unstable, computed the exact way
    with np.errstate(divide='ignore', invalid='ignore'):
        step /= det[:, None]
        norm /= np.abs(det)
    return step, norm * (1 + 4 * np.abs(step).max(1))


def inverse(hessian: np.ndarray) -> np.ndarray:
    """``np.linalg.inv`` of each 2 x 2 matrix of ``hessian`` ``(M, 2, 2)``,
    as MMPose calls it; NaN for a matrix it refuses (``LinAlgError``:
    singular, or infinities making NaN), where MMPose fails."""
    try:
        return np.linalg.inv(hessian)
    except np.linalg.LinAlgError:
        out = np.full_like(hessian, np.nan)
        for i, one in enumerate(hessian):
            try:
                out[i] = np.linalg.inv(one)
            except np.linalg.LinAlgError:
                pass
        return out


def unstable(gain: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``(M,)`` bool: steps that rounding of the log values ``v`` ``(M, S)``
    by a few float32 ulp (MMPose's arithmetic) could move by more than
    5e-5 px; near-flat maxima (on a border, say) are such. NaN is too."""
    return ~(4e-7 * (1 + np.abs(v[:, 0])) * gain < 5e-5)


def dark_step(v: np.ndarray, locs: np.ndarray,
              valid: np.ndarray) -> np.ndarray:
    """MMPose's DARK step from the 13 log values ``v`` ``(M, 13)`` (order
    of :attr:`DarkRefiner.PIXELS`), op for op in ``v``'s dtype, where
    ``valid``; float32 locations ``(M, 2)``."""
    # inf - inf on maps rescaled by x / 0 (see the end): no warning
    with np.errstate(invalid='ignore', over='ignore'):
        c = v[:, 0]
        dx = 0.5 * (v[:, 1] - v[:, 2])
        dy = 0.5 * (v[:, 3] - v[:, 4])
        dxx = 0.25 * (v[:, 5] - 2 * c + v[:, 6])
        dxy = 0.25 * (v[:, 9] - v[:, 10] - v[:, 11] + v[:, 12])
        dyy = 0.25 * (v[:, 7] - 2 * c + v[:, 8])
        det = dxx * dyy - dxy ** 2
    # MMPose skips a keypoint whose Hessian determinant is exactly 0
    valid = valid & (det != 0)
    hessian = np.stack([dxx, dxy, dxy, dyy], axis=1).reshape(-1, 2, 2)
    hessian[~valid] = np.eye(2)
    step = (-inverse(hessian) @ np.stack([dx, dy], axis=1)[:, :, None])[:, :, 0]
    # beyond MMPose (NaN or LinAlgError there): a positive maximum whose blur
    # underflows (subnormal values) makes the rescale x / 0 and the log
    # values NaN or infinite; its integer maximum stays
    valid &= np.isfinite(step).all(1)
    return np.where(valid[:, None], locs + step, locs)


class DarkRefiner:
    """DARK: one Newton step on ``log(max(modulated, 1e-10))`` from the
    integer maximum (of the raw map) where ``1 < x < W - 2`` and
    ``1 < y < H - 2`` and the Hessian is invertible.

    MMPose blurs the whole map (zero padding) and rescales it to its
    original maximum. The step reads only 13 pixels of the 5 x 5 square
    around the maximum, so only those are blurred (:class:`~.blur.LocalBlur`).
    The rescale is a constant factor ``s >= 1`` (blurring does not raise
    the maximum), an added ``log s`` that cancels in every derivative.
    Maps where that fails (the clamp at 1e-10 bites) or where the step is
    sensitive to rounding (:func:`unstable`) are computed as MMPose does
    (:func:`dark_step`).
    """

    # (dy, dx) of the 13 pixels: centre, x+-1, y+-1, x+-2, y+-2, diagonals
    PIXELS = ((0, 0), (0, 1), (0, -1), (1, 0), (-1, 0), (0, 2), (0, -2),
              (2, 0), (-2, 0), (1, 1), (-1, 1), (1, -1), (-1, -1))
    # derivatives [dx, dy, dxx, dyy, dxy] as sums of the 13 values
    DERIVATIVES = np.array([
        [0, .5, -.5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        [0, 0, 0, .5, -.5, 0, 0, 0, 0, 0, 0, 0, 0],
        [-.5, 0, 0, 0, 0, .25, .25, 0, 0, 0, 0, 0, 0],
        [-.5, 0, 0, 0, 0, 0, 0, .25, .25, 0, 0, 0, 0],
        [0, 0, 0, 0, 0, 0, 0, 0, 0, .25, -.25, -.25, .25]]).T

    def __init__(self, kernel_size: int,
                 heatmap_size: Tuple[int, int]) -> None:
        self.kernel_size = kernel_size
        self.local = LocalBlur(kernel_size, 2, heatmap_size)
        self.index = np.array([(dy + 2) * 5 + dx + 2 for dy, dx in self.PIXELS])
        self.shifts = np.array(self.PIXELS)
        width, height = heatmap_size
        xy = pixel_xy(width, height)
        self.inner = ((xy > 1) & (xy < (width - 2, height - 2))).all(1)

    def __call__(self, maps: np.ndarray, pixel: np.ndarray,
                 vals: np.ndarray) -> np.ndarray:
        """Refined locations ``(M, 2)`` float32 of the maxima ``pixel``
        ``(M,)`` with values ``vals`` ``(M,)``."""
        m, height, width = maps.shape
        locs = maximum_locations(pixel, vals, width, height)
        # MMPose's bounds on its locations (-1 where vals <= 0)
        valid = self.inner.take(pixel) & ~(vals <= 0)
        y, x = np.divmod(pixel, width)
        v = self.local(maps, x, y).reshape(m, 25).take(self.index, axis=1)
        exact = (v <= 1.001e-10).any(1)
        v = np.log(np.maximum(v, 1e-10))
        step, gain = newton_step(v @ self.DERIVATIVES)
        out = np.where(valid[:, None], locs - step, locs)
        exact = valid & (exact | unstable(gain, v))
        if exact.any():
            pick = np.stack([y[exact], x[exact]], axis=1)[:, None] + self.shifts
            v = modulated_log(maps[exact], self.kernel_size, 1e-10, None)[
                np.arange(pick.shape[0])[:, None], pick[..., 0], pick[..., 1]]
            out[exact] = dark_step(v, locs[exact], valid[exact])
        return out.astype(np.float32)
