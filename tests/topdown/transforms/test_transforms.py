"""What each transform adds and keeps, its options, and the helpers."""
from __future__ import annotations

import warnings

import cv2
import numpy as np
import pytest
import torch

from .samples import CODEC, fresh

NAMES = ['LoadImage', 'GetBBoxCenterScale', 'RandomFlip', 'RandomHalfBody',
         'RandomBBoxTransform', 'TopdownAffine', 'GenerateTarget', 'PackPoseInputs']
ARGS = dict(TopdownAffine=dict(input_size=(192, 256)),
            GenerateTarget=dict(encoder=CODEC))


@pytest.mark.parametrize('name', NAMES)
def test_each_transform_builds_by_name(build, name):
    from posecore.transforms import BaseTransform
    transform = build(name, **ARGS.get(name, {}))
    assert isinstance(transform, BaseTransform)
    assert type(transform).__name__ == name
    assert repr(transform).startswith(f'{name}(')


# ---------------------------------------------------------------- LoadImage
def test_load_image_reads_bgr_uint8(build, coco_infos):
    res = build('LoadImage')(fresh(coco_infos[0]))
    want = cv2.imread(coco_infos[0]['img_path'], cv2.IMREAD_COLOR)
    np.testing.assert_array_equal(res['img'], want)
    assert res['img'].dtype == np.uint8 and res['img'].shape == (425, 640, 3)
    assert res['img_shape'] == res['ori_shape'] == (425, 640)


def test_load_image_options(build, coco_infos):
    res = build('LoadImage', to_float32=True, color_type='grayscale')(
        fresh(coco_infos[0]))
    assert res['img'].dtype == np.float32 and res['img'].shape == (425, 640)


def test_load_image_takes_an_array(build):
    img = np.full((7, 9, 3), 4, np.uint8)
    res = build('LoadImage', to_float32=True)(dict(img=img))
    assert res['img_path'] is None and res['img_shape'] == (7, 9)
    assert res['img'].dtype == np.float32 and (res['img'] == 4).all()


def test_load_image_pillow_backend_equals_cv2(build, coco_infos):
    cv2_load, pil_load = build('LoadImage'), build('LoadImage', imdecode_backend='pillow')
    for info in coco_infos[:6]:
        np.testing.assert_array_equal(pil_load(fresh(info))['img'],
                                      cv2_load(fresh(info))['img'])


def test_load_image_reads_through_mmengine_file_backends(build, coco_infos):
    """``backend_args`` selects the mmengine backend (here one registered
    for the test that serves bytes from memory, as LMDB or HTTP would)."""
    from mmengine.fileio import BaseStorageBackend, register_backend

    calls, stores = [], {}

    class MemoryBackend(BaseStorageBackend):
        def __init__(self, store):
            self.files = stores[store]

        def get(self, filepath):
            calls.append(filepath)
            return self.files[str(filepath)]

        def get_text(self, filepath, encoding='utf-8'):
            return self.get(filepath).decode(encoding)

    register_backend('posecore-test-memory', MemoryBackend, force=True)
    with open(coco_infos[0]['img_path'], 'rb') as f:
        stores['coco'] = {'key/785': f.read()}
    load = build('LoadImage', backend_args=dict(backend='posecore-test-memory',
                                                store='coco'))
    res = load(dict(img_path='key/785', img_id=785))
    assert calls == ['key/785']
    np.testing.assert_array_equal(
        res['img'], cv2.imread(coco_infos[0]['img_path'], cv2.IMREAD_COLOR))


def test_load_image_accepts_the_deprecated_file_client_args(build, coco_infos):
    with pytest.warns(DeprecationWarning, match='backend_args'):
        load = build('LoadImage', file_client_args=dict(backend='disk'))
    res = load(fresh(coco_infos[0]))
    assert res['img'].shape == (425, 640, 3)
    with pytest.raises(ValueError, match='not both'):
        build('LoadImage', file_client_args=dict(backend='disk'), backend_args={})


# ------------------------------------------------------- GetBBoxCenterScale
def test_bbox_center_scale(build):
    res = build('GetBBoxCenterScale')(dict(bbox=np.array([[10., 20., 50., 100.]],
                                                         np.float32)))
    np.testing.assert_array_equal(res['bbox_center'], [[30., 60.]])
    np.testing.assert_array_equal(res['bbox_scale'], [[50., 100.]])
    assert res['bbox_center'].dtype == np.float32


def test_bbox_center_scale_keeps_given_centre_and_pads_the_scale(build):
    res = dict(bbox_center=np.array([[1., 2.]]), bbox_scale=np.array([[4., 8.]]))
    with pytest.warns(UserWarning, match='existing "bbox_center"'):
        res = build('GetBBoxCenterScale', padding=2.)(res)
    np.testing.assert_array_equal(res['bbox_center'], [[1., 2.]])
    np.testing.assert_array_equal(res['bbox_scale'], [[8., 16.]])


# --------------------------------------------------------------- RandomFlip
def test_random_flip_flips_lists_and_masks(build):
    img = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    mask = np.arange(6, dtype=np.uint8).reshape(2, 3)
    res = build('RandomFlip', prob=1.0, direction='vertical')(
        dict(img=[img, img[..., :1]], img_mask=mask, img_shape=(2, 3)))
    np.testing.assert_array_equal(res['img'][0], img[::-1])
    np.testing.assert_array_equal(res['img'][1], img[::-1, :, :1])
    np.testing.assert_array_equal(res['img_mask'], mask[::-1])
    assert res['flip'] and res['flip_direction'] == 'vertical'


def test_random_flip_never_and_always(build):
    res = dict(img=np.zeros((2, 2, 3), np.uint8), img_shape=(2, 2))
    for _ in range(20):
        assert build('RandomFlip', prob=0.)(dict(res))['flip'] is False
        assert build('RandomFlip', prob=1.)(dict(res))['flip'] is True


def test_flip_image_matches_numpy_for_any_dtype():
    from pose_plugin_topdown.transforms.image_ops import flip_image
    rng = np.random.default_rng(0)
    for dtype in (np.uint8, np.float32, np.float64, np.int64, bool):
        for shape in ((5, 7), (5, 7, 1), (5, 7, 3), (5, 7, 6)):
            img = (rng.random(shape) * 100).astype(dtype)
            for direction, axes in (('horizontal', 1), ('vertical', 0),
                                    ('diagonal', (0, 1))):
                out = flip_image(img, direction)
                assert out.dtype == img.dtype and out.flags.c_contiguous
                np.testing.assert_array_equal(out, np.flip(img, axes))


# ----------------------------------------------------------- RandomHalfBody
def test_half_body_box_is_around_the_chosen_half(build, coco_infos):
    res = build('GetBBoxCenterScale')(fresh(coco_infos[0]))
    res = build('RandomHalfBody', prob=1.0, upper_prioritized_prob=1.0)(res)
    upper = coco_infos[0]['keypoints'][0, coco_infos[0]['upper_body_ids']]
    np.testing.assert_allclose(res['bbox_center'][0], upper.mean(0), rtol=1e-6)
    np.testing.assert_allclose(res['bbox_scale'][0],
                               (upper.max(0) - upper.min(0)) * 1.5, rtol=1e-6)


def test_half_body_skips_instances_with_few_keypoints(build, coco_infos):
    res = build('GetBBoxCenterScale')(fresh(coco_infos[0]))
    res['keypoints_visible'][:] = 0
    before = res['bbox_center'].copy()
    np.random.seed(0)
    state = np.random.get_state()[2]
    res = build('RandomHalfBody', prob=1.0)(res)
    np.testing.assert_array_equal(res['bbox_center'], before)
    assert np.random.get_state()[2] == state    # no draw, as MMPose


# ------------------------------------------------------ RandomBBoxTransform
def test_random_bbox_transform_ranges(build):
    np.random.seed(0)
    transform = build('RandomBBoxTransform', shift_prob=1., rotate_prob=1.)
    res = transform(dict(bbox_center=np.zeros((500, 2), np.float32),
                         bbox_scale=np.ones((500, 2), np.float32)))
    assert np.abs(res['bbox_center']).max() <= 0.16
    assert 0.5 <= res['bbox_scale'].min() and res['bbox_scale'].max() <= 1.5
    assert np.abs(res['bbox_rotation']).max() <= 80
    assert res['bbox_rotation'].shape == (500,)
    assert res['bbox_rotation'].dtype == np.float32


def test_random_bbox_transform_uniform_shift(build):
    np.random.seed(0)
    transform = build('RandomBBoxTransform', shift_prob=1., shift_dist='uniform')
    res = transform(dict(bbox_center=np.zeros((2000, 2), np.float32),
                         bbox_scale=np.ones((2000, 2), np.float32)))
    offsets = res['bbox_center'] / 0.16
    assert np.abs(offsets).max() <= 1
    # uniform: about a quarter of the mass beyond 0.5 each side
    assert 0.4 < (np.abs(offsets) > 0.5).mean() < 0.6


def test_truncnorm_matches_the_inverse_cdf():
    from statistics import NormalDist
    from pose_plugin_topdown.transforms.random_draws import truncnorm
    np.random.seed(4)
    values = truncnorm(-1., 1., size=(3, 4))
    np.random.seed(4)
    q = np.random.uniform(size=(3, 4))
    phi = NormalDist().cdf
    want = [[NormalDist().inv_cdf(phi(-1) + u * (phi(1) - phi(-1))) for u in row]
            for row in q]
    np.testing.assert_allclose(values, want, rtol=0, atol=1e-14)
    assert values.shape == (3, 4) and np.abs(values).max() <= 1


# ------------------------------------------------------------ TopdownAffine
def test_topdown_affine_reads_flipped_views_unchanged(build, coco_infos):
    res = build('GetBBoxCenterScale')(build('LoadImage')(fresh(coco_infos[0])))
    view = dict(res, img=np.flip(res['img'], 1))
    copy = dict(res, img=np.ascontiguousarray(np.flip(res['img'], 1)))
    affine = build('TopdownAffine', input_size=(192, 256))
    np.testing.assert_array_equal(affine(view)['img'], affine(copy)['img'])


def test_topdown_affine_without_keypoints_and_with_image_lists(build):
    img = np.random.default_rng(0).integers(0, 255, (60, 80, 3), dtype=np.uint8)
    res = dict(img=[img, img], bbox_center=np.array([[40., 30.]], np.float32),
               bbox_scale=np.array([[40., 40.]], np.float32))
    res = build('TopdownAffine', input_size=(48, 64))(res)
    assert [i.shape for i in res['img']] == [(64, 48, 3)] * 2
    np.testing.assert_array_equal(res['img'][0], res['img'][1])
    assert res['transformed_keypoints'].shape == ()
    assert res['keypoints_visible'].shape == (1, 1, 1)
    # the scale grows to the input's aspect ratio (w / h = 0.75)
    np.testing.assert_allclose(res["bbox_scale"], [[40., 40. / 0.75]], rtol=1e-6)
    assert res['input_size'] == (48, 64)


def test_topdown_affine_maps_the_box_centre_to_the_input_centre(build, coco_infos):
    res = build('GetBBoxCenterScale')(build('LoadImage')(fresh(coco_infos[0])))
    res['keypoints'][0, 0] = res['bbox_center'][0]
    res = build('TopdownAffine', input_size=(192, 256))(res)
    np.testing.assert_allclose(res['transformed_keypoints'][0, 0], [96., 128.],
                               atol=1e-3)


# ----------------------------------------------------------- GenerateTarget
def test_generate_target_splits_visibility_weights(build):
    res = dict(transformed_keypoints=np.full((1, 17, 2), 50., np.float32),
               keypoints_visible=np.stack([np.ones((1, 17)), np.full((1, 17), .5)],
                                          -1).astype(np.float32))
    res = build('GenerateTarget', encoder=CODEC)(res)
    assert res['keypoints_visible'].shape == (1, 17)
    np.testing.assert_array_equal(res['keypoints_visible_weights'], 0.5)
    assert res['label_mapping_table'] == dict(keypoint_weights='keypoint_weights')
    assert res['field_mapping_table'] == dict(heatmaps='heatmaps')


def test_generate_target_dataset_keypoint_weights(build, coco_infos):
    res = fresh(coco_infos[0])
    res['dataset_keypoint_weights'] = np.linspace(0.5, 2., 17).astype(np.float32)
    res['transformed_keypoints'] = np.full((1, 17, 2), 60., np.float32)
    out = build('GenerateTarget', encoder=CODEC, use_dataset_keypoint_weights=True)(res)
    np.testing.assert_allclose(out['keypoint_weights'][0],
                               res['dataset_keypoint_weights'])


def test_generate_target_multilevel_packs_levels(build):
    codecs = [dict(CODEC, sigma=2), dict(CODEC, sigma=3)]
    res = dict(img=np.zeros((256, 192, 3), np.uint8),
               transformed_keypoints=np.full((1, 17, 2), 80., np.float32),
               keypoints_visible=np.ones((1, 17), np.float32))
    res = build('GenerateTarget', encoder=codecs, multilevel=True)(res)
    assert len(res['heatmaps']) == 2 and len(res['keypoint_weights']) == 2
    assert res['heatmaps'][1].sum() > res['heatmaps'][0].sum()   # wider sigma
    sample = build('PackPoseInputs')(res)['data_samples']
    fields = sample.gt_fields
    assert type(fields).__name__ == 'MultilevelPixelData' and fields.nlevel == 2
    assert all(isinstance(h, torch.Tensor) for h in fields.heatmaps)
    assert fields[1].heatmaps.shape == (17, 64, 48)
    assert tuple(sample.gt_instance_labels.keypoint_weights.shape) == (2, 1, 17)


def test_generate_target_combined_refuses_overlapping_items(build):
    res = dict(transformed_keypoints=np.full((1, 17, 2), 80., np.float32),
               keypoints_visible=np.ones((1, 17), np.float32))
    with pytest.raises(ValueError, match='Overlapping item "heatmaps"'):
        build('GenerateTarget', encoder=[CODEC, dict(CODEC, sigma=3)])(res)


def test_generate_target_warns_about_target_type(build):
    with pytest.warns(DeprecationWarning, match='target_type'):
        build('GenerateTarget', encoder=CODEC, target_type='heatmap')


# ----------------------------------------------------------- PackPoseInputs
def _packable():
    return dict(img=np.arange(4 * 5 * 3, dtype=np.uint8).reshape(4, 5, 3),
                bbox=np.zeros((1, 4), np.float32), bbox_score=np.ones(1, np.float32),
                keypoints=np.zeros((1, 3, 2), np.float32),
                keypoints_visible=np.ones((1, 3), np.float32),
                transformed_keypoints=np.ones((1, 3, 2), np.float32),
                keypoint_weights=np.ones((1, 3), np.float32),
                heatmaps=np.zeros((3, 4, 4), np.float32),
                flip_indices=[0, 2, 1], input_center=np.array([1., 2.]),
                id=3, img_id=4)


def test_pack_inputs_is_chw_like_mmposes_permute():
    from pose_plugin_topdown.transforms.image_ops import image_to_tensor
    rng = np.random.default_rng(0)
    for shape, dtype in (((4, 5, 3), np.uint8), ((4, 5), np.uint8),
                         ((4, 5, 1), np.float32), ((4, 5, 4), np.uint8),
                         ((4, 5, 7), np.float32)):
        img = (rng.random(shape) * 255).astype(dtype)
        want = torch.from_numpy(img.reshape(4, 5, -1)).permute(2, 0, 1).contiguous()
        got = image_to_tensor(img)
        assert got.dtype == want.dtype and got.is_contiguous()
        assert torch.equal(got, want)
    assert tuple(image_to_tensor([img, img]).shape) == (2, 7, 4, 5)


def test_pack_fields_and_metainfo(build):
    res = _packable()
    out = build('PackPoseInputs', pack_transformed=True)(res)
    sample = out['data_samples']
    assert set(sample.gt_instances.keys()) == {
        'bboxes', 'bbox_scores', 'keypoints', 'keypoints_visible',
        'transformed_keypoints'}
    assert isinstance(sample.gt_instances.keypoints, np.ndarray)
    assert isinstance(sample.gt_instance_labels.keypoint_weights, torch.Tensor)
    assert isinstance(sample.gt_fields.heatmaps, torch.Tensor)
    assert set(sample.metainfo_keys()) == {'flip_indices', 'input_center', 'id', 'img_id'}
    # the metainfo is a deep copy: later changes to results do not leak in
    res['flip_indices'].append(9)
    res['input_center'][0] = 100.
    assert sample.flip_indices == [0, 2, 1]
    assert sample.input_center.tolist() == [1., 2.]


def test_pack_without_targets_has_no_gt_fields(build):
    res = _packable()
    del res['heatmaps']
    sample = build('PackPoseInputs', meta_keys=('id',))(res)['data_samples']
    assert 'gt_fields' not in sample
    assert sample.metainfo_keys() == ['id']


def test_pack_uses_the_codecs_mapping_tables(build):
    res = _packable()
    res['label_mapping_table'] = dict(keypoint_weights='weights_renamed')
    res['field_mapping_table'] = dict(heatmaps='maps')
    sample = build('PackPoseInputs')(res)['data_samples']
    assert list(sample.gt_instance_labels.keys()) == ['weights_renamed']
    assert list(sample.gt_fields.keys()) == ['maps']


# ------------------------------------------------------------------- bbox
def test_bbox_format_round_trips():
    from pose_plugin_topdown import bbox as B
    boxes = np.array([[10., 20., 50., 80.], [0., 0., 3., 4.]], np.float32)
    center, scale = B.bbox_xyxy2cs(boxes, padding=1.25)
    np.testing.assert_allclose(B.bbox_cs2xyxy(center, scale, padding=1.25), boxes)
    xywh = B.bbox_xyxy2xywh(boxes)
    np.testing.assert_array_equal(B.bbox_xywh2xyxy(xywh), boxes)
    c2, s2 = B.bbox_xywh2cs(xywh[0], padding=1.25)
    np.testing.assert_allclose(c2, center[0])
    np.testing.assert_allclose(s2, scale[0])
    np.testing.assert_allclose(B.bbox_cs2xywh(center[0], scale[0], 1.25), xywh[0])
    for direction in ('horizontal', 'vertical', 'diagonal'):
        for fmt, data in (('xyxy', boxes), ('center', center)):
            twice = B.flip_bbox(B.flip_bbox(data, (640, 480), fmt, direction),
                                (640, 480), fmt, direction)
            np.testing.assert_allclose(twice, data)


def test_flip_keypoints_twice_is_identity():
    from pose_plugin_topdown.bbox import flip_keypoints
    kpts = np.random.default_rng(0).random((2, 5, 2)).astype(np.float32) * 100
    vis = np.arange(10, dtype=np.float32).reshape(2, 5)
    indices = [0, 2, 1, 4, 3]
    for direction in ('horizontal', 'vertical', 'diagonal'):
        k1, v1 = flip_keypoints(kpts, vis, (100, 80), indices, direction)
        k2, v2 = flip_keypoints(k1, v1, (100, 80), indices, direction)
        np.testing.assert_allclose(k2, kpts, atol=1e-5)
        np.testing.assert_array_equal(v2, vis)
    k1, v1 = flip_keypoints(kpts, None, (100, 80), indices)
    assert v1 is None and k1[0, 1, 0] == 99 - kpts[0, 2, 0]


def test_pipeline_modules_do_not_warn(build, coco_infos):
    from .samples import train_pipeline
    transforms = [build(cfg) for cfg in train_pipeline()]
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        res = fresh(coco_infos[0])
        for transform in transforms:
            res = transform(res)


def test_the_pipeline_pickles_for_spawned_workers(build, coco_infos):
    """Spawned data-loader workers receive the dataset, transforms included,
    by pickle: every transform survives it and gives the same sample."""
    import pickle

    from .samples import train_pipeline
    transforms = [build(cfg) for cfg in train_pipeline()]
    transforms[0] = build('LoadImage', imdecode_backend='pillow')
    copies = pickle.loads(pickle.dumps(transforms))
    outs = []
    for pipeline in (transforms, copies):
        np.random.seed(3)
        res = fresh(coco_infos[1])
        for transform in pipeline:
            res = transform(res)
        outs.append(res)
    assert torch.equal(outs[0]['inputs'], outs[1]['inputs'])
    assert torch.equal(outs[0]['data_samples'].gt_fields.heatmaps,
                       outs[1]['data_samples'].gt_fields.heatmaps)
