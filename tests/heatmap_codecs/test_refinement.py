"""The Newton steps of DARK and UDP where MMPose's ``np.linalg.inv`` raises
``LinAlgError`` (a singular Hessian, or one holding an infinity): posecore
keeps the unrefined location instead of failing the whole batch."""
from __future__ import annotations

import numpy as np
import pytest

from pose_plugin_heatmap_codecs.refinement import dark_step, inverse


def test_inverse_is_numpys_and_nan_where_numpy_raises():
    hessians = np.array([[[1, 1], [1, 1]], [[np.inf, np.inf], [1, 1]],
                         [[np.inf, 0], [0, 1]], [[2, 0], [0, 4]]], np.float32)
    with pytest.raises(np.linalg.LinAlgError):
        np.linalg.inv(hessians)
    out = inverse(hessians)
    for one, inv in zip(hessians, out):
        try:
            np.testing.assert_array_equal(inv, np.linalg.inv(one))
        except np.linalg.LinAlgError:
            assert np.isnan(inv).all()
    assert np.isnan(out[:2]).all() and np.isfinite(out[2:]).all()


def test_dark_step_keeps_the_maximum_where_the_log_values_are_infinite():
    v = np.zeros((2, 13), np.float32)
    v[0, [1, 5, 9]] = np.inf  # log of a map rescaled by x / 0
    v[1] = -np.arange(13, dtype=np.float32) ** 2 / 8  # a regular peak
    locs = np.array([[5, 6], [5, 6]], np.float32)
    out = dark_step(v, locs, np.ones(2, bool))
    np.testing.assert_array_equal(out[0], locs[0])
    assert np.isfinite(out[1]).all() and (out[1] != locs[1]).any()
