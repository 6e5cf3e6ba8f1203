"""``CocoMetric``: COCO keypoint AP/AR of MMPose 1.x, on xtcocotools'
``COCOeval`` with the dataset's sigmas.

Same arguments, defaults, result keys and numbers as MMPose 1.3.2's
``CocoMetric``; what it does differently is how fast it gets there: instance
rescoring and OKS NMS run vectorised, and the results and ground truth reach
``COCOeval`` as in-memory COCO objects instead of JSON files written and read
back (a JSON file is written only where ``outfile_prefix`` asks for one).

Deliberate differences, each where MMPose's result would be an accident:
ground truth built from the data samples (``ann_file=None``) is rebuilt at
every evaluation; ``gt_converter`` re-indexes an
annotation file once, not again at every evaluation; predictions for images
the ground truth lacks raise an error naming them.
"""
from __future__ import annotations

import json
import os.path as osp
import tempfile
from collections import OrderedDict
from numbers import Real
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.fileio import put_text
from mmengine.logging import MessageHub, print_log

from .coco_ground_truth import (SampleGroundTruth, coco_from_dict,
                                dataset_from_samples, load_annotation_file)
from .coco_results import KeypointResults
from .keypoint_mapping import KeypointMapping
from .nms import nms_by_image
from .predictions import (InstanceTable, SamplePrediction, build_table,
                          scalar)
from .rescoring import SCORE_MODES, instance_scores
from .xtcocotools_compat import import_cocoeval

IOU_TYPES = ('keypoints', 'keypoints_crowd')
NMS_MODES = ('oks_nms', 'soft_oks_nms', 'none')
STATS_NAMES = {
    'keypoints': ('AP', 'AP .5', 'AP .75', 'AP (M)', 'AP (L)', 'AR', 'AR .5',
                  'AR .75', 'AR (M)', 'AR (L)'),
    'keypoints_crowd': ('AP', 'AP .5', 'AP .75', 'AR', 'AR .5', 'AR .75',
                        'AP(E)', 'AP(M)', 'AP(H)'),
}


class CocoMetricArgumentError(ValueError, AssertionError):
    """A bad ``CocoMetric`` argument that MMPose checks with ``assert``;
    also an ``AssertionError`` so code written for MMPose still catches
    it."""


def _array(value: Any) -> np.ndarray:
    """A numpy array of ``value`` (a CPU copy of a tensor)."""
    if hasattr(value, 'detach'):
        value = value.detach().cpu().numpy()
    return np.asarray(value)


class CocoMetric(BaseMetric):
    """COCO keypoint evaluation (AP, AR at OKS thresholds .50:.05:.95),
    MMPose 1.x's ``CocoMetric``.

    :param ann_file: COCO keypoint annotation file (read through
        ``mmengine.fileio``). None: the one the test dataset announces (its
        ``{dataset_name}_ann_file`` in mmengine's ``MessageHub``), else a
        COCO file built from the annotations the data samples carry
        (``raw_ann_info``, ``ori_shape``).
    :param use_area: use the annotations' ``area`` as the OKS scale; False
        for datasets without it (CrowdPose, AIC): 0.53 * box area.
    :param iou_type: ``'keypoints'``, or ``'keypoints_crowd'`` (CrowdPose:
        results AP(E)/AP(M)/AP(H) by crowd index instead of by size).
    :param score_mode: instance score: ``'bbox'`` (the box score),
        ``'bbox_keypoint'`` (box score times the mean keypoint score above
        ``keypoint_score_thr``), ``'bbox_rle'`` (box score + mean + max
        keypoint score) or ``'keypoint'`` (mean keypoint score).
    :param keypoint_score_thr: see ``score_mode``.
    :param nms_mode: per image, ``'oks_nms'`` (greedy OKS NMS),
        ``'soft_oks_nms'`` (Gaussian soft OKS NMS, at most 20 instances) or
        ``'none'`` (bottom-up output).
    :param nms_thr: OKS threshold of the NMS: instances with OKS above it
        with a kept instance are dropped.
    :param format_only: only write the results file (test submission); needs
        ``outfile_prefix``; returns no metrics.
    :param pred_converter: ``dict(num_keypoints=..., mapping=[(src, dst),
        ...])`` re-indexing predicted keypoints into the dataset's.
    :param gt_converter: the same for the ground truth and the sigmas.
    :param outfile_prefix: write ``{outfile_prefix}.keypoints.json`` (the
        COCO results) and, when the ground truth is built from the samples,
        ``{outfile_prefix}.gt.json``. None: write nothing.
    :param collect_device: ``'cpu'`` or ``'gpu'``, for collecting results
        across processes.
    :param prefix: prefix of the result keys (default ``'coco'``).
    """

    default_prefix: Optional[str] = 'coco'

    def __init__(self,
                 ann_file: Optional[str] = None,
                 use_area: bool = True,
                 iou_type: str = 'keypoints',
                 score_mode: str = 'bbox_keypoint',
                 keypoint_score_thr: float = 0.2,
                 nms_mode: str = 'oks_nms',
                 nms_thr: float = 0.9,
                 format_only: bool = False,
                 pred_converter: Optional[Dict] = None,
                 gt_converter: Optional[Dict] = None,
                 outfile_prefix: Optional[str] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if iou_type not in IOU_TYPES:
            raise ValueError(f'CocoMetric: iou_type must be one of '
                             f'{IOU_TYPES}, got {iou_type!r}')
        if score_mode not in SCORE_MODES:
            raise ValueError(
                "`score_mode` should be one of 'bbox', 'bbox_keypoint', "
                f"'bbox_rle' (or 'keypoint'), but got {score_mode!r}")
        if nms_mode not in NMS_MODES:
            raise ValueError(
                "`nms_mode` should be one of 'oks_nms', 'soft_oks_nms', "
                f"'none', but got {nms_mode!r}")
        for name, value in (('keypoint_score_thr', keypoint_score_thr),
                            ('nms_thr', nms_thr)):
            if not isinstance(value, Real) or isinstance(value, bool):
                raise ValueError(f'CocoMetric: {name} must be a number, got '
                                 f'{value!r}')
        if format_only and outfile_prefix is None:
            raise CocoMetricArgumentError(
                '`outfile_prefix` can not be None when `format_only` is True: '
                'the results file is all format_only makes; give a path '
                "prefix such as 'work_dirs/test/results'")
        self.ann_file = ann_file
        self.use_area = use_area
        self.iou_type = iou_type
        self.score_mode = score_mode
        self.keypoint_score_thr = keypoint_score_thr
        self.nms_mode = nms_mode
        self.nms_thr = nms_thr
        self.format_only = format_only
        self.outfile_prefix = outfile_prefix
        self.pred_converter = pred_converter
        self.gt_converter = gt_converter
        self._pred_mapping = (None if pred_converter is None else
                              KeypointMapping(pred_converter,
                                              'pred_converter'))
        self._gt_mapping = (None if gt_converter is None else
                            KeypointMapping(gt_converter, 'gt_converter'))
        # the ground truth COCO, from an annotation file or (None until an
        # evaluation) from the annotations the samples carry
        self.coco: Any = None
        self._gt_from_samples = ann_file is None
        self._coco_converted = False
        if ann_file is not None:
            self.coco = self._load_coco(ann_file)

    # ------------------------------------------------------------ metadata
    def _load_coco(self, ann_file: str) -> Any:
        dataset = load_annotation_file(ann_file,
                                       need_annotations=not self.format_only)
        self._coco_converted = False
        return coco_from_dict(dataset)

    @property
    def dataset_meta(self) -> Optional[dict]:
        """The dataset's metainfo (``sigmas``, ``num_keypoints``,
        ``dataset_name``, ``CLASSES``...); with ``gt_converter``, its sigmas
        re-indexed."""
        return self._dataset_meta

    @dataset_meta.setter
    def dataset_meta(self, dataset_meta: dict) -> None:
        meta = dict(dataset_meta)
        if self._gt_mapping is not None:
            meta['sigmas'] = self._gt_mapping.sigmas(meta['sigmas'])
            meta['num_keypoints'] = len(meta['sigmas'])
        self._dataset_meta = meta
        if self.coco is None and self._gt_from_samples:
            # a test dataset announces its annotation file for the metric
            name = meta.get('dataset_name')
            try:
                hub = MessageHub.get_current_instance()
            except RuntimeError:  # no MessageHub yet: nothing announced
                hub = None
            ann_file = hub and hub.get_info(f'{name}_ann_file', None)
            if ann_file is not None:
                self.coco = self._load_coco(ann_file)
                self._gt_from_samples = False
                print_log(f'CocoMetric for dataset {name} has successfully '
                          f'loaded the annotation file from {ann_file}',
                          'current')

    # ------------------------------------------------------------- process
    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        """Keep what evaluation needs of each data sample (a dict, as
        ``PoseDataSample.to_dict()`` gives, or a data sample): its
        ``pred_instances`` (``keypoints`` ``(n, K, 2)``, ``keypoint_scores``
        ``(n, K)``, optional ``bboxes`` xyxy and ``bbox_scores``), the
        detection scores in ``gt_instances.bbox_scores``, the areas of
        ``gt_instances.bbox_scales``, ``id``, ``img_id``, ``category_id``
        and, without an annotation file, ``raw_ann_info`` and
        ``ori_shape``."""
        keep_gt = self._gt_from_samples and not self.format_only
        for sample in data_samples:
            if hasattr(sample, 'to_dict'):
                sample = sample.to_dict()
            self.results.append(self._sample_prediction(sample, keep_gt))

    def _sample_prediction(self, sample: dict,
                           keep_gt: bool) -> SamplePrediction:
        for key in ('id', 'img_id'):
            if key not in sample:
                raise ValueError(f'CocoMetric: a data sample lacks {key!r} '
                                 f'(it has {sorted(sample)}); the dataset '
                                 'gives it and PackPoseInputs keeps it in '
                                 'meta_keys')
        sid = sample['id']
        if 'pred_instances' not in sample:
            raise ValueError(
                '`pred_instances` are required to process the predictions '
                f'results in CocoMetric; data sample id {sid!r} has none')
        pred = sample['pred_instances']
        gt_instances = sample.get('gt_instances') or {}
        try:
            keypoints = _array(pred['keypoints'])
            scores = _array(pred['keypoint_scores'])
        except KeyError as exc:
            raise ValueError(f'CocoMetric: pred_instances of data sample id '
                             f'{sid!r} lack {exc.args[0]!r}') from None
        if keypoints.ndim != 3 or keypoints.shape[-1] != 2 or \
                scores.shape != keypoints.shape[:2]:
            raise ValueError(
                f'CocoMetric: data sample id {sid!r}: pred_instances '
                'keypoints must be (n, K, 2) and keypoint_scores (n, K), got '
                f'{keypoints.shape} and {scores.shape}')
        n = len(keypoints)

        bboxes = None
        if 'bboxes' in pred:
            bboxes = self._rows(_array(pred['bboxes']), n, sid,
                                'pred_instances bboxes', 2)
            if bboxes.shape[1] < 4:
                raise ValueError(
                    f'CocoMetric: data sample id {sid!r}: pred_instances '
                    'bboxes must be (n, 4) rows [x1, y1, x2, y2], got shape '
                    f'{bboxes.shape}')
        # detection scores: the model's, else the detector's (top-down
        # boxes), else 1 (bottom-up output differs in count from the boxes)
        if 'bbox_scores' in pred:
            bbox_scores = self._rows(_array(pred['bbox_scores']), n, sid,
                                     'pred_instances bbox_scores', 1)
        elif 'bbox_scores' in gt_instances and len(
                gt_instances['bbox_scores']) == n:
            bbox_scores = _array(gt_instances['bbox_scores'])
        else:
            bbox_scores = np.ones(n)
        scales = None
        if 'bbox_scales' in gt_instances:
            scales = self._rows(_array(gt_instances['bbox_scales']), n, sid,
                                'gt_instances bbox_scales', 2)
        gt = self._sample_ground_truth(sample, sid) if keep_gt else None
        return SamplePrediction(sid, scalar(sample['img_id']),
                                scalar(sample.get('category_id', 1)),
                                keypoints, scores, bboxes, bbox_scores,
                                scales, gt)

    @staticmethod
    def _rows(values: np.ndarray, n: int, sid: Any, name: str,
              ndim: int) -> np.ndarray:
        """The first ``n`` rows of ``values`` (one per instance; MMPose
        indexes them by instance, so extra rows are never read)."""
        if values.ndim != ndim or len(values) < n:
            raise ValueError(f'CocoMetric: data sample id {sid!r}: {name} '
                             f'must have {ndim} dimensions and a row for each '
                             f'of the {n} predicted instances, got shape '
                             f'{values.shape}')
        return values[:n]

    def _sample_ground_truth(self, sample: dict, sid: Any
                             ) -> SampleGroundTruth:
        missing = [k for k in ('raw_ann_info', 'ori_shape')
                   if k not in sample]
        if self.iou_type == 'keypoints_crowd' and 'crowd_index' not in \
                sample:
            missing.append('crowd_index')
        if missing:
            raise ValueError(
                f'CocoMetric: data sample id {sid!r} lacks {missing}, which '
                'evaluating without ann_file needs (the raw ground truth '
                'annotations); give CocoMetric an ann_file, or keep these '
                'keys in PackPoseInputs meta_keys')
        anns = sample['raw_ann_info']
        height, width = sample['ori_shape'][:2]
        return SampleGroundTruth(sample['img_id'], width, height,
                                 sample.get('crowd_index'),
                                 anns if isinstance(anns, list) else [anns])

    # ------------------------------------------------------------- compute
    def _meta(self) -> tuple[int, np.ndarray]:
        meta = self.dataset_meta
        if not meta or 'sigmas' not in meta:
            raise ValueError(
                'CocoMetric: dataset_meta with the keypoint sigmas is not '
                'set; the Runner sets it from the dataset metainfo, else set '
                "metric.dataset_meta = dict(sigmas=..., num_keypoints=...)")
        sigmas = meta['sigmas']
        # MMPose's parsed metainfo holds float32 sigmas; a list gets the same
        if not (isinstance(sigmas, np.ndarray) and sigmas.dtype.kind == 'f'):
            sigmas = np.array(sigmas, dtype=np.float32)
        num_keypoints = int(meta.get('num_keypoints', len(sigmas)))
        if sigmas.shape != (num_keypoints, ):
            raise ValueError(f'CocoMetric: dataset_meta sigmas must have '
                             f'num_keypoints = {num_keypoints} values, got '
                             f'shape {sigmas.shape}')
        return num_keypoints, sigmas

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """AP and AR of the processed predictions: ``AP``, ``AP .5``,
        ``AP .75``, ``AP (M)``, ``AP (L)``, ``AR``, ``AR .5``, ``AR .75``,
        ``AR (M)``, ``AR (L)`` (for ``keypoints_crowd``: ``AP``, ``AP .5``,
        ``AP .75``, ``AR``, ``AR .5``, ``AR .75``, ``AP(E)``, ``AP(M)``,
        ``AP(H)``); ``{}`` with ``format_only``."""
        num_keypoints, sigmas = self._meta()
        samples: List[SamplePrediction] = list(results)
        if not samples:
            raise ValueError('CocoMetric: no predictions to evaluate '
                             '(process() was not given any data sample)')
        if not self.format_only:
            self._ground_truth(samples)

        table = build_table(samples, self._pred_mapping)
        if table.keypoints.shape[1] not in (0, num_keypoints):
            raise ValueError(
                f'CocoMetric: predictions have {table.keypoints.shape[1]} '
                f'keypoints, the dataset {num_keypoints}'
                + ('' if self._pred_mapping else '; a pred_converter maps '
                   'other keypoint sets onto the dataset\'s'))
        if not self.format_only:
            self._check_images(table)
        keypoint_results = self._select(table, sigmas)
        if self.outfile_prefix is not None:
            keypoint_results.dump(f'{self.outfile_prefix}.keypoints.json')
        if self.format_only:
            print_log('results are saved in '
                      f'{osp.dirname(self.outfile_prefix)}', 'current')
            return {}
        print_log('Evaluating CocoMetric...', 'current')
        return self._evaluate(keypoint_results, sigmas)

    def _ground_truth(self, samples: List[SamplePrediction]) -> None:
        """Build the ground truth from the samples where there is no
        annotation file, and apply ``gt_converter`` once."""
        if self._gt_from_samples:
            # rebuilt at every evaluation from what the samples carry
            print_log('Converting ground truth to coco format...', 'current')
            categories = self.dataset_meta.get('CLASSES') or [
                dict(id=c, name=str(c)) for c in
                sorted({s.category_id for s in samples}, key=str)]
            dataset = dataset_from_samples((s.gt for s in samples),
                                           categories, self.iou_type,
                                           self.use_area)
            if self.outfile_prefix is not None:
                put_text(json.dumps(dataset, sort_keys=True),
                         f'{self.outfile_prefix}.gt.json')
            self.coco = coco_from_dict(dataset)
            self._coco_converted = False
        if self._gt_mapping is not None and not self._coco_converted:
            for ann in self.coco.dataset.get('annotations', ()):
                self._gt_mapping.annotation(ann)
            self._coco_converted = True

    def _check_images(self, table: InstanceTable) -> None:
        known = self.coco.imgs
        unknown = sorted({i for i in table.img_ids if i not in known},
                         key=repr)
        if unknown:
            source = (f'ann_file {self.ann_file!r}' if self.ann_file else
                      'the ground truth')
            shown = ', '.join(map(repr, unknown[:20]))
            more = f' and {len(unknown) - 20} more' if len(unknown) > 20 \
                else ''
            raise ValueError(
                f'CocoMetric: predictions for {len(unknown)} image id(s) '
                f'that {source} does not have: {shown}{more}. Evaluate '
                'against the annotation file of the split the predictions '
                'come from')

    def _select(self, table: InstanceTable,
                sigmas: np.ndarray) -> KeypointResults:
        """Score the instances and keep, per image, what the NMS keeps."""
        scores = instance_scores(self.score_mode, table.keypoint_scores,
                                 table.bbox_scores, self.keypoint_score_thr)
        # rows [x, y, score], the dtype MMPose's concatenation gives
        keypoints = np.concatenate(
            [table.keypoints, table.keypoint_scores[..., None]], axis=-1)
        flat = keypoints.reshape(len(keypoints), -1)
        if self.nms_mode == 'none':
            chosen = table.order
        else:
            groups = [table.image(i) for i in range(table.num_images)]
            chosen = nms_by_image(flat, table.areas, groups, scores.group,
                                  self.nms_thr, sigmas,
                                  soft=self.nms_mode == 'soft_oks_nms')
        return KeypointResults(
            [table.img_ids[i] for i in chosen],
            [table.category_ids[i] for i in chosen], flat[chosen],
            scores.values[chosen].astype(np.float64),
            None if table.bboxes is None else table.bboxes[chosen],
            None if table.has_bbox is None else table.has_bbox[chosen])

    def _evaluate(self, keypoint_results: KeypointResults,
                  sigmas: np.ndarray) -> Dict[str, float]:
        _, COCOeval = import_cocoeval()
        coco_dt = keypoint_results.results_coco(self.coco)
        coco_eval = COCOeval(self.coco, coco_dt, self.iou_type, sigmas,
                             self.use_area)
        coco_eval.params.useSegm = None
        with tempfile.TemporaryDirectory() as tmp:
            if self.iou_type == 'keypoints_crowd':
                # COCOeval splits easy/medium/hard images by crowdIndex read
                # from the ground truth *file* it was given
                images = osp.join(tmp, 'images.json')
                with open(images, 'w') as f:
                    json.dump(dict(images=self.coco.dataset['images']), f)
                coco_eval.anno_file = [images, None]
            coco_eval.evaluate()
            coco_eval.accumulate()
            coco_eval.summarize()
        return OrderedDict(
            (name, float(value))
            for name, value in zip(STATS_NAMES[self.iou_type],
                                   coco_eval.stats))
