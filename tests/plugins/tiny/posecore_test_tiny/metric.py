"""Mean absolute error of the predicted points."""
from __future__ import annotations

import numpy as np
from mmengine.evaluator import BaseMetric


class TinyMAE(BaseMetric):
    """Mean absolute error, reported as ``tiny/mae``."""

    default_prefix = 'tiny'

    def process(self, data_batch, data_samples) -> None:
        for sample in data_samples:
            self.results.append(float((sample['pred'] - sample['target']).abs().mean()))

    def compute_metrics(self, results: list) -> dict:
        return {'mae': float(np.mean(results))}
