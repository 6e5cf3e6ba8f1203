"""Synthetic points: y = x @ W for a fixed W, so a linear model can fit them."""
from __future__ import annotations

import numpy as np
from mmengine.dataset import Compose

from posecore.registry import TRANSFORMS


class TinyPointsDataset:
    """``num_samples`` pairs (x in R^4, y in R^2) through ``pipeline``."""

    METAINFO = dict(dataset_name='tiny')

    def __init__(self, num_samples: int = 64, seed: int = 0, pipeline=()):
        rng = np.random.default_rng(seed)
        weights = np.array([[1.0, -0.5], [0.25, 2.0], [-1.0, 0.5], [0.5, 0.0]])
        self.x = rng.normal(size=(num_samples, 4)).astype(np.float32)
        self.y = (self.x @ weights).astype(np.float32)
        self.pipeline = Compose([TRANSFORMS.build(t) for t in pipeline])

    @property
    def metainfo(self) -> dict:
        return dict(self.METAINFO)

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, i: int) -> dict:
        return self.pipeline(dict(x=self.x[i], y=self.y[i]))
