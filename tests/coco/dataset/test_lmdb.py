"""COCO images (and the annotation file) read from an LMDB database through
``mmengine.fileio`` with ``backend_args=dict(backend='lmdb', db_path=...)``, keyed by the
dataset's ``img_path`` (``lmdb`` is the plugin's optional extra:
``pip install pose-plugin-coco[lmdb]``)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

lmdb = pytest.importorskip('lmdb', reason='the lmdb extra is not installed '
                                          '(pip install pose-plugin-coco[lmdb])')

PREFIX = 'val2017/'
ANN_KEY = 'annotations/person_keypoints_val2017.json'


@pytest.fixture(scope='module')
def lmdb_db(coco_dir: Path, tmp_path_factory) -> dict:
    """An LMDB database of the 4 real COCO images under ``val2017/<file_name>`` and the
    annotation file under ``annotations/person_keypoints_val2017.json``."""
    db_path = tmp_path_factory.mktemp('lmdb') / 'coco.lmdb'
    env = lmdb.open(str(db_path), map_size=64 * 2**20)
    with env.begin(write=True) as txn:
        for image in sorted(coco_dir.glob('*.jpg')):
            txn.put((PREFIX + image.name).encode('ascii'), image.read_bytes())
        txn.put(ANN_KEY.encode('ascii'), (coco_dir / 'test_coco.json').read_bytes())
    env.close()
    return dict(backend='lmdb', db_path=str(db_path))


def test_images_read_by_img_path(build_dataset, coco_dir, lmdb_db):
    from mmengine import fileio

    ds = build_dataset(ann_file=str(coco_dir / 'test_coco.json'), data_prefix=dict(img=PREFIX))
    paths = {ds.get_data_info(i)['img_path'] for i in range(len(ds))}
    assert len(paths) == 4
    for path in paths:
        assert path.startswith(PREFIX)
        expected = (coco_dir / path[len(PREFIX):]).read_bytes()
        assert fileio.get(path, backend_args=lmdb_db) == expected


def test_annotation_file_read_from_lmdb(build_dataset, lmdb_db):
    ds = build_dataset(ann_file=ANN_KEY, backend_args=lmdb_db, data_prefix=dict(img=PREFIX))
    assert len(ds) == 12
    missing = 'annotations/nope.json'
    with pytest.raises(FileNotFoundError, match=f"annotation file '{missing}' does not exist"):
        build_dataset(ann_file=missing, backend_args=lmdb_db)


def test_load_image_from_lmdb(build_dataset, coco_dir, lmdb_db):
    pytest.importorskip('pose_plugin_topdown.transforms.loading',
                        reason='LoadImage comes with pose-plugin-topdown')
    cv2 = pytest.importorskip('cv2')
    ds = build_dataset(ann_file=str(coco_dir / 'test_coco.json'), data_prefix=dict(img=PREFIX),
                       pipeline=[dict(type='LoadImage', backend_args=lmdb_db)])
    for idx in (0, 5, 11):
        results = ds[idx]
        expected = cv2.imread(str(coco_dir / results['img_path'][len(PREFIX):]))
        assert results['img_shape'] == expected.shape[:2]
        np.testing.assert_array_equal(results['img'], expected)
