"""Runner hooks that draw predictions: ``PoseVisualizationHook`` (validation
and test) and ``BadCaseAnalysisHook`` (test samples whose loss or accuracy is
bad), as MMPose 1.x's. Both are off unless ``enable=True``.

Images are read again from each data sample's ``img_path`` through
``mmengine.fileio`` (local disk, HTTP, LMDB... as ``backend_args`` says) and
drawn by the runner's visualizer (``Visualizer.get_current_instance()``).
"""
from __future__ import annotations

import json
import logging
import os
import os.path as osp
import warnings
from typing import Any, Optional, Sequence

import cv2
import numpy as np
import torch
from mmengine import fileio, mkdir_or_exist
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.visualization import Visualizer

from .merge_samples import merge_data_samples

_SHOW_NOTE = ('show=True: the predictions are only shown in a window, not stored, so the '
              "visualizer's vis_backends are left out")


def read_rgb(img_path: str, backend_args: Optional[dict] = None) -> np.ndarray:
    """An image file as an RGB ``uint8`` array, read through ``mmengine.fileio``.

    :raises ValueError: the file's bytes are not an image OpenCV can decode.
    """
    data = fileio.get(img_path, backend_args=backend_args)
    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if img is None:
        raise ValueError(f'{img_path!r} is not an image OpenCV can decode')
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


class _DrawingHook(Hook):
    """What both hooks share: the visualizer, ``show`` and ``out_dir``."""

    def __init__(self, enable: bool, interval: int, kpt_thr: float, show: bool,
                 wait_time: float, out_dir: Optional[str],
                 backend_args: Optional[dict]) -> None:
        if not isinstance(interval, int) or interval < 1:
            raise ValueError(f'{type(self).__name__}: interval must be a positive int, '
                             f'got {interval!r}')
        self.enable = enable
        self.interval = interval
        self.kpt_thr = kpt_thr
        self.show = show
        self.wait_time = wait_time
        self.out_dir = out_dir
        self.backend_args = backend_args
        self._test_index = 0
        self._out_dir_resolved = False
        self._drawn_per_stem: Optional[dict[str, int]] = None
        self._vis: Optional[Visualizer] = None
        if Visualizer._instance_dict:  # the runner builds its visualizer before hooks
            self._visualizer  # noqa: B018 (fetch now, as MMPose does)
        if self.show:
            warnings.warn(_SHOW_NOTE)

    @property
    def _visualizer(self) -> Visualizer:
        if self._vis is None:
            self._vis = Visualizer.get_current_instance()
            if self.show:  # shown only: nothing goes to the backends
                self._vis._vis_backends = {}
        return self._vis

    @_visualizer.setter
    def _visualizer(self, value: Visualizer) -> None:
        self._vis = value

    def _resolve_out_dir(self, runner) -> None:
        """A relative ``out_dir`` goes under ``<work_dir>/<timestamp>/``."""
        if self.out_dir is not None and not self._out_dir_resolved:
            self.out_dir = osp.join(runner.work_dir, runner.timestamp, self.out_dir)
            mkdir_or_exist(self.out_dir)
            self._out_dir_resolved = True

    def _test_samples(self, runner, outputs: Sequence[Any]):
        """``(img_path, RGB image, merged data sample)`` of each test output, counted."""
        self._resolve_out_dir(runner)
        self._visualizer.set_dataset_meta(runner.test_evaluator.dataset_meta)
        for output in outputs:
            self._test_index += 1
            img_path = output.get('img_path')
            yield img_path, read_rgb(img_path, self.backend_args), merge_data_samples([output])

    def _numbered_out_file(self, img_path: str) -> str:
        """``<out_dir>/<stem>_<n><ext>``: n counts the drawings of that image (several
        boxes), as MMPose numbers them; the folder is listed once, not per drawing."""
        if self._drawn_per_stem is None:
            self._drawn_per_stem = {}
            for name in os.listdir(self.out_dir):
                stem = osp.splitext(name)[0].rsplit('_', 1)[0]
                self._drawn_per_stem[stem] = self._drawn_per_stem.get(stem, 0) + 1
        stem, ext = osp.splitext(osp.basename(img_path))
        index = self._drawn_per_stem.get(stem, 0)
        self._drawn_per_stem[stem] = index + 1
        return osp.join(self.out_dir, f'{stem}_{index}{ext}')


class PoseVisualizationHook(_DrawingHook):
    """Draw predictions while validating and testing (MMPose 1.x's hook).

    Validation draws the first sample of every ``interval``-th batch to the
    vis backends as ``val_img``; testing draws every sample, to the backends
    as ``test_img`` or, with ``out_dir``, to ``<work_dir>/<timestamp>/<out_dir>/
    <image stem>_<n>.<ext>``. Boxes and heatmaps are drawn; ground truth is not.

    :param enable: draw at all (default off).
    :param interval: validation draws every ``interval``-th iteration.
    :param kpt_thr: keypoints scored below this are not drawn.
    :param show: show in a window instead of storing.
    :param wait_time: seconds a shown image stays (0: until a key).
    :param out_dir: folder for the test drawings (relative to the run's folder).
    :param backend_args: ``mmengine.fileio`` arguments to read the images.
    """

    def __init__(self, enable: bool = False, interval: int = 50, kpt_thr: float = 0.3,
                 show: bool = False, wait_time: float = 0.,
                 out_dir: Optional[str] = None,
                 backend_args: Optional[dict] = None) -> None:
        super().__init__(enable, interval, kpt_thr, show, wait_time, out_dir, backend_args)

    def after_val_iter(self, runner, batch_idx: int, data_batch: dict,
                       outputs: Sequence[Any]) -> None:
        """Draw the batch's first prediction every ``interval`` iterations."""
        if not self.enable:
            return
        # not the same images every evaluation: the count runs on with training
        total_curr_iter = runner.iter + batch_idx
        if total_curr_iter % self.interval != 0:
            return
        self._visualizer.set_dataset_meta(runner.val_evaluator.dataset_meta)
        img_path = data_batch['data_samples'][0].get('img_path')
        img = read_rgb(img_path, self.backend_args)
        data_sample = merge_data_samples([outputs[0]])  # heatmaps back onto the image
        self._visualizer.add_datasample(
            osp.basename(img_path) if self.show else 'val_img', img,
            data_sample=data_sample, draw_gt=False, draw_bbox=True, draw_heatmap=True,
            show=self.show, wait_time=self.wait_time, kpt_thr=self.kpt_thr,
            step=total_curr_iter)

    def after_test_iter(self, runner, batch_idx: int, data_batch: dict,
                        outputs: Sequence[Any]) -> None:
        """Draw every test prediction."""
        if not self.enable:
            return
        for img_path, img, data_sample in self._test_samples(runner, outputs):
            out_file = None if self.out_dir is None else self._numbered_out_file(img_path)
            self._visualizer.add_datasample(
                osp.basename(img_path) if self.show else 'test_img', img,
                data_sample=data_sample, show=self.show, draw_gt=False, draw_bbox=True,
                draw_heatmap=True, wait_time=self.wait_time, kpt_thr=self.kpt_thr,
                out_file=out_file, step=self._test_index)


class BadCaseAnalysisHook(_DrawingHook):
    """Draw the test samples whose predictions are bad (MMPose 1.x's hook).

    A sample is bad when its ``metric`` is at least ``badcase_thr``
    (``metric_type='loss'``: a loss from MODELS on the keypoint coordinates,
    e.g. ``KeypointMSELoss``) or at most ``badcase_thr``
    (``metric_type='accuracy'``: ``metric_key`` of a metric from METRICS).
    Each bad sample is drawn with the ground truth in blue and the prediction
    in red, named ``<image>_bbox[...]_<metric><value>``; the list goes to
    ``<out_dir>/results.json`` after testing.

    :param enable: analyse at all (default off).
    :param show: show in a window instead of storing.
    :param wait_time: seconds a shown image stays (0: until a key).
    :param interval: kept for MMPose configs (every test sample is checked).
    :param kpt_thr: keypoints scored below this are not drawn.
    :param out_dir: folder for drawings and ``results.json`` (relative to
        ``<work_dir>/<timestamp>``); None sends drawings to the vis backends
        and ``results.json`` to the run's log folder.
    :param backend_args: ``mmengine.fileio`` arguments to read the images.
    :param metric_type: ``'loss'`` or ``'accuracy'``.
    :param metric: the loss (MODELS) or metric (METRICS) config.
    :param metric_key: the result key of an accuracy metric.
    :param badcase_thr: the threshold (minimum loss / maximum accuracy of a bad case).
    """

    METRIC_TYPES = ('loss', 'accuracy')

    def __init__(self, enable: bool = False, show: bool = False, wait_time: float = 0.,
                 interval: int = 50, kpt_thr: float = 0.3, out_dir: Optional[str] = None,
                 backend_args: Optional[dict] = None, metric_type: str = 'loss',
                 metric: Optional[dict] = None, metric_key: str = 'PCK',
                 badcase_thr: float = 5) -> None:
        if metric_type not in self.METRIC_TYPES:
            raise KeyError(f'BadCaseAnalysisHook: metric_type {metric_type!r} is not '
                           f"supported; use 'loss' or 'accuracy'")
        super().__init__(enable, interval, kpt_thr, show, wait_time, out_dir, backend_args)
        if metric is None:
            metric = dict(type='KeypointMSELoss')
        if not isinstance(metric, dict) or 'type' not in metric:
            raise ValueError(f'BadCaseAnalysisHook: metric must be a config dict with a '
                             f"type, e.g. dict(type='KeypointMSELoss'), got {metric!r}")
        from posecore.registry import METRICS, MODELS

        self.metric_type = metric_type
        self.metric = (MODELS if metric_type == 'loss' else METRICS).build(dict(metric))
        self.metric_name = metric['type'] if metric_type == 'loss' else metric_key
        self.metric_key = metric_key
        self.badcase_thr = badcase_thr
        self.results: list[dict] = []
        self._log_dir: Optional[str] = None

    def check_badcase(self, data_batch: Any, data_sample: Any) -> tuple[bool, float]:
        """Whether ``data_sample`` (one image, merged) is bad, and its metric value."""
        if self.metric_type == 'loss':
            def tensor(value: Any) -> torch.Tensor:
                return torch.as_tensor(np.asarray(value), dtype=torch.float32)

            with torch.no_grad():
                value = self.metric(tensor(data_sample.pred_instances.keypoints),
                                    tensor(data_sample.gt_instances.keypoints),
                                    tensor(data_sample.gt_instances.keypoints_visible)).item()
            return value >= self.badcase_thr, value
        self.metric.process([data_batch], [data_sample.to_dict()])
        value = self.metric.evaluate(1)[self.metric_key]
        return value <= self.badcase_thr, value

    def after_test_iter(self, runner, batch_idx: int, data_batch: dict,
                        outputs: Sequence[Any]) -> None:
        """Check every test sample; draw the bad ones."""
        if not self.enable:
            return
        self._log_dir = getattr(runner, 'log_dir', None)
        for img_path, img, data_sample in self._test_samples(runner, outputs):
            is_bad, value = self.check_badcase(data_batch, data_sample)
            if not is_bad:
                continue
            stem, ext = osp.splitext(osp.basename(img_path))
            bboxes = np.asarray(data_sample.gt_instances.bboxes).astype(int).tolist()
            name = f'{stem}_bbox{bboxes}_{self.metric_name}{round(value, 2)}'
            self.results.append({'img': stem, 'bbox': bboxes, self.metric_name: value})
            out_file = osp.join(self.out_dir, f'{name}{ext}') if self.out_dir else None
            vis = self._visualizer
            vis.kpt_color, vis.link_color = 'blue', 'blue'  # ground truth
            gt_drawn = vis.add_datasample(
                name if self.show else 'test_img', img, data_sample=data_sample, show=False,
                draw_pred=False, draw_gt=True, draw_bbox=False, draw_heatmap=False,
                wait_time=self.wait_time, kpt_thr=self.kpt_thr, out_file=None,
                step=self._test_index)
            vis.kpt_color, vis.link_color = 'red', 'red'  # prediction, over it
            vis.add_datasample(
                name if self.show else 'test_img', gt_drawn, data_sample=data_sample,
                show=self.show, draw_pred=True, draw_gt=False, draw_bbox=True,
                draw_heatmap=False, wait_time=self.wait_time, kpt_thr=self.kpt_thr,
                out_file=out_file, step=self._test_index)

    def after_test_epoch(self, runner, metrics: Optional[dict] = None) -> None:
        """Write the bad cases to ``results.json``."""
        if not self.enable or not self.results:
            return
        folder = self.out_dir or self._log_dir or runner.work_dir
        mkdir_or_exist(folder)
        out_file = osp.join(folder, 'results.json')
        with open(out_file, 'w') as f:
            json.dump(self.results, f)
        print_log(f'the bad cases are saved under {folder}', logger='current',
                  level=logging.INFO)
