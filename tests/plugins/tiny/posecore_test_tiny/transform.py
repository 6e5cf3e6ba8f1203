"""Packs a sample into the ``inputs`` / ``data_samples`` pair the model takes."""
from __future__ import annotations

import torch
from posecore.transforms import BaseTransform


class PackTinyInputs(BaseTransform):
    """``dict(x, y)`` -> ``dict(inputs=tensor(x), data_samples=tensor(y))``."""

    def transform(self, results: dict) -> dict:
        return dict(inputs=torch.from_numpy(results['x']),
                    data_samples=torch.from_numpy(results['y']))
