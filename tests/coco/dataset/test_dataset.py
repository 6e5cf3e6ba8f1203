"""CocoDataset on the real COCO samples and against MMPose 1.3.2's data infos."""
from __future__ import annotations

import json
import pickle
import warnings

import numpy as np
import pytest

from .conftest import REPO, assert_same, decode

DET = 'test_coco_det_AP_H_56.json'


@pytest.mark.parametrize('kwargs, expected', [
    (dict(), 12),
    (dict(data_mode='bottomup'), 4),
    (dict(bbox_file=DET, test_mode=True), 118),
    (dict(bbox_file=DET, test_mode=True, filter_cfg=dict(bbox_score_thr=0.3)), 33),
], ids=['topdown', 'bottomup', 'detections', 'detections-thr0.3'])
def test_sample_counts(build_dataset, coco_dir, kwargs, expected):
    if 'bbox_file' in kwargs:
        kwargs['bbox_file'] = str(coco_dir / kwargs['bbox_file'])
    ds = build_dataset(ann_file=str(coco_dir / 'test_coco.json'), **kwargs)
    assert len(ds) == expected


def test_topdown_info_fields(build_dataset, coco_dir, shared_dir):
    ds = build_dataset(ann_file=str(coco_dir / 'test_coco.json'), data_prefix=dict(img='val/'))
    raw = json.loads((coco_dir / 'test_coco.json').read_text())
    images = {img['id']: img for img in raw['images']}
    derived = json.loads((shared_dir / 'coco_metainfo.json').read_text())['derived']
    # the two instances without labelled keypoints are left out
    kept = [a for a in raw['annotations'] if a['num_keypoints'] > 0]
    assert [ds.get_data_info(i)['id'] for i in range(len(ds))] == [a['id'] for a in kept]
    for idx, ann in enumerate(kept):
        info = ds.get_data_info(idx)
        img = images[ann['image_id']]
        x, y, w, h = ann['bbox']
        box = np.clip([x, y, x + w, y + h], 0, [img['width'] - 1, img['height'] - 1] * 2)
        kpts = np.array(ann['keypoints'], dtype=np.float32).reshape(1, 17, 3)
        assert info['img_id'] == ann['image_id'] and info['sample_idx'] == idx
        assert info['img_path'] == 'val/' + img['file_name']
        assert_same(box.astype(np.float32).reshape(1, 4), info['bbox'])
        assert_same(np.ones(1, np.float32), info['bbox_score'])
        assert_same(kpts[..., :2], info['keypoints'])
        assert_same(np.minimum(1, kpts[..., 2]), info['keypoints_visible'])
        assert_same(np.array(ann['area'], np.float32), info['area'])
        assert_same(np.array(1), info['category_id'])
        assert info['num_keypoints'] == ann['num_keypoints'] and info['iscrowd'] == 0
        assert info['segmentation'] == ann['segmentation'] and info['raw_ann_info'] == ann
        assert info['dataset_name'] == 'coco'
        assert info['flip_indices'] == derived['flip_indices']
        assert info['flip_pairs'] == [tuple(p) for p in derived['flip_pairs']]
        assert info['skeleton_links'] == [tuple(p) for p in derived['skeleton_links']]
        assert info['upper_body_ids'] == derived['upper_body_ids']
        assert info['lower_body_ids'] == derived['lower_body_ids']
        assert_same(np.array([1, 1, 1, 1, 1, 1, 1, 1.2, 1.2, 1.5, 1.5, 1, 1, 1.2, 1.2, 1.5, 1.5],
                             np.float32), info['dataset_keypoint_weights'])
    assert ds.metainfo['CLASSES'] == raw['categories']
    assert ds.metainfo['num_keypoints'] == 17


def test_boxes_clipped_to_the_image(build_dataset, tmp_path):
    ann = dict(id=7, image_id=1, category_id=1, bbox=[-10.5, 20, 200, 500],
               keypoints=[5, 6, 2] * 17)
    path = tmp_path / 'ann.json'
    path.write_text(json.dumps(dict(images=[dict(id=1, file_name='a.jpg', width=100, height=80)],
                                    annotations=[ann], categories=[dict(id=1, name='person')])))
    info = build_dataset(ann_file=str(path)).get_data_info(0)
    np.testing.assert_array_equal(info['bbox'], [[0, 20, 99, 79]])
    # no area, iscrowd or num_keypoints in the file: MMPose's estimates and defaults
    assert info['area'] == np.float32(99 * 59 * 0.53)
    assert info['num_keypoints'] == 17 and info['iscrowd'] is False
    assert info['raw_ann_info']['iscrowd'] is False  # xtcocotools adds it, MMPose keeps it


@pytest.mark.parametrize('case', ['awkward_topdown', 'awkward_bottomup', 'awkward_bottomup_test',
                                  'awkward_interval', 'coco_detections_thr', 'coco_bottomup'])
def test_matches_mmpose(build_dataset, coco_dir, tmp_path, mmpose_reference, case):
    awkward = tmp_path / 'awkward.json'
    awkward.write_text(json.dumps(mmpose_reference['awkward_annotations']))
    kwargs = {k: v.replace('AWKWARD', str(awkward)).replace('COCO', str(coco_dir))
              if isinstance(v, str) else v
              for k, v in mmpose_reference['cases'][case].items()}
    if case.startswith('awkward'):  # one annotation names an image that is not in the file
        with pytest.warns(UserWarning, match=r'not in "images" \(999\)'):
            ds = build_dataset(**kwargs)
    else:
        ds = build_dataset(**kwargs)
    expected = decode(mmpose_reference['results'][case])
    assert_same(expected['infos'], [ds.get_data_info(i) for i in range(len(ds))])
    assert_same(expected['classes'], ds.metainfo['CLASSES'], 'CLASSES')


def test_detection_infos(build_dataset, coco_dir):
    ds = build_dataset(ann_file=str(coco_dir / 'test_coco.json'), bbox_file=str(coco_dir / DET),
                       test_mode=True, data_prefix=dict(img='val2017/'))
    dets = json.loads((coco_dir / DET).read_text())
    images = {img['id']: img for img in
              json.loads((coco_dir / 'test_coco.json').read_text())['images']}
    for idx in (0, 57, 117):
        info, det = ds.get_data_info(idx), dets[idx]
        xywh = np.array(det['bbox'], np.float32)
        np.testing.assert_array_equal(info['bbox'], [np.r_[xywh[:2], xywh[:2] + xywh[2:]]])
        assert_same(np.array([det['score']], np.float32), info['bbox_score'])
        img = images[det['image_id']]
        assert info['img_shape'] == (img['height'], img['width']) and info['id'] == idx
        assert info['img_path'] == 'val2017/' + img['file_name']
        assert_same(np.zeros((1, 17, 2), np.float32), info['keypoints'])
        assert_same(np.ones((1, 17), np.float32), info['keypoints_visible'])


def test_serialized_and_plain_infos_agree(build_dataset, coco_dir):
    for mode in ('topdown', 'bottomup'):
        packed, plain = (build_dataset(ann_file=str(coco_dir / 'test_coco.json'), data_mode=mode,
                                       serialize_data=flag) for flag in (True, False))
        assert packed.data_list == [] and len(plain.data_list) == len(packed)
        for i in range(len(packed)):
            assert_same(plain.get_data_info(i), packed.get_data_info(i))
        info = packed.get_data_info(0)
        info['keypoints'][0, 0] = -1  # arrays of a served info are writable copies
        assert packed.get_data_info(0)['keypoints'][0, 0, 0] != -1


def test_subsets_indices_and_pickling(build_dataset, coco_dir):
    ann_file = str(coco_dir / 'test_coco.json')
    full = build_dataset(ann_file=ann_file)
    ids = [full.get_data_info(i)['id'] for i in range(len(full))]
    assert [build_dataset(ann_file=ann_file, indices=3).get_data_info(i)['id']
            for i in range(3)] == ids[:3]
    sub = full.get_subset([5, 1])
    assert [sub.get_data_info(i)['id'] for i in range(2)] == [ids[5], ids[1]]
    again = pickle.loads(pickle.dumps(full))  # as DataLoader workers that spawn receive it
    assert_same(full.get_data_info(4), again.get_data_info(4))


def test_lazy_init_reads_nothing_until_used(build_dataset, coco_dir, tmp_path):
    path = tmp_path / 'ann.json'
    ds = build_dataset(ann_file=str(path), lazy_init=True)  # the file does not exist yet
    assert not ds._fully_initialized
    path.write_text((coco_dir / 'test_coco.json').read_text())
    assert len(ds) == 12


def test_data_root_and_prefix_are_joined(build_dataset, coco_dir):
    ds = build_dataset(data_root=str(coco_dir), ann_file='test_coco.json',
                       data_prefix=dict(img='images/'))
    assert ds.ann_file == str(coco_dir / 'test_coco.json')
    assert ds.get_data_info(0)['img_path'] == str(coco_dir / 'images' / '000000000785.jpg')


def test_pipeline_gets_the_info_and_the_dataset(build_dataset, coco_dir):
    seen = []

    def step(results):
        seen.append(results)
        return dict(id=results['id'])

    ds = build_dataset(ann_file=str(coco_dir / 'test_coco.json'), pipeline=[step])
    assert ds[2] == dict(id=ds.get_data_info(2)['id'])
    assert seen[0]['dataset'] is ds and seen[0]['sample_idx'] == 2


def test_pipeline_dicts_resolve_through_posecore(build_dataset, coco_dir):
    pytest.importorskip('pose_plugin_topdown.transforms.loading',
                        reason='LoadImage comes with pose-plugin-topdown')
    ds = build_dataset(ann_file=str(coco_dir / 'test_coco.json'), data_prefix=dict(
        img=str(coco_dir) + '/'), pipeline=[dict(type='LoadImage')])
    assert ds[0]['img'].shape == (425, 640, 3)


def test_test_mode_posts_the_annotation_file(build_dataset, coco_dir):
    from mmengine.logging import MessageHub

    ann_file = str(coco_dir / 'test_coco.json')
    build_dataset(ann_file=ann_file, test_mode=True)
    assert MessageHub.get_current_instance().get_info('coco_ann_file') == ann_file


def test_default_metainfo(coco_dir, monkeypatch, tmp_path):
    from posecore.registry import DATASETS

    ann_file = str(coco_dir / 'test_coco.json')
    monkeypatch.chdir(REPO)  # MMPose's default: configs/_base_/datasets/coco.py of the cwd
    from_file = DATASETS.build(dict(type='CocoDataset', ann_file=ann_file, lazy_init=True))
    monkeypatch.chdir(tmp_path)  # elsewhere the plugin's own copy answers, silently
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        shipped = DATASETS.build(dict(type='CocoDataset', ann_file=ann_file, lazy_init=True))
    assert_same(from_file.metainfo, shipped.metainfo)
    assert from_file.metainfo['flip_indices'][:3] == [0, 2, 1]


def test_categories_need_not_be_people_only(build_dataset, tmp_path):
    # detections of other categories are skipped, as MMPose does
    images = [dict(id=3, file_name='c.jpg', width=10, height=10)]
    (tmp_path / 'ann.json').write_text(json.dumps(dict(images=images, categories=[])))
    (tmp_path / 'det.json').write_text(json.dumps([
        dict(image_id=3, category_id=1, bbox=[1, 1, 2, 2], score=0.5),
        dict(image_id=3, category_id=2, bbox=[1, 1, 2, 2], score=0.9)]))
    ds = build_dataset(ann_file=str(tmp_path / 'ann.json'), bbox_file=str(tmp_path / 'det.json'),
                       test_mode=True)
    assert len(ds) == 1 and ds.get_data_info(0)['bbox_score'][0] == np.float32(0.5)


def test_unknown_filter_keys_are_ignored_as_in_mmpose(build_dataset, coco_dir):
    ds = build_dataset(ann_file=str(coco_dir / 'test_coco.json'), data_mode='bottomup',
                       filter_cfg=dict(filter_empty_gt=True, min_size=32))
    assert len(ds) == 4


def test_annotation_order_follows_images(build_dataset, tmp_path):
    images = [dict(id=i, file_name=f'{i}.jpg', width=50, height=50) for i in (9, 4)]
    anns = [dict(id=10 + i, image_id=img, category_id=1, bbox=[1, 1, 9, 9],
                 keypoints=[3, 3, 2] * 17) for i, img in enumerate((4, 9, 4))]
    (tmp_path / 'ann.json').write_text(json.dumps(dict(images=images, annotations=anns,
                                                       categories=[])))
    ds = build_dataset(ann_file=str(tmp_path / 'ann.json'))
    assert [ds.get_data_info(i)['id'] for i in range(3)] == [11, 10, 12]
    bottomup = build_dataset(ann_file=str(tmp_path / 'ann.json'), data_mode='bottomup')
    assert [bottomup.get_data_info(i)['id'] for i in range(2)] == [[11], [10, 12]]
    assert bottomup.get_data_info(1)['bbox'].shape == (2, 4)
