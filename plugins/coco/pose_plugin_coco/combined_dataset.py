"""``CombinedDataset``: several pose datasets trained as one, as MMPose 1.x's (e.g. COCO
and AI Challenger in MMPose's ``coco-aic`` configs). Each sub-dataset's own pipeline
brings its samples to the combined keypoint layout (``KeypointConverter``); the
combined ``pipeline`` then runs on every sample.
"""
from __future__ import annotations

import copy
from numbers import Real
from typing import Any, Callable, Sequence

import numpy as np
from mmengine.dataset import BaseDataset

from posecore.data_faults import SkipsUnreadableSamples
from posecore.transforms import build_pipeline

#: metainfo entries of the combined layout every sample gets (MMPose's list)
METAINFO_KEYS = ('upper_body_ids', 'lower_body_ids', 'flip_pairs',
                 'dataset_keypoint_weights', 'flip_indices')


class CombinedDataset(SkipsUnreadableSamples, BaseDataset):
    """Datasets concatenated, optionally resampled, with the metainfo of their
    common keypoint layout.

    :param metainfo: the combined layout: raw metainfo or ``dict(from_file=PATH)``
        (e.g. ``configs/_base_/datasets/coco_aic.py``).
    :param datasets: dataset configs (built through posecore's ``DATASETS``) or
        datasets; each converts its samples with its own pipeline.
    :param pipeline: transforms run on every sample after its dataset's own.
    :param sample_ratio_factor: per dataset, how many of its samples an epoch
        draws relative to its size (``round(len * factor)``; evenly spread over
        the dataset with a random offset, as MMPose). None: each sample once.
    :param kwargs: mmengine ``BaseDataset`` arguments (``test_mode``,
        ``lazy_init``, ``max_refetch``, ...).

    Sample ``i`` is sample ``i`` of the concatenation; a training sample whose
    image cannot be read is replaced by a random other one and reported, as in
    posecore's ``CocoDataset``.
    """

    def __init__(self,
                 metainfo: dict,
                 datasets: Sequence[dict | BaseDataset],
                 pipeline: Sequence[dict | Callable] = (),
                 sample_ratio_factor: Sequence[float] | None = None,
                 **kwargs: Any) -> None:
        from posecore.metainfo import parse_pose_metainfo
        from posecore.registry import DATASETS

        if not isinstance(datasets, (list, tuple)) or not datasets:
            raise ValueError('CombinedDataset: datasets must be a non-empty list of dataset '
                             f'configs, e.g. [dict(type="CocoDataset", ...)], got {datasets!r}')
        self.datasets = [DATASETS.build(cfg) if isinstance(cfg, dict) else cfg
                         for cfg in datasets]
        self._lens = [len(dataset) for dataset in self.datasets]
        self.resample = sample_ratio_factor is not None
        if self.resample:
            factors = list(sample_ratio_factor)  # type: ignore[arg-type]
            if len(factors) != len(self.datasets) or not all(
                    isinstance(f, Real) and not isinstance(f, bool) and f >= 0
                    for f in factors):
                raise ValueError(
                    f'CombinedDataset: sample_ratio_factor must be {len(self.datasets)} '
                    f'numbers >= 0, one per dataset, got {sample_ratio_factor!r}')
            self._lens_ori = self._lens
            self._lens = [round(n * f) for n, f in zip(self._lens_ori, factors)]
        self._len = sum(self._lens)
        super().__init__(pipeline=build_pipeline(pipeline, 'CombinedDataset'), **kwargs)
        self._metainfo = parse_pose_metainfo(metainfo)

    @property
    def metainfo(self) -> dict:
        return copy.deepcopy(self._metainfo)

    @property
    def lens(self) -> list[int]:
        """Samples drawn from each dataset per pass."""
        return list(self._lens)

    def __len__(self) -> int:
        return self._len

    def full_init(self) -> None:
        """Initialise every sub-dataset (they hold the data lists)."""
        if self._fully_initialized:
            return
        for dataset in self.datasets:
            dataset.full_init()
        self._fully_initialized = True

    def _get_subset_index(self, index: int) -> tuple[int, int]:
        """``(dataset index, index within it)`` of sample ``index``."""
        if not -len(self) <= index < len(self):
            raise IndexError(f'CombinedDataset: index {index} is out of range for '
                             f'{len(self)} samples')
        if index < 0:
            index += len(self)
        subset = 0
        while index >= self._lens[subset]:
            index -= self._lens[subset]
            subset += 1
        if self.resample:
            gap = (self._lens_ori[subset] - 1e-4) / self._lens[subset]
            index = round(gap * index + np.random.rand() * gap - 0.5)
        return subset, index

    def get_data_info(self, idx: int) -> dict:
        """Sample ``idx`` after its dataset's pipeline, with the combined metainfo."""
        subset, local = self._get_subset_index(idx)
        data_info = self.datasets[subset][local]
        data_info.pop('dataset', None)
        for key in METAINFO_KEYS:
            data_info[key] = copy.deepcopy(self._metainfo[key])
        return data_info

    def prepare_data(self, idx: int) -> Any:
        """The combined pipeline's output for sample ``idx``; ``results['dataset']``
        is this dataset."""
        data_info = self.get_data_info(idx)
        data_info['dataset'] = self
        return self.pipeline(data_info)
