"""Make ``tests/data/reference/photometric_mmpose.json``: what MMPose 1.3.2's
``PhotometricDistortion`` gives on the real COCO images, for posecore's tests to equal.

Run in the MMPose environment (``../shared/anchor/make-mmpose-venv.sh``)::

    /tmp/anchor-venv/bin/python benchmarks/anchor/make_photometric_reference.py

For each case (arguments, image, seed): ``np.random.seed(seed)``, one call, then
the SHA-256 of the output image's C-order bytes, its shape, and the next
``np.random.random_sample()`` (which shows how many draws the call consumed).
Images are read with OpenCV (BGR uint8), as ``LoadImage`` does.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import cv2
import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from coco_pipeline_samples import COCO, REPO  # noqa: E402
from make_pipeline_reference import digest  # noqa: E402

OUT = REPO / 'tests' / 'data' / 'reference' / 'photometric_mmpose.json'
IMAGES = ['000000000785.jpg', '000000196141.jpg']
ARGS = [dict(), dict(brightness_delta=10, contrast_range=(0.8, 1.2),
                     saturation_range=(0.2, 2.0), hue_delta=90)]
SEEDS = range(64)


def main() -> None:
    from mmpose.datasets.transforms import PhotometricDistortion
    cases = []
    for args in ARGS:
        transform = PhotometricDistortion(**args)
        for name in IMAGES:
            img = cv2.imread(str(COCO / name))
            for seed in SEEDS:
                np.random.seed(seed)
                out = transform(dict(img=img.copy()))['img']
                cases.append(dict(args=args, image=name, seed=seed, sha256=digest(out),
                                  shape=list(out.shape), dtype=str(out.dtype),
                                  next_draw=float(np.random.random_sample())))
    OUT.write_text(json.dumps(dict(made_by='benchmarks/anchor/make_photometric_reference.py',
                                   mmpose='1.3.2', opencv=cv2.__version__, cases=cases),
                              indent=1) + '\n')
    print(f'{len(cases)} cases -> {OUT}')


if __name__ == '__main__':
    main()
