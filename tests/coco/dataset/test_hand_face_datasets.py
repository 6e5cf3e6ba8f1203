"""``OneHand10KDataset`` and ``WFLWDataset``: the same data infos as MMPose 1.3.2 on
``mmpose-testdata/onehand10k`` and ``wflw`` (``data/make_mmpose_hand_face_reference.py``)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import assert_same, decode


REFERENCE = Path(__file__).parent / 'data' / 'mmpose_hand_face_datasets.json'


@pytest.mark.parametrize('dataset, ann, key, name, keypoints', [
    ('OneHand10KDataset', 'onehand10k/test_onehand10k.json', 'infos', 'onehand10k', 21),
    ('WFLWDataset', 'wflw/test_wflw.json', 'wflw_infos', 'wflw', 98)])
def test_infos_match_mmpose(testdata, dataset, ann, key, name, keypoints):
    from posecore.registry import DATASETS

    reference = decode(json.loads(REFERENCE.read_text()))
    ds = DATASETS.build(dict(type=dataset, ann_file=str(testdata / ann),
                             data_prefix=dict(img='imgs/')))
    assert ds.metainfo['dataset_name'] == name and ds.metainfo['num_keypoints'] == keypoints
    assert_same(reference[key], [ds.get_data_info(i) for i in range(len(ds))])


def test_wflw_needs_center_and_scale(testdata, tmp_path):
    from posecore.registry import DATASETS

    data = json.loads((testdata / 'wflw' / 'test_wflw.json').read_text())
    del data['annotations'][1]['scale']
    (tmp_path / 'wflw.json').write_text(json.dumps(data))
    with pytest.raises(ValueError, match=r'annotation id=.* lacks scale'):
        DATASETS.build(dict(type='WFLWDataset', ann_file=str(tmp_path / 'wflw.json')))
