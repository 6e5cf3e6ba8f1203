"""Make ``mmpose_hand_face_datasets.json``: MMPose 1.3.2's ``OneHand10KDataset`` and
``WFLWDataset`` data infos on ``mmpose-testdata/onehand10k/test_onehand10k.json`` and
``mmpose-testdata/wflw/test_wflw.json``.

Run with the python of a venv that has MMPose 1.3.2, from the repository root:

    /tmp/anchor-venv/bin/python tests/coco/dataset/data/make_mmpose_hand_face_reference.py
"""
import contextlib
import io
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from make_mmpose_reference import encode  # noqa: E402

SAMPLES = HERE.parents[2] / 'data' / 'mmpose-testdata'


def main() -> None:
    from mmpose.datasets import OneHand10KDataset, WFLWDataset

    out = dict(about='MMPose 1.3.2 OneHand10KDataset and WFLWDataset data infos; made by '
                     'make_mmpose_hand_face_reference.py')
    for key, cls, ann in (('infos', OneHand10KDataset, 'onehand10k/test_onehand10k.json'),
                          ('wflw_infos', WFLWDataset, 'wflw/test_wflw.json')):
        with contextlib.redirect_stdout(io.StringIO()):
            ds = cls(ann_file=str(SAMPLES / ann), data_prefix=dict(img='imgs/'))
        out[key] = encode([ds.get_data_info(i) for i in range(len(ds))])
    (HERE / 'mmpose_hand_face_datasets.json').write_text(json.dumps(out, separators=(',', ':')))

if __name__ == '__main__':
    main()
