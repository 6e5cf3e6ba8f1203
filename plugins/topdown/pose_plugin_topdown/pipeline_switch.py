"""``PipelineSwitchHook``: from a given epoch on, train through another pipeline.

MMPose 1.x configs take this hook from MMDetection (``mmdet.PipelineSwitchHook``,
RTMPose's second stage); posecore provides it so such a schedule needs no MMDetection.
A typical use: learn on wide heatmap Gaussians first, then on sharp ones.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

from mmengine.dataset import Compose
from mmengine.hooks import Hook
from mmengine.logging import print_log
from posecore.transforms import build_pipeline


def _build(pipeline: Sequence[dict | Callable]) -> list[Callable]:
    if isinstance(pipeline, (str, bytes, dict)) or not isinstance(pipeline, Sequence) \
            or not pipeline:
        raise TypeError('PipelineSwitchHook: switch_pipeline must be a non-empty list of '
                        f'transform config dicts, got {pipeline!r}')
    return build_pipeline(pipeline, 'PipelineSwitchHook: switch_pipeline')


def _piped_datasets(dataset: Any) -> list[Any]:
    """The datasets under ``dataset`` (itself, or those a wrapper holds) that own a
    ``pipeline``."""
    if hasattr(dataset, 'pipeline'):
        return [dataset]
    inner = getattr(dataset, 'datasets', None) or [getattr(dataset, 'dataset', None)]
    return [d for sub in inner if sub is not None for d in _piped_datasets(sub)]


class PipelineSwitchHook(Hook):
    """Replace the training dataset's pipeline before epoch ``switch_epoch``
    (0-based, as ``runner.epoch``), once; a run resumed past that epoch switches
    at its first epoch.

    :param switch_epoch: the first epoch trained through ``switch_pipeline``.
    :param switch_pipeline: transform configs, as a dataset's ``pipeline``.
    """

    def __init__(self, switch_epoch: int, switch_pipeline: Sequence[dict | Callable]) -> None:
        if isinstance(switch_epoch, bool) or not isinstance(switch_epoch, int) \
                or switch_epoch < 0:
            raise ValueError('PipelineSwitchHook: switch_epoch must be an int >= 0 (the '
                             f'first epoch of the new pipeline), got {switch_epoch!r}')
        self.switch_epoch = switch_epoch
        # built now, so a misspelt transform fails before any training
        self._transforms = _build(switch_pipeline)
        self._switched = False

    def before_train_epoch(self, runner: Any) -> None:
        if self._switched or runner.epoch < self.switch_epoch:
            return
        loader = runner.train_dataloader
        datasets = _piped_datasets(loader.dataset)
        if not datasets:
            raise TypeError(f'PipelineSwitchHook: the training dataset '
                            f'({type(loader.dataset).__name__}) has no pipeline to replace')
        pipeline = Compose(self._transforms)
        for dataset in datasets:
            dataset.pipeline = pipeline
        # persistent workers hold a copy of the dataset: start new ones
        if getattr(loader, '_iterator', None) is not None:
            loader._iterator = None
        self._switched = True
        print_log(f'PipelineSwitchHook: epoch {runner.epoch + 1} on trains through the '
                  'switch_pipeline', logger='current')
