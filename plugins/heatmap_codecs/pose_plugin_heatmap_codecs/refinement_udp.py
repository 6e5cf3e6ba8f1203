"""UDP's DARK step (MMPose's ``refine_keypoints_dark_udp``), vectorised over
all maps.

Shapes: B samples of K maps, M = B * K maps, heatmap ``(H, W)``; ``locs``
``(M, 2)`` float32 pixel of each maximum (``-1`` = no maximum), ``vals``
``(M,)``.

MMPose blurs each map (zero padding), rescales it to its original maximum,
takes ``log(clip(., 1e-3, 50))``, pads the result by its edge and takes one
Newton step from every location, ``-1`` too, reading 7 pixels of the
3 x 3 square around it.
"""
from __future__ import annotations

from typing import Tuple

import numpy as np

from .blur import LocalBlur, modulated_log
from .refinement import inverse, newton_step, unstable

# (dy, dx) of the 7 pixels: centre, x+1, x-1, y+1, y-1, (+1, +1), (-1, -1)
PIXELS = np.array([(0, 0), (0, 1), (0, -1), (1, 0), (-1, 0), (1, 1),
                   (-1, -1)])
# derivatives [dx, dy, dxx, dyy, dxy] as sums of the 7 values
DERIVATIVES = np.array([[0, .5, -.5, 0, 0, 0, 0],
                        [0, 0, 0, .5, -.5, 0, 0],
                        [-2, 1, 1, 0, 0, 0, 0],
                        [-2, 0, 0, 1, 1, 0, 0],
                        [1, -.5, -.5, -.5, -.5, .5, .5]]).T
# MMPose adds float32 eps to the Hessian's diagonal (in float64)
EPS = float(np.finfo(np.float32).eps)


def udp_step(v: np.ndarray, locs: np.ndarray) -> np.ndarray:
    """MMPose's step ``locs - inverse(Hessian + eps) @ gradient`` from the 7
    log values ``v`` ``(M, 7)``, op for op (derivatives in ``v``'s dtype);
    float32 ``(M, 2)``."""
    i_, ix1, ix1_, iy1, iy1_, ix1y1, ix1_y1_ = v.T
    dx = 0.5 * (ix1 - ix1_)
    dy = 0.5 * (iy1 - iy1_)
    dxx = ix1 - 2 * i_ + ix1_
    dyy = iy1 - 2 * i_ + iy1_
    dxy = 0.5 * (ix1y1 - ix1 - iy1 + i_ + i_ - ix1_ - iy1_ + ix1_y1_)
    hessian = np.stack([dxx, dxy, dxy, dyy], axis=1).reshape(-1, 2, 2)
    # NaN where MMPose raises LinAlgError: the caller keeps the unrefined location
    inv = inverse(hessian + EPS * np.eye(2))
    step = inv[:, :, 0] * dx[:, None] + inv[:, :, 1] * dy[:, None]
    return (locs - step).astype(np.float32)


class UDPRefiner:
    """UDP's DARK step; see the module docstring.

    Where the step reads 7 pixels of the map's own 3 x 3 square, only that
    square is blurred (:class:`~.blur.LocalBlur`) and the rescale factor
    ``s >= 1`` is an added ``log s`` that cancels in every derivative,
    provided the clip does not bite: all 7 values in ``[1e-3, 50]`` with
    ``s`` (``<=`` the original maximum). Other maps (but all-zero ones),
    and steps sensitive to rounding (:func:`~.refinement.unstable`), are
    computed as MMPose does (:func:`refine_exactly`).
    """

    def __init__(self, kernel_size: int,
                 heatmap_size: Tuple[int, int]) -> None:
        self.kernel_size = kernel_size
        self.local = LocalBlur(kernel_size, 1, heatmap_size)
        # per centre x (y): which column (row) of the 3 x 3 square each of
        # the 7 pixels reads; edge padding: beyond the border, the border
        self.square = [
            (np.arange(length)[:, None] + shift).clip(0, length - 1)
            - np.arange(length)[:, None] + 1
            for length, shift in zip(heatmap_size, PIXELS.T[::-1])]
        self.square[1] *= 3

    def __call__(self, maps: np.ndarray, locs: np.ndarray, vals: np.ndarray,
                 maps_per_sample: int) -> np.ndarray:
        """Refined locations ``(M, 2)`` float32 of ``locs`` ``(M, 2)`` with
        values ``vals`` ``(M,)``, M maps of ``maps_per_sample`` each."""
        m, height, width = maps.shape
        # a -1 location (no maximum) goes the exact way or is empty
        x, y = locs.astype(np.int64).T
        pick = (self.square[0].take(x, axis=0, mode='clip')
                + self.square[1].take(y, axis=0, mode='clip'))
        pick += np.arange(0, 9 * m, 9)[:, None]
        v = self.local(maps, x, y).reshape(-1).take(pick)
        fast = (vals > 0) & (vals < 49.99) & (v >= 1.001e-3).all(1)
        # the clip keeps log finite on maps that go the exact way below
        v = np.log(np.maximum(np.minimum(v, 50.), 1e-3))
        step, gain = newton_step(v @ DERIVATIVES, EPS)
        out = (locs - step).astype(np.float32)
        fast &= ~unstable(gain, v)
        if fast.all():
            return out
        # an all-zero map keeps its -1 location (MMPose: NaN)
        empty = vals == 0
        empty[empty] = ~maps[empty].any(axis=(1, 2))
        out[empty] = locs[empty]
        exact = np.flatnonzero(~(fast | empty))
        if exact.size:
            out[exact] = refine_exactly(maps, locs, exact, maps_per_sample,
                                        self.kernel_size)
        return out


def refine_exactly(maps: np.ndarray, locs: np.ndarray, rows: np.ndarray,
                   maps_per_sample: int, kernel_size: int) -> np.ndarray:
    """MMPose's arithmetic for maps ``rows`` ``(R,)`` on fully blurred and
    rescaled maps, those read alone. As in MMPose, indices are computed in
    each sample's flattened padded maps, so a ``-1`` location reads the
    previous map's last row (wrapping round within the sample)."""
    m, height, width = maps.shape
    row = width + 2
    plane = row * (height + 2)
    channel = rows % maps_per_sample
    index = (locs[rows, 0] + 1 + (locs[rows, 1] + 1) * row
             + plane * channel).astype(np.int64)
    shifts = np.array([0, 1, -1, row, -row, row + 1, -row - 1])
    flat = (index[:, None] + shifts) % (maps_per_sample * plane)
    source = flat // plane + (rows - channel)[:, None]
    needed, source = np.unique(source, return_inverse=True)
    logs = modulated_log(maps[needed], kernel_size, 1e-3, 50.)
    py, px = np.divmod(flat % plane, row)
    v = logs[source.reshape(flat.shape), np.clip(py - 1, 0, height - 1),
             np.clip(px - 1, 0, width - 1)]
    with np.errstate(invalid='ignore'):
        return udp_step(v, locs[rows])
