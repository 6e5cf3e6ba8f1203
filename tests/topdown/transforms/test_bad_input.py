"""Bad input: each case raises an error that names what to fix, or is
handled (with an explicit check of the output)."""
from __future__ import annotations

import numpy as np
import pytest

from .samples import CODEC, fresh


def _affine_and_target(build):
    return (build('LoadImage'), build('GetBBoxCenterScale'),
            build('TopdownAffine', input_size=(192, 256)),
            build('GenerateTarget', encoder=CODEC))


def test_missing_image_names_the_path_and_the_sample(build, coco_infos, tmp_path):
    res = fresh(coco_infos[0])
    res['img_path'] = str(tmp_path / 'nowhere' / 'missing.jpg')
    with pytest.raises(FileNotFoundError,
                       match=r"missing\.jpg.*img_id=785, id=442619"):
        build('LoadImage')(res)


def test_missing_image_is_skipped_with_ignore_empty(build, coco_infos, tmp_path):
    res = fresh(coco_infos[0])
    res['img_path'] = str(tmp_path / 'missing.jpg')
    assert build('LoadImage', ignore_empty=True)(res) is None


def test_empty_file_is_skipped_with_ignore_empty(build, coco_infos, tmp_path):
    empty = tmp_path / 'empty.jpg'
    empty.write_bytes(b'')
    res = fresh(coco_infos[0])
    res['img_path'] = str(empty)
    assert build('LoadImage', ignore_empty=True)(res) is None
    with pytest.raises(Exception, match=r'empty\.jpg.*img_id=785'):
        build('LoadImage')(fresh(res))


def test_unreadable_image_names_the_path_and_the_sample(build, coco_infos, tmp_path):
    broken = tmp_path / 'broken.jpg'
    broken.write_bytes(b'this is not a JPEG' * 10)
    res = fresh(coco_infos[0])
    res['img_path'] = str(broken)
    with pytest.raises(ValueError, match=r"could not decode '.*broken\.jpg' "
                                         r"\(sample img_id=785, id=442619\)"):
        build('LoadImage')(res)


def test_zero_size_bbox_does_not_crash_and_gives_mmposes_output(
        build, coco_infos, reference):
    load, center_scale, affine, target = _affine_and_target(build)
    res = load(fresh(coco_infos[0]))
    res['bbox'] = np.array([[100., 120., 100., 120.]], np.float32)
    out = target(affine(center_scale(res)))
    assert out['bbox_scale'].tolist() == [[0., 0.]]
    assert out['img'].shape == (256, 192, 3) and out['img'].dtype == np.uint8
    assert np.isfinite(out['transformed_keypoints']).all()
    assert np.isfinite(out['heatmaps']).all()
    assert out['heatmaps'].shape == (17, 64, 48)
    a = reference['arrays']
    np.testing.assert_array_equal(out['img'], a['edge_zero_img'])
    np.testing.assert_array_equal(out['transformed_keypoints'], a['edge_zero_kpts'])
    np.testing.assert_array_equal(out['keypoint_weights'], a['edge_zero_weights'])
    np.testing.assert_allclose(out['heatmaps'], a['edge_zero_heatmaps'], atol=1e-6)


def test_zero_size_bbox_through_the_random_transforms(build, coco_infos):
    res = fresh(coco_infos[0])
    res['bbox'] = np.zeros((1, 4), np.float32)
    res['img'] = np.zeros((50, 60, 3), np.uint8)
    np.random.seed(1)
    for name in ('LoadImage', 'GetBBoxCenterScale', 'RandomFlip', 'RandomHalfBody',
                 'RandomBBoxTransform'):
        res = build(name)(res)
    out = build('PackPoseInputs')(build('GenerateTarget', encoder=CODEC)(
        build('TopdownAffine', input_size=(192, 256))(res)))
    assert tuple(out['inputs'].shape) == (3, 256, 192)
    assert np.isfinite(out['data_samples'].gt_fields.heatmaps.numpy()).all()


def test_keypoints_outside_the_image_get_zero_weight(build, coco_infos, reference):
    load, center_scale, affine, target = _affine_and_target(build)
    res = load(fresh(coco_infos[0]))
    res['keypoints'] = res['keypoints'] + np.array([700., -500.], np.float32)
    out = target(affine(center_scale(res)))
    # every keypoint lands outside the crop: no target, weight 0
    assert (out['keypoint_weights'] == 0).all()
    assert not out['heatmaps'].any()
    a = reference['arrays']
    np.testing.assert_array_equal(out['transformed_keypoints'], a['edge_out_kpts'])
    np.testing.assert_array_equal(out['keypoint_weights'], a['edge_out_weights'])


def test_keypoints_outside_the_image_survive_flip_and_half_body(build, coco_infos):
    res = fresh(coco_infos[0])
    res['img'] = np.zeros((425, 640, 3), np.uint8)
    res['keypoints'] = res['keypoints'] * 10 - 3000
    res = build('GetBBoxCenterScale')(build('LoadImage')(res))
    res = build('RandomFlip', prob=1.0)(res)
    np.testing.assert_array_equal(res['keypoints'][0, 0, 0],
                                  640 - 1 - (367 * 10 - 3000))
    res = build('RandomHalfBody', prob=1.0)(res)
    assert np.isfinite(res['bbox_center']).all() and np.isfinite(res['bbox_scale']).all()


@pytest.mark.parametrize('indices', [list(range(5)), list(range(18))])
def test_flip_indices_of_the_wrong_length_name_the_expected_length(
        build, coco_infos, indices):
    res = fresh(coco_infos[0])
    res.update(img=np.zeros((425, 640, 3), np.uint8), img_shape=(425, 640),
               flip_indices=indices)
    message = (rf'flip_indices .*expected length 17, got length {len(indices)}'
               r'.*img_id=785')
    # when the sample is flipped
    with pytest.raises(ValueError, match=message):
        build('RandomFlip', prob=1.0)(fresh(res))
    # and when it is not: a wrong metainfo shows on the first sample
    with pytest.raises(ValueError, match=message):
        build('RandomFlip', prob=0.0)(fresh(res))


def test_flip_indices_out_of_range(build, coco_infos):
    res = fresh(coco_infos[0])
    res.update(img=np.zeros((425, 640, 3), np.uint8), img_shape=(425, 640),
               flip_indices=list(range(16)) + [17])
    with pytest.raises(ValueError, match=r'ints in \[0, 17\)'):
        build('RandomFlip', prob=1.0)(res)


def test_missing_flip_indices(build, coco_infos):
    res = fresh(coco_infos[0])
    res.update(img=np.zeros((425, 640, 3), np.uint8), img_shape=(425, 640))
    del res['flip_indices']
    with pytest.raises(ValueError, match='flip_indices is missing'):
        build('RandomFlip', prob=1.0)(res)


@pytest.mark.parametrize('name,kwargs,match', [
    ('RandomFlip', dict(prob=1.5), 'prob must be a float in'),
    ('RandomFlip', dict(direction='sideways'), 'direction must be one of'),
    ('RandomFlip', dict(prob=[0.5, 0.6], direction=['horizontal', 'vertical']),
     'summing to at most 1'),
    ('RandomFlip', dict(prob=[0.5]), 'needs a list direction'),
    ('RandomBBoxTransform', dict(shift_dist='gamma'), 'shift_dist must be'),
    ('RandomBBoxTransform', dict(scale_factor=0.5), r'scale_factor must be a pair'),
    ('TopdownAffine', dict(input_size=(192.0, 256)), r'input_size must be \(w, h\)'),
    ('TopdownAffine', dict(input_size=192), r'input_size must be \(w, h\)'),
    ('LoadImage', dict(color_type='rainbow'), 'color_type must be one of'),
    ('LoadImage', dict(imdecode_backend='magic'), 'imdecode_backend must be'),
    ('GenerateTarget', dict(encoder=dict(type='MSRAHeatmap', input_size=(192, 256),
                                         heatmap_size=(48, 64), sigma=2),
                            multilevel=True), 'needs a list'),
    ('GenerateTarget', dict(encoder=[]), 'empty list'),
])
def test_bad_arguments_are_refused_at_build(build, name, kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        build(name, **kwargs)


def test_topdown_affine_refuses_several_instances(build):
    res = dict(img=np.zeros((20, 20, 3), np.uint8),
               bbox_center=np.zeros((2, 2), np.float32),
               bbox_scale=np.ones((2, 2), np.float32), img_id=3)
    with pytest.raises(ValueError, match=r'one instance per sample.*\(2, 2\).*img_id=3'):
        build('TopdownAffine', input_size=(192, 256))(res)


def test_half_body_ids_out_of_range(build, coco_infos):
    res = build('GetBBoxCenterScale')(fresh(coco_infos[0]))
    res['upper_body_ids'] = [0, 1, 40]
    with pytest.raises(ValueError, match=r'upper_body_ids must be keypoint indices '
                                         r'in \[0, 17\)'):
        build('RandomHalfBody')(res)


def test_generate_target_without_keypoints(build):
    with pytest.raises(ValueError, match="requires 'transformed_keypoints' or "
                                         "'keypoints'.*img_id=9"):
        build('GenerateTarget', encoder=CODEC)(dict(img_id=9))


def test_load_image_refuses_a_non_array_img(build):
    with pytest.raises(TypeError, match=r'results\["img"\] must be a numpy array'):
        build('LoadImage')(dict(img=[[1, 2]], img_id=1))


def test_pack_refuses_labels_of_different_lengths(build):
    res = dict(img=np.zeros((4, 4, 3), np.uint8), img_id=5,
               keypoint_weights=np.ones((2, 17), np.float32),
               keypoints_visible_weights=np.ones((1, 17), np.float32))
    with pytest.raises(ValueError, match=r"'keypoints_visible_weights' has length "
                                         r"1, the others 2.*img_id=5"):
        build('PackPoseInputs')(res)


def test_pack_refuses_a_field_that_is_not_a_map(build):
    res = dict(img=np.zeros((4, 4, 3), np.uint8), id=6,
               heatmaps=np.zeros((2, 3, 4, 4), np.float32))
    with pytest.raises(ValueError, match=r"'heatmaps' must be an array \(C, H, W\) "
                                         r"or \(H, W\).*id=6"):
        build('PackPoseInputs')(res)
