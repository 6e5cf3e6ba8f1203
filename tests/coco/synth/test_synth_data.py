"""The generated dataset: layout, COCO schema, visibility flags, detections, difficulty."""
from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from .conftest import SEED, TRAIN, VAL

SPLITS = {'train': TRAIN, 'val': VAL}


def _load(root: Path, split: str) -> dict:
    return json.loads((root / 'annotations' / f'person_keypoints_{split}2017.json').read_text())


def test_layout_is_mmpose_data_coco(synth_root):
    for split, count in SPLITS.items():
        assert (synth_root / 'annotations' / f'person_keypoints_{split}2017.json').is_file()
        assert len(list((synth_root / f'{split}2017').glob('*.jpg'))) == count
        assert (synth_root / 'person_detection_results'
                / f'COCO_{split}2017_detections_AP_H_56_person.json').is_file()
    info = json.loads((synth_root / 'synth.json').read_text())
    assert (info['seed'], info['train'], info['val'], info['size']) == (SEED, TRAIN, VAL, 256)
    assert not list(synth_root.rglob('*.tmp'))


def test_categories_match_coco(synth_root, shared_dir):
    meta = json.loads((shared_dir / 'coco_metainfo.json').read_text())
    names = [k['name'] for k in sorted(meta['keypoint_info'], key=lambda k: k['id'])]
    links = [[names.index(a) + 1, names.index(b) + 1] for a, b in
             (s['link'] for s in sorted(meta['skeleton_info'], key=lambda s: s['id']))]
    for split in SPLITS:
        (category,) = _load(synth_root, split)['categories']
        assert category['id'] == 1 and category['name'] == 'person'
        assert category['keypoints'] == names
        assert category['skeleton'] == links


@pytest.mark.parametrize('split', sorted(SPLITS))
def test_annotations_follow_the_coco_schema(synth_root, split):
    doc = _load(synth_root, split)
    images = {im['id']: im for im in doc['images']}
    assert len(images) == SPLITS[split]
    for im in doc['images']:
        pixels = cv2.imread(str(synth_root / f'{split}2017' / im['file_name']))
        assert pixels.shape == (im['height'], im['width'], 3)
        assert max(im['height'], im['width']) == 256
    ids = [a['id'] for a in doc['annotations']]
    assert len(set(ids)) == len(ids)
    for ann in doc['annotations']:
        im = images[ann['image_id']]
        assert (ann['category_id'], ann['iscrowd']) == (1, 0)
        kpts = np.array(ann['keypoints'], float).reshape(17, 3)
        assert set(np.unique(kpts[:, 2])) <= {0, 1, 2}
        assert ann['num_keypoints'] == int((kpts[:, 2] > 0).sum()) > 0
        assert (kpts[kpts[:, 2] == 0, :2] == 0).all()  # COCO: unlabelled points are (0, 0)
        labelled = kpts[kpts[:, 2] > 0, :2]
        assert (labelled >= -0.5).all() and (labelled[:, 0] < im['width']).all() \
            and (labelled[:, 1] < im['height']).all()
        x, y, w, h = ann['bbox']
        assert w > 0 and h > 0 and x >= 0 and y >= 0
        assert x + w <= im['width'] and y + h <= im['height']
        assert 0 < ann['area'] <= w * h
        assert ann['segmentation'] and all(len(p) >= 6 and len(p) % 2 == 0
                                           for p in ann['segmentation'])
        poly = np.concatenate([np.reshape(p, (-1, 2)) for p in ann['segmentation']])
        assert poly.min(0) == pytest.approx([x, y], abs=1) and \
            poly.max(0) == pytest.approx([x + w - 1, y + h - 1], abs=1)


def test_every_visibility_flag_occurs(synth_root):
    flags = np.concatenate([np.array(a['keypoints'][2::3]) for split in SPLITS
                            for a in _load(synth_root, split)['annotations']])
    counts = {v: int((flags == v).sum()) for v in (0, 1, 2)}
    assert all(counts.values()), counts
    assert counts[2] > counts[1]  # most labelled keypoints are visible


def test_several_persons_per_image_occur(synth_root):
    doc = _load(synth_root, 'train')
    per_image = np.bincount([a['image_id'] for a in doc['annotations']])
    assert per_image.max() >= 2 and per_image.max() <= 3


def test_loads_with_xtcocotools(synth_root):
    from xtcocotools.coco import COCO

    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO(str(synth_root / 'annotations' / 'person_keypoints_val2017.json'))
    assert sorted(coco.getImgIds()) == list(range(1, VAL + 1))
    assert coco.loadCats(1)[0]['name'] == 'person'
    assert len(coco.getAnnIds(catIds=[1])) == len(_load(synth_root, 'val')['annotations'])


@pytest.mark.parametrize('split', sorted(SPLITS))
def test_detections_are_noisy_boxes_in_mmpose_format(synth_root, split):
    dets = json.loads((synth_root / 'person_detection_results'
                       / f'COCO_{split}2017_detections_AP_H_56_person.json').read_text())
    doc = _load(synth_root, split)
    sizes = {im['id']: (im['width'], im['height']) for im in doc['images']}
    assert dets and all(set(d) == {'bbox', 'category_id', 'image_id', 'score'} for d in dets)
    for d in dets:
        width, height = sizes[d['image_id']]
        x, y, w, h = d['bbox']
        assert d['category_id'] == 1 and 0 < d['score'] <= 1
        assert x >= 0 and y >= 0 and w > 0 and h > 0 and x + w <= width + 0.01 \
            and y + h <= height + 0.01
    gt_boxes = {tuple(a['bbox']) for a in doc['annotations']}
    assert not gt_boxes & {tuple(d['bbox']) for d in dets}  # jittered, not copied


def test_mean_pose_baseline_is_far_below_0_2_ap(synth_root):
    """The task is not trivial: the training set's mean pose placed in every
    ground-truth (or detected) box scores AP < 0.2 (0.000 on 2,000/500 images),
    while the ground truth itself scores 1.0 through the same evaluation."""
    from pose_plugin_coco.synth.baseline import mean_pose_scores

    for boxes in ('gt', 'det'):
        scores = mean_pose_scores(synth_root, boxes=boxes)
        assert 0.0 <= scores['AP'] < 0.2, (boxes, scores)
        assert scores['AR'] < 0.3


def test_ground_truth_as_predictions_scores_1(synth_root):
    from xtcocotools.coco import COCO
    from xtcocotools.cocoeval import COCOeval

    from pose_plugin_coco.synth.keypoints import SIGMAS

    ann_file = synth_root / 'annotations' / 'person_keypoints_val2017.json'
    results = [dict(image_id=a['image_id'], category_id=1, score=1.0, keypoints=a['keypoints'])
               for a in _load(synth_root, 'val')['annotations']]
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(str(ann_file))
        ev = COCOeval(gt, gt.loadRes(results), 'keypoints', np.array(SIGMAS))
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    assert ev.stats[0] == pytest.approx(1.0)
