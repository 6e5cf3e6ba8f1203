"""OKS and OKS NMS: the vectorised functions equal a plain per-pair,
per-step computation of the same formulas (MMPose 1.x's order of operations
and dtypes), bit for bit, ties included."""
from __future__ import annotations

import numpy as np
import pytest

from pose_plugin_coco.nms import (COCO_SIGMAS, batched_pairwise_oks,
                                  nms_by_image, oks_iou, oks_nms,
                                  pairwise_oks, soft_oks_nms)

SIGMAS = COCO_SIGMAS.astype(np.float32)


def reference_oks(g, d, a_g, a_d, sigmas):
    """OKS of g with each row of d, one pair at a time."""
    variances = (sigmas * 2)**2
    out = np.zeros(len(d), dtype=np.float32)
    for j in range(len(d)):
        dx = d[j, 0::3] - g[0::3]
        dy = d[j, 1::3] - g[1::3]
        scale = (a_g + a_d[j]) / 2 + np.spacing(1)
        e = (dx**2 + dy**2) / variances / scale / 2
        out[j] = np.sum(np.exp(-e)) / len(e)
    return out


def reference_nms(kp, scores, areas, thr, sigmas):
    order, keep = scores.argsort()[::-1], []
    while len(order):
        i = order[0]
        keep.append(i)
        overlap = reference_oks(kp[i], kp[order[1:]], areas[i],
                                areas[order[1:]], sigmas)
        order = order[1:][overlap <= thr]
    return keep


def reference_soft_nms(kp, scores, areas, thr, sigmas, max_dets=20):
    order = scores.argsort()[::-1]
    scores, keep = scores[order], []
    while len(order) and len(keep) < max_dets:
        i = order[0]
        overlap = reference_oks(kp[i], kp[order[1:]], areas[i],
                                areas[order[1:]], sigmas)
        order, scores = order[1:], scores[1:] * np.exp(-overlap**2 / thr)
        resort = scores.argsort()[::-1]
        order, scores = order[resort], scores[resort]
        keep.append(i)
    return keep


def crowd(rng, n, dtype=np.float32, ties=False):
    """n instances around a few people (so NMS has work), flat (n, 51)."""
    centres = rng.uniform(50, 400, (max(n // 3, 1), 17, 2))
    xy = centres[rng.integers(len(centres), size=n)] + rng.normal(
        0, rng.uniform(0.5, 20, (n, 1, 1)), (n, 17, 2))
    score = rng.uniform(0, 1, (n, 17, 1))
    kp = np.concatenate([xy, score], -1).reshape(n, -1)
    if np.dtype(dtype).kind == 'i':
        kp = np.round(kp * np.tile([1, 1, 2], 17))  # visibility 0..2
    kp = kp.astype(dtype)
    areas = rng.uniform(500, 20000, n).astype(
        dtype if np.dtype(dtype).kind == 'f' else np.float64)
    scores = rng.uniform(0, 1, n).astype(np.float32)
    if ties:
        scores = np.round(scores * 3) / 3
    return kp, scores.astype(np.float32), areas


@pytest.mark.parametrize('dtype', [np.float32, np.float64, np.int64])
def test_pairwise_oks_equals_per_pair(dtype):
    rng = np.random.default_rng(0)
    kp, _, areas = crowd(rng, 12, dtype)
    matrix = pairwise_oks(kp, areas, SIGMAS)
    assert matrix.dtype == np.float32
    for i in range(len(kp)):
        np.testing.assert_array_equal(
            matrix[i], reference_oks(kp[i], kp, areas[i], areas, SIGMAS))
        np.testing.assert_array_equal(
            oks_iou(kp[i], kp, areas[i], areas, SIGMAS), matrix[i])
    np.testing.assert_array_equal(matrix, matrix.T)
    batch = batched_pairwise_oks(np.stack([kp, kp[::-1]]),
                                 np.stack([areas, areas[::-1]]), SIGMAS)
    np.testing.assert_array_equal(batch[0], matrix)
    np.testing.assert_array_equal(batch[1], matrix[::-1, ::-1])


def test_default_sigmas_and_visibility_threshold():
    rng = np.random.default_rng(1)
    kp, _, areas = crowd(rng, 5)
    np.testing.assert_array_equal(
        oks_iou(kp[0], kp, areas[0], areas),
        reference_oks(kp[0], kp, areas[0], areas, COCO_SIGMAS))
    # only keypoints scored above vis_thr in both instances count
    got = oks_iou(kp[0], kp, areas[0], areas, SIGMAS, vis_thr=0.5)
    for j in range(len(kp)):
        both = (kp[0, 2::3] > 0.5) & (kp[j, 2::3] > 0.5)
        full = np.exp(-((kp[j, 0::3] - kp[0, 0::3])**2
                        + (kp[j, 1::3] - kp[0, 1::3])**2)
                      / (SIGMAS * 2)**2 / ((areas[0] + areas[j]) / 2) / 2)
        want = full[both].mean() if both.any() else 0.0
        assert got[j] == pytest.approx(want, rel=1e-6)


@pytest.mark.parametrize('ties', [False, True])
@pytest.mark.parametrize('thr', [0.9, 0.5, 0.2])
def test_oks_nms_equals_reference(ties, thr):
    rng = np.random.default_rng(2)
    dropped = 0
    for n in (1, 2, 7, 30):
        kp, scores, areas = crowd(rng, n, ties=ties)
        keep = oks_nms(kp, scores, areas, thr, SIGMAS)
        assert keep.tolist() == reference_nms(kp, scores, areas, thr, SIGMAS)
        dropped += n - len(keep)
    assert dropped > 0  # the cases exercise suppression


@pytest.mark.parametrize('ties', [False, True])
def test_soft_oks_nms_equals_reference(ties):
    rng = np.random.default_rng(3)
    for n, thr in ((1, 0.9), (5, 0.9), (40, 0.9), (40, 0.3)):
        kp, scores, areas = crowd(rng, n, ties=ties)
        keep = soft_oks_nms(kp, scores, areas, thr, sigmas=SIGMAS)
        assert keep.tolist() == reference_soft_nms(kp, scores, areas, thr,
                                                   SIGMAS)
        assert len(keep) == min(n, 20)


def test_nan_keypoints_are_suppressed_as_mmpose_does():
    rng = np.random.default_rng(4)
    kp, scores, areas = crowd(rng, 6)
    kp[3, :6] = np.nan
    scores[3] = 0.0
    keep = oks_nms(kp, scores, areas, 0.9, SIGMAS)
    assert 3 not in keep.tolist()
    assert keep.tolist() == reference_nms(kp, scores, areas, 0.9, SIGMAS)


@pytest.mark.parametrize('soft', [False, True])
def test_nms_by_image_equals_per_image(soft):
    rng = np.random.default_rng(5)
    sizes = [1, 3, 3, 8, 2, 8, 25, 3]
    kp, scores, areas = crowd(rng, sum(sizes), ties=True)
    groups = np.split(rng.permutation(len(kp)), np.cumsum(sizes)[:-1])
    single = soft_oks_nms if soft else oks_nms
    want = np.concatenate([g[single(kp[g], scores[g], areas[g], 0.5,
                                    sigmas=SIGMAS)] for g in groups])
    for max_matrix, chunk in ((256, 1 << 21), (4, 300)):
        # batched matrices, small chunks, and rows computed when needed
        got = nms_by_image(kp, areas, groups, lambda i: scores[i], 0.5,
                           SIGMAS, soft=soft, max_matrix=max_matrix,
                           chunk_elements=chunk)
        np.testing.assert_array_equal(got, want)


def test_bad_shapes():
    kp = np.zeros((3, 17, 3))
    with pytest.raises(ValueError, match=r'keypoints must be of shape '
                       r'\(N, K, 3\) or \(N, K \* 3\).*'
                       r'got shape \(3, 17, 2\)'):
        oks_nms(np.zeros((3, 17, 2)), np.zeros(3), np.ones(3), 0.9)
    with pytest.raises(ValueError, match=r'scores must be of shape \(3,\)'):
        oks_nms(kp, np.zeros(2), np.ones(3), 0.9)
    with pytest.raises(ValueError, match=r'sigmas must have one value per '
                       r'keypoint, shape \(17,\), got shape \(5,\)'):
        soft_oks_nms(kp, np.zeros(3), np.ones(3), 0.9, sigmas=np.ones(5))
    with pytest.raises(ValueError, match='pairwise OKS expects'):
        pairwise_oks(kp, np.ones(2))
