"""The sample visualizer of ``posecore plugin new --registry visualizers``."""
from __future__ import annotations

MODULE = 'visualizer'
CLASS = '@Prefix@Visualizer'
#: the generated config's ``visualizer``
CONFIG = "dict(type='@Prefix@Visualizer', vis_backends=vis_backends, name='visualizer')"

SOURCE = '''\
"""``@Prefix@Visualizer``: ground-truth and predicted keypoints drawn as dots."""
from __future__ import annotations

import os
import os.path as osp
from typing import Any, Optional, Sequence

import cv2
import numpy as np
from mmengine.visualization import Visualizer


def _get(container: Any, key: str) -> Any:
    """``container[key]`` of a dict or an mmengine data element, or None."""
    if container is None:
        return None
    return container.get(key) if hasattr(container, 'get') else None


def _array(value: Any) -> Optional[np.ndarray]:
    if value is None:
        return None
    if hasattr(value, 'detach'):  # a torch tensor
        value = value.detach().cpu().numpy()
    return np.asarray(value)


class @Prefix@Visualizer(Visualizer):
    """Draw keypoints on an RGB image: ground truth in ``gt_color``, predictions
    whose score reaches ``kpt_thr`` in ``pred_color``.

    :param name: the instance name (mmengine visualizers are named instances).
    :param image: an image to start with (optional).
    :param vis_backends: where :meth:`add_image` and the scalars go.
    :param save_dir: the backends' folder (the Runner sets it).
    :param radius: dot radius in pixels.
    :param gt_color: RGB colour of ground-truth keypoints.
    :param pred_color: RGB colour of predicted keypoints.
    """

    def __init__(self, name: str = 'visualizer', image: Optional[np.ndarray] = None,
                 vis_backends: Optional[Sequence[dict]] = None,
                 save_dir: Optional[str] = None, radius: int = 3,
                 gt_color: Sequence[int] = (0, 255, 0),
                 pred_color: Sequence[int] = (255, 0, 0)) -> None:
        super().__init__(name=name, image=image, vis_backends=vis_backends, save_dir=save_dir)
        self.radius = radius
        self.gt_color = tuple(int(c) for c in gt_color)
        self.pred_color = tuple(int(c) for c in pred_color)

    def _dots(self, canvas: np.ndarray, keypoints: Any, keep: Any, color: tuple) -> None:
        keypoints = _array(keypoints)
        if keypoints is None:
            return
        keypoints = keypoints.reshape(-1, keypoints.shape[-1])[:, :2]
        keep = np.ones(len(keypoints), bool) if keep is None else \\
            (_array(keep).reshape(-1) > 0)
        for (x, y), shown in zip(keypoints, keep):
            if shown and np.isfinite(x) and np.isfinite(y):
                cv2.circle(canvas, (int(round(x)), int(round(y))), self.radius, color, -1)

    def add_datasample(self, name: str, image: np.ndarray, data_sample: Any = None,
                       draw_gt: bool = True, draw_pred: bool = True, show: bool = False,
                       wait_time: float = 0, out_file: Optional[str] = None,
                       kpt_thr: float = 0.3, step: int = 0, **kwargs: Any) -> np.ndarray:
        """Draw ``data_sample``'s keypoints on a copy of ``image`` (``(H, W, 3)`` RGB);
        write it to ``out_file``, else to the backends; return it.

        Other keyword arguments of posecore's drawing hooks (``draw_bbox``,
        ``draw_heatmap``...) are accepted and ignored.
        """
        canvas = np.ascontiguousarray(np.asarray(image)[..., :3], dtype=np.uint8).copy()
        gt, pred = _get(data_sample, 'gt_instances'), _get(data_sample, 'pred_instances')
        if draw_gt and gt is not None:
            self._dots(canvas, _get(gt, 'keypoints'), _get(gt, 'keypoints_visible'),
                       self.gt_color)
        if draw_pred and pred is not None:
            scores = _array(_get(pred, 'keypoint_scores'))
            self._dots(canvas, _get(pred, 'keypoints'),
                       None if scores is None else scores >= kpt_thr, self.pred_color)
        self.set_image(canvas)
        if show:
            self.show(canvas, win_name=name, wait_time=wait_time)
        if out_file is not None:
            os.makedirs(osp.dirname(osp.abspath(out_file)), exist_ok=True)
            cv2.imwrite(out_file, canvas[..., ::-1])  # OpenCV writes BGR
        else:
            self.add_image(name, canvas, step)
        return canvas
'''

TEST = '''\
"""``@Prefix@Visualizer``: draws the keypoints it is given."""
from __future__ import annotations

import uuid

import numpy as np

from posecore.registry import VISUALIZERS

DIST = '@dist@'


def test_draws_ground_truth_and_confident_predictions(posecore_plugins, tmp_path):
    posecore_plugins(DIST)
    vis = VISUALIZERS.build(dict(type='@Prefix@Visualizer', name=f'test-{uuid.uuid4()}'))
    sample = dict(gt_instances=dict(keypoints=np.array([[[10, 10]]], np.float32),
                                    keypoints_visible=np.ones((1, 1))),
                  pred_instances=dict(keypoints=np.array([[[30, 20], [40, 5]]], np.float32),
                                      keypoint_scores=np.array([[0.9, 0.1]])))
    out_file = tmp_path / 'drawn.png'
    drawn = vis.add_datasample('sample', np.zeros((32, 48, 3), np.uint8), sample,
                               out_file=str(out_file))
    assert tuple(drawn[10, 10]) == (0, 255, 0) and tuple(drawn[20, 30]) == (255, 0, 0)
    assert not drawn[5, 40].any()  # score below kpt_thr: not drawn
    assert out_file.stat().st_size > 0
'''
