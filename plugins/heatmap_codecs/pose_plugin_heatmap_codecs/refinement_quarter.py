"""Quarter-pixel refinement of heatmap maxima: MSRA's (MMPose's
``refine_keypoints``) and Megvii's, vectorised over all maps; DARK's step
is in :mod:`.refinement`, UDP's in :mod:`.refinement_udp`.

Shapes: M maps (``B * K``), heatmap ``(H, W)``; ``index``, ``pixel`` and
``vals`` ``(M,)`` from :func:`~.argmax.heatmap_maximum`. Both return
refined float32 locations ``(M, 2)`` ``[x, y]`` (``-1`` = no maximum).
"""
from __future__ import annotations

from functools import lru_cache
from typing import Tuple

import numpy as np

from .argmax import maximum_locations, pixel_xy


@lru_cache(maxsize=16)
def quarter_steps(width: int, height: int, megvii: bool) -> np.ndarray:
    """Per pixel ``(H * W, 2)``: whether MMPose refines a maximum there, per
    axis (MSRA's own asymmetric bounds: x in (1, W-1) with y > 0, y in
    (1, H-1) with x > 0; Megvii: both in (1, size-1))."""
    xy = pixel_xy(width, height)
    ok = (xy > 1) & (xy < (width - 1, height - 1))
    ok &= ok[:, ::-1] if megvii else xy[:, ::-1] > 0
    ok.flags.writeable = False
    return ok


class QuarterRefiner:
    """MSRA: MMPose's locations moved 0.25 px towards the higher neighbour
    on each axis it refines at that pixel (:func:`quarter_steps`).

    A per-pixel table holds the flat offsets of the neighbours
    ``[x+1, y+1, x-1, y-1]``, 0 on an axis not refined there: that axis
    reads the maximum twice, a difference of 0, so a call needs no mask
    (but where the maximum is NaN or +inf: ``inf - inf``).
    """

    QUARTER = np.array(0.25, dtype=np.float32)

    def __init__(self, heatmap_size: Tuple[int, int]) -> None:
        width, height = heatmap_size
        self.xy = pixel_xy(width, height)
        ok = quarter_steps(width, height, False)
        # (4, H * W), C order: each neighbour's offsets contiguous
        self.neighbours = np.ascontiguousarray(
            (np.concatenate([ok, ok], axis=1) * (1, width, -1, -width)).T)
        self.neighbours.flags.writeable = False

    def __call__(self, maps: np.ndarray, index: np.ndarray, pixel: np.ndarray,
                 vals: np.ndarray) -> np.ndarray:
        """Refined locations ``(M, 2)`` of the maxima of ``maps``."""
        offsets = self.neighbours.take(pixel, axis=1)
        offsets += index
        near = maps.reshape(-1).take(offsets)
        step = np.sign(near[:2] - near[2:])
        step *= self.QUARTER
        locs = self.xy.take(pixel, axis=0)
        # the rare cases, a maximum <= 0, NaN or +inf, in one test; argmin
        # and argmax cost less than min and max, and a NaN wins in both
        if vals[vals.argmin()] > 0 and vals[vals.argmax()] < np.inf:
            locs += step.T
            return locs
        # MMPose skips those axes (offset 0): no NaN from there
        step[offsets[:2] == index] = 0
        locs += step.T
        locs[vals <= 0] = -1
        return locs


def _neighbour_signs(maps: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``sign`` ``(M, 2)`` of ``[x+1] - [x-1]`` and ``[y+1] - [y-1]`` at
    each ``index`` into ``maps.reshape(-1)``; pixels beyond the map read
    wrong values (callers mask them)."""
    width = maps.shape[-1]
    near = maps.reshape(-1).take(index[:, None] + (1, width, -1, -width),
                                 mode='clip')
    with np.errstate(invalid='ignore'):  # inf - inf after a rescale by x / 0
        return np.sign(near[:, :2] - near[:, 2:])


def refine_megvii(blurred: np.ndarray, index: np.ndarray, pixel: np.ndarray,
                  vals: np.ndarray) -> np.ndarray:
    """Megvii: inside the border, move 0.25 px towards the higher neighbour
    and add the half-pixel shift to the pixel centre."""
    m, height, width = blurred.shape
    ok = quarter_steps(width, height, True).take(pixel, axis=0)
    locs = maximum_locations(pixel, vals, width, height)
    step = _neighbour_signs(blurred, index).astype(np.float32) * 0.25 + 0.5
    # beyond MMPose (NaN there): a map whose blur has maximum 0 is rescaled by
    # x / 0 and its neighbours are NaN; its integer maximum stays
    return np.where(ok & ~np.isnan(step), locs + step, locs)
