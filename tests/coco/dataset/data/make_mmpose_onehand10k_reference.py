"""Make ``mmpose_onehand10k_dataset.json``: MMPose 1.3.2's ``OneHand10KDataset`` data infos
on ``mmpose-testdata/onehand10k/test_onehand10k.json``.

Run with the python of a venv that has MMPose 1.3.2, from the repository root:

    /tmp/anchor-venv/bin/python tests/coco/dataset/data/make_mmpose_onehand10k_reference.py
"""
import contextlib
import io
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from make_mmpose_reference import encode  # noqa: E402

ONEHAND = HERE.parents[2] / 'data' / 'mmpose-testdata' / 'onehand10k'


def main() -> None:
    from mmpose.datasets import OneHand10KDataset

    with contextlib.redirect_stdout(io.StringIO()):
        ds = OneHand10KDataset(ann_file=str(ONEHAND / 'test_onehand10k.json'),
                               data_prefix=dict(img='imgs/'))
    out = dict(about='MMPose 1.3.2 OneHand10KDataset data infos; made by '
                     'make_mmpose_onehand10k_reference.py',
               infos=encode([ds.get_data_info(i) for i in range(len(ds))]))
    (HERE / 'mmpose_onehand10k_dataset.json').write_text(json.dumps(out, separators=(',', ':')))


if __name__ == '__main__':
    main()
