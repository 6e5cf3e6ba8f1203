"""The functional keypoint evaluation of pose-plugin-topdown on small cases
whose numbers are worked out by hand (MMPose's definitions)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from pose_plugin_topdown.keypoint_eval import (get_heatmap_maximum,
                                               keypoint_auc, keypoint_epe,
                                               keypoint_nme,
                                               keypoint_pck_accuracy,
                                               pose_pck_accuracy)


def offsets(*per_instance):
    """``gt`` zeros and ``pred`` at the given ``[dx, dy]`` offsets, one list
    of K offsets per instance."""
    pred = np.array(per_instance, dtype=np.float32)
    return pred, np.zeros_like(pred)


# --- PCK ------------------------------------------------------------------

def test_pck_counts_distances_below_threshold_per_keypoint():
    # Instance 0 (size 10): distances 5, 1, 0 -> 0.5, 0.1, 0.
    # Instance 1 (size 20): distances 5, 13, 0 -> 0.25, 0.65, 0.
    pred, gt = offsets([[3, 4], [1, 0], [0, 0]], [[4, 3], [5, 12], [0, 0]])
    mask = np.ones((2, 3), bool)
    norm = np.array([[10, 10], [20, 20]], np.float32)
    acc, avg, cnt = keypoint_pck_accuracy(pred, gt, mask, 0.3, norm)
    np.testing.assert_allclose(acc, [0.5, 0.5, 1.0])
    assert avg == pytest.approx(2 / 3)
    assert cnt == 3


def test_pck_threshold_is_strict():
    pred, gt = offsets([[3, 4]])
    acc, avg, _ = keypoint_pck_accuracy(pred, gt, np.ones((1, 1), bool), 0.5,
                                        np.array([[10.0, 10.0]]))
    assert acc.tolist() == [0.0] and avg == 0.0


def test_pck_normalises_each_coordinate_separately():
    # dx / 10 = 0.3 and dy / 40 = 0.1 -> sqrt(0.09 + 0.01) ~ 0.316.
    pred, gt = offsets([[3, 4]])
    mask = np.ones((1, 1), bool)
    norm = np.array([[10.0, 40.0]])
    assert keypoint_pck_accuracy(pred, gt, mask, 0.32, norm)[1] == 1.0
    assert keypoint_pck_accuracy(pred, gt, mask, 0.31, norm)[1] == 0.0


def test_pck_masked_keypoints_and_empty_columns():
    pred, gt = offsets([[0, 0], [100, 0], [0, 0]], [[0, 0], [100, 0], [50, 0]])
    mask = np.array([[True, False, True], [True, False, False]])
    acc, avg, cnt = keypoint_pck_accuracy(pred, gt, mask, 0.5,
                                          np.full((2, 2), 10.0))
    # Keypoint 1 never counts: -1 and left out of the mean and the count.
    assert acc.tolist() == [1.0, -1.0, 1.0]
    assert avg == 1.0 and cnt == 2
    acc, avg, cnt = keypoint_pck_accuracy(pred, gt, np.zeros((2, 3), bool),
                                          0.5, np.full((2, 2), 10.0))
    assert acc.tolist() == [-1.0, -1.0, -1.0] and avg == 0.0 and cnt == 0


def test_pck_zero_norm_drops_instance_negative_norm_counts_as_near():
    pred, gt = offsets([[100, 0]], [[100, 0]], [[100, 0]])
    mask = np.ones((3, 1), bool)
    norm = np.array([[0.0, 0.0], [-1.0, -1.0], [10.0, 10.0]])
    before = norm.copy()
    acc, avg, cnt = keypoint_pck_accuracy(pred, gt, mask, 0.5, norm)
    # Instance 0 is dropped; instance 1 is divided by 1e6 (near: correct);
    # instance 2 is 10 sizes away (wrong) -> 1 of 2.
    assert acc.tolist() == [0.5]
    # MMPose overwrites the caller's factors; these are left alone.
    np.testing.assert_array_equal(norm, before)


def test_pck_accepts_tensors_and_visibility_as_numbers():
    pred, gt = offsets([[1, 0], [30, 0]])
    acc, avg, cnt = keypoint_pck_accuracy(
        torch.from_numpy(pred).requires_grad_(), torch.from_numpy(gt),
        np.array([[1, 1]]), 0.5, np.full((1, 2), 10.0))
    assert acc.tolist() == [1.0, 0.0] and avg == 0.5 and cnt == 2


# --- AUC, NME, EPE --------------------------------------------------------

def test_auc_thresholds_start_at_zero_and_are_strict():
    # distance 5 / 10 = 0.5; thresholds 0, 0.25, 0.5, 0.75 -> 0, 0, 0, 1.
    pred, gt = offsets([[3, 4]])
    assert keypoint_auc(pred, gt, np.ones((1, 1), bool), 10, 4) == 0.25
    # Perfect: every threshold but 0 -> (n - 1) / n.
    assert keypoint_auc(gt, gt, np.ones((1, 1), bool), 30, 20) == \
        pytest.approx(0.95, abs=1e-12)


def test_auc_averages_keypoints_per_threshold():
    # Keypoint 0: 0.1 (counts from threshold 0.25); keypoint 1: 0.6 (from
    # 0.75); keypoint 2 is masked everywhere.
    pred, gt = offsets([[1, 0], [6, 0], [0, 0]])
    mask = np.array([[True, True, False]])
    expected = (0 + 0.5 + 0.5 + 1.0) / 4
    assert keypoint_auc(pred, gt, mask, 10.0, 4) == pytest.approx(expected)
    assert keypoint_auc(pred, gt, np.zeros_like(mask), 10.0, 4) == 0.0


def test_nme_and_epe():
    pred, gt = offsets([[3, 4], [6, 8]], [[0, 5], [50, 0]])
    mask = np.array([[True, True], [True, False]])
    norm = np.array([[10.0, 10.0], [2.0, 2.0]])
    # (5 / 10 + 10 / 10 + 5 / 2) / 3
    assert keypoint_nme(pred, gt, mask, norm) == pytest.approx(4.0 / 3)
    assert keypoint_epe(pred, gt, mask) == pytest.approx(20.0 / 3)
    assert keypoint_epe(pred, gt, np.zeros_like(mask)) == 0.0


# --- heatmaps -------------------------------------------------------------

def test_heatmap_maximum_locations_ties_and_empty_maps():
    maps = np.zeros((2, 3, 4, 5), np.float32)
    maps[0, 0, 2, 3] = 1.0           # x=3, y=2
    maps[0, 1, 1, 1] = maps[0, 1, 3, 4] = 0.5  # tie: the first wins
    maps[1, 0] = -1.0                # no positive maximum -> -1
    locs, vals = get_heatmap_maximum(maps)
    assert locs.dtype == np.float32 and locs.shape == (2, 3, 2)
    assert locs[0, 0].tolist() == [3, 2] and vals[0, 0] == 1.0
    assert locs[0, 1].tolist() == [1, 1]
    assert locs[0, 2].tolist() == [-1, -1] and locs[1, 0].tolist() == [-1, -1]
    locs3, vals3 = get_heatmap_maximum(maps[0])
    np.testing.assert_array_equal(locs3, locs[0])
    np.testing.assert_array_equal(vals3, vals[0])


def test_pose_pck_accuracy_from_heatmaps():
    n, k, h, w = 2, 3, 16, 12
    output = np.zeros((n, k, h, w), np.float32)
    target = np.zeros_like(output)
    # Keypoint 0: 1 px apart (1/16 ~ 0.0625 with default norm [H, W] =
    # [16, 12] applied to [x, y]); keypoint 1: equal; keypoint 2: target
    # empty (-1) and output too -> equal.
    output[:, 0, 5, 5] = target[:, 0, 5, 4] = 1
    output[:, 1, 3, 7] = target[:, 1, 3, 7] = 1
    mask = np.ones((n, k), bool)
    acc, avg, cnt = pose_pck_accuracy(output, target, mask)
    assert acc.tolist() == [0.0, 1.0, 1.0] and cnt == 3
    acc, _, _ = pose_pck_accuracy(output, target, mask, thr=0.07)
    assert acc.tolist() == [1.0, 1.0, 1.0]
    # x is divided by the first entry (H = 16 here, as in MMPose).
    acc, _, _ = pose_pck_accuracy(output, target, mask, thr=0.07,
                                  normalize=np.full((n, 2), 12))
    assert acc[0] == 0.0
    acc2, avg2, cnt2 = pose_pck_accuracy(torch.from_numpy(output),
                                         torch.from_numpy(target),
                                         torch.from_numpy(mask))
    assert acc2.tolist() == [0.0, 1.0, 1.0] and cnt2 == cnt
    assert pose_pck_accuracy(output[:, :0], target[:, :0],
                             mask[:, :0]) == (None, 0, 0)


# --- bad input ------------------------------------------------------------

@pytest.mark.parametrize('call, match', [
    (lambda: keypoint_pck_accuracy(np.zeros((2, 3)), np.zeros((2, 3)),
                                   np.ones((2, 3)), 0.1, np.ones((2, 2))),
     r'pred must have shape \(N, K, D\)'),
    (lambda: keypoint_pck_accuracy(np.zeros((2, 3, 2)), np.zeros((2, 4, 2)),
                                   np.ones((2, 3)), 0.1, np.ones((2, 2))),
     r'gt must have the shape of pred \(2, 3, 2\), got \(2, 4, 2\)'),
    (lambda: keypoint_nme(np.zeros((2, 3, 2)), np.zeros((2, 3, 2)),
                          np.ones((3, 2)), np.ones((2, 2))),
     r'mask must have shape \(N, K\) = \(2, 3\)'),
    (lambda: keypoint_pck_accuracy(np.zeros((2, 3, 2)), np.zeros((2, 3, 2)),
                                   np.ones((2, 3)), 0.1, np.ones(2)),
     r'norm_factor must have shape \(N, D\) = \(2, 2\)'),
    (lambda: keypoint_nme(np.zeros((2, 3, 2)), np.zeros((2, 3, 2)),
                          np.ones((2, 3)), np.ones((3, 2))),
     r'normalize_factor must have shape'),
    (lambda: keypoint_auc(np.zeros((1, 3, 2)), np.zeros((1, 3, 2)),
                          np.ones((1, 3)), 0),
     r'norm_factor must be one number > 0.*got 0'),
    (lambda: keypoint_auc(np.zeros((1, 3, 2)), np.zeros((1, 3, 2)),
                          np.ones((1, 3)), 30, num_thrs=0),
     r'num_thrs must be an int >= 1, got 0'),
    (lambda: pose_pck_accuracy(np.zeros((2, 3, 4)), np.zeros((2, 3, 4)),
                               np.ones((2, 3))),
     r'output must have shape \(N, K, H, W\)'),
    (lambda: pose_pck_accuracy(np.zeros((2, 3, 4, 4)), np.zeros((2, 3, 4, 5)),
                               np.ones((2, 3))),
     r'target must have the shape of output'),
    (lambda: get_heatmap_maximum(np.zeros((4, 4))),
     r'heatmaps must have shape \(K, H, W\) or \(B, K, H, W\)'),
])
def test_bad_input_names_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()
