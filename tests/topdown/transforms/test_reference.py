"""The transforms give MMPose 1.3.2's numbers exactly (same seed, same
draws): ``tests/data/reference/topdown_pipeline_mmpose.*``, made by
``benchmarks/anchor/make_pipeline_reference.py`` with MMPose."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from .samples import digest, fresh, train_pipeline

DIRECTIONS = [None, 'horizontal', 'vertical', 'diagonal']


def assert_heatmaps_like_mmpose(got: np.ndarray, want: np.ndarray) -> None:
    """Same shape, dtype and support; values within 1e-6 (the heatmap codec
    plugin draws the Gaussian as an outer product of 1-D profiles, within 2
    float32 ulp of MMPose's 2-D exponential)."""
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_array_equal(got > 0, want > 0)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)


def test_warp_matrices_are_mmposes_bit_for_bit(reference):
    from pose_plugin_topdown.bbox import get_udp_warp_matrix, get_warp_matrix
    a = reference['arrays']
    for i in range(len(a['warp_center'])):
        rot = float(a['warp_rot'][i]) if a['warp_py_rot'][i] else a['warp_rot'][i]
        size = tuple(int(v) for v in a['warp_size'][i])
        mat = get_warp_matrix(a['warp_center'][i], a['warp_scale'][i], rot, size,
                              shift=tuple(a['warp_shift'][i]),
                              inv=bool(a['warp_inv'][i]),
                              fix_aspect_ratio=bool(a['warp_fix'][i]))
        udp = get_udp_warp_matrix(a['warp_center'][i], a['warp_scale'][i], rot,
                                  size)
        assert mat.dtype == np.float64 and udp.dtype == np.float32
        np.testing.assert_array_equal(mat, a['warp_matrix'][i], err_msg=f'case {i}')
        np.testing.assert_array_equal(udp, a['warp_udp'][i], err_msg=f'case {i}')


@pytest.mark.parametrize('name,cfg', [
    ('default', {}),
    ('all', dict(shift_prob=1.0, rotate_prob=1.0, scale_factor=(0.7, 1.3)))])
@pytest.mark.parametrize('n,calls', [(1, 300), (5, 20)])
def test_random_bbox_transform_draws_as_mmpose(build, reference, name, cfg, n, calls):
    a = reference['arrays']
    transform = build('RandomBBoxTransform', **cfg)
    np.random.seed(11)
    out = [transform(dict(bbox_center=np.repeat([[320., 240.]], n, 0).astype(np.float32),
                          bbox_scale=np.repeat([[200., 300.]], n, 0).astype(np.float32)))
           for _ in range(calls)]
    for key in ('bbox_center', 'bbox_scale', 'bbox_rotation'):
        got = np.stack([o[key] for o in out])
        want = a[f'bbox_{name}_n{n}_{key}']
        assert got.dtype == want.dtype, key
        np.testing.assert_array_equal(got, want, err_msg=key)
    # the generator is left where MMPose leaves it
    assert np.random.rand() == a[f'bbox_{name}_n{n}_next']


@pytest.mark.parametrize('name,cfg', [
    ('default', {}),
    ('mixed', dict(prob=[0.2, 0.3, 0.1],
                   direction=['horizontal', 'vertical', 'diagonal']))])
def test_random_flip_draws_as_mmpose(build, reference, name, cfg):
    transform = build('RandomFlip', **cfg)
    np.random.seed(5)
    codes = []
    for _ in range(300):
        out = transform(dict(img=np.zeros((4, 6, 3), np.uint8), img_shape=(4, 6)))
        assert out['flip'] == (out['flip_direction'] is not None)
        codes.append(DIRECTIONS.index(out['flip_direction']))
    np.testing.assert_array_equal(codes, reference['arrays'][f'flip_{name}_codes'])


@pytest.mark.parametrize('direction', DIRECTIONS[1:])
def test_random_flip_moves_boxes_and_keypoints_as_mmpose(build, reference,
                                                         coco_infos, direction):
    a = reference['arrays']
    res = fresh(coco_infos[0])
    img = np.arange(425 * 640 * 3, dtype=np.uint32).astype(np.uint8).reshape(425, 640, 3)
    res.update(img=img, img_shape=(425, 640),
               bbox_center=np.array([[300.5, 200.25]], np.float32))
    out = build('RandomFlip', prob=1.0, direction=direction)(res)
    for key in ('bbox', 'bbox_center', 'keypoints', 'keypoints_visible'):
        want = a[f'flip_{direction}_{key}']
        assert out[key].dtype == want.dtype
        np.testing.assert_array_equal(out[key], want, err_msg=key)
    axes = {'horizontal': 1, 'vertical': 0, 'diagonal': (0, 1)}[direction]
    np.testing.assert_array_equal(out['img'], np.flip(img, axes))
    assert out['img'].flags.c_contiguous


@pytest.mark.parametrize('name,cfg', [
    ('default', {}),
    ('often', dict(prob=0.9, upper_prioritized_prob=0.5, min_total_keypoints=4))])
def test_random_half_body_as_mmpose(build, reference, coco_infos, name, cfg):
    half, center_scale = build('RandomHalfBody', **cfg), build('GetBBoxCenterScale')
    np.random.seed(3)
    centers, scales = [], []
    for _ in range(10):
        for info in coco_infos:
            out = half(center_scale(fresh(info)))
            centers.append(out['bbox_center'])
            scales.append(out['bbox_scale'])
    a = reference['arrays']
    np.testing.assert_array_equal(np.stack(centers), a[f'half_{name}_center'])
    np.testing.assert_array_equal(np.stack(scales), a[f'half_{name}_scale'])
    assert np.stack(centers).dtype == a[f'half_{name}_center'].dtype


def _same_opencv(meta) -> bool:
    # OpenCV's warpAffine arithmetic changes between releases: crops are
    # compared with MMPose's when both ran on the same OpenCV
    return cv2.__version__ == meta['opencv']


def _run_pipeline(build, infos, udp: bool, epochs: int):
    transforms = [build(cfg) for cfg in train_pipeline(udp)]
    np.random.seed(0)
    results, packed = [], []
    for _ in range(epochs):
        for info in infos:
            res = fresh(info)
            for transform in transforms[:-1]:
                res = transform(res)
            results.append(res)
            packed.append(transforms[-1](dict(res)))
    return results, packed


def test_training_pipeline_equals_mmpose(build, reference, coco_infos):
    """Two epochs over the real COCO samples: every random outcome, box,
    keypoint and weight, the crops (digests; full arrays of two samples)
    and the packed inputs equal MMPose's; the heatmaps within 1e-6."""
    a, meta = reference['arrays'], reference['meta']
    results, packed = _run_pipeline(build, coco_infos, udp=False, epochs=2)
    for key in ('flip', 'bbox_center', 'bbox_scale', 'bbox_rotation',
                'input_center', 'input_scale', 'transformed_keypoints',
                'keypoints_visible', 'keypoint_weights'):
        got = np.stack([res[key] for res in results])
        assert got.dtype == a[f'train_{key}'].dtype, key
        np.testing.assert_array_equal(got, a[f'train_{key}'], err_msg=key)
    assert_heatmaps_like_mmpose(np.stack([res['heatmaps'] for res in results]),
                                a['train_heatmaps'])
    if not _same_opencv(meta):
        pytest.skip(f'crops: reference made with OpenCV {meta["opencv"]}, '
                    f'this is {cv2.__version__}')
    for i in range(2):
        np.testing.assert_array_equal(results[i]['img'], a[f'train_img_{i}'])
    digests = meta['train_digests']
    assert [digest(res['img']) for res in results] == digests['img_sha']
    assert [digest(out['inputs'].numpy()) for out in packed] == digests['inputs_sha']


def test_udp_pipeline_equals_mmpose(build, reference, coco_infos):
    a, digests = reference['arrays'], reference['meta']['udp_digests']
    results, packed = _run_pipeline(build, coco_infos, udp=True, epochs=1)
    for key in ('bbox_center', 'bbox_scale', 'transformed_keypoints',
                'keypoint_weights'):
        np.testing.assert_array_equal(np.stack([res[key] for res in results]),
                                      a[f'udp_{key}'], err_msg=key)
    assert_heatmaps_like_mmpose(np.stack([res['heatmaps'] for res in results]),
                                a['udp_heatmaps'])
    if not _same_opencv(reference['meta']):
        pytest.skip('crops: reference made with another OpenCV')
    assert [digest(res['img']) for res in results] == digests['img_sha']
    assert [digest(out['inputs'].numpy()) for out in packed] == digests['inputs_sha']


def test_packed_sample_has_mmposes_fields(build, reference, coco_infos):
    _, packed = _run_pipeline(build, coco_infos[:1], udp=False, epochs=1)
    out, want = packed[0], reference['meta']['packed']
    sample = out['data_samples']
    assert type(sample).__name__ == 'PoseDataSample'

    def describe(value):
        if hasattr(value, 'dtype') and hasattr(value, 'shape'):
            return dict(type=type(value).__name__, dtype=str(value.dtype),
                        shape=list(value.shape))
        return dict(type=type(value).__name__)
    assert describe(out['inputs']) == want['inputs']
    assert out['inputs'].is_contiguous()
    assert {k: describe(v) for k, v in sample.gt_instances.items()} == want['gt_instances']
    assert {k: describe(v) for k, v in sample.gt_instance_labels.items()} == \
        want['gt_instance_labels']
    assert {k: describe(v) for k, v in sample.gt_fields.items()} == want['gt_fields']
    assert type(sample.gt_fields).__name__ == want['gt_fields_type']
    meta = {k: repr(v) for k, v in sample.metainfo_items() if k != 'img_path'}
    assert meta == want['metainfo']
    assert sample.img_path.endswith('000000000785.jpg')
