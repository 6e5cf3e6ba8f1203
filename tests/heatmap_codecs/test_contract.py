"""Contract every codec of ``pose-plugin-heatmap-codecs`` keeps, walked over
its entry points and built through ``KEYPOINT_CODECS`` (not imported)."""
from __future__ import annotations

import numpy as np
import pytest
from posecore.codecs import BaseKeypointCodec

K = 17


def channels(codec) -> int:
    return 3 * K if getattr(codec, 'heatmap_type', '') == 'combined' else K


def inside_keypoints(codec, n=1, seed=0):
    """Keypoints ``(n, K, 2)`` at least 4 heatmap pixels inside the border,
    where every codec refines its maxima."""
    rng = np.random.default_rng(seed)
    w, h = codec.input_size
    margin = 4 * np.array(codec.input_size) / np.array(codec.heatmap_size)
    span = np.array([w, h]) - 2 * margin
    return (margin + rng.random((n, K, 2)) * span).astype(np.float32)


def test_all_three_codecs_are_declared(declared_codec_names):
    assert {'MSRAHeatmap', 'UDPHeatmap',
            'MegviiHeatmap'} <= set(declared_codec_names)


def test_base_class_and_mmpose_attributes(codec_cfg, build):
    codec = build(codec_cfg)
    assert isinstance(codec, BaseKeypointCodec)
    assert codec.field_mapping_table == dict(heatmaps='heatmaps')
    assert codec.label_mapping_table == dict(
        keypoint_weights='keypoint_weights')
    assert codec.instance_mapping_table == {}
    assert set(codec.auxiliary_encode_keys) == set()
    assert codec.support_batch_decoding is True


def test_shapes(codec_cfg, build):
    codec = build(codec_cfg)
    w, h = codec.heatmap_size
    encoded = codec.encode(inside_keypoints(codec))
    assert encoded['heatmaps'].shape == (channels(codec), h, w)
    assert encoded['heatmaps'].dtype == np.float32
    assert encoded['keypoint_weights'].shape == (1, K)
    keypoints, scores = codec.decode(encoded['heatmaps'])
    assert keypoints.shape == (1, K, 2) and scores.shape == (1, K)


def test_round_trip_within_one_heatmap_pixel(codec_cfg, build):
    codec = build(codec_cfg)
    stride = np.array(codec.input_size) / np.array(codec.heatmap_size)
    for seed in range(5):
        kpts = inside_keypoints(codec, seed=seed)
        encoded = codec.encode(kpts)
        assert (encoded['keypoint_weights'] == 1).all()
        keypoints, _ = codec.decode(encoded['heatmaps'])
        # error per axis within one heatmap pixel, in input pixels
        assert (np.abs(keypoints - kpts) <= stride).all()


def test_round_trip_of_dark_within_one_input_pixel(codec_cfg, build):
    codec = build(codec_cfg)
    if not getattr(codec, 'unbiased', False):
        # MSRA/Megvii quantise to heatmap pixels; UDP's blurred Newton step
        # leaves up to ~0.3 heatmap px (as MMPose): covered above
        pytest.skip('only DARK resolves below one input pixel')
    kpts = inside_keypoints(codec, n=1, seed=7)
    keypoints, _ = codec.decode(codec.encode(kpts)['heatmaps'])
    assert np.linalg.norm(keypoints - kpts, axis=-1).max() <= 1.0


def test_invisible_and_out_of_range_get_weight_zero(codec_cfg, build):
    codec = build(codec_cfg)
    kpts = inside_keypoints(codec)
    vis = np.ones((1, K), np.float32)
    vis[0, 0] = 0
    w, h = codec.input_size
    kpts[0, 1] = (-10 * w, -10 * h)
    kpts[0, 2] = (10 * w, 10 * h)
    kpts[0, 3] = (w / 2, 20 * h)
    encoded = codec.encode(kpts, vis)
    weights = encoded['keypoint_weights']
    assert (weights[0, :4] == 0).all() and (weights[0, 4:] == 1).all()
    per_keypoint = encoded['heatmaps'].reshape(K, -1, *codec.heatmap_size[::-1])
    assert not per_keypoint[:4].any()


def test_nan_keypoints_get_weight_zero_and_no_nan(codec_cfg, build):
    codec = build(codec_cfg)
    kpts = inside_keypoints(codec)
    kpts[0, 0] = np.nan
    kpts[0, 1, 0] = np.inf
    vis = np.ones((1, K), np.float32)
    vis[0, 2] = np.nan
    encoded = codec.encode(kpts, vis)
    assert np.isfinite(encoded['heatmaps']).all()
    assert np.isfinite(encoded['keypoint_weights']).all()
    assert (encoded['keypoint_weights'][0, :3] == 0).all()
    assert (encoded['keypoint_weights'][0, 3:] == 1).all()


def test_decode_of_empty_heatmaps_is_finite_with_score_zero(codec_cfg, build):
    codec = build(codec_cfg)
    w, h = codec.heatmap_size
    keypoints, scores = codec.decode(np.zeros((channels(codec), h, w),
                                              np.float32))
    assert np.isfinite(keypoints).all()
    assert (scores == 0).all()


def underflowing_maps(codec) -> np.ndarray:
    """Maps whose zero-padded blur MMPose rescales by ``x / 0`` (MMPose
    decodes NaN there, or raises): a subnormal peak, whose blur underflows
    to 0; a small peak inside negative borders, whose blur's maximum is 0
    (0 where the borders do not reach)."""
    w, h = codec.heatmap_size
    maps = np.zeros((2, channels(codec), h, w), np.float32)
    maps[0, 0, h // 2, w // 2] = 1e-45
    maps[1, 0, :3] = maps[1, 0, :, :3] = -1
    maps[1, 0, 1, 1] = .25
    return maps


def test_decode_of_underflowing_heatmaps_is_finite(codec_cfg, build):
    codec = build(codec_cfg)
    for maps in underflowing_maps(codec):
        with np.errstate(all='raise'):
            keypoints, scores = codec.decode(maps)
        assert np.isfinite(keypoints).all() and np.isfinite(scores).all()
