"""COCO keypoint results of ``CocoMetric``: the JSON list it writes and the
xtcocotools ``COCO`` results object it evaluates, built from arrays without
a JSON round trip.

Shapes: M results, K keypoints; ``keypoints`` ``(M, K * 3)`` rows of
``x, y, score`` triplets.

``results_coco`` gives each result the fields xtcocotools' ``loadRes``
gives (``id`` from 1 in result order; with a ``bbox``: its area, a box
polygon as ``segmentation``, ``iscrowd`` 0; without: the keypoints' extent as
``bbox`` and ``area``), computed in float64 as ``loadRes`` does on the
numbers a JSON file would hold.
"""
from __future__ import annotations

import copy
import json
from typing import Any, List, Optional

import numpy as np

from .xtcocotools_compat import import_cocoeval


def _as_loaded(values: np.ndarray) -> np.ndarray:
    """``values`` as numpy reads them back from JSON lists: float64 for
    floats, int64 for ints."""
    if values.dtype.kind == 'f':
        return values.astype(np.float64)
    if values.dtype.kind in 'iu':
        return values.astype(np.int64)
    return values


class KeypointResults:
    """M results in evaluation order.

    :param img_ids: ``image_id`` of each result (Python values).
    :param category_ids: ``category_id`` of each.
    :param keypoints: ``(M, K * 3)``.
    :param scores: ``(M,)`` instance scores (float64 on output).
    :param bboxes: ``(M, 4)`` xywh (or more columns), or None.
    :param has_bbox: ``(M,)`` which results carry their ``bbox``.
    """

    def __init__(self, img_ids: List[Any], category_ids: List[Any],
                 keypoints: np.ndarray, scores: np.ndarray,
                 bboxes: Optional[np.ndarray] = None,
                 has_bbox: Optional[np.ndarray] = None) -> None:
        self.img_ids = [_plain_scalar(i) for i in img_ids]
        self.category_ids = [_plain_scalar(c) for c in category_ids]
        self.keypoints = _as_loaded(keypoints)
        self.scores = np.asarray(scores, dtype=np.float64)
        self.bboxes = None if bboxes is None else _as_loaded(bboxes)
        self.has_bbox = has_bbox

    def __len__(self) -> int:
        return len(self.img_ids)

    def to_json_list(self) -> List[dict]:
        """The results as MMPose writes them: ``image_id``,
        ``category_id``, ``keypoints`` (flat list), ``score`` and, for
        results with a box, ``bbox``."""
        keypoints = self.keypoints.tolist()
        scores = self.scores.tolist()
        out = [dict(image_id=i, category_id=c, keypoints=k, score=s)
               for i, c, k, s in zip(self.img_ids, self.category_ids,
                                     keypoints, scores)]
        if self.bboxes is not None:
            for result, box, has in zip(out, self.bboxes.tolist(),
                                        self.has_bbox.tolist()):
                if has:
                    result['bbox'] = box
        return out

    def dump(self, path: str) -> None:
        """Write :meth:`to_json_list` as JSON to ``path`` (any
        ``mmengine.fileio`` backend)."""
        from mmengine.fileio import put_text
        put_text(json.dumps(self.to_json_list(), sort_keys=True), path)

    def results_coco(self, coco_gt: Any) -> Any:
        """An xtcocotools ``COCO`` of the results, as ``coco_gt.loadRes``
        builds from the JSON file (see the module doc). Keypoint rows are
        float64 / int64 arrays, which COCOeval reads as it reads lists.

        :raises ValueError: the first result has a ``bbox`` and another
            has none (``loadRes`` would fail).
        """
        COCO, _ = import_cocoeval()
        res = COCO()
        res.dataset['images'] = list(coco_gt.dataset['images'])
        anns: List[dict] = []
        if len(self):
            res.dataset['categories'] = copy.deepcopy(
                coco_gt.dataset['categories'])
            anns = [dict(image_id=i, category_id=c, keypoints=k, score=s,
                         id=n)
                    for n, (i, c, k, s) in enumerate(
                        zip(self.img_ids, self.category_ids, self.keypoints,
                            self.scores.tolist()), start=1)]
            with_box = self.bboxes is not None and bool(self.has_bbox[0]) \
                and self.bboxes.shape[1] > 0
            if with_box:
                self._box_fields(anns)
            else:
                self._extent_fields(anns)
        res.dataset['annotations'] = anns
        res.createIndex()
        return res

    def _box_fields(self, anns: List[dict]) -> None:
        if not self.has_bbox.all():
            raise ValueError(
                'CocoMetric: some predictions have pred_instances bboxes and '
                'others do not; give boxes for all samples or for none')
        boxes = self.bboxes
        x1, y1 = boxes[:, 0], boxes[:, 1]
        x2, y2 = x1 + boxes[:, 2], y1 + boxes[:, 3]
        polygons = np.stack([x1, y1, x1, y2, x2, y2, x2, y1], 1).tolist()
        areas = (boxes[:, 2] * boxes[:, 3]).tolist()
        for ann, box, polygon, area in zip(anns, boxes.tolist(), polygons,
                                           areas):
            ann.update(bbox=box, segmentation=[polygon], area=area,
                       iscrowd=0)

    def _extent_fields(self, anns: List[dict]) -> None:
        x, y = self.keypoints[:, 0::3], self.keypoints[:, 1::3]
        x0, x1 = x.min(axis=1), x.max(axis=1)
        y0, y1 = y.min(axis=1), y.max(axis=1)
        areas = (x1 - x0) * (y1 - y0)
        for n, ann in enumerate(anns):
            ann['area'] = areas[n]
            ann['bbox'] = [x0[n], y0[n], x1[n] - x0[n], y1[n] - y0[n]]


def _plain_scalar(value: Any) -> Any:
    if isinstance(value, np.generic) or (isinstance(value, np.ndarray)
                                         and value.ndim == 0):
        return value.item()
    return value
