"""``PoseLocalVisualizer``: keypoints, skeleton links, boxes and heatmaps of a
``PoseDataSample`` drawn on its image, as MMPose 1.x's visualizer draws them.

Images are RGB ``uint8`` ``(H, W, 3)``. Colours come from the dataset
metainfo (``keypoint_colors``, ``skeleton_links``, ``skeleton_link_colors``)
once :meth:`PoseLocalVisualizer.set_dataset_meta` has seen it; until then
keypoints are red and links are not drawn. Drawn images go to the vis
backends (``LocalVisBackend`` PNGs, ``TensorboardVisBackend``...), to
``out_file``, or to a window with ``show=True``.
"""
from __future__ import annotations

import math
import warnings
from typing import Any, Optional, Sequence, Union

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from mmengine.dist import master_only
from mmengine.structures import InstanceData, PixelData
from mmengine.visualization.utils import convert_overlay_heatmap

from .opencv_visualizer import ColorType, OpencvBackendVisualizer, per_item_colors, write_image

SKELETON_STYLES = ('mmpose', 'openpose')

# openpose style (COCO-17 + neck): where each openpose slot takes its keypoint from
_OPENPOSE_FROM = [17, 6, 8, 10, 7, 9, 12, 14, 16, 13, 15, 2, 1, 4, 3]
_OPENPOSE_TO = [1, 2, 3, 4, 6, 7, 8, 9, 10, 12, 13, 14, 15, 16, 17]


def adaptive_scales(areas: np.ndarray, min_area: int = 800,
                    max_area: int = 30000) -> np.ndarray:
    """Label font scales in [0.5, 1] growing linearly with box area."""
    return np.clip(0.5 + (areas - min_area) / (max_area - min_area), 0.5, 1.0)


def _to_numpy(value: Any) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(value)


class PoseLocalVisualizer(OpencvBackendVisualizer):
    """Draws pose data samples (MMPose 1.x ``PoseLocalVisualizer``).

    :param name: instance name (``Visualizer.get_current_instance()``).
    :param image: an RGB image to start with.
    :param vis_backends: vis backend configs, e.g. ``[dict(type='LocalVisBackend')]``.
    :param save_dir: where the backends save (``<save_dir>/vis_data``).
    :param bbox_color: box colour (name or RGB triple).
    :param kpt_color: one colour, or one per keypoint; None draws no keypoints.
    :param link_color: one colour, or one per skeleton link; None draws no links.
    :param text_color: colour of box labels.
    :param skeleton: ``[(i, j), ...]`` keypoint index pairs to link.
    :param line_width: width of links and box edges.
    :param radius: keypoint radius.
    :param show_keypoint_weight: make keypoints more transparent the lower
        their score (``keypoints_visible``).
    :param backend: ``'opencv'`` or ``'matplotlib'``.
    :param alpha: opacity of keypoints.
    """

    def __init__(self,
                 name: str = 'visualizer',
                 image: Optional[np.ndarray] = None,
                 vis_backends: Optional[Union[dict, list]] = None,
                 save_dir: Optional[str] = None,
                 bbox_color: Optional[ColorType] = 'green',
                 kpt_color: Optional[Union[ColorType, Sequence]] = 'red',
                 link_color: Optional[Union[ColorType, Sequence]] = None,
                 text_color: Optional[ColorType] = (255, 255, 255),
                 skeleton: Optional[Sequence] = None,
                 line_width: Union[int, float] = 1,
                 radius: Union[int, float] = 3,
                 show_keypoint_weight: bool = False,
                 backend: str = 'opencv',
                 alpha: float = 1.0) -> None:
        # a LocalVisBackend without save_dir is skipped with a warning, as
        # MMPose's visualizer skips it quietly (out_file / show still work)
        warnings.filterwarnings('ignore', message='.*please provide the `save_dir` argument.*',
                                category=UserWarning)
        super().__init__(name=name, image=image, vis_backends=vis_backends,
                         save_dir=save_dir, backend=backend)
        self.bbox_color = bbox_color
        self.kpt_color = kpt_color
        self.link_color = link_color
        self.line_width = line_width
        self.text_color = text_color
        self.skeleton = skeleton
        self.radius = radius
        self.alpha = alpha
        self.show_keypoint_weight = show_keypoint_weight
        self.dataset_meta = {}

    # ------------------------------------------------------------------ meta
    def set_dataset_meta(self, dataset_meta: Optional[dict],
                         skeleton_style: str = 'mmpose') -> None:
        """Take colours and skeleton from a (parsed) dataset metainfo dict.

        :param dataset_meta: with ``keypoint_colors``, ``skeleton_links``,
            ``skeleton_link_colors`` and optionally ``bbox_color``.
        :param skeleton_style: ``'openpose'`` swaps in the metainfo named
            ``<dataset_name>_openpose`` that a plugin provides.
        """
        if skeleton_style not in SKELETON_STYLES:
            raise ValueError(f'skeleton_style must be one of {SKELETON_STYLES}, '
                             f'got {skeleton_style!r}')
        if skeleton_style == 'openpose' and dataset_meta:
            dataset_meta = self._openpose_meta(dataset_meta)
        if isinstance(dataset_meta, dict):
            self.dataset_meta = dataset_meta.copy()
            self.bbox_color = dataset_meta.get('bbox_color', self.bbox_color)
            self.kpt_color = dataset_meta.get('keypoint_colors', self.kpt_color)
            self.link_color = dataset_meta.get('skeleton_link_colors', self.link_color)
            self.skeleton = dataset_meta.get('skeleton_links', self.skeleton)
        if self.dataset_meta is None:  # set by hand to None at times
            self.dataset_meta = {}

    @staticmethod
    def _openpose_meta(dataset_meta: dict) -> dict:
        from posecore.metainfo import get_dataset_metainfo

        name = dataset_meta.get('dataset_name')
        if name not in ('coco', 'coco_wholebody'):
            raise NotImplementedError(
                f"skeleton_style='openpose' is drawn for the coco and coco_wholebody "
                f"datasets only, not {name!r}; use skeleton_style='mmpose'")
        meta = get_dataset_metainfo(f'{name}_openpose')
        if 'keypoint_colors' not in meta:
            from posecore.metainfo import parse_pose_metainfo

            meta = parse_pose_metainfo(meta)
        return meta

    # ----------------------------------------------------------------- boxes
    def _draw_instances_bbox(self, image: np.ndarray,
                             instances: InstanceData) -> np.ndarray:
        """Boxes (and class labels when ``labels`` are set) of the instances."""
        self.set_image(image)
        if 'bboxes' not in instances:
            return self.get_image()
        bboxes = _to_numpy(instances.bboxes).reshape(-1, 4)
        self.draw_bboxes(bboxes, edge_colors=self.bbox_color, alpha=self.alpha,
                         line_widths=self.line_width)
        if 'labels' in instances and self.text_color is not None:
            classes = self.dataset_meta.get('classes', None)
            labels = _to_numpy(instances.labels).reshape(-1)
            areas = (bboxes[:, 3] - bboxes[:, 1]) * (bboxes[:, 2] - bboxes[:, 0])
            scales = adaptive_scales(areas)
            for pos, label, scale in zip(bboxes[:, :2], labels, scales):
                text = classes[label] if classes is not None else f'class {label}'
                self.draw_texts(text, pos, colors=self.text_color,
                                font_sizes=int(13 * scale), vertical_alignments='bottom',
                                bboxes=[{'facecolor': self.bbox_color, 'alpha': 0.8,
                                         'pad': 0.7, 'edgecolor': 'none'}])
        return self.get_image()

    # ------------------------------------------------------------- keypoints
    @staticmethod
    def _keypoints_and_visibility(instances: InstanceData) -> tuple[np.ndarray, np.ndarray]:
        keypoints = _to_numpy(instances.get('transformed_keypoints', instances.keypoints))
        if 'keypoints_visible' in instances:
            visible = _to_numpy(instances.keypoints_visible)
        else:
            visible = np.ones(keypoints.shape[:-1])
        keypoints = keypoints.reshape(-1, keypoints.shape[-2], keypoints.shape[-1])
        return keypoints, visible.reshape(keypoints.shape[:2])

    def _transparency(self, weight: Any) -> float:
        if self.show_keypoint_weight:
            return self.alpha * max(0.0, min(1.0, float(weight)))
        return self.alpha

    def _drawable_links(self, kpts: np.ndarray, visible: np.ndarray, kpt_thr: float,
                        link_colors: list, img_w: int, img_h: int) -> np.ndarray:
        """Indices of the links with both ends strictly inside the image and
        visible enough (pixel positions truncated to ints, as MMPose)."""
        links = np.asarray(self.skeleton, dtype=np.int64).reshape(-1, 2)
        with np.errstate(invalid='ignore'):
            pos = np.nan_to_num(kpts[:, :2], nan=-1.0).astype(np.int64)
        ends = pos[links]  # (L, 2 ends, xy)
        inside = ((ends[..., 0] > 0) & (ends[..., 0] < img_w) &
                  (ends[..., 1] > 0) & (ends[..., 1] < img_h)).all(axis=1)
        seen = (visible[links] >= kpt_thr).all(axis=1)
        colored = np.array([c is not None for c in link_colors], dtype=bool)
        return np.flatnonzero(inside & seen & colored)

    def _draw_instances_kpts(self, image: np.ndarray, instances: InstanceData,
                             kpt_thr: float = 0.3, show_kpt_idx: bool = False,
                             skeleton_style: str = 'mmpose') -> np.ndarray:
        """Keypoints and skeleton links of every instance."""
        if skeleton_style == 'openpose':
            return self._draw_instances_kpts_openpose(image, instances, kpt_thr)
        self.set_image(image)
        img_h, img_w = image.shape[:2]
        if 'keypoints' not in instances:
            return self.get_image()
        keypoints, keypoints_visible = self._keypoints_and_visibility(instances)
        for kpts, visible in zip(keypoints, keypoints_visible):
            kpt_colors = per_item_colors(self.kpt_color, len(kpts), 'kpt_color', 'keypoints')
            if self.skeleton is not None and self.link_color is not None:
                link_colors = per_item_colors(self.link_color, len(self.skeleton),
                                              'link_color', 'skeleton links')
                links = np.asarray(self.skeleton, dtype=np.int64).reshape(-1, 2)
                for sk_id in self._drawable_links(kpts, visible, kpt_thr, link_colors,
                                                  img_w, img_h):
                    a, b = links[sk_id]
                    self.draw_lines(np.array((kpts[a, 0], kpts[b, 0])).astype(int),
                                    np.array((kpts[a, 1], kpts[b, 1])).astype(int),
                                    link_colors[sk_id], line_widths=self.line_width)
            drawn = np.flatnonzero((visible >= kpt_thr) & np.isfinite(kpts[:, :2]).all(axis=1) &
                                   np.array([c is not None for c in kpt_colors], dtype=bool))
            for kid in drawn:
                color = kpt_colors[kid]
                self.draw_circles(kpts[kid], radius=np.array([self.radius]),
                                  face_colors=color, edge_colors=color,
                                  alpha=self._transparency(visible[kid]),
                                  line_widths=self.radius)
                if show_kpt_idx:
                    self.draw_texts(str(kid), kpts[kid] + [self.radius, -self.radius],
                                    colors=color, font_sizes=self.radius * 3,
                                    vertical_alignments='bottom',
                                    horizontal_alignments='center')
        return self.get_image()

    def _draw_instances_kpts_openpose(self, image: np.ndarray, instances: InstanceData,
                                      kpt_thr: float = 0.3) -> np.ndarray:
        """COCO keypoints in OpenPose's layout: a neck point between the
        shoulders and links drawn as ellipses."""
        self.set_image(image)
        img_h, img_w = image.shape[:2]
        if 'keypoints' not in instances:
            return self.get_image()
        keypoints, visible = self._keypoints_and_visibility(instances)
        if keypoints.shape[1] < 17:
            raise ValueError(f"skeleton_style='openpose' needs COCO's 17 keypoints or "
                             f'more, got {keypoints.shape[1]}')
        info = np.concatenate([keypoints[..., :2], visible[..., None]], axis=-1)
        neck = info[:, [5, 6]].mean(axis=1)
        neck[:, 2] = ((info[:, 5, 2] > kpt_thr) & (info[:, 6, 2] > kpt_thr)).astype(int)
        info = np.insert(info, 17, neck, axis=1)
        info[:, _OPENPOSE_TO] = info[:, _OPENPOSE_FROM]
        for kpts, vis in zip(info[..., :2], info[..., 2]):
            kpt_colors = per_item_colors(self.kpt_color, len(kpts), 'kpt_color', 'keypoints')
            if self.skeleton is not None and self.link_color is not None:
                link_colors = per_item_colors(self.link_color, len(self.skeleton),
                                              'link_color', 'skeleton links')
                links = np.asarray(self.skeleton, dtype=np.int64).reshape(-1, 2)
                for sk_id in self._drawable_links(kpts, vis, kpt_thr, link_colors,
                                                  img_w, img_h):
                    a, b = links[sk_id]
                    xs = np.array((int(kpts[a, 0]), int(kpts[b, 0])))
                    ys = np.array((int(kpts[a, 1]), int(kpts[b, 1])))
                    color = link_colors[sk_id]
                    if sk_id <= 16:  # body: a filled ellipse along the link
                        length = math.hypot(ys[0] - ys[1], xs[0] - xs[1])
                        angle = math.degrees(math.atan2(ys[0] - ys[1], xs[0] - xs[1]))
                        polygon = cv2.ellipse2Poly(
                            (int(xs.mean()), int(ys.mean())),
                            (int(length / 2), int(self.line_width)), int(angle), 0, 360, 1)
                        self.draw_polygons(polygon, edge_colors=color, face_colors=color,
                                           alpha=0.6)
                    else:  # hands and face: thin lines
                        self.draw_lines(xs, ys, color, line_widths=2)
            for kid in np.flatnonzero((vis >= kpt_thr) & np.isfinite(kpts).all(axis=1)):
                color = kpt_colors[kid]
                if color is None or sum(color) == 0:
                    continue
                radius = self.radius // 2 if kid > 17 else self.radius  # face/hand dots
                self.draw_circles(kpts[kid], radius=np.array([radius]), face_colors=color,
                                  edge_colors=color, alpha=self._transparency(vis[kid]),
                                  line_widths=radius)
        return self.get_image()

    # -------------------------------------------------------------- heatmaps
    def _draw_instance_heatmap(self, fields: PixelData,
                               overlaid_image: Optional[np.ndarray] = None
                               ) -> Optional[np.ndarray]:
        """The maximum over keypoints of ``fields.heatmaps`` as a JET colour
        map blended half and half with ``overlaid_image`` (resized to it)."""
        if 'heatmaps' not in fields:
            return None
        heatmaps = fields.heatmaps
        if isinstance(heatmaps, np.ndarray):
            heatmaps = torch.from_numpy(heatmaps)
        heatmaps = heatmaps.detach().cpu().float()
        if heatmaps.dim() == 3:
            heatmaps = heatmaps.max(dim=0).values
        heatmap = heatmaps[None]
        if overlaid_image is not None and overlaid_image.shape[:2] != heatmap.shape[1:]:
            heatmap = F.interpolate(heatmap[None], overlaid_image.shape[:2], mode='bilinear',
                                    align_corners=False)[0]
        if overlaid_image is not None and overlaid_image.ndim == 2:
            overlaid_image = cv2.cvtColor(overlaid_image, cv2.COLOR_GRAY2RGB)
        return convert_overlay_heatmap(heatmap[0], overlaid_image, 0.5)

    # ---------------------------------------------------------------- public
    @master_only
    def add_datasample(self,
                       name: str,
                       image: np.ndarray,
                       data_sample: Any,
                       draw_gt: bool = True,
                       draw_pred: bool = True,
                       draw_heatmap: bool = False,
                       draw_bbox: bool = False,
                       show_kpt_idx: bool = False,
                       skeleton_style: str = 'mmpose',
                       show: bool = False,
                       wait_time: float = 0,
                       out_file: Optional[str] = None,
                       kpt_thr: float = 0.3,
                       step: int = 0) -> np.ndarray:
        """Draw a data sample and save it to every backend (or ``out_file``).

        Ground truth (left) and prediction (right) sit side by side when both
        are drawn; a heatmap overlay goes below its drawing.

        :param name: image identifier for the backends (file name of
            ``LocalVisBackend``'s PNG: ``<name>_<step>.png``).
        :param image: RGB image ``(H, W, 3)`` uint8.
        :param data_sample: a ``PoseDataSample`` with ``gt_instances`` /
            ``pred_instances`` (and ``gt_fields`` / ``pred_fields`` heatmaps).
        :param kpt_thr: keypoints (and their links) whose ``keypoints_visible``
            is below this are not drawn.
        :param out_file: write the drawn image here instead of the backends.
        :param step: global step recorded by the backends.
        :returns: the drawn RGB image.
        """
        if skeleton_style not in SKELETON_STYLES:
            raise ValueError(f'skeleton_style must be one of {SKELETON_STYLES}, '
                             f'got {skeleton_style!r}')
        image = np.asarray(image)
        if image.ndim != 3 or image.shape[2] != 3:
            raise ValueError(f'image must be an RGB array (H, W, 3), got shape {image.shape}')
        gt_img = pred_img = gt_heatmap = pred_heatmap = None
        if draw_gt:
            gt_img = image.copy()
            if 'gt_instances' in data_sample:
                gt_img = self._draw_instances_kpts(gt_img, data_sample.gt_instances, kpt_thr,
                                                   show_kpt_idx, skeleton_style)
                if draw_bbox:
                    gt_img = self._draw_instances_bbox(gt_img, data_sample.gt_instances)
            if draw_heatmap and 'gt_fields' in data_sample:
                gt_heatmap = self._draw_instance_heatmap(data_sample.gt_fields, image)
                if gt_heatmap is not None:
                    gt_img = np.concatenate((gt_img, gt_heatmap), axis=0)
        if draw_pred:
            pred_img = image.copy()
            if 'pred_instances' in data_sample:
                pred_img = self._draw_instances_kpts(pred_img, data_sample.pred_instances,
                                                     kpt_thr, show_kpt_idx, skeleton_style)
                if draw_bbox:
                    pred_img = self._draw_instances_bbox(pred_img, data_sample.pred_instances)
            if draw_heatmap and 'pred_fields' in data_sample:
                pred_heatmap = self._draw_instance_heatmap(data_sample.pred_fields, image)
                if pred_heatmap is not None:
                    pred_img = np.concatenate((pred_img, pred_heatmap), axis=0)

        if gt_img is not None and pred_img is not None:
            # equal heights: pad the side without a heatmap with the plain image
            if gt_heatmap is None and pred_heatmap is not None:
                gt_img = np.concatenate((gt_img, image), axis=0)
            elif gt_heatmap is not None and pred_heatmap is None:
                pred_img = np.concatenate((pred_img, image), axis=0)
            drawn = np.concatenate((gt_img, pred_img), axis=1)
        elif gt_img is not None:
            drawn = gt_img
        elif pred_img is not None:
            drawn = pred_img
        else:
            drawn = image.copy()

        self.set_image(drawn)  # get_image() gives the drawing back, e.g. for videos
        if show:
            self.show(drawn, win_name=name, wait_time=wait_time)
        if out_file is not None:
            write_image(drawn, out_file)
        else:
            self.add_image(name, drawn, step)
        return self.get_image()
