"""Predictions of ``CocoMetric``: one record per data sample, flattened at
evaluation time into one table of instances grouped by image.

Shapes: n instances of a sample, N of all samples, K keypoints;
``keypoints`` ``(n, K, 2)``, ``keypoint_scores`` ``(n, K)``, ``bboxes``
``(n, 4)`` (xyxy in a record, xywh in the table), ``bbox_scores`` ``(n,)``,
``scales`` ``(n, 2)`` (box width and height), ``areas`` ``(n,)``.

Per-instance arithmetic (xyxy to xywh, areas) runs once over all instances,
in the arrays' dtype; samples are expected to share dtypes (one model), as
mixed ones are promoted to a common dtype first.

The table keeps MMPose 1.x's order: images in the order of their first
instance; within an image, instances sorted by sample ``id`` with repeats
(the same sample twice) dropped, except from the first image whose first
instance has a sequence ``id`` on (bottom-up samples, whose ``id`` lists the
annotation ids), which keep their arrival order.
"""
from __future__ import annotations

from collections.abc import Sequence as SequenceABC
from typing import Any, List, NamedTuple, Optional

import numpy as np

from .coco_ground_truth import SampleGroundTruth
from .keypoint_mapping import KeypointMapping


class SamplePrediction:
    """What ``CocoMetric.process`` keeps of one data sample. A plain object
    (not a dict or list), so mmengine's result collection passes it whole
    instead of walking every annotation value."""

    __slots__ = ('id', 'img_id', 'category_id', 'keypoints',
                 'keypoint_scores', 'bboxes', 'bbox_scores', 'scales', 'gt')

    def __init__(self, id: Any, img_id: Any, category_id: Any,
                 keypoints: np.ndarray, keypoint_scores: np.ndarray,
                 bboxes: Optional[np.ndarray], bbox_scores: np.ndarray,
                 scales: Optional[np.ndarray],
                 gt: Optional[SampleGroundTruth]) -> None:
        self.id = id
        self.img_id = img_id
        self.category_id = category_id
        self.keypoints = keypoints
        self.keypoint_scores = keypoint_scores
        self.bboxes = bboxes
        self.bbox_scores = bbox_scores
        self.scales = scales
        self.gt = gt

    def __getstate__(self) -> tuple:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __setstate__(self, state: tuple) -> None:
        for name, value in zip(self.__slots__, state):
            setattr(self, name, value)


def scalar(value: Any) -> Any:
    """A numpy scalar or 0-d array (MMPose's datasets give ``category_id``
    as one) as the Python number JSON would turn it into; anything else
    unchanged."""
    if isinstance(value, np.generic) or (isinstance(value, np.ndarray)
                                         and value.ndim == 0):
        return value.item()
    return value


class InstanceTable(NamedTuple):
    """All instances, in MMPose's per-image order (see the module doc).

    ``order`` indexes the flat arrays; ``image_starts`` (length images + 1)
    bounds each image's slice of ``order``; ``img_ids`` and
    ``category_ids`` are per flat instance.
    """

    keypoints: np.ndarray
    keypoint_scores: np.ndarray
    bbox_scores: np.ndarray
    areas: np.ndarray
    bboxes: Optional[np.ndarray]
    has_bbox: Optional[np.ndarray]
    img_ids: List[Any]
    category_ids: List[Any]
    order: np.ndarray
    image_starts: np.ndarray

    @property
    def num_images(self) -> int:
        return len(self.image_starts) - 1

    def image(self, i: int) -> np.ndarray:
        """Flat indices of the instances of the ``i``-th image."""
        return self.order[self.image_starts[i]:self.image_starts[i + 1]]


def _concatenate(samples: List[SamplePrediction], name: str,
                 label: str) -> np.ndarray:
    arrays = [getattr(s, name) for s in samples]
    first = arrays[0].shape[1:]
    odd = [s for s, a in zip(samples, arrays) if a.shape[1:] != first]
    if odd:
        raise ValueError(
            f'CocoMetric: {label} of data sample id {odd[0].id!r} has shape '
            f'{getattr(odd[0], name).shape}, that of sample id '
            f'{samples[0].id!r} {arrays[0].shape}: every sample must give '
            'the same number of keypoints / columns')
    return np.concatenate(arrays)


def build_table(samples: List[SamplePrediction],
                mapping: Optional[KeypointMapping]) -> InstanceTable:
    """Flatten ``samples`` into an :class:`InstanceTable`, re-indexing the
    keypoints with ``mapping`` (``pred_converter``) first."""
    samples = [s for s in samples if len(s.keypoints)]
    if not samples:
        empty = np.zeros((0, ), np.float64)
        return InstanceTable(np.zeros((0, 0, 2)), np.zeros((0, 0)), empty,
                             empty, None, None, [], [],
                             np.zeros(0, np.intp), np.zeros(1, np.intp))
    counts = np.array([len(s.keypoints) for s in samples])
    keypoints = _concatenate(samples, 'keypoints', 'pred_instances keypoints')
    keypoint_scores = _concatenate(samples, 'keypoint_scores',
                                   'pred_instances keypoint_scores')
    if mapping is not None:
        keypoints = mapping.instances(keypoints)
        keypoint_scores = mapping.instances(keypoint_scores)
    bbox_scores = np.concatenate([s.bbox_scores for s in samples])
    areas = _areas(samples, keypoints, counts)
    bboxes, has_bbox = _bboxes(samples, counts)

    sample_of = np.repeat(np.arange(len(samples)), counts)
    img_ids = [scalar(s.img_id) for s in samples]
    codes: dict = {}
    sample_code = np.array([codes.setdefault(i, len(codes))
                            for i in img_ids])
    order, starts = _mmpose_order(samples, sample_code, sample_of,
                                  len(codes))
    return InstanceTable(
        keypoints, keypoint_scores, bbox_scores, areas, bboxes, has_bbox,
        [img_ids[i] for i in sample_of],
        [samples[i].category_id for i in sample_of], order, starts)


def _areas(samples: List[SamplePrediction], keypoints: np.ndarray,
           counts: np.ndarray) -> np.ndarray:
    """Box areas (the product of ``bbox_scales``), else the keypoints'
    extent ``(max x - min x) * (max y - min y)`` in the keypoints' dtype."""
    given = [s.scales is not None for s in samples]
    if all(given):
        return np.prod(_concatenate(samples, 'scales',
                                    'gt_instances bbox_scales'), axis=1)
    extent = ((keypoints[..., 0].max(axis=1) - keypoints[..., 0].min(axis=1))
              * (keypoints[..., 1].max(axis=1)
                 - keypoints[..., 1].min(axis=1)))
    if not any(given):
        return extent
    parts = np.split(extent, np.cumsum(counts)[:-1])
    return np.concatenate([
        np.prod(s.scales, axis=1) if s.scales is not None else part
        for s, part in zip(samples, parts)])


def _bboxes(samples: List[SamplePrediction], counts: np.ndarray
            ) -> tuple[Optional[np.ndarray], Optional[np.ndarray]]:
    """xywh boxes of all instances (zeros where a sample has none) and
    which instances have one; ``(None, None)`` when no sample has boxes."""
    given = [s.bboxes is not None for s in samples]
    if not any(given):
        return None, None
    boxed = [s for s in samples if s.bboxes is not None]
    if all(given):
        xyxy = _concatenate(samples, 'bboxes', 'pred_instances bboxes')
    else:
        _concatenate(boxed, 'bboxes', 'pred_instances bboxes')  # checks
        dtype = np.result_type(*[s.bboxes for s in boxed])
        xyxy = np.concatenate([
            s.bboxes if s.bboxes is not None else
            np.zeros((n, boxed[0].bboxes.shape[1]), dtype)
            for s, n in zip(samples, counts)])
    xywh = xyxy.copy()
    xywh[:, 2] = xyxy[:, 2] - xyxy[:, 0]
    xywh[:, 3] = xyxy[:, 3] - xyxy[:, 1]
    return xywh, np.repeat(np.array(given), counts)


def _mmpose_order(samples: List[SamplePrediction], sample_code: np.ndarray,
                  sample_of: np.ndarray, num_images: int
                  ) -> tuple[np.ndarray, np.ndarray]:
    """``(order, image_starts)`` of the table (see the module doc)."""
    code = sample_code[sample_of]
    position = np.arange(len(code))
    # samples come in arrival order, so an image's first instance is that
    # of its first sample
    first_sample = np.unique(sample_code, return_index=True)[1]
    is_sequence = [isinstance(samples[i].id, SequenceABC)
                   for i in first_sample]
    stop = is_sequence.index(True) if True in is_sequence else num_images
    sorted_part = code < stop

    ids = [0 if isinstance(s.id, SequenceABC) else scalar(s.id)
           for s in samples]
    numeric = None
    if stop and all(type(v) in (int, float) for v in ids):
        numeric = np.array(ids, dtype=np.float64)
        if not np.abs(numeric).max() < 2**53:  # not exact as float64
            numeric = None
    if numeric is not None:
        key = np.where(sorted_part, numeric[sample_of], 0.0)
        # stable: equal ids keep their arrival order, as sorted() does
        order = np.lexsort((position, key, code))
        repeat = np.zeros(len(order), bool)
        repeat[1:] = ((code[order[1:]] == code[order[:-1]])
                      & (key[order[1:]] == key[order[:-1]])
                      & sorted_part[order[1:]])
        order = order[~repeat]
    elif stop:
        order = _python_order(ids, code, sample_of, sorted_part)
    else:
        order = np.lexsort((position, code))
    starts = np.searchsorted(code[order], np.arange(num_images + 1))
    return order, starts


def _python_order(ids: List[Any], code: np.ndarray, sample_of: np.ndarray,
                  sorted_part: np.ndarray) -> np.ndarray:
    """The same order for ids numpy cannot sort exactly (Python objects)."""
    by_image: dict = {}
    for index, c in enumerate(code.tolist()):
        by_image.setdefault(c, []).append(index)
    order = []
    for c in sorted(by_image):
        members = by_image[c]
        if sorted_part[members[0]]:
            try:
                members = sorted(members, key=lambda i: ids[sample_of[i]])
            except TypeError as exc:
                shown = sorted({repr(ids[sample_of[i]]) for i in members})
                raise ValueError(
                    'CocoMetric: data sample ids of one image must be '
                    f'sortable, like the dataset\'s instance ids; got '
                    f'{", ".join(shown)} ({exc})') from None
            members = [m for j, m in enumerate(members) if j == 0 or
                       ids[sample_of[m]] != ids[sample_of[members[j - 1]]]]
        order.extend(members)
    return np.array(order, dtype=np.intp)
