"""From top-down crops back to images: merge the per-box ``PoseDataSample``\\ s
of one image, warp crop heatmaps back onto it, and flatten instances for
JSON (MMPose 1.x's ``merge_data_samples``, ``revert_heatmap`` and
``split_instances``)."""
from __future__ import annotations

import warnings
from typing import Any, Optional, Sequence

import cv2
import numpy as np
import torch
from mmengine.structures import InstanceData, PixelData
from posecore.structures import PoseDataSample


def crop_to_image_matrix(center: np.ndarray, scale: np.ndarray,
                         output_size: tuple[int, int]) -> np.ndarray:
    """The 2x3 affine matrix from a crop of ``output_size`` (w, h) back to
    the image, for a box ``center``/``scale`` without rotation.

    Same three point pairs as MMPose's ``get_warp_matrix(..., inv=True)``
    (the box width sets the scale on both axes), so the same float32 matrix.
    """
    center = np.asarray(center, dtype=np.float64).reshape(2)
    src_w = float(np.asarray(scale, dtype=np.float64).reshape(-1)[0])
    dst_w, dst_h = output_size
    src = np.array([center, center + [-0.5 * src_w, 0.0],
                    center + [-0.5 * src_w, 0.5 * src_w]], dtype=np.float32)
    dst = np.array([[dst_w * 0.5, dst_h * 0.5], [0.0, dst_h * 0.5],
                    [0.0, dst_h * 0.5 + dst_w * 0.5]], dtype=np.float32)
    return cv2.getAffineTransform(dst, src)


def revert_heatmap(heatmap: Any, input_center: np.ndarray, input_scale: np.ndarray,
                   img_shape: Sequence[int]) -> np.ndarray:
    """Warp a crop heatmap ``(K, H, W)`` or ``(H, W)`` onto the image
    (``img_shape`` = (h, w)), bilinear, zero outside the crop."""
    if isinstance(heatmap, torch.Tensor):
        heatmap = heatmap.detach().cpu().numpy()
    heatmap = np.asarray(heatmap)
    channels_first = heatmap.ndim == 3
    if channels_first:
        heatmap = heatmap.transpose(1, 2, 0)
    hm_h, hm_w = heatmap.shape[:2]
    img_h, img_w = int(img_shape[0]), int(img_shape[1])
    matrix = crop_to_image_matrix(input_center, input_scale, (hm_w, hm_h))
    out = cv2.warpAffine(np.ascontiguousarray(heatmap), matrix, (img_w, img_h),
                         flags=cv2.INTER_LINEAR)
    if channels_first:
        out = np.atleast_3d(out)  # one channel comes back (H, W)
    return out.transpose(2, 0, 1) if channels_first else out


def _merged_heatmaps(samples: Sequence[PoseDataSample], field: str) -> Optional[PixelData]:
    if field not in samples[0] or 'heatmaps' not in getattr(samples[0], field):
        return None
    reverted = [revert_heatmap(getattr(s, field).heatmaps, s.input_center, s.input_scale,
                               s.ori_shape) for s in samples]
    pixel = PixelData()
    pixel.set_data(dict(heatmaps=np.max(reverted, axis=0)))
    return pixel


def merge_data_samples(data_samples: Sequence[PoseDataSample]) -> PoseDataSample:
    """One ``PoseDataSample`` holding every instance of ``data_samples`` (the
    boxes of one image), with the metainfo of the first; heatmaps are warped
    back onto the image and merged by their maximum.

    :raises ValueError: not a list of ``PoseDataSample``.
    """
    if not isinstance(data_samples, (list, tuple)) or not all(
            isinstance(d, PoseDataSample) for d in data_samples):
        raise ValueError(f'merge_data_samples takes a list of PoseDataSample, got '
                         f'{type(data_samples).__name__}')
    if not data_samples:
        warnings.warn('merge_data_samples got an empty list; returning an empty sample')
        return PoseDataSample()
    merged = PoseDataSample(metainfo=data_samples[0].metainfo)
    if 'gt_instances' in data_samples[0]:
        merged.gt_instances = InstanceData.cat([d.gt_instances for d in data_samples])
    if 'pred_instances' in data_samples[0]:
        merged.pred_instances = InstanceData.cat([d.pred_instances for d in data_samples])
    for field in ('pred_fields', 'gt_fields'):
        pixel = _merged_heatmaps(data_samples, field)
        if pixel is not None:
            setattr(merged, field, pixel)
    return merged


def split_instances(instances: Optional[InstanceData]) -> list[dict]:
    """Instances as JSON-ready dicts, MMPose's inferencer layout:
    ``keypoints`` (K x [x, y]), ``keypoint_scores`` (K), ``bbox`` (a
    one-element list holding [x1, y1, x2, y2], as MMPose writes it) and
    ``bbox_score``."""
    if instances is None:
        return []
    keypoints = np.asarray(instances.keypoints).tolist()
    scores = np.asarray(instances.keypoint_scores).tolist()
    bboxes = np.asarray(instances.bboxes).tolist() if 'bboxes' in instances else None
    bbox_scores = (np.asarray(instances.bbox_scores).reshape(-1).tolist()
                   if bboxes is not None and 'bbox_scores' in instances else None)
    results = []
    for i, (kpts, kpt_scores) in enumerate(zip(keypoints, scores)):
        result: dict[str, Any] = dict(keypoints=kpts, keypoint_scores=kpt_scores)
        if bboxes is not None:
            result['bbox'] = [bboxes[i]]
            if bbox_scores is not None:
                result['bbox_score'] = bbox_scores[i]
        results.append(result)
    return results
