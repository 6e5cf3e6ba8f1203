"""Helpers for the top-down model tests: tiny HRNet estimator configs and data samples."""
from __future__ import annotations

from typing import Any, Optional

import numpy as np
import torch
from mmengine.structures import InstanceData, PixelData

from posecore.structures import PoseDataSample

#: COCO-17 mirror keypoints
COCO_FLIP = [0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15]
PREPROCESSOR = dict(type='PoseDataPreprocessor', mean=[123.675, 116.28, 103.53],
                    std=[58.395, 57.12, 57.375], bgr_to_rgb=True)


def tiny_extra(width: int = 4) -> dict[str, Any]:
    """A fast HRNet ``extra``: one block per branch, one module per stage."""
    chans = [width * 2**i for i in range(4)]
    extra: dict[str, Any] = {'stage1': dict(num_modules=1, num_branches=1, block='BOTTLENECK',
                                            num_blocks=(1, ), num_channels=(8, ))}
    for index in (2, 3, 4):
        extra[f'stage{index}'] = dict(num_modules=1, num_branches=index, block='BASIC',
                                      num_blocks=(1, ) * index,
                                      num_channels=tuple(chans[:index]))
    return extra


def estimator_cfg(head: Optional[dict] = None, **kwargs: Any) -> dict[str, Any]:
    """A TopdownPoseEstimator config: tiny HRNet (width 4) + 1x1 HeatmapHead,
    input 96x128, MSRA codec with heatmaps 24x32."""
    cfg: dict[str, Any] = dict(
        type='TopdownPoseEstimator', data_preprocessor=dict(PREPROCESSOR),
        backbone=dict(type='HRNet', in_channels=3, extra=tiny_extra()),
        head=dict(type='HeatmapHead', in_channels=4, out_channels=17, deconv_out_channels=None,
                  loss=dict(type='KeypointMSELoss', use_target_weight=True),
                  decoder=dict(type='MSRAHeatmap', input_size=(96, 128),
                               heatmap_size=(24, 32), sigma=2)),
        test_cfg=dict(flip_test=True, flip_mode='heatmap', shift_heatmap=True))
    if head:
        cfg['head'].update(head)
    cfg.update(kwargs)
    return cfg


def randomize(model: torch.nn.Module, seed: int = 0) -> torch.nn.Module:
    """Give every weight and BatchNorm statistic a non-trivial random value,
    so heatmaps have distinct maxima."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, value in model.state_dict().items():
            if not value.is_floating_point():
                continue
            if name.endswith('running_var'):
                value.copy_(torch.rand(value.shape, generator=gen) + 0.5)
            elif value.dim() >= 2:
                value.copy_(torch.randn(value.shape, generator=gen)
                            * (2.0 / value[0].numel()) ** 0.5)
            else:
                value.copy_(torch.randn(value.shape, generator=gen) * 0.1
                            + (1.0 if name.endswith('weight') else 0.0))
    return model


def make_samples(num: int = 2, seed: int = 0, channels: int = 17, keypoints: int = 17,
                 flip_indices: Optional[list[int]] = COCO_FLIP, heatmap_size=(24, 32),
                 visible: Optional[np.ndarray] = None) -> list[PoseDataSample]:
    """Data samples with top-down metainfo (input 96x128), a box, and targets."""
    rng = np.random.default_rng(seed)
    samples = []
    for i in range(num):
        meta = dict(input_size=(96, 128),
                    input_center=rng.uniform(50, 300, 2).astype(np.float32),
                    input_scale=rng.uniform(80, 200, 2).astype(np.float32))
        if flip_indices is not None:
            meta['flip_indices'] = list(flip_indices)
        sample = PoseDataSample(metainfo=meta)
        sample.gt_instances = InstanceData(
            bboxes=rng.uniform(0, 300, (1, 4)).astype(np.float32),
            bbox_scores=np.ones(1, np.float32))
        w, h = heatmap_size
        sample.gt_fields = PixelData(heatmaps=torch.from_numpy(
            rng.random((channels, h, w)).astype(np.float32)))
        weights = np.ones((1, keypoints), np.float32) if visible is None else visible[i:i + 1]
        sample.gt_instance_labels = InstanceData(keypoint_weights=torch.from_numpy(weights))
        samples.append(sample)
    return samples


def make_images(num: int = 2, seed: int = 0, size=(128, 96)) -> list[torch.Tensor]:
    """uint8 BGR images ``(3, H, W)``."""
    rng = np.random.default_rng(seed)
    return [torch.from_numpy(rng.integers(0, 256, (3, *size), dtype=np.uint8))
            for _ in range(num)]
