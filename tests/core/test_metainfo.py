"""parse_pose_metainfo (MMPose 1.x's semantics) and metainfo by name through the hook."""
from __future__ import annotations

import json
import re

import numpy as np
import pytest

from posecore.metainfo import MetainfoNotFoundError, get_dataset_metainfo, parse_pose_metainfo

from .fakes import FakeDist

# a small left/right body: ids 0..4, one keypoint without swap, one that swaps with itself
RAW = dict(
    dataset_name='toy',
    keypoint_info={
        0: dict(name='head', id=0, color=[1, 2, 3], type='upper', swap=''),
        1: dict(name='left_hand', id=1, color=[4, 5, 6], type='upper', swap='right_hand'),
        2: dict(name='right_hand', id=2, color=[7, 8, 9], type='upper', swap='left_hand'),
        3: dict(name='left_foot', id=3, type='lower', swap='right_foot'),
        4: dict(name='right_foot', id=4, color=[10, 11, 12], type='lower', swap='left_foot'),
        5: dict(name='tail', id=5, color=[0, 0, 0], swap='tail'),
    },
    skeleton_info={
        0: dict(link=('head', 'left_hand'), id=0, color=[9, 9, 9]),
        1: dict(link=('head', 'right_hand'), id=1),
        2: dict(link=['left_foot', 'right_foot'], id=2, color=[1, 1, 1]),
    },
    joint_weights=[1.0, 1.2, 1.2, 1.5, 1.5, 0.5],
    sigmas=[0.026, 0.05, 0.05, 0.08, 0.08, 0.1],
)


def test_parse_raw_form():
    p = parse_pose_metainfo(RAW)
    assert list(p) == ['dataset_name', 'num_keypoints', 'keypoint_id2name', 'keypoint_name2id',
                       'upper_body_ids', 'lower_body_ids', 'flip_indices', 'flip_pairs',
                       'keypoint_colors', 'num_skeleton_links', 'skeleton_links',
                       'skeleton_link_colors', 'dataset_keypoint_weights', 'sigmas']
    assert p['dataset_name'] == 'toy' and p['num_keypoints'] == 6
    assert p['keypoint_id2name'] == {0: 'head', 1: 'left_hand', 2: 'right_hand', 3: 'left_foot',
                                     4: 'right_foot', 5: 'tail'}
    assert p['keypoint_name2id'] == {v: k for k, v in p['keypoint_id2name'].items()}
    assert p['upper_body_ids'] == [0, 1, 2] and p['lower_body_ids'] == [3, 4]
    assert p['flip_indices'] == [0, 2, 1, 4, 3, 5]
    # both orders of each pair, as MMPose keeps them; tuples as MMPose's mapping gives
    assert p['flip_pairs'] == [(2, 1), (1, 2), (4, 3), (3, 4)]
    # link containers keep their type (a list link stays a list)
    assert p['skeleton_links'] == [(0, 1), (0, 2), [3, 4]] and p['num_skeleton_links'] == 3
    # colours default to MMPose's: keypoints [255, 128, 0], links [96, 96, 255]
    np.testing.assert_array_equal(p['keypoint_colors'][3], [255, 128, 0])
    np.testing.assert_array_equal(p['skeleton_link_colors'],
                                  [[9, 9, 9], [96, 96, 255], [1, 1, 1]])
    assert p['keypoint_colors'].dtype == p['skeleton_link_colors'].dtype == np.uint8
    assert p['keypoint_colors'].shape == (6, 3)
    assert p['dataset_keypoint_weights'].dtype == p['sigmas'].dtype == np.float32
    np.testing.assert_array_equal(p['sigmas'], np.array(RAW['sigmas'], np.float32))
    assert 'stats_info' not in p


def test_parse_coco_reference(shared_dir):
    ref = json.loads((shared_dir / 'coco_metainfo.json').read_text())
    # JSON keeps keypoint_info / skeleton_info as lists: taken too, keyed by 'id'
    p = parse_pose_metainfo({k: ref[k] for k in ('dataset_name', 'keypoint_info',
                                                 'skeleton_info', 'joint_weights', 'sigmas')})
    derived = ref['derived']
    assert p['flip_indices'] == derived['flip_indices']
    assert [list(pair) for pair in p['flip_pairs']] == derived['flip_pairs']
    assert [list(link) for link in p['skeleton_links']] == derived['skeleton_links']
    assert p['upper_body_ids'] == derived['upper_body_ids']
    assert p['lower_body_ids'] == derived['lower_body_ids']
    np.testing.assert_array_equal(p['keypoint_colors'], derived['keypoint_colors'])
    np.testing.assert_array_equal(p['skeleton_link_colors'], derived['skeleton_link_colors'])


def test_stats_info_and_empty_sigmas():
    raw = dict(RAW, sigmas=[], stats_info=dict(bbox_center=[[1.5, 2.5]], bbox_scale=[3]))
    p = parse_pose_metainfo(raw)
    assert p['sigmas'].shape == (0,) and p['sigmas'].dtype == np.float32
    assert list(p['stats_info']) == ['bbox_center', 'bbox_scale']
    assert p['stats_info']['bbox_center'].dtype == np.float32
    np.testing.assert_array_equal(p['stats_info']['bbox_center'], [[1.5, 2.5]])


def test_from_file(tmp_path):
    path = tmp_path / 'toy.py'
    path.write_text(f'dataset_info = {RAW!r}\n')
    p = parse_pose_metainfo(dict(from_file=str(path)))
    q = parse_pose_metainfo(RAW)
    assert p['flip_pairs'] == q['flip_pairs'] and p['skeleton_links'] == q['skeleton_links']
    np.testing.assert_array_equal(p['keypoint_colors'], q['keypoint_colors'])


def test_from_file_without_dataset_info(tmp_path):
    path = tmp_path / 'toy.py'
    path.write_text('info = dict(dataset_name="toy")\n')
    with pytest.raises(ValueError, match=re.escape(f"metainfo config file '{path}' must define "
                                                   'dataset_info = dict(')):
        parse_pose_metainfo(dict(from_file=str(path)))


def test_missing_file_and_no_plugin(tmp_path, use_index):
    use_index()
    path = str(tmp_path / 'toy.py')
    with pytest.raises(FileNotFoundError, match=re.escape(f"metainfo config file '{path}' does "
                                                          "not exist, and no installed plugin "
                                                          "provides dataset metainfo named 'toy'")):
        parse_pose_metainfo(dict(from_file=path))


HOOKS_SRC = f'''
from posecore.hookspecs import hookimpl

@hookimpl
def posecore_dataset_metainfo(name):
    return {RAW!r} if name == 'toy' else None
'''


def test_missing_file_falls_back_to_a_plugin(tmp_path, use_index, fake_modules):
    # as MMPose falls back to the dataset configs inside its package
    fake_modules(posecore_fake_meta=HOOKS_SRC)
    use_index(FakeDist('fake-meta', eps={'posecore.plugins': {'fake-meta': 'posecore_fake_meta'}}))
    assert get_dataset_metainfo('toy') == RAW
    p = parse_pose_metainfo(dict(from_file='configs/_base_/datasets/toy.py'))
    assert p['flip_indices'] == [0, 2, 1, 4, 3, 5]
    with pytest.raises(MetainfoNotFoundError, match="metainfo named 'other'"):
        get_dataset_metainfo('other')


@pytest.mark.parametrize('drop', [('sigmas',), ('keypoint_info', 'joint_weights')])
def test_missing_keys(drop):
    raw = {k: v for k, v in RAW.items() if k not in drop}
    with pytest.raises(ValueError, match=f'metainfo lacks {", ".join(drop)}: a pose dataset'):
        parse_pose_metainfo(raw)


def test_swap_and_link_naming_unknown_keypoints():
    bad_swap = dict(RAW, keypoint_info={**RAW['keypoint_info'],
                                        5: dict(name='tail', swap='fin')})
    with pytest.raises(ValueError, match=r"keypoint_info swap names 'fin', which is not a "
                                         r"keypoint name"):
        parse_pose_metainfo(bad_swap)
    bad_link = dict(RAW, skeleton_info={0: dict(link=('head', 'wing'))})
    with pytest.raises(ValueError, match=r"skeleton_info\[0\] link names 'wing'"):
        parse_pose_metainfo(bad_link)


@pytest.mark.parametrize('value', ['coco', None, [1, 2]])
def test_not_a_dict(value):
    with pytest.raises(TypeError, match='metainfo must be a dict'):
        parse_pose_metainfo(value)


def test_keypoint_info_of_the_wrong_type():
    with pytest.raises(TypeError, match=r"keypoint_info must be a dict \{id: dict\(...\)\}, "
                                        r"got str"):
        parse_pose_metainfo(dict(RAW, keypoint_info='head'))
    with pytest.raises(TypeError, match=r"keypoint_info\[1\] must be a dict, got 'x'"):
        parse_pose_metainfo(dict(RAW, keypoint_info={0: dict(name='a'), 1: 'x'}))
