"""Make ``mmpose_mpii_dataset.json`` and ``mpii_headboxes.mat``: MMPose 1.3.2's
``MpiiDataset`` data infos on ``mmpose-testdata/mpii/test_mpii.json`` (training, and
test mode with head boxes), and its ``MpiiPCKAccuracy`` on predictions near those
joints. The head boxes (MATLAB v5, ``headboxes_src`` 2 x 2 x N, as MPII's
``mpii_gt_val.mat``) are made here, around each person's head keypoints (8, 9).

Run with the python of a venv that has MMPose 1.3.2, from the repository root:

    /tmp/anchor-venv/bin/python tests/coco/dataset/data/make_mmpose_mpii_reference.py
"""
import contextlib
import io
import json
import sys
from pathlib import Path

import numpy as np
from scipy.io import savemat

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from make_mmpose_reference import encode  # noqa: E402

MPII = HERE.parents[2] / 'data' / 'mmpose-testdata' / 'mpii'
HEADBOXES = HERE / 'mpii_headboxes.mat'


def predictions(infos: list, seed: int = 0) -> list:
    """Per sample: predicted keypoints (1, 16, 2) near the truth, in pixels."""
    rng = np.random.default_rng(seed)
    return [(info['keypoints'] + rng.normal(0, 12, info['keypoints'].shape)).tolist()
            for info in infos]


def main() -> None:
    from mmpose.datasets import MpiiDataset
    from mmpose.evaluation.metrics import MpiiPCKAccuracy

    anns = json.loads((MPII / 'test_mpii.json').read_text())
    heads = np.stack([[np.min([a['joints'][8], a['joints'][9]], axis=0) - 5,
                       np.max([a['joints'][8], a['joints'][9]], axis=0) + 5] for a in anns])
    savemat(HEADBOXES, dict(headboxes_src=np.transpose(heads, [1, 2, 0])))
    common = dict(ann_file=str(MPII / 'test_mpii.json'), data_prefix=dict(img='imgs/'))
    with contextlib.redirect_stdout(io.StringIO()):
        train = MpiiDataset(**common)
        test = MpiiDataset(**common, test_mode=True, headbox_file=str(HEADBOXES))
    train_infos = [train.get_data_info(i) for i in range(len(train))]
    test_infos = [test.get_data_info(i) for i in range(len(test))]
    preds = predictions(test_infos)
    metrics = {}
    for thr in (0.5, 0.2):
        metric = MpiiPCKAccuracy(thr=thr)
        metric.dataset_meta = test.metainfo
        samples = [dict(pred_instances=dict(keypoints=np.array(p)),
                        gt_instances=dict(keypoints=i['keypoints'], head_size=i['head_size'],
                                          keypoints_visible=i['keypoints_visible']))
                   for p, i in zip(preds, test_infos)]
        metric.process([], samples)
        metrics[str(thr)] = {k: float(v) for k, v in metric.evaluate(len(samples)).items()}
    out = dict(about='MMPose 1.3.2 MpiiDataset data infos and MpiiPCKAccuracy; made by '
                     'make_mmpose_mpii_reference.py',
               train_infos=encode(train_infos), test_infos=encode(test_infos),
               predictions=preds, metrics=metrics)
    (HERE / 'mmpose_mpii_dataset.json').write_text(json.dumps(out, separators=(',', ':')))


if __name__ == '__main__':
    main()
