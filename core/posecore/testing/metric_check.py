"""``check_metric``: the contract every evaluation metric in ``posecore.metrics`` keeps.

A metric is an mmengine ``BaseMetric``: ``process(data_batch, data_samples)``
per batch, then ``evaluate(size)`` returns ``{key: number}``. Rules, each
named in the :class:`ContractError` that breaks it:

- ``computes``: ``evaluate`` returns a non-empty dict of finite numbers;
- ``perfect predictions score perfectly``: with predictions equal to the
  ground truth, each key has its perfect value (``perfect=``, else by its
  name: 1 for AP, AR, PCK, AUC, accuracy...; 0 for EPE, NME, error, MAE...);
- ``responds to predictions``: predictions half a box away from the ground
  truth do not get the perfect results.
"""
from __future__ import annotations

import copy
import math
import re
from typing import Any, Mapping, Sequence

import numpy as np

from posecore.testing.build import build_component
from posecore.testing.contract_error import broken
from posecore.testing.samples import coco_dataset_meta, pose_data_samples

CHECK = 'check_metric'
#: first word of a result key (after its 'prefix/') -> the perfect value
HIGHER_IS_BETTER = ('ap', 'map', 'ar', 'pck', 'pckh', 'tpck', 'auc', 'acc', 'accuracy',
                    'precision', 'recall', 'f1', 'oks')
LOWER_IS_BETTER = ('epe', 'nme', 'error', 'err', 'mae', 'mse', 'rmse', 'loss', 'mpjpe')
PERFECT_ATOL = 1e-6


def perfect_value(key: str) -> float | None:
    """The perfect value of result ``key`` by its name, or None when the name does not tell."""
    match = re.match(r'[a-z0-9]+', key.rsplit('/', 1)[-1].strip().lower())
    word = match.group(0) if match else ''
    if word in HIGHER_IS_BETTER:
        return 1.0
    if word in LOWER_IS_BETTER:
        return 0.0
    return None


def _evaluate(cfg: Mapping[str, Any], samples: Sequence[Any],
              dataset_meta: Mapping[str, Any] | None) -> dict[str, float]:
    metric = build_component('metrics', cfg)
    if dataset_meta is not None:
        metric.dataset_meta = dict(dataset_meta)
    metric.process(None, copy.deepcopy(list(samples)))
    results = metric.evaluate(len(samples))
    if not isinstance(results, Mapping) or not results:
        broken(CHECK, cfg, 'computes', f'evaluate returned {results!r}; return a non-empty '
               'dict of {key: number}')
    values = {}
    for key, value in results.items():
        try:
            number = float(value)
        except (TypeError, ValueError):
            broken(CHECK, cfg, 'computes', f'result {key!r} is a {type(value).__name__}, not '
                   'a number')
        if not math.isfinite(number):
            broken(CHECK, cfg, 'computes', f'result {key!r} is {number}')
        values[key] = number
    return values


def _shifted(samples: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The samples with every prediction moved half its box's longer side to the right
    and down."""
    moved = copy.deepcopy(list(samples))
    for sample in moved:
        boxes = np.asarray(sample['gt_instances']['bboxes'], np.float32)
        side = (boxes[:, 2:] - boxes[:, :2]).max(axis=1)[:, None, None]
        pred = sample['pred_instances']
        pred['keypoints'] = np.asarray(pred['keypoints'], np.float32) + 0.5 * side
    return moved


def check_metric(cfg: Mapping[str, Any], data_samples: Sequence[Any] | None = None,
                 dataset_meta: Mapping[str, Any] | None = None,
                 perfect: Mapping[str, float] | None = None) -> dict[str, float]:
    """Build the metric ``cfg`` through ``METRICS`` and check its contract.

    :param cfg: the metric config, e.g. ``dict(type='PCKAccuracy', thr=0.2)``.
    :param data_samples: samples whose predictions equal their ground truth
        (dicts with ``gt_instances`` and ``pred_instances``, each with
        ``bboxes``/``keypoints`` for the shifted run); default
        :func:`posecore.testing.samples.pose_data_samples` (COCO-17, with all
        that MMPose's keypoint metrics and ``CocoMetric`` read).
    :param dataset_meta: set as ``metric.dataset_meta`` (default COCO-17's
        ``sigmas``, ``num_keypoints``...); the Runner sets it from the dataset.
    :param perfect: ``{result key: perfect value}`` for keys whose name does
        not tell (see :func:`perfect_value`) or whose perfect value differs.
    :returns: the results for the perfect predictions.
    :raises ContractError: naming the component and the broken rule.
    """
    samples = pose_data_samples() if data_samples is None else list(data_samples)
    meta = coco_dataset_meta() if dataset_meta is None else dataset_meta
    results = _evaluate(cfg, samples, meta)
    perfect = dict(perfect or {})
    for key, value in results.items():
        target = perfect.get(key, perfect_value(key))
        if target is None:
            broken(CHECK, cfg, 'perfect predictions score perfectly', f'cannot tell the '
                   f'perfect value of result {key!r} from its name; pass perfect='
                   f'{{{key!r}: VALUE}}')
        if abs(value - target) > PERFECT_ATOL:
            broken(CHECK, cfg, 'perfect predictions score perfectly', f'{key!r} is {value:.6g} '
                   f'for predictions equal to the ground truth; perfect is {target:g}')
    shifted = _evaluate(cfg, _shifted(samples), meta)
    if shifted == results:
        broken(CHECK, cfg, 'responds to predictions', f'predictions half a box away from the '
               f'ground truth get the perfect results too ({results}): the metric does not '
               'compare predictions with the ground truth')
    return results
