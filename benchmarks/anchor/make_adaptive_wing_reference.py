"""Make ``tests/data/reference/adaptive_wing_mmpose.json``: MMPose 1.3.2's
``AdaptiveWingLoss`` (WFLW's awing config) and its input gradient on seeded heatmaps,
for several option sets.

Run in the MMPose environment (``../shared/anchor/make-mmpose-venv.sh``)::

    /tmp/anchor-venv/bin/python benchmarks/anchor/make_adaptive_wing_reference.py
"""
from __future__ import annotations

import json
from pathlib import Path

import torch

OUT = (Path(__file__).resolve().parents[2] / 'tests' / 'data' / 'reference' /
       'adaptive_wing_mmpose.json')
#: option sets, in order (weights (B, K) are passed when use_target_weight)
CASES = [dict(), dict(use_target_weight=True), dict(alpha=2.5, omega=10, epsilon=0.5,
                                                     theta=0.3, loss_weight=2.0)]


def inputs() -> tuple:
    """``(output, target, weights)``: heatmaps (2, 3, 8, 6) in and around [0, 1]."""
    gen = torch.Generator().manual_seed(0)
    output = torch.rand(2, 3, 8, 6, generator=gen) * 1.4 - 0.2
    target = torch.rand(2, 3, 8, 6, generator=gen) ** 4
    weights = torch.tensor([[1., 0., 1.], [0.5, 1., 1.]])
    return output, target, weights


def main() -> None:
    from mmpose.models.losses import AdaptiveWingLoss

    results = []
    for kwargs in CASES:
        output, target, weights = inputs()
        output.requires_grad_(True)
        loss = AdaptiveWingLoss(**kwargs)(output, target, weights)
        loss.backward()
        results.append(dict(loss=loss.item(), grad=output.grad.flatten().tolist()))
    OUT.write_text(json.dumps(dict(about='MMPose 1.3.2 AdaptiveWingLoss; made by benchmarks/'
                                         'anchor/make_adaptive_wing_reference.py',
                                   results=results)))


if __name__ == '__main__':
    main()
