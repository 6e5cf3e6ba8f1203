"""``OneHand10KDataset``: the same data infos as MMPose 1.3.2 on
``mmpose-testdata/onehand10k`` (``data/make_mmpose_onehand10k_reference.py``)."""
from __future__ import annotations

import json
from pathlib import Path

from .conftest import assert_same, decode


def test_infos_match_mmpose(testdata):
    from posecore.registry import DATASETS

    reference = decode(json.loads(
        (Path(__file__).parent / 'data' / 'mmpose_onehand10k_dataset.json').read_text()))
    ds = DATASETS.build(dict(type='OneHand10KDataset',
                             ann_file=str(testdata / 'onehand10k' / 'test_onehand10k.json'),
                             data_prefix=dict(img='imgs/')))
    assert ds.metainfo['dataset_name'] == 'onehand10k' and ds.metainfo['num_keypoints'] == 21
    assert_same(reference['infos'], [ds.get_data_info(i) for i in range(len(ds))])
