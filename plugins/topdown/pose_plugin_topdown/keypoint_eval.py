"""Keypoint evaluation functions with MMPose 1.x's signatures and numbers:
PCK, AUC, NME and EPE on coordinates, and PCK on heatmaps (the
``acc_pose`` of ``HeatmapHead``).

Shapes: N instances, K keypoints, D coordinate dimensions (normally 2),
heatmaps ``(N, K, H, W)``. A ``mask`` ``(N, K)`` is True for the keypoints
that count. Distances are kept as MMPose keeps them: float32 ``(K, N)``,
``-1`` where a keypoint does not count, so thresholds and sums round the
same way. Every function is vectorised over instances, keypoints and (for
``keypoint_auc``) thresholds.

Torch tensors are accepted wherever an array is (detached and moved to the
CPU), so a head can pass its outputs directly; the module itself only
needs numpy.
"""
from __future__ import annotations

from numbers import Integral, Real
from typing import Any, Optional, Tuple

import numpy as np

__all__ = [
    'get_heatmap_maximum', 'keypoint_auc', 'keypoint_epe', 'keypoint_nme',
    'keypoint_pck_accuracy', 'normalized_distances', 'pck_per_keypoint',
    'pose_pck_accuracy'
]


def as_array(value: Any, name: str) -> np.ndarray:
    """Return ``value`` as a numpy array; torch tensors (also ones that
    require grad, or live on a GPU) are detached and copied to the CPU; bfloat16
    ones (autocast's output, which NumPy lacks) become float32."""
    if hasattr(value, 'detach') and hasattr(value, 'cpu'):
        value = value.detach().cpu()
        value = (value.float() if str(value.dtype) == 'torch.bfloat16' else value).numpy()
    try:
        return np.asarray(value)
    except (TypeError, ValueError) as err:
        raise TypeError(f'{name} must be an array, got '
                        f'{type(value).__name__}: {err}') from None


def check_coordinates(pred: Any, gt: Any, mask: Any,
                      func: str) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return ``pred``, ``gt`` ``(N, K, D)`` and a boolean ``mask``
    ``(N, K)`` (``(N, K, 1)`` is accepted and squeezed); raise a
    ``ValueError`` naming the argument whose shape does not fit."""
    pred = as_array(pred, f'{func}: pred')
    gt = as_array(gt, f'{func}: gt')
    mask = as_array(mask, f'{func}: mask')
    if pred.ndim != 3:
        raise ValueError(f'{func}: pred must have shape (N, K, D) '
                         f'(instances, keypoints, coordinates), got '
                         f'{pred.shape}')
    if gt.shape != pred.shape:
        raise ValueError(f'{func}: gt must have the shape of pred '
                         f'{pred.shape}, got {gt.shape}')
    if mask.ndim == 3 and mask.shape[2] == 1:
        mask = mask[:, :, 0]
    if mask.shape != pred.shape[:2]:
        raise ValueError(f'{func}: mask must have shape (N, K) = '
                         f'{pred.shape[:2]} (True for keypoints that count), '
                         f'got {mask.shape}')
    # A 0/1 integer mask means visibility (indexing with it would pick
    # rows instead), so it is read as booleans.
    return pred, gt, mask.astype(bool, copy=False)


def check_norm_factor(norm_factor: Any, num: int, dims: int,
                      func: str, name: str) -> np.ndarray:
    """Return ``norm_factor`` as an ``(N, D)`` or ``(N, 1)`` array (its
    dtype kept: it decides the precision of the division, as in MMPose)."""
    norm_factor = as_array(norm_factor, f'{func}: {name}')
    if norm_factor.ndim != 2 or norm_factor.shape[0] != num or \
            norm_factor.shape[1] not in (1, dims):
        raise ValueError(f'{func}: {name} must have shape (N, D) = '
                         f'({num}, {dims}) (one factor per instance and '
                         f'coordinate), got {norm_factor.shape}')
    if not np.issubdtype(norm_factor.dtype, np.number) or \
            np.issubdtype(norm_factor.dtype, np.complexfloating):
        raise TypeError(f'{func}: {name} must hold real numbers, got dtype '
                        f'{norm_factor.dtype}')
    return norm_factor


def normalized_distances(pred: np.ndarray, gt: np.ndarray, mask: np.ndarray,
                         norm_factor: np.ndarray) -> np.ndarray:
    """Normalised Euclidean distances ``(K, N)`` float32 of checked inputs.

    As in MMPose: an instance with a zero factor does not count (``-1``); a
    negative factor is taken as ``1e6`` (its keypoints then count as near);
    keypoints with a False ``mask`` are ``-1``. ``norm_factor`` is not
    changed (MMPose overwrites it in place).

    :param pred: predictions ``(N, K, D)``.
    :param gt: ground truth ``(N, K, D)``.
    :param mask: boolean ``(N, K)``.
    :param norm_factor: ``(N, D)`` or ``(N, 1)``.
    """
    counted = mask & ~(norm_factor == 0).any(axis=1)[:, None]
    factor = np.where(norm_factor <= 0, 1e6, norm_factor).astype(
        norm_factor.dtype, copy=False)
    # Same operations and dtypes as MMPose (difference, division, norm over
    # D, then float32), so the rounding equals theirs bit for bit.
    scaled = (pred - gt) / factor[:, None, :]
    if scaled.shape[-1] == 2:
        # The 2-D norm written out: the same sum of two squares as
        # np.linalg.norm's reduction, without its overhead.
        x, y = scaled[..., 0], scaled[..., 1]
        dist = np.sqrt(x * x + y * y)
    else:
        dist = np.linalg.norm(scaled, axis=-1)
    out = dist.astype(np.float32)
    out[~counted] = -1
    return out.T


def pck_per_keypoint(distances: np.ndarray,
                     thr: Any) -> Tuple[np.ndarray, float, int]:
    """PCK of distances ``(K, N)`` (``-1`` = not counted) at ``thr``: the
    per-keypoint accuracy ``(K,)`` float64 (``-1`` for a keypoint with no
    counted instance), their mean over keypoints that have one (``0.0``
    when none has), and how many keypoints have one."""
    valid = distances != -1
    counts = valid.sum(axis=1)
    hits = ((distances < thr) & valid).sum(axis=1)
    has = counts > 0
    acc = np.full(distances.shape[0], -1.0)
    acc[has] = hits[has] / counts[has]
    cnt = int(has.sum())
    avg_acc = acc[has].mean() if cnt > 0 else 0.0
    return acc, avg_acc, cnt


def keypoint_pck_accuracy(pred: np.ndarray, gt: np.ndarray, mask: np.ndarray,
                          thr: float, norm_factor: np.ndarray) -> tuple:
    """PCK of each keypoint and their mean, from coordinates.

    A keypoint is correct when its distance to the ground truth, divided by
    ``norm_factor`` per coordinate, is ``< thr``.

    :param pred: predicted keypoints ``(N, K, D)``.
    :param gt: ground-truth keypoints ``(N, K, D)``.
    :param mask: ``(N, K)``, True for keypoints that count.
    :param thr: threshold of the normalised distance (e.g. 0.05, 0.2).
    :param norm_factor: ``(N, D)`` normalisation per instance and
        coordinate (e.g. the bbox size twice).
    :return: ``(acc, avg_acc, cnt)``: accuracy per keypoint ``(K,)`` (``-1``
        where no instance counts), mean over the keypoints that count, and
        their number.
    """
    func = 'keypoint_pck_accuracy'
    pred, gt, mask = check_coordinates(pred, gt, mask, func)
    norm_factor = check_norm_factor(norm_factor, pred.shape[0], pred.shape[2],
                                    func, 'norm_factor')
    distances = normalized_distances(pred, gt, mask, norm_factor)
    return pck_per_keypoint(distances, thr)


def keypoint_auc(pred: np.ndarray,
                 gt: np.ndarray,
                 mask: np.ndarray,
                 norm_factor: float,
                 num_thrs: int = 20) -> float:
    """Area under the PCK curve over thresholds ``0, 1/num_thrs, ...,
    (num_thrs - 1)/num_thrs`` of the distance divided by ``norm_factor``
    (the zero threshold counts nothing: the test is a strict ``<``).

    :param pred: predicted keypoints ``(N, K, D)``.
    :param gt: ground-truth keypoints ``(N, K, D)``.
    :param mask: ``(N, K)``, True for keypoints that count.
    :param norm_factor: one normalisation length in pixels (> 0), e.g. 30.
    :param num_thrs: number of thresholds (>= 1).
    :return: the AUC, in ``[0, 1)``.
    """
    func = 'keypoint_auc'
    pred, gt, mask = check_coordinates(pred, gt, mask, func)
    if not isinstance(norm_factor, Real) or isinstance(norm_factor, bool) \
            or not np.isfinite(norm_factor) or norm_factor <= 0:
        raise ValueError(f'{func}: norm_factor must be one number > 0 (a '
                         f'length in pixels, e.g. 30), got {norm_factor!r}')
    if not isinstance(num_thrs, Integral) or isinstance(num_thrs, bool) \
            or num_thrs < 1:
        raise ValueError(f'{func}: num_thrs must be an int >= 1, got '
                         f'{num_thrs!r}')
    # An array built from the number, as MMPose's: an int factor gives an
    # int array and the division then runs in float64, for equal rounding.
    factor = np.full((pred.shape[0], 1), norm_factor)
    distances = normalized_distances(pred, gt, mask, factor)  # (K, N)
    # Thresholds as float32, as a Python float is when compared with the
    # float32 distances one at a time.
    thrs = np.array([i / num_thrs for i in range(num_thrs)])
    thrs = thrs.astype(distances.dtype)
    valid = distances != -1
    counts = valid.sum(axis=1)  # (K,)
    has = counts > 0
    hits = ((distances[None] < thrs[:, None, None]) &
            valid[None]).sum(axis=2)  # (T, K)
    if has.any():
        accs = hits[:, has] / counts[has]
        # One 1-D mean per threshold: a mean over axis 1 of the 2-D array
        # sums in another order and can differ from MMPose in the last bit.
        avg_accs = [row.mean() for row in accs]
    else:
        avg_accs = [0.0] * num_thrs
    auc = 0
    # A running sum in threshold order, as MMPose adds them up.
    for avg_acc in avg_accs:
        auc += 1.0 / num_thrs * avg_acc
    return auc


def keypoint_nme(pred: np.ndarray, gt: np.ndarray, mask: np.ndarray,
                 normalize_factor: np.ndarray) -> float:
    """Normalised mean error: the mean over counted keypoints of the
    distance divided by ``normalize_factor`` (0 when none counts).

    :param pred: predicted keypoints ``(N, K, D)``.
    :param gt: ground-truth keypoints ``(N, K, D)``.
    :param mask: ``(N, K)``, True for keypoints that count.
    :param normalize_factor: ``(N, D)`` per instance and coordinate (e.g.
        the inter-ocular distance twice).
    """
    func = 'keypoint_nme'
    pred, gt, mask = check_coordinates(pred, gt, mask, func)
    normalize_factor = check_norm_factor(normalize_factor, pred.shape[0],
                                         pred.shape[2], func,
                                         'normalize_factor')
    distances = normalized_distances(pred, gt, mask, normalize_factor)
    valid = distances[distances != -1]
    return valid.sum() / max(1, len(valid))


def keypoint_epe(pred: np.ndarray, gt: np.ndarray, mask: np.ndarray) -> float:
    """End-point error: the mean Euclidean distance in pixels over counted
    keypoints (0 when none counts).

    :param pred: predicted keypoints ``(N, K, D)``.
    :param gt: ground-truth keypoints ``(N, K, D)``.
    :param mask: ``(N, K)``, True for keypoints that count.
    """
    pred, gt, mask = check_coordinates(pred, gt, mask, 'keypoint_epe')
    ones = np.ones((pred.shape[0], pred.shape[2]), dtype=np.float32)
    distances = normalized_distances(pred, gt, mask, ones)
    valid = distances[distances != -1]
    return valid.sum() / max(1, len(valid))


def get_heatmap_maximum(
        heatmaps: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Location ``[x, y]`` (float32) and value of each heatmap's maximum,
    ``[-1, -1]`` where the maximum is ``<= 0``; the first maximum wins a tie.

    :param heatmaps: ``(K, H, W)`` or ``(B, K, H, W)``.
    :return: ``locs`` ``(K, 2)`` / ``(B, K, 2)`` and ``vals`` ``(K,)`` /
        ``(B, K)``.
    """
    heatmaps = as_array(heatmaps, 'get_heatmap_maximum: heatmaps')
    if heatmaps.ndim not in (3, 4):
        raise ValueError('get_heatmap_maximum: heatmaps must have shape '
                         f'(K, H, W) or (B, K, H, W), got {heatmaps.shape}')
    lead = heatmaps.shape[:-2]
    height, width = heatmaps.shape[-2:]
    if height * width == 0:
        raise ValueError('get_heatmap_maximum: heatmaps must not be empty, '
                         f'got shape {heatmaps.shape}')
    flat = heatmaps.reshape(-1, height * width)
    pixel = flat.argmax(axis=1)
    vals = np.take_along_axis(flat, pixel[:, None], axis=1)[:, 0]
    y, x = np.divmod(pixel, width)
    locs = np.stack([x, y], axis=-1).astype(np.float32)
    locs[vals <= 0] = -1
    return locs.reshape(*lead, 2), vals.reshape(lead)


def pose_pck_accuracy(output: np.ndarray,
                      target: np.ndarray,
                      mask: np.ndarray,
                      thr: float = 0.05,
                      normalize: Optional[np.ndarray] = None) -> tuple:
    """PCK from heatmaps: the maxima of ``output`` against those of
    ``target``, as in MMPose's ``acc_pose`` of heatmap heads.

    :param output: predicted heatmaps ``(N, K, H, W)``.
    :param target: ground-truth heatmaps ``(N, K, H, W)``.
    :param mask: ``(N, K)``, True for keypoints that count (e.g.
        ``keypoint_weights > 0``).
    :param thr: threshold of the normalised distance.
    :param normalize: ``(N, 2)``; by default ``[H, W]`` per instance (in
        that order, as MMPose has it, although the coordinates are
        ``[x, y]``).
    :return: ``(acc, avg_acc, cnt)`` as :func:`keypoint_pck_accuracy`;
        ``(None, 0, 0)`` when ``K == 0``.
    """
    func = 'pose_pck_accuracy'
    output = as_array(output, f'{func}: output')
    target = as_array(target, f'{func}: target')
    if output.ndim != 4:
        raise ValueError(f'{func}: output must have shape (N, K, H, W), got '
                         f'{output.shape}')
    if target.shape != output.shape:
        raise ValueError(f'{func}: target must have the shape of output '
                         f'{output.shape}, got {target.shape}')
    num, num_keypoints, height, width = output.shape
    if num_keypoints == 0:
        return None, 0, 0
    if normalize is None:
        # An int array, as MMPose's: the division then runs in float64.
        normalize = np.repeat(np.array([[height, width]]), num, axis=0)
    pred, _ = get_heatmap_maximum(output)
    gt, _ = get_heatmap_maximum(target)
    return keypoint_pck_accuracy(pred, gt, mask, thr, normalize)
