"""Make ``tests/data/reference/feature_map_processor_mmpose.npz``: MMPose 1.3.2's
``FeatureMapProcessor`` (the HRNetV2 configs' neck) on four seeded feature maps of
HRNet's shapes, for several option sets.

Run in the MMPose environment (``../shared/anchor/make-mmpose-venv.sh``)::

    /tmp/anchor-venv/bin/python benchmarks/anchor/make_feature_map_processor_reference.py

Arrays: ``input_{i}`` the maps; ``case_{c}_{j}`` output j of option set c (``CASES``).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

OUT = (Path(__file__).resolve().parents[2] / 'tests' / 'data' / 'reference' /
       'feature_map_processor_mmpose.npz')
#: option sets, in order
CASES = [dict(concat=True), dict(select_index=(0, 2), concat=True, apply_relu=True),
         dict(select_index=1, scale_factor=2.0), dict(concat=True, align_corners=True,
                                                      scale_factor=0.5)]


def inputs() -> list:
    gen = torch.Generator().manual_seed(0)
    return [torch.randn(2, c, 16 // 2 ** i, 12 // 2 ** i, generator=gen)
            for i, c in enumerate((4, 8, 16, 32))]


def main() -> None:
    from mmpose.models.necks import FeatureMapProcessor

    maps = inputs()
    arrays = {f'input_{i}': x.numpy() for i, x in enumerate(maps)}
    for c, kwargs in enumerate(CASES):
        for j, out in enumerate(FeatureMapProcessor(**kwargs)(maps)):
            arrays[f'case_{c}_{j}'] = out.numpy()
    np.savez_compressed(OUT, **arrays)


if __name__ == '__main__':
    main()
