"""Bad input to CocoDataset: each error names the thing to fix."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

DET = 'test_coco_det_AP_H_56.json'


def write(path: Path, data) -> str:
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return str(path)


@pytest.fixture
def coco_json(coco_dir) -> dict:
    return json.loads((coco_dir / 'test_coco.json').read_text())


def test_invalid_data_mode(build_dataset, coco_dir):
    with pytest.raises(ValueError, match=r"data_mode must be .*topdown.*bottomup.*'invalid'"):
        build_dataset(ann_file=str(coco_dir / 'test_coco.json'), data_mode='invalid')


def test_bbox_file_outside_test_mode(build_dataset, coco_dir):
    with pytest.raises(ValueError, match='test_mode=True'):
        build_dataset(ann_file=str(coco_dir / 'test_coco.json'), bbox_file=str(coco_dir / DET))


def test_bbox_file_in_bottomup_mode(build_dataset, coco_dir):
    with pytest.raises(ValueError, match='bbox_file is only supported in topdown mode'):
        build_dataset(ann_file=str(coco_dir / 'test_coco.json'), bbox_file=str(coco_dir / DET),
                      test_mode=True, data_mode='bottomup')


@pytest.mark.parametrize('lazy', [False, True])
def test_bbox_score_thr_in_bottomup_mode(build_dataset, coco_dir, lazy):
    with pytest.raises(ValueError, match='bbox_score_thr is only supported in topdown mode'):
        build_dataset(ann_file=str(coco_dir / 'test_coco.json'), data_mode='bottomup',
                      filter_cfg=dict(bbox_score_thr=0.3), lazy_init=lazy)


def test_missing_annotation_file(build_dataset, tmp_path):
    path = str(tmp_path / 'nope' / 'person_keypoints_val2017.json')
    with pytest.raises(FileNotFoundError, match=re.escape(f"annotation file '{path}' does not "
                                                          'exist')):
        build_dataset(ann_file=path)


@pytest.mark.parametrize('content', ['{"images": [', 'not json at all', '\xff\xfe'])
def test_annotation_file_not_json(build_dataset, tmp_path, content):
    path = tmp_path / 'ann.json'
    path.write_bytes(content.encode('latin-1'))
    with pytest.raises(ValueError, match=re.escape(f"annotation file '{path}' is not valid JSON")):
        build_dataset(ann_file=str(path))


def test_annotation_file_not_an_object(build_dataset, tmp_path):
    path = write(tmp_path / 'ann.json', [1, 2])
    with pytest.raises(ValueError, match=re.escape(f"'{path}' must hold a JSON object") +
                       '.*got a JSON list'):
        build_dataset(ann_file=path)


@pytest.mark.parametrize('missing', [('images',), ('annotations',), ('categories',),
                                     ('images', 'categories')])
def test_annotation_file_lacks_a_key(build_dataset, tmp_path, coco_json, missing):
    for key in missing:
        del coco_json[key]
    path = write(tmp_path / 'ann.json', coco_json)
    lacks = ', '.join(f"'{key}'" for key in missing)
    with pytest.raises(ValueError, match=re.escape(f"annotation file '{path}' lacks {lacks}")):
        build_dataset(ann_file=path)


def test_detections_need_no_annotations(build_dataset, tmp_path, coco_dir, coco_json):
    # as COCO's image_info_test-dev2017.json: images and categories only
    del coco_json['annotations']
    path = write(tmp_path / 'image_info.json', coco_json)
    assert len(build_dataset(ann_file=path, bbox_file=str(coco_dir / DET), test_mode=True)) == 118


@pytest.mark.parametrize('count', [50, 42])
def test_wrong_number_of_keypoint_values(build_dataset, tmp_path, coco_json, count):
    ann = coco_json['annotations'][3]
    ann['keypoints'] = ann['keypoints'][:count]
    path = write(tmp_path / 'ann.json', coco_json)
    with pytest.raises(ValueError, match=re.escape(f'must hold 51 values, but annotation '
                                                   f"id={ann['id']} has {count}")):
        build_dataset(ann_file=path)


def test_keypoint_values_that_are_not_numbers(build_dataset, tmp_path, coco_json):
    ann = coco_json['annotations'][5]
    ann['keypoints'][4] = 'x'
    path = write(tmp_path / 'ann.json', coco_json)
    with pytest.raises(ValueError, match=f"annotation id={ann['id']} has a keypoints"):
        build_dataset(ann_file=path)


def test_bbox_with_wrong_length(build_dataset, tmp_path, coco_json):
    ann = coco_json['annotations'][0]
    ann['bbox'] = ann['bbox'][:3]
    path = write(tmp_path / 'ann.json', coco_json)
    with pytest.raises(ValueError, match=f"bbox .*must hold 4 values, but annotation "
                                         f"id={ann['id']} has 3"):
        build_dataset(ann_file=path)


def test_annotation_without_image_id(build_dataset, tmp_path, coco_json):
    ann = coco_json['annotations'][2]
    del ann['image_id']
    path = write(tmp_path / 'ann.json', coco_json)
    with pytest.raises(ValueError, match=f"annotation id={ann['id']} has no 'image_id'"):
        build_dataset(ann_file=path)


def test_image_without_size(build_dataset, tmp_path, coco_json):
    del coco_json['images'][1]['width']
    path = write(tmp_path / 'ann.json', coco_json)
    with pytest.raises(ValueError, match=r'images 40083 need a numeric "width" and "height"'):
        build_dataset(ann_file=path)


def test_annotations_of_unknown_images_are_reported(build_dataset, tmp_path, coco_json):
    coco_json['annotations'][0]['image_id'] = 123456
    path = write(tmp_path / 'ann.json', coco_json)
    with pytest.warns(UserWarning, match=r'not in "images" \(123456\); they are skipped'):
        ds = build_dataset(ann_file=path)
    assert len(ds) == 11


def test_bbox_file_with_unknown_image_ids(build_dataset, tmp_path, coco_dir):
    dets = json.loads((coco_dir / DET).read_text())
    dets[3]['image_id'] = 42
    dets[70]['image_id'] = 7
    det_file = write(tmp_path / 'det.json', dets)
    with pytest.raises(ValueError, match=re.escape(f"bbox_file '{det_file}' has detections for "
                                                   'image ids 42, 7 that are not in ann_file')):
        build_dataset(ann_file=str(coco_dir / 'test_coco.json'), bbox_file=det_file,
                      test_mode=True)


def test_missing_bbox_file(build_dataset, tmp_path, coco_dir):
    det_file = str(tmp_path / 'det.json')
    with pytest.raises(FileNotFoundError, match=re.escape(f"bbox_file '{det_file}' does not")):
        build_dataset(ann_file=str(coco_dir / 'test_coco.json'), bbox_file=det_file,
                      test_mode=True)


def test_bbox_file_not_a_list(build_dataset, tmp_path, coco_dir):
    det_file = write(tmp_path / 'det.json', dict(image_id=1))
    with pytest.raises(ValueError, match='must hold a list of detections'):
        build_dataset(ann_file=str(coco_dir / 'test_coco.json'), bbox_file=det_file,
                      test_mode=True)


@pytest.mark.parametrize('lazy', [False, True])
def test_data_root_that_does_not_exist(build_dataset, tmp_path, lazy):
    root = str(tmp_path / 'data' / 'coco')
    with pytest.raises(FileNotFoundError, match=re.escape(f"data_root '{root}' does not exist")):
        build_dataset(data_root=root, ann_file='annotations/x.json', lazy_init=lazy)


def test_metainfo_not_a_dict(build_dataset, coco_dir):
    with pytest.raises(TypeError, match="metainfo must be a dict.*got str: 'coco'"):
        build_dataset(ann_file=str(coco_dir / 'test_coco.json'), metainfo='coco')


def test_metainfo_file_missing(build_dataset, tmp_path, coco_dir):
    path = str(tmp_path / 'my_dataset.py')
    with pytest.raises(FileNotFoundError, match=re.escape(f"'{path}' does not exist")):
        build_dataset(ann_file=str(coco_dir / 'test_coco.json'), metainfo=dict(from_file=path))


def test_data_prefix_without_img(build_dataset, coco_dir):
    with pytest.raises(ValueError, match=r"data_prefix must be a dict with an 'img' folder"):
        build_dataset(ann_file=str(coco_dir / 'test_coco.json'), data_prefix=dict(image='x/'))
