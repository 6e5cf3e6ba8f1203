"""Top-down inference from Python, as MMPose 1.x users know it::

    from pose_plugin_topdown.inference import init_model, inference_topdown

    model = init_model('configs/.../td-hm_hrnet-w32_8xb64-210e_coco-256x192.py',
                       'best_coco_AP_epoch_210.pth', device='cpu')
    results = inference_topdown(model, 'person.jpg', bboxes=[[280, 45, 500, 380]])
    results[0].pred_instances.keypoints  # (1, K, 2) in image pixels

``init_model`` builds the model of a config, loads a checkpoint (weights
only) and attaches ``cfg`` and ``dataset_meta``; ``inference_topdown`` runs
the config's test pipeline (``test_dataloader.dataset.pipeline``) on each box
and predicts all boxes of the image in one batch. ``posecore infer`` is built
on the lower-level helpers here (:func:`build_test_pipeline`,
:func:`pack_instances`, :func:`predict_packed`).
"""
from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any, Callable, Mapping, Optional, Sequence, Union

import numpy as np
import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from posecore.errors import ConfigError

BBOX_FORMATS = ('xyxy', 'xywh')
_SCOPE = 'posecore'


# --------------------------------------------------------------------- config
def _as_config(config: Union[str, Path, Config],
               cfg_options: Optional[dict]) -> Config:
    if isinstance(config, (str, Path)):
        from posecore.config import apply_plugin_settings, load_config

        cfg = load_config(config, cfg_options)
        apply_plugin_settings(cfg)  # the config's plugin switches, as train/test
        return cfg
    if not isinstance(config, Config):
        raise TypeError(f'config must be a config file path or an mmengine Config, got '
                        f'{type(config).__name__}')
    if cfg_options is not None:
        config.merge_from_dict(cfg_options)
    if config.get('default_scope') in (None, 'mmpose'):  # MMPose 1.x configs run unchanged
        config.default_scope = _SCOPE
    return config


def dataset_meta_from_config(config: Config, dataset_mode: str = 'train') -> Optional[dict]:
    """The parsed metainfo of the config's ``<mode>_dataloader.dataset``: its
    ``metainfo``, else its dataset class's ``METAINFO``; None when the config
    has no such dataset.

    :param dataset_mode: ``'train'``, ``'val'`` or ``'test'``.
    """
    if dataset_mode not in ('train', 'val', 'test'):
        raise ValueError(f"dataset_mode must be 'train', 'val' or 'test', got {dataset_mode!r}")
    from posecore.metainfo import parse_pose_metainfo

    loader = config.get(f'{dataset_mode}_dataloader')
    dataset_cfg = loader.get('dataset') if isinstance(loader, Mapping) else None
    if not isinstance(dataset_cfg, Mapping):
        return None
    metainfo = dataset_cfg.get('metainfo')
    if metainfo is None:
        dataset_type = dataset_cfg.get('type')
        if dataset_type is None:
            return None
        if isinstance(dataset_type, str):
            from posecore.registry import DATASETS

            dataset_type = DATASETS.get(dataset_type)
        metainfo = getattr(dataset_type, 'METAINFO', None)
        if metainfo is None:
            return None
    return parse_pose_metainfo(dict(metainfo))


# ----------------------------------------------------------------- checkpoint
def _load_weights(model: nn.Module, checkpoint: str) -> dict:
    """Load ``checkpoint`` (weights only) into ``model``; return its ``meta``.

    :raises CheckpointLoadError: keys or shapes that do not fit the model.
    """
    from posecore.checkpoint import CheckpointLoadError, decode, load_checkpoint_file

    loaded = load_checkpoint_file(checkpoint, map_location='cpu')
    if not isinstance(loaded, Mapping):
        raise CheckpointLoadError(f'checkpoint {checkpoint!r} holds a '
                                  f'{type(loaded).__name__}, not a dict of tensors')
    state = loaded.get('state_dict', loaded.get('model', loaded))
    if not isinstance(state, Mapping):
        raise CheckpointLoadError(f'checkpoint {checkpoint!r}: its state_dict is a '
                                  f'{type(state).__name__}, not a dict of tensors')
    metadata = getattr(state, '_metadata', None)
    if any(key.startswith('module.') for key in state):  # saved from a DataParallel wrapper
        from collections import OrderedDict

        state = OrderedDict((k[7:] if k.startswith('module.') else k, v)
                            for k, v in state.items())
        if metadata is not None:
            state._metadata = metadata  # type: ignore[attr-defined]
    own = model.state_dict()
    mismatched = [f'{k}: file {tuple(v.shape)} vs model {tuple(own[k].shape)}'
                  for k, v in state.items()
                  if k in own and hasattr(v, 'shape') and tuple(v.shape) != tuple(own[k].shape)]
    if mismatched:
        raise CheckpointLoadError(
            f'checkpoint {checkpoint!r} does not fit the model of the config: '
            f'{len(mismatched)} shape mismatches, e.g. {mismatched[:3]}; use the config the '
            f'checkpoint was trained with')
    result = model.load_state_dict(state, strict=False)
    if result.missing_keys or result.unexpected_keys:
        def some(keys: list[str]) -> str:
            return ', '.join(keys[:8]) + (f' ... ({len(keys)} in all)' if len(keys) > 8 else '')

        raise CheckpointLoadError(
            f'checkpoint {checkpoint!r} does not fit the model of the config: '
            f'missing keys: [{some(result.missing_keys)}]; unexpected keys: '
            f'[{some(result.unexpected_keys)}]; use the config the checkpoint was '
            f'trained with')
    meta = loaded.get('meta')
    return decode(meta) if isinstance(meta, Mapping) else {}


def init_model(config: Union[str, Path, Config],
               checkpoint: Optional[str] = None,
               device: str = 'cpu',
               cfg_options: Optional[dict] = None) -> nn.Module:
    """Build the pose estimator of a config, ready to predict.

    :param config: a config file path or an mmengine ``Config``; MMPose 1.x
        configs work unchanged.
    :param checkpoint: weights to load (a local path or URL, loaded weights
        only); None keeps the initial weights.
    :param device: where the model runs, e.g. ``'cpu'`` or ``'cuda:0'``.
    :param cfg_options: overrides, ``{'model.test_cfg.flip_test': False}``.
        Without overrides the backbone's ``init_cfg`` is dropped (no
        pretrained download), as MMPose does.
    :returns: the model in eval mode, with ``cfg`` (the config) and
        ``dataset_meta`` from the checkpoint's meta, else the config's dataset
        metainfo, else COCO's (with a warning).
    :raises CheckpointLoadError: a checkpoint whose keys or shapes do not fit,
        listing the missing and unexpected keys.
    """
    from mmengine.model.utils import revert_sync_batchnorm
    from mmengine.registry import init_default_scope
    from posecore.registry import MODELS

    cfg = _as_config(config, cfg_options)
    if not isinstance(cfg.get('model'), Mapping):
        raise ConfigError(f'the config has no model dict (model = dict(type=...)); got '
                          f'{cfg.get("model")!r}')
    if cfg_options is None and isinstance(cfg.model.get('backbone'), Mapping) \
            and 'init_cfg' in cfg.model.backbone:
        cfg.model.backbone.init_cfg = None  # weights come from the checkpoint
    cfg.model.train_cfg = None
    init_default_scope(cfg.get('default_scope', _SCOPE))

    model = revert_sync_batchnorm(MODELS.build(cfg.model))
    dataset_meta = None
    if checkpoint is not None:
        dataset_meta = _load_weights(model, checkpoint).get('dataset_meta')
    if dataset_meta is None:
        dataset_meta = dataset_meta_from_config(cfg, dataset_mode='train')
    if dataset_meta is None:
        from posecore.metainfo import get_dataset_metainfo, parse_pose_metainfo

        warnings.warn('cannot take dataset_meta from the checkpoint or the config '
                      '(train_dataloader.dataset); using the COCO metainfo')
        dataset_meta = parse_pose_metainfo(get_dataset_metainfo('coco'))
    model.dataset_meta = dataset_meta
    model.cfg = cfg  # kept for inference_topdown, as MMPose does
    model.to(device)
    model.eval()
    return model


# ------------------------------------------------------------------ pipeline
def build_test_pipeline(cfg: Config) -> Compose:
    """The config's test pipeline (``test_dataloader.dataset.pipeline``),
    transforms built from posecore's TRANSFORMS."""
    from posecore.registry import TRANSFORMS

    try:
        steps = cfg.test_dataloader.dataset.pipeline
    except AttributeError:
        steps = None
    if not isinstance(steps, Sequence) or not steps:
        raise ConfigError(
            'top-down inference runs the test pipeline, but the config has no '
            'test_dataloader.dataset.pipeline; give it, e.g. [LoadImage, '
            'GetBBoxCenterScale, TopdownAffine(input_size=...), PackPoseInputs]')
    return Compose([TRANSFORMS.build(dict(step)) if isinstance(step, Mapping) else step
                    for step in steps])


def load_image(pipeline: Compose, img_path: str) -> np.ndarray:
    """Read an image once, as the pipeline's first transform does when it is
    ``LoadImage`` (its ``color_type``, ``backend_args``...), else as BGR
    through ``mmengine.fileio``.

    :raises ValueError: the file is not an image that can be decoded.
    """
    first = pipeline.transforms[0] if pipeline.transforms else None
    if type(first).__name__ == 'LoadImage':
        results = first(dict(img_path=img_path))
        img = None if results is None else results.get('img')
    else:
        import cv2
        from mmengine import fileio

        img = cv2.imdecode(np.frombuffer(fileio.get(img_path), np.uint8), cv2.IMREAD_COLOR)
    if img is None:
        raise ValueError(f'{img_path!r} is not an image that can be decoded')
    return img


def bboxes_to_xyxy(bboxes: Any, bbox_format: str = 'xyxy') -> np.ndarray:
    """Boxes as a float32 ``(N, 4)`` array ``x1, y1, x2, y2``.

    :param bboxes: ``(N, 4)`` (or ``(4,)``, one box) in ``bbox_format``;
        more than 4 values per box (a score) are ignored.
    :raises ValueError: an unknown format or a badly shaped array.
    """
    if bbox_format not in BBOX_FORMATS:
        raise ValueError(f"bbox_format must be 'xyxy' or 'xywh', got {bbox_format!r}")
    boxes = np.array(bboxes, dtype=np.float32)
    if boxes.ndim == 1 and boxes.shape[0] >= 4:
        boxes = boxes[None]
    if boxes.ndim != 2 or boxes.shape[1] < 4:
        raise ValueError(f'bboxes must be an (N, 4) array of {bbox_format} boxes, got shape '
                         f'{boxes.shape}')
    boxes = boxes[:, :4].copy()
    if bbox_format == 'xywh':
        boxes[:, 2:] += boxes[:, :2]
    return boxes


def pack_instances(model: nn.Module, pipeline: Callable, img: np.ndarray,
                   img_path: Optional[str], bboxes_xyxy: Optional[np.ndarray],
                   bbox_scores: Optional[np.ndarray] = None) -> list[dict]:
    """Run the test pipeline once per box of one image.

    :param img: the loaded image (as ``LoadImage`` gives it).
    :param img_path: its path, kept in the data samples' metainfo (or None).
    :param bboxes_xyxy: ``(N, 4)`` boxes; None or empty: the whole image.
    :param bbox_scores: ``(N,)`` detection scores (default ones).
    :returns: the packed ``dict(inputs=..., data_samples=...)`` per box.
    :raises ValueError: the pipeline dropped a box.
    """
    if bboxes_xyxy is None or len(bboxes_xyxy) == 0:
        h, w = img.shape[:2]
        bboxes_xyxy = np.array([[0, 0, w, h]], dtype=np.float32)
        bbox_scores = None
    if bbox_scores is None:
        bbox_scores = np.ones(len(bboxes_xyxy), dtype=np.float32)
    packed = []
    for bbox, score in zip(bboxes_xyxy, bbox_scores):
        data_info = dict(img=img, img_path=img_path, bbox=np.asarray(bbox)[None],
                         bbox_score=np.asarray(score, dtype=np.float32).reshape(1))
        data_info.update(model.dataset_meta)
        result = pipeline(data_info)
        if result is None:
            raise ValueError(f'the test pipeline dropped box {bbox.tolist()} of '
                             f'{img_path or "the image"}')
        packed.append(result)
    return packed


def predict_packed(model: nn.Module, packed: Sequence[dict]) -> list:
    """Predict packed samples in one batch (``model.test_step``)."""
    if not packed:
        return []
    with torch.no_grad():
        return model.test_step(pseudo_collate(list(packed)))


def inference_topdown(model: nn.Module,
                      img: Union[np.ndarray, str],
                      bboxes: Optional[Union[list, np.ndarray]] = None,
                      bbox_format: str = 'xyxy') -> list:
    """Predict the keypoints of every box of one image, in one batch.

    :param model: a top-down estimator from :func:`init_model` (with ``cfg``
        and ``dataset_meta``).
    :param img: an image as ``LoadImage`` gives it (BGR ``(H, W, 3)``), or
        its path (read once, through the config's ``LoadImage``).
    :param bboxes: ``(N, 4)`` boxes; None or empty: the whole image.
    :param bbox_format: ``'xyxy'`` or ``'xywh'``.
    :returns: one ``PoseDataSample`` per box, with ``pred_instances``
        (``keypoints`` ``(1, K, 2)`` in image pixels, ``keypoint_scores``,
        ``bboxes``, ``bbox_scores``).
    """
    for attr in ('cfg', 'dataset_meta'):
        if getattr(model, attr, None) is None:
            raise ValueError(f'the model has no {attr}: build it with init_model(config, '
                             f'checkpoint) (or set model.{attr})')
    from mmengine.registry import init_default_scope

    init_default_scope(model.cfg.get('default_scope', _SCOPE))
    pipeline = build_test_pipeline(model.cfg)
    boxes = None
    if bboxes is not None and len(bboxes) > 0:
        boxes = bboxes_to_xyxy(bboxes, bbox_format)
    elif bbox_format not in BBOX_FORMATS:
        raise ValueError(f"bbox_format must be 'xyxy' or 'xywh', got {bbox_format!r}")
    if isinstance(img, (str, os.PathLike)):
        img_path: Optional[str] = str(img)
        image = load_image(pipeline, img_path)
    elif isinstance(img, np.ndarray):
        img_path, image = None, img
    else:
        raise TypeError(f'img must be an image array (H, W, 3) or a path, got '
                        f'{type(img).__name__}')
    return predict_packed(model, pack_instances(model, pipeline, image, img_path, boxes))
