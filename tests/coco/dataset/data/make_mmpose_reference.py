"""Make ``mmpose_coco_dataset.json``: MMPose 1.3.2's ``CocoDataset`` data infos on an
annotation file with the awkward cases (missing ``iscrowd``/``area``/``num_keypoints``,
boxes outside the image, crowds, unlabelled instances, a repeated image id and a
repeated annotation id, an annotation of an unknown image, RLE segmentations,
``crowdIndex``), kept in the JSON beside the results.

Run with the python of a venv that has MMPose 1.3.2, from the repository root:

    /tmp/anchor-venv/bin/python tests/coco/dataset/data/make_mmpose_reference.py
"""
import contextlib
import io
import json
import tempfile
from pathlib import Path

import numpy as np
from mmpose.datasets import CocoDataset

HERE = Path(__file__).resolve().parent
COCO = HERE.parents[2] / 'data' / 'mmpose-testdata' / 'coco'


def awkward_annotations() -> dict:
    rng = np.random.default_rng(1)
    images = [dict(id=i, file_name=f'{i:012d}.jpg', width=int(rng.integers(50, 640)),
                   height=int(rng.integers(50, 480))) for i in range(1, 13)]
    images[3]['crowdIndex'] = 0.25
    images.append(dict(images[5], file_name='repeated.jpg'))  # the last one wins
    anns, ann_id = [], 100
    for img in images[:11]:
        for _ in range(int(rng.integers(0, 4))):
            k = rng.uniform(-20, 700, size=(17, 3)).round(2)
            k[:, 2] = rng.integers(0, 3, size=17)
            if rng.random() < 0.3:
                k[rng.random(17) < 0.5] = 0
            ann = dict(id=ann_id, image_id=img['id'], category_id=1,
                       keypoints=[float(v) if c < 2 else int(v)
                                  for row in k for c, v in enumerate(row)],
                       bbox=[float(x) for x in rng.uniform(-30, 600, size=4).round(2)])
            ann_id += 1
            if rng.random() < 0.3:
                ann['area'] = float(rng.uniform(1, 5000))
            if rng.random() < 0.5:
                ann['num_keypoints'] = int((k[:, 2] > 0).sum())
            if rng.random() < 0.6:
                ann['iscrowd'] = int(rng.random() < 0.2)
            ann['segmentation'] = ([[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]] if rng.random() < 0.5
                                   else dict(counts=[1, 2, 3], size=[10, 10]))
            anns.append(ann)
    anns.append(dict(id=900, image_id=1, category_id=1, bbox=[1, 2, 3, 4], segmentation=[]))
    anns.append(dict(id=901, image_id=999, category_id=1, bbox=[1, 2, 3, 4], keypoints=[1] * 51))
    anns.append(dict(anns[0], bbox=[5, 5, 50, 60], id=anns[2]['id']))
    anns.append(dict(id=902, image_id=2, category_id=1, bbox=[10, 10, 0, 5], keypoints=[0] * 51,
                     num_keypoints=3, segmentation=[[1, 2, 3]]))
    return dict(images=images, annotations=anns,
                categories=[dict(id=1, name='person'), dict(id=2, name='other'),
                            dict(id=1, name='person again')])


def encode(value):
    """JSON with NumPy arrays, NumPy scalars and tuples marked so they decode exactly."""
    if isinstance(value, np.ndarray):
        return {'__ndarray__': value.dtype.str, 'shape': list(value.shape),
                'data': value.ravel().tolist()}
    if isinstance(value, np.generic):
        return {'__scalar__': value.dtype.str, 'value': value.item()}
    if isinstance(value, tuple):
        return {'__tuple__': [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        assert all(isinstance(k, str) for k in value), value
        return {k: encode(v) for k, v in value.items()}
    return value


# case name -> CocoDataset arguments; AWKWARD stands for the file above
CASES = {
    'awkward_topdown': dict(ann_file='AWKWARD', data_prefix=dict(img='imgs/')),
    'awkward_bottomup': dict(ann_file='AWKWARD', data_mode='bottomup'),
    'awkward_bottomup_test': dict(ann_file='AWKWARD', data_mode='bottomup', test_mode=True),
    'awkward_interval': dict(ann_file='AWKWARD', data_mode='bottomup', test_mode=True,
                             sample_interval=2),
    'coco_detections_thr': dict(ann_file='COCO/test_coco.json', test_mode=True,
                                bbox_file='COCO/test_coco_det_AP_H_56.json',
                                filter_cfg=dict(bbox_score_thr=0.3)),
    'coco_bottomup': dict(ann_file='COCO/test_coco.json', data_mode='bottomup'),
}


def main() -> None:
    awkward = awkward_annotations()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / 'awkward.json'
        path.write_text(json.dumps(awkward))
        for name, kwargs in CASES.items():
            args = {k: (v.replace('AWKWARD', str(path)).replace('COCO', str(COCO))
                        if isinstance(v, str) else v) for k, v in kwargs.items()}
            with contextlib.redirect_stdout(io.StringIO()):
                ds = CocoDataset(metainfo=dict(from_file='configs/_base_/datasets/coco.py'),
                                 **args)
            infos = [ds.get_data_info(i) for i in range(len(ds))]
            results[name] = dict(infos=encode(infos), classes=encode(ds.metainfo['CLASSES']))
    out = dict(about='MMPose 1.3.2 CocoDataset data infos; made by make_mmpose_reference.py',
               awkward_annotations=awkward, cases=CASES, results=results)
    (HERE / 'mmpose_coco_dataset.json').write_text(json.dumps(out, separators=(',', ':')))


if __name__ == '__main__':
    main()
