"""Object keypoint similarity (OKS) and OKS-based non-maximum suppression,
vectorised over instance pairs.

Shapes: N instances of one image, K keypoints; ``keypoints`` ``(N, K, 3)``
(or flat ``(N, K * 3)``) rows of ``[x, y, score]``, ``areas`` ``(N,)``,
``sigmas`` ``(K,)``. The arithmetic follows MMPose 1.x's ``oks_iou`` step
by step in the inputs' own dtypes (float32 in, float32 similarity out), so
suppression decisions and the order of kept instances are the same as
MMPose's, ties included.
"""
from __future__ import annotations

from typing import Callable, Optional, Sequence

import numpy as np

# COCO-17 keypoint sigmas, the default of MMPose's and xtcocotools' OKS
COCO_SIGMAS = np.array([.26, .25, .25, .35, .35, .79, .79, .72, .72, .62, .62,
                        1.07, 1.07, .87, .87, .89, .89]) / 10.0


def _flat_keypoints(keypoints: np.ndarray, name: str = 'keypoints'
                    ) -> np.ndarray:
    keypoints = np.asarray(keypoints)
    if keypoints.ndim == 3 and keypoints.shape[-1] == 3:
        keypoints = keypoints.reshape(len(keypoints), -1)
    if keypoints.ndim != 2 or keypoints.shape[1] % 3:
        raise ValueError(f'{name} must be of shape (N, K, 3) or (N, K * 3) '
                         f'with rows [x, y, score], got shape '
                         f'{keypoints.shape}')
    return keypoints


def _check_sigmas(sigmas: Optional[np.ndarray], num_keypoints: int
                  ) -> np.ndarray:
    sigmas = COCO_SIGMAS if sigmas is None else np.asarray(sigmas)
    if sigmas.shape != (num_keypoints, ):
        raise ValueError(f'sigmas must have one value per keypoint, shape '
                         f'({num_keypoints},), got shape {sigmas.shape}')
    return sigmas


def oks_iou(g: np.ndarray, d: np.ndarray, a_g: float, a_d: np.ndarray,
            sigmas: Optional[np.ndarray] = None,
            vis_thr: Optional[float] = None) -> np.ndarray:
    """OKS of one instance ``g`` (``(K * 3,)``) with each of ``d``
    (``(N, K * 3)``): float32 ``(N,)``, as MMPose's ``oks_iou``.

    :param a_g: area of ``g``.
    :param a_d: areas of ``d``, ``(N,)``.
    :param sigmas: ``(K,)``; COCO-17's when None.
    :param vis_thr: when given, only keypoints whose score exceeds it in
        both instances count (0 when none does); the mean over them is then
        equal to MMPose's up to the rounding of the sum.
    """
    g = _flat_keypoints(np.asarray(g)[None], 'g')[0]
    d = _flat_keypoints(d, 'd')
    sigmas = _check_sigmas(sigmas, len(g) // 3)
    return _oks(g[None], d, np.asarray(a_g), np.asarray(a_d), sigmas,
                vis_thr)


def _oks(g: np.ndarray, d: np.ndarray, a_g: np.ndarray, a_d: np.ndarray,
         sigmas: np.ndarray, vis_thr: Optional[float]) -> np.ndarray:
    """OKS of ``g`` and ``d`` (``(..., K * 3)``, broadcast against each
    other, as ``a_g`` and ``a_d`` are against their leading shape): float32.

    Each value is computed with the operations and dtypes of MMPose's
    per-pair loop: coordinate differences in the keypoints' dtype, the
    scale ``(a_g + a_d) / 2 + np.spacing(1)`` in float64 (a float64 numpy
    scalar), the mean of ``exp(-e)`` summed along a contiguous last axis,
    which numpy adds up in the order of a 1-D sum, and rounded to float32.
    """
    variances = (sigmas * 2)**2
    dx = d[..., 0::3] - g[..., 0::3]
    dy = d[..., 1::3] - g[..., 1::3]
    scale = (a_g + a_d) / 2 + np.spacing(1)
    e = (dx**2 + dy**2) / variances / scale[..., None] / 2
    num_keypoints = e.shape[-1]
    if vis_thr is None:
        oks = np.exp(-e).sum(axis=-1) / num_keypoints
    else:
        valid = (g[..., 2::3] > vis_thr) & (d[..., 2::3] > vis_thr)
        count = valid.sum(axis=-1)
        total = np.where(valid, np.exp(-e), 0.0).sum(axis=-1)
        oks = np.where(count > 0, total / np.maximum(count, 1), 0.0)
    return oks.astype(np.float32)


def pairwise_oks(keypoints: np.ndarray, areas: np.ndarray,
                 sigmas: Optional[np.ndarray] = None,
                 vis_thr: Optional[float] = None) -> np.ndarray:
    """OKS between all pairs of one image's instances: float32 ``(N, N)``;
    ``[i, j]`` is ``oks_iou(keypoints[i], keypoints[j:j + 1], areas[i],
    areas[j:j + 1])`` (symmetric).

    :param keypoints: ``(N, K, 3)`` or ``(N, K * 3)``.
    :param areas: ``(N,)``.
    """
    keypoints = _flat_keypoints(keypoints)
    return batched_pairwise_oks(keypoints[None], np.asarray(areas)[None],
                                sigmas, vis_thr)[0]


def batched_pairwise_oks(keypoints: np.ndarray, areas: np.ndarray,
                         sigmas: Optional[np.ndarray] = None,
                         vis_thr: Optional[float] = None) -> np.ndarray:
    """:func:`pairwise_oks` of B images of N instances each at once:
    ``keypoints`` ``(B, N, K * 3)``, ``areas`` ``(B, N)``; float32
    ``(B, N, N)``."""
    keypoints, areas = np.asarray(keypoints), np.asarray(areas)
    if keypoints.ndim != 3 or keypoints.shape[-1] % 3 or \
            areas.shape != keypoints.shape[:2]:
        raise ValueError(
            'pairwise OKS expects keypoints (B, N, K * 3) and areas (B, N), '
            f'got shapes {keypoints.shape} and {areas.shape}')
    sigmas = _check_sigmas(sigmas, keypoints.shape[-1] // 3)
    return _oks(keypoints[:, :, None], keypoints[:, None, :],
                areas[:, :, None], areas[:, None, :], sigmas, vis_thr)


class OksRows:
    """Rows of the pairwise OKS of one image's instances: a precomputed
    ``(N, N)`` matrix, or each row computed when asked (many instances,
    where the matrix would not fit in memory)."""

    def __init__(self, keypoints: np.ndarray, areas: np.ndarray,
                 sigmas: np.ndarray, vis_thr: Optional[float] = None,
                 matrix: Optional[np.ndarray] = None,
                 max_matrix: int = 256) -> None:
        self._args = (keypoints, areas, sigmas, vis_thr)
        if matrix is None and len(keypoints) <= max_matrix:
            matrix = _oks(keypoints[:, None], keypoints[None],
                          areas[:, None], areas[None], sigmas, vis_thr)
        self._matrix = matrix

    def __getitem__(self, i: int) -> np.ndarray:
        if self._matrix is not None:
            return self._matrix[i]
        keypoints, areas, sigmas, vis_thr = self._args
        return _oks(keypoints[i], keypoints, areas[i], areas, sigmas,
                    vis_thr)


def greedy_keep(order: np.ndarray, rows: OksRows, thr: float
                ) -> np.ndarray:
    """Greedy NMS over ``order`` (best first): keep the head, drop what
    does not have OKS ``<= thr`` with it (NaN included), repeat."""
    keep = []
    while len(order):
        i = order[0]
        keep.append(i)
        rest = order[1:]
        order = rest[rows[i][rest] <= thr]
    return np.array(keep, dtype=np.intp)


def soft_keep(order: np.ndarray, scores: np.ndarray, rows: OksRows,
              thr: float, max_dets: int) -> np.ndarray:
    """Soft NMS over ``order`` (best first) with ``scores`` in that order:
    pick the head, rescore the rest by ``exp(-oks**2 / thr)`` in the
    scores' dtype, re-sort, repeat up to ``max_dets`` picks."""
    keep = []
    while len(order) and len(keep) < max_dets:
        i = order[0]
        overlap = rows[i][order[1:]]
        order = order[1:]
        scores = scores[1:] * np.exp(-overlap**2 / thr)
        resort = scores.argsort()[::-1]
        order, scores = order[resort], scores[resort]
        keep.append(i)
    return np.array(keep, dtype=np.intp)


def _prepare(keypoints: np.ndarray, scores: np.ndarray, areas: np.ndarray,
             sigmas: Optional[np.ndarray]) -> tuple:
    keypoints = _flat_keypoints(keypoints)
    scores, areas = np.asarray(scores), np.asarray(areas)
    for name, value in (('scores', scores), ('areas', areas)):
        if value.shape != (len(keypoints), ):
            raise ValueError(f'{name} must be of shape ({len(keypoints)},), '
                             f'one per instance, got shape {value.shape}')
    return keypoints, scores, areas, _check_sigmas(sigmas,
                                                   keypoints.shape[1] // 3)


def oks_nms(keypoints: np.ndarray, scores: np.ndarray, areas: np.ndarray,
            thr: float, sigmas: Optional[np.ndarray] = None,
            vis_thr: Optional[float] = None) -> np.ndarray:
    """Greedy OKS NMS of one image's instances: the indices kept, highest
    score first. An instance is dropped when its OKS with a kept one is not
    ``<= thr``.

    :param keypoints: ``(N, K, 3)`` or ``(N, K * 3)``, rows ``[x, y, s]``.
    :param scores: ``(N,)`` instance scores.
    :param areas: ``(N,)`` instance areas (the OKS scale).
    :param thr: OKS threshold.
    :param sigmas: ``(K,)``; COCO-17's when None.
    :param vis_thr: see :func:`oks_iou`.
    """
    keypoints, scores, areas, sigmas = _prepare(keypoints, scores, areas,
                                                sigmas)
    # MMPose's order: ties broken by numpy's argsort of this very array
    order = scores.argsort()[::-1]
    if len(order) < 2:
        return order.astype(np.intp)
    return greedy_keep(order, OksRows(keypoints, areas, sigmas, vis_thr),
                       thr)


def soft_oks_nms(keypoints: np.ndarray, scores: np.ndarray,
                 areas: np.ndarray, thr: float, max_dets: int = 20,
                 sigmas: Optional[np.ndarray] = None,
                 vis_thr: Optional[float] = None) -> np.ndarray:
    """Soft OKS NMS (Gaussian rescoring ``s * exp(-oks**2 / thr)``) of one
    image's instances: the indices of up to ``max_dets`` instances in the
    order they were picked. The rescored values only order the picks; the
    instances keep their scores.

    Arguments as :func:`oks_nms`, plus ``max_dets``.
    """
    keypoints, scores, areas, sigmas = _prepare(keypoints, scores, areas,
                                                sigmas)
    order = scores.argsort()[::-1]
    if len(order) < 2:
        return order[:max_dets].astype(np.intp)
    return soft_keep(order, scores[order],
                     OksRows(keypoints, areas, sigmas, vis_thr), thr,
                     max_dets)


def nms_by_image(keypoints: np.ndarray, areas: np.ndarray,
                 groups: Sequence[np.ndarray],
                 group_scores: Callable[[np.ndarray], np.ndarray],
                 thr: float, sigmas: np.ndarray, soft: bool = False,
                 max_dets: int = 20, max_matrix: int = 256,
                 chunk_elements: int = 1 << 21) -> np.ndarray:
    """OKS NMS (``soft``: soft OKS NMS) of every image at once: the kept
    indices, image after image, each image's in pick order.

    The pairwise OKS of all images with the same number of instances is
    computed in one batch (in chunks of about ``chunk_elements`` values);
    images with more than ``max_matrix`` instances get their rows when
    needed. Each image's result equals :func:`oks_nms` / :func:`soft_oks_nms`
    of its instances.

    :param keypoints: ``(N, K * 3)`` rows ``[x, y, s]`` of all instances.
    :param areas: ``(N,)``.
    :param groups: per image, the indices of its instances.
    :param group_scores: the scores of an image's instances given their
        indices (an array in the dtype NMS sorts them in).
    :param thr: OKS threshold.
    :param sigmas: ``(K,)``.
    """
    matrices: dict = {}
    by_size: dict = {}
    for g, index in enumerate(groups):
        if 2 <= len(index) <= max_matrix:
            by_size.setdefault(len(index), []).append(g)
    per_image = keypoints.shape[1] // 3
    for size, members in by_size.items():
        step = max(1, chunk_elements // (size * size * per_image))
        for start in range(0, len(members), step):
            part = members[start:start + step]
            index = np.stack([groups[g] for g in part])
            kp, ar = keypoints[index], areas[index]
            batch = _oks(kp[:, :, None], kp[:, None], ar[:, :, None],
                         ar[:, None], sigmas, None)
            matrices.update(zip(part, batch))
    kept = []
    for g, index in enumerate(groups):
        if len(index) < 2:
            kept.append(index[:max_dets] if soft else index)
            continue
        scores = group_scores(index)
        order = scores.argsort()[::-1]
        rows = OksRows(keypoints[index], areas[index], sigmas,
                       matrix=matrices.get(g), max_matrix=max_matrix)
        keep = (soft_keep(order, scores[order], rows, thr, max_dets) if soft
                else greedy_keep(order, rows, thr))
        kept.append(index[keep])
    return np.concatenate(kept) if kept else np.zeros(0, np.intp)
