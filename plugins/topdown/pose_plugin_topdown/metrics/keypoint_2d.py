"""2D keypoint metrics of MMPose 1.x as mmengine ``BaseMetric`` classes:
``PCKAccuracy`` (PCK, PCKh, tPCK), ``AUC``, ``EPE`` and ``NME``, with
MMPose's arguments, defaults, result keys and numbers.

Each ``process`` call reads data samples as mmengine's ``Evaluator`` hands
them over (``PoseDataSample.to_dict()``): ``pred_instances.keypoints``
``(N, K, D)``, ``gt_instances.keypoints`` ``(N, K, D)``,
``gt_instances.keypoints_visible`` ``(N, K)`` or ``(N, K, 1)``, and what the
normalisation needs (``bboxes`` ``(N, 4)`` xyxy, ``head_size``...). MMPose
handles one instance per sample (top-down); several are accepted here and
evaluated as if each came in its own sample.

Result keys have no prefix unless ``prefix`` is given (then
``'<prefix>/PCK'``), as MMPose's metrics have no default prefix.
"""
from __future__ import annotations

import warnings
from numbers import Integral, Real
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger

from ..keypoint_eval import (as_array, keypoint_auc, keypoint_epe,
                             keypoint_nme, keypoint_pck_accuracy)

__all__ = ['AUC', 'EPE', 'NME', 'PCKAccuracy', 'KeypointMetricError']


class KeypointMetricError(ValueError, KeyError):
    """A metric argument or a data-sample field that does not fit.

    Also a ``KeyError``, the type MMPose raises for a bad ``norm_item`` or
    ``norm_mode``; ``__str__`` keeps the message readable.
    """

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ''


def _field(container: Any, key: str, where: str, hint: str = '') -> Any:
    """``container[key]`` of a dict or a data element, or an error naming
    ``where.key`` and what to set."""
    if hasattr(container, 'to_dict') and not isinstance(container, Mapping):
        container = container.to_dict()
    if not isinstance(container, Mapping) or key not in container:
        raise KeypointMetricError(
            f'the data sample has no {where}.{key}{hint}')
    return container[key]


def _sample_keypoints(metric: str, data_sample: Any) -> Dict[str, Any]:
    """The predicted and ground-truth keypoints ``(N, K, D)`` and the
    boolean mask ``(N, K)`` of one data sample, checked; plus ``gt`` (the
    ``gt_instances`` mapping) for the normalisation items."""
    if hasattr(data_sample, 'to_dict') and \
            not isinstance(data_sample, Mapping):
        data_sample = data_sample.to_dict()
    hint = f' ({metric} compares pred_instances with gt_instances)'
    pred = _field(data_sample, 'pred_instances', 'data_sample', hint)
    gt = _field(data_sample, 'gt_instances', 'data_sample', hint)
    if hasattr(gt, 'to_dict') and not isinstance(gt, Mapping):
        gt = gt.to_dict()
    pred_coords = as_array(_field(pred, 'keypoints', 'pred_instances'),
                           'pred_instances.keypoints')
    gt_coords = as_array(_field(gt, 'keypoints', 'gt_instances'),
                         'gt_instances.keypoints')
    visible = as_array(_field(gt, 'keypoints_visible', 'gt_instances'),
                       'gt_instances.keypoints_visible')
    if pred_coords.ndim != 3:
        raise KeypointMetricError(
            f'{metric}: pred_instances.keypoints must have shape (N, K, D) '
            f'(instances, keypoints, coordinates), got {pred_coords.shape}')
    if gt_coords.shape != pred_coords.shape:
        raise KeypointMetricError(
            f'{metric}: gt_instances.keypoints must have the shape of '
            f'pred_instances.keypoints {pred_coords.shape}, got '
            f'{gt_coords.shape}')
    num, num_keypoints = pred_coords.shape[:2]
    # As MMPose: any non-zero visibility counts; a trailing axis (N, K, 1)
    # holds the flag in its first entry.
    mask = visible.astype(bool)
    if mask.ndim == 3:
        mask = mask[:, :, 0]
    if mask.size != num * num_keypoints:
        raise KeypointMetricError(
            f'{metric}: gt_instances.keypoints_visible must have shape '
            f'(N, K) = {(num, num_keypoints)} or (N, K, 1), got '
            f'{visible.shape}')
    return dict(pred_coords=pred_coords, gt_coords=gt_coords,
                mask=mask.reshape(num, num_keypoints), gt=gt)


def _bbox_size(metric: str, gt: Mapping, num: int, setting: str) -> np.ndarray:
    """The longer side ``(N,)`` of each ground-truth box (xyxy)."""
    bboxes = as_array(
        _field(gt, 'bboxes', 'gt_instances',
               f' (xyxy boxes, shape (N, 4)), needed by {metric}({setting})'),
        'gt_instances.bboxes')
    if bboxes.ndim != 2 or bboxes.shape != (num, 4):
        raise KeypointMetricError(
            f'{metric}: gt_instances.bboxes must have shape (N, 4) = '
            f'({num}, 4) (x1, y1, x2, y2), got {bboxes.shape}')
    return (bboxes[:, 2:] - bboxes[:, :2]).max(axis=1)


def _per_instance(metric: str, value: Any, num: int, name: str) -> np.ndarray:
    """``value`` (a number per instance, in any shape with ``N`` entries,
    e.g. MPII's ``(1, 1)`` head size) as ``(N,)``."""
    array = as_array(value, f'gt_instances.{name}')
    if array.size != num:
        raise KeypointMetricError(
            f'{metric}: gt_instances.{name} must hold one number per '
            f'instance ({num}), got shape {array.shape}')
    return array.reshape(num)


def _concat(metric: str, results: List[dict], key: str) -> np.ndarray:
    """The ``key`` arrays of all results, joined along instances; an error
    names the keypoint counts when samples disagree."""
    arrays = [result[key] for result in results]
    if not arrays:
        raise KeypointMetricError(
            f'{metric}: no data samples to evaluate; process() must see at '
            f'least one (is the evaluation dataset empty?)')
    try:
        return np.concatenate(arrays)
    except ValueError:
        shapes = sorted({tuple(a.shape[1:]) for a in arrays})
        raise KeypointMetricError(
            f'{metric}: every sample must have the same number of keypoints '
            f'and dimensions, got {key} of shapes (N, ...) with ... in '
            f'{shapes}') from None


def _check_real(metric: str, name: str, value: Any,
                positive: bool = False) -> None:
    if not isinstance(value, Real) or isinstance(value, bool) or \
            not np.isfinite(value) or (positive and value <= 0):
        rule = 'a number > 0' if positive else 'a finite number'
        raise KeypointMetricError(
            f'{metric}: {name} must be {rule}, got {value!r}')


class KeypointMetric(BaseMetric):
    """Shared ``process``/collect steps of the keypoint metrics: each sample
    gives ``pred_coords``, ``gt_coords`` and ``mask`` (as MMPose stores
    them), plus the normalisation items of :meth:`norm_items`."""

    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        """Store the coordinates, masks and normalisation items of
        ``data_samples`` (dicts of ``PoseDataSample.to_dict()``).

        :param data_batch: the batch from the dataloader (unused).
        :param data_samples: the model's outputs with ground truth.
        """
        name = type(self).__name__
        for data_sample in data_samples:
            sample = _sample_keypoints(name, data_sample)
            gt = sample.pop('gt')
            sample.update(self.norm_items(gt, sample))
            self.results.append(sample)

    def norm_items(self, gt: Mapping, sample: Dict[str, np.ndarray]
                   ) -> Dict[str, np.ndarray]:
        """Extra arrays to keep for one sample; none by default."""
        return {}

    def gather(self, results: List[dict]) -> tuple:
        """``pred_coords``, ``gt_coords`` ``(N, K, D)`` and ``mask``
        ``(N, K)`` of all processed samples."""
        name = type(self).__name__
        return (_concat(name, results, 'pred_coords'),
                _concat(name, results, 'gt_coords'),
                _concat(name, results, 'mask'))


class PCKAccuracy(KeypointMetric):
    """Percentage of correct keypoints: a keypoint is correct when its
    distance to the ground truth, divided by the instance's normalisation
    size, is below ``thr``.

    :param thr: threshold of the normalised distance (0.05, 0.1, 0.2...).
    :param norm_item: normalisation size(s): ``'bbox'`` (longer side of
        ``gt_instances.bboxes``; result ``'PCK'``), ``'head'``
        (``gt_instances.head_size``; ``'PCKh'``), ``'torso'`` (distance of
        keypoints 4 and 5 in the ground truth, or in the prediction when
        the former is below 1 px, as in JHMDB; ``'tPCK'``), or a list.
    :param collect_device: ``'cpu'`` or ``'gpu'``, for collecting results
        across ranks.
    :param prefix: prefix of the result keys (``'<prefix>/PCK'``).
    """

    allowed_norm_items = ('bbox', 'head', 'torso')

    def __init__(self,
                 thr: float = 0.05,
                 norm_item: Union[str, Sequence[str]] = 'bbox',
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        name = type(self).__name__
        _check_real(name, 'thr', thr)
        self.thr = thr
        items = list(norm_item) if isinstance(norm_item,
                                              (list, tuple)) else [norm_item]
        if not items:
            raise KeypointMetricError(
                f"{name}: norm_item must name at least one of "
                f"{list(self.allowed_norm_items)}, got {norm_item!r}")
        for item in items:
            if item not in self.allowed_norm_items:
                raise KeypointMetricError(
                    f"{name}: norm_item {item!r} is not supported; use "
                    f"'bbox' (PCK), 'head' (PCKh), 'torso' (tPCK) or a list "
                    f"of them")
        self.norm_item = items

    def norm_items(self, gt: Mapping, sample: Dict[str, np.ndarray]
                   ) -> Dict[str, np.ndarray]:
        """Per-instance sizes ``(N, 2)`` (the size twice, one per
        coordinate) under MMPose's keys ``bbox_size``, ``head_size``,
        ``torso_size``."""
        name = type(self).__name__
        num = sample['gt_coords'].shape[0]
        items = {}
        if 'bbox' in self.norm_item:
            size = _bbox_size(name, gt, num, "norm_item='bbox'")
            items['bbox_size'] = np.stack([size, size], axis=1)
        if 'head' in self.norm_item:
            head = _field(
                gt, 'head_size', 'gt_instances',
                f" (one size per instance, e.g. MPII's head box diagonal x "
                f"0.6), needed by {name}(norm_item='head'); the dataset must "
                f"provide it, or use norm_item='bbox'")
            size = _per_instance(name, head, num, 'head_size')
            items['head_size'] = np.stack([size, size], axis=1)
        if 'torso' in self.norm_item:
            items['torso_size'] = self._torso_size(sample['gt_coords'],
                                                   sample['pred_coords'])
        return items

    def _torso_size(self, gt_coords: np.ndarray,
                    pred_coords: np.ndarray) -> np.ndarray:
        """Distance ``(N, 2)`` of keypoints 4 and 5 per instance; the
        predicted one where the ground truth's is below 1 px."""
        if gt_coords.shape[1] < 6:
            raise KeypointMetricError(
                f"{type(self).__name__}(norm_item='torso') measures the torso "
                f"between keypoints 4 and 5 (JHMDB's layout) and needs at "
                f"least 6 keypoints, got {gt_coords.shape[1]}")
        sizes = []
        for gt_inst, pred_inst in zip(gt_coords, pred_coords):
            # One 1-D norm per instance, as MMPose computes it (a norm along
            # an axis of a 2-D array can round differently).
            size = np.linalg.norm(gt_inst[4] - gt_inst[5])
            if size < 1:
                size = np.linalg.norm(pred_inst[4] - pred_inst[5])
                warnings.warn('Ground-truth torso size < 1 px: using the '
                              'torso size of the predicted keypoints.')
            sizes.append(np.array([size, size]))
        return np.stack(sizes).reshape(-1, 2)

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """``{'PCK', 'PCKh', 'tPCK'}`` for the requested norm items (mean
        accuracy over keypoints that have a counted instance)."""
        logger = MMLogger.get_current_instance()
        name = type(self).__name__
        pred_coords, gt_coords, mask = self.gather(results)
        metrics = {}
        for item, key, result in (('bbox', 'bbox_size', 'PCK'),
                                  ('head', 'head_size', 'PCKh'),
                                  ('torso', 'torso_size', 'tPCK')):
            if item not in self.norm_item:
                continue
            norm_size = _concat(name, results, key)
            logger.info(f'Evaluating {name} (normalized by ``"{key}"``)...')
            _, metrics[result], _ = keypoint_pck_accuracy(
                pred_coords, gt_coords, mask, self.thr, norm_size)
        return metrics


class MpiiPCKAccuracy(PCKAccuracy):
    """MPII's PCKh (MMPose 1.x's ``MpiiPCKAccuracy``): PCK at ``thr`` of the head size,
    in percent, per body part and overall, over MPII's 16 keypoints; the pelvis and
    thorax (6, 7) are left out of the means. The predictions are moved to MPII's
    1-based pixels first (``MpiiDataset`` keeps the file's joints).

    :param thr: threshold (0.5: PCKh@0.5).
    :param norm_item: ``'head'`` (``gt_instances.head_size``: ``MpiiDataset`` with
        ``headbox_file``); without it, nothing is reported, as MMPose.
    :param collect_device: as :class:`PCKAccuracy`.
    :param prefix: as :class:`PCKAccuracy`.
    """

    #: part -> MPII keypoint indices (ankles 0 and 5, knees 1 and 4, ...)
    PARTS = (('Head PCK', (9, )), ('Shoulder PCK', (13, 12)), ('Elbow PCK', (14, 11)),
             ('Wrist PCK', (15, 10)), ('Hip PCK', (3, 2)), ('Knee PCK', (4, 1)),
             ('Ankle PCK', (5, 0)))

    def __init__(self,
                 thr: float = 0.5,
                 norm_item: Union[str, Sequence[str]] = 'head',
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(thr=thr, norm_item=norm_item, collect_device=collect_device,
                         prefix=prefix)

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """``Head PCK`` ... ``Ankle PCK``, ``PCK`` (the mean weighted by each
        keypoint's count) and ``PCK@0.1``."""
        name = type(self).__name__
        pred_coords, gt_coords, mask = self.gather(results)
        if pred_coords.shape[1] != 16:
            raise KeypointMetricError(
                f"{name} reports MPII's body parts and needs its 16 keypoints, got "
                f"{pred_coords.shape[1]}; use PCKAccuracy(norm_item='head') otherwise")
        if 'head' not in self.norm_item:
            return {}
        pred_coords = pred_coords + 1.0
        norm_size = _concat(name, results, 'head_size')
        MMLogger.get_current_instance().info(
            f'Evaluating {name} (normalized by ``"head_size"``)...')
        pckh = 100. * keypoint_pck_accuracy(pred_coords, gt_coords, mask, self.thr,
                                            norm_size)[0]
        at_01 = 100. * keypoint_pck_accuracy(pred_coords, gt_coords, mask, 0.1,
                                             norm_size)[0]
        pckh = np.ma.array(pckh, mask=False)
        pckh.mask[6:8] = True
        count = np.ma.array(np.sum(mask, axis=0), mask=False)
        count.mask[6:8] = True
        ratio = count / np.sum(count).astype(np.float64)
        metrics = {part: (pckh[ids[0]] if len(ids) == 1
                          else 0.5 * (pckh[ids[0]] + pckh[ids[1]]))
                   for part, ids in self.PARTS}
        metrics['PCK'] = np.sum(pckh * ratio)
        metrics['PCK@0.1'] = np.sum(np.float32(at_01) * ratio)
        return metrics


class AUC(KeypointMetric):
    """Area under the PCK curve, thresholds ``0, 1/num_thrs, ...`` of the
    distance in units of ``norm_factor`` pixels.

    :param norm_factor: normalisation length in pixels (> 0).
    :param num_thrs: number of thresholds (>= 1).
    :param collect_device: ``'cpu'`` or ``'gpu'``.
    :param prefix: prefix of the result key (``'<prefix>/AUC'``).
    """

    def __init__(self,
                 norm_factor: float = 30,
                 num_thrs: int = 20,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        name = type(self).__name__
        _check_real(name, 'norm_factor', norm_factor, positive=True)
        if not isinstance(num_thrs, Integral) or isinstance(num_thrs, bool) \
                or num_thrs < 1:
            raise KeypointMetricError(
                f'{name}: num_thrs must be an int >= 1, got {num_thrs!r}')
        self.norm_factor = norm_factor
        self.num_thrs = num_thrs

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """``{'AUC': ...}``."""
        MMLogger.get_current_instance().info(
            f'Evaluating {type(self).__name__}...')
        pred_coords, gt_coords, mask = self.gather(results)
        return dict(AUC=keypoint_auc(pred_coords, gt_coords, mask,
                                     self.norm_factor, self.num_thrs))


class EPE(KeypointMetric):
    """End-point error: mean pixel distance of the counted keypoints.

    :param collect_device: ``'cpu'`` or ``'gpu'``.
    :param prefix: prefix of the result key (``'<prefix>/EPE'``).
    """

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """``{'EPE': ...}``."""
        MMLogger.get_current_instance().info(
            f'Evaluating {type(self).__name__}...')
        pred_coords, gt_coords, mask = self.gather(results)
        return dict(EPE=keypoint_epe(pred_coords, gt_coords, mask))


class NME(KeypointMetric):
    """Normalised mean error of the counted keypoints.

    :param norm_mode: ``'use_norm_item'``: divide by the ground-truth item
        ``norm_item`` of each instance (``'bbox_size'``: the longer side of
        ``gt_instances.bboxes``; any other name: that per-instance number in
        ``gt_instances``); ``'keypoint_distance'``: divide by the distance
        of the two ground-truth keypoints ``keypoint_indices`` (by default
        the dataset's, see :attr:`DEFAULT_KEYPOINT_INDICES`, looked up by
        ``dataset_meta['dataset_name']``).
    :param norm_item: the item of ``'use_norm_item'`` mode.
    :param keypoint_indices: a pair of keypoint indices for
        ``'keypoint_distance'`` mode.
    :param collect_device: ``'cpu'`` or ``'gpu'``.
    :param prefix: prefix of the result key (``'<prefix>/NME'``).
    """

    #: The keypoint pair of ``'keypoint_distance'`` mode per dataset name:
    #: the outer eye corners for faces (inter-ocular distance), nose and
    #: eye for horse10 — MMPose's defaults.
    DEFAULT_KEYPOINT_INDICES = {
        'horse10': [0, 1],
        '300w': [36, 45],
        'coco_wholebody_face': [36, 45],
        'cofw': [8, 9],
        'wflw': [60, 72],
        'lapa': [66, 79],
    }

    allowed_norm_modes = ('use_norm_item', 'keypoint_distance')

    def __init__(self,
                 norm_mode: str,
                 norm_item: Optional[str] = None,
                 keypoint_indices: Optional[Sequence[int]] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        name = type(self).__name__
        if norm_mode not in self.allowed_norm_modes:
            raise KeypointMetricError(
                f"{name}: norm_mode must be 'use_norm_item' (with norm_item, "
                f"e.g. 'bbox_size') or 'keypoint_distance' (with "
                f"keypoint_indices or a dataset that has defaults), got "
                f"{norm_mode!r}")
        if norm_mode == 'use_norm_item' and not norm_item:
            raise KeypointMetricError(
                f"{name}: norm_mode='use_norm_item' needs norm_item, the "
                f"ground-truth item to divide by (e.g. 'bbox_size')")
        if norm_item is not None and not isinstance(norm_item, str):
            raise KeypointMetricError(
                f'{name}: norm_item must be the name of a ground-truth item '
                f"(e.g. 'bbox_size'), got {norm_item!r}")
        if keypoint_indices is not None:
            keypoint_indices = self._check_pair(keypoint_indices)
        self.norm_mode = norm_mode
        self.norm_item = norm_item
        self.keypoint_indices = keypoint_indices

    def _check_pair(self, indices: Any) -> List[int]:
        try:
            pair = list(indices)
        except TypeError:
            pair = None
        if pair is None or len(pair) != 2 or not all(
                isinstance(i, Integral) and not isinstance(i, bool) and i >= 0
                for i in pair):
            raise KeypointMetricError(
                f'{type(self).__name__}: keypoint_indices must be a pair of '
                f'keypoint indices [i, j] (e.g. the outer eye corners), got '
                f'{indices!r}')
        return [int(i) for i in pair]

    def norm_items(self, gt: Mapping, sample: Dict[str, np.ndarray]
                   ) -> Dict[str, np.ndarray]:
        """The ``norm_item`` ``(N, 1)`` of each instance, when one is set
        (as MMPose, in either mode)."""
        if not self.norm_item:
            return {}
        name = type(self).__name__
        num = sample['gt_coords'].shape[0]
        setting = f'norm_item={self.norm_item!r}'
        if self.norm_item == 'bbox_size':
            size = _bbox_size(name, gt, num, setting)
        else:
            value = _field(
                gt, self.norm_item, 'gt_instances',
                f', needed by {name}({setting}); the dataset must provide '
                f"it, or use norm_item='bbox_size'")
            size = _per_instance(name, value, num, self.norm_item)
        return {self.norm_item: size.reshape(-1, 1)}

    def resolved_keypoint_indices(self, num_keypoints: int) -> List[int]:
        """``keypoint_indices``, or the dataset's default pair; checked
        against the dataset's keypoints."""
        name = type(self).__name__
        meta = self.dataset_meta or {}
        dataset_name = meta.get('dataset_name')
        if self.keypoint_indices is None:
            if dataset_name not in self.DEFAULT_KEYPOINT_INDICES:
                raise KeypointMetricError(
                    f"{name}(norm_mode='keypoint_distance') has no default "
                    f"keypoint pair for dataset {dataset_name!r}: set "
                    f"keypoint_indices=[i, j] (defaults exist for "
                    f"{sorted(self.DEFAULT_KEYPOINT_INDICES)})")
            indices = list(self.DEFAULT_KEYPOINT_INDICES[dataset_name])
        else:
            indices = self.keypoint_indices
            id2name = meta.get('keypoint_id2name')
            if id2name is not None:
                missing = [i for i in indices if i not in id2name]
                if missing:
                    raise KeypointMetricError(
                        f'{name}: keypoint_indices {indices}: dataset '
                        f'{dataset_name!r} has no keypoint {missing[0]} '
                        f'(ids 0..{len(id2name) - 1})')
        if max(indices) >= num_keypoints:
            raise KeypointMetricError(
                f'{name}: keypoint_indices {indices} do not fit the '
                f'{num_keypoints} keypoints of the data; set keypoint_indices '
                f'to a pair of indices below {num_keypoints}')
        return indices

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """``{'NME': ...}``."""
        MMLogger.get_current_instance().info(
            f'Evaluating {type(self).__name__}...')
        pred_coords, gt_coords, mask = self.gather(results)
        if self.norm_mode == 'use_norm_item':
            size = _concat(type(self).__name__, results, self.norm_item)
            normalize_factor = np.tile(size, [1, 2])
        else:
            first, second = self.resolved_keypoint_indices(gt_coords.shape[1])
            interocular = np.linalg.norm(
                gt_coords[:, first, :] - gt_coords[:, second, :],
                axis=1, keepdims=True)
            normalize_factor = np.tile(interocular, [1, 2])
        return dict(NME=keypoint_nme(pred_coords, gt_coords, mask,
                                     normalize_factor))
