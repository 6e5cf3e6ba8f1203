"""A one-layer regressor from 4 features to a 2-D point."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from mmengine.model import BaseModel
from torch import nn


class TinyRegressor(BaseModel):
    """Predicts a 2-D point from ``in_features`` numbers with one linear layer."""

    def __init__(self, in_features: int = 4, data_preprocessor=None, init_cfg=None):
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.linear = nn.Linear(in_features, 2)

    def forward(self, inputs, data_samples=None, mode: str = 'tensor'):
        out = self.linear(torch.stack(list(inputs)))
        if mode == 'loss':
            return {'loss': F.mse_loss(out, torch.stack(list(data_samples)))}
        if mode == 'predict':
            return [dict(pred=o.detach(), target=t) for o, t in zip(out, data_samples)]
        return out
