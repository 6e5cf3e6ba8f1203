"""``output_dataset_meta``: the metainfo ``posecore infer`` draws with when a model keeps
only some of its trained keypoints (``test_cfg.output_keypoint_indices``)."""
from __future__ import annotations

import numpy as np

from posecore.metainfo import get_dataset_metainfo, parse_pose_metainfo
from pose_plugin_topdown.output_keypoints import output_dataset_meta


def test_coco_aic_reduced_to_cocos_keypoints_is_coco():
    coco = parse_pose_metainfo(get_dataset_metainfo('coco'))
    wide = parse_pose_metainfo(get_dataset_metainfo('coco_aic'))
    out = output_dataset_meta(wide, list(range(17)))
    assert out['num_keypoints'] == 17 and wide['num_keypoints'] == 19  # the input is kept
    for key in ('keypoint_id2name', 'keypoint_name2id', 'upper_body_ids', 'lower_body_ids',
                'flip_indices'):
        assert out[key] == coco[key], key
    assert sorted(map(tuple, out['flip_pairs'])) == sorted(map(tuple, coco['flip_pairs']))
    for key in ('keypoint_colors', 'dataset_keypoint_weights', 'sigmas'):
        np.testing.assert_array_equal(out[key], coco[key], err_msg=key)
    links = dict(zip(map(tuple, out['skeleton_links']), map(tuple, out['skeleton_link_colors'])))
    assert links == dict(zip(map(tuple, coco['skeleton_links']),
                             map(tuple, coco['skeleton_link_colors'])))
    assert out['num_skeleton_links'] == len(coco['skeleton_links'])


def test_reordered_subset_renumbers_and_mirrors_itself_when_alone():
    coco = parse_pose_metainfo(get_dataset_metainfo('coco'))
    out = output_dataset_meta(coco, [9, 10, 0, 5])  # wrists, nose, left shoulder
    assert out['keypoint_id2name'] == {0: 'left_wrist', 1: 'right_wrist', 2: 'nose',
                                       3: 'left_shoulder'}
    assert out['flip_indices'] == [1, 0, 2, 3]  # right shoulder not kept: itself
    assert out['skeleton_links'] == [] and sorted(out['upper_body_ids']) == [0, 1, 2, 3]
    np.testing.assert_array_equal(out['keypoint_colors'], coco['keypoint_colors'][[9, 10, 0, 5]])


def test_no_indices_or_no_more_keypoints_leave_the_metainfo():
    coco = parse_pose_metainfo(get_dataset_metainfo('coco'))
    assert output_dataset_meta(coco, None) is coco
    assert output_dataset_meta(coco, list(range(17))) is coco
    assert output_dataset_meta(None, [0]) is None
