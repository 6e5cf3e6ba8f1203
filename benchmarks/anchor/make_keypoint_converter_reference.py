"""Make ``tests/data/reference/keypoint_converter_mmpose.json``: what MMPose 1.3.2's
``KeypointConverter`` gives on random layouts, for posecore's tests to equal.

Run in the MMPose environment (``../shared/anchor/make-mmpose-venv.sh``)::

    /tmp/anchor-venv/bin/python benchmarks/anchor/make_keypoint_converter_reference.py

Each case: K source keypoints of N instances (visibility (N, K), or (N, K, 2) with
weights), the data's flip indices, and a mapping of single sources and pairs into a
layout of ``num_keypoints`` (never more entries than K: MMPose fails beyond); the
outputs are the converted ``keypoints``, ``keypoints_visible``, ``flip_indices`` and the
keypoints' dtype.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from coco_pipeline_samples import REPO  # noqa: E402

OUT = REPO / 'tests' / 'data' / 'reference' / 'keypoint_converter_mmpose.json'


def cases(count: int = 64, seed: int = 1) -> list[dict]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        k, num = int(rng.integers(3, 10)), int(rng.integers(2, 12))
        mapping = []
        for target in rng.permutation(num)[:int(rng.integers(1, min(num, k) + 1))]:
            source = ([int(rng.integers(k)), int(rng.integers(k))] if rng.random() < 0.3
                      else int(rng.integers(k)))
            mapping.append([source, int(target)])
        n = int(rng.integers(1, 3))
        out.append(dict(num_keypoints=num, mapping=mapping,
                        keypoints=rng.uniform(0, 50, (n, k, 2)).round(2).tolist(),
                        visible=rng.integers(0, 3, (n, k)).tolist(),
                        with_weights=bool(rng.random() < 0.3),
                        flip_indices=[int(i) for i in rng.permutation(k)]))
    return out


def inputs(case: dict) -> tuple[dict, dict]:
    """``(arguments, results)`` of one case, as both sides build them."""
    visible = np.array(case['visible'], np.float64)
    if case['with_weights']:
        visible = np.stack([visible, visible * 0.5], axis=2)
    mapping = [(tuple(s) if isinstance(s, list) else s, t) for s, t in case['mapping']]
    return (dict(num_keypoints=case['num_keypoints'], mapping=mapping),
            dict(keypoints=np.array(case['keypoints']), keypoints_visible=visible,
                 flip_indices=list(case['flip_indices'])))


def main() -> None:
    from mmpose.datasets.transforms import KeypointConverter

    results = []
    for case in cases():
        args, data = inputs(case)
        out = KeypointConverter(**args)(data)
        results.append(dict(case=case, keypoints=out['keypoints'].tolist(),
                            keypoints_visible=out['keypoints_visible'].tolist(),
                            flip_indices=out['flip_indices'],
                            dtype=str(out['keypoints'].dtype)))
    OUT.write_text(json.dumps(dict(about='MMPose 1.3.2 KeypointConverter outputs; made by '
                                         'benchmarks/anchor/make_keypoint_converter_reference.py',
                                   results=results), separators=(',', ':')))


if __name__ == '__main__':
    main()
