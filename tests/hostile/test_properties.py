"""Property-based tests (hypothesis) of what hostile inputs reach: every heatmap codec,
every top-down transform, and the config loader on generated text (issue #13, point 3).

Example counts are kept small: these run in CI on every push.
"""
from __future__ import annotations

import functools
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from posecore.errors import PosecoreError

# CI draws a fixed set of 40 examples per test (derandomize), so a push never fails on
# a newly drawn one; POSECORE_PROPERTY_EXAMPLES=4000 draws that many at random
EXAMPLES = int(os.environ.get('POSECORE_PROPERTY_EXAMPLES', '0'))
SETTINGS = settings(max_examples=EXAMPLES or 40, derandomize=not EXAMPLES, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
INPUT, HEATMAP = (48, 64), (12, 16)  # (w, h): a scale of 4 per heatmap pixel
K = 3
CODECS = {
    'MSRAHeatmap': dict(type='MSRAHeatmap', sigma=2),
    'MSRAHeatmap-unbiased': dict(type='MSRAHeatmap', sigma=2, unbiased=True),
    'UDPHeatmap': dict(type='UDPHeatmap'),
    'UDPHeatmap-combined': dict(type='UDPHeatmap', heatmap_type='combined'),
    'MegviiHeatmap': dict(type='MegviiHeatmap', kernel_size=11),
}


#: decoding error allowed, in heatmap pixels, at the edge of a small heatmap, exactly as
#: MMPose 1.3.2 (checked against it at these sizes): Megvii blurs a one-pixel peak with an
#: 11-pixel kernel and the maximum moves inward by up to 1.75 pixels ((47, 0) -> (40, 4));
#: UDP's DARK refinement extrapolates by up to 1.25 pixels ((0, 61) -> (-2.18, 66.13))
QUANTISATION = {'MegviiHeatmap': 2.0, 'UDPHeatmap': 1.5, 'UDPHeatmap-combined': 1.5}


@functools.lru_cache(maxsize=None)
def _codec(name: str):
    from posecore.registry import KEYPOINT_CODECS

    return KEYPOINT_CODECS.build(dict(CODECS[name], input_size=INPUT, heatmap_size=HEATMAP))


def test_every_installed_codec_is_covered():
    from posecore.discovery import get_index

    installed = {e.name for e in get_index().entries('posecore.keypoint_codecs')
                 if e.dist == 'pose-plugin-heatmap-codecs'}
    assert installed <= {c['type'] for c in CODECS.values()}


def _maps_of(codec, encoded: dict) -> np.ndarray:
    return encoded['heatmaps']


inside = st.tuples(st.floats(0, INPUT[0] - 1), st.floats(0, INPUT[1] - 1))


@pytest.mark.parametrize('name', sorted(CODECS))
@SETTINGS
@given(points=st.lists(inside, min_size=K, max_size=K))
def test_codec_keypoints_inside_the_input_round_trip_within_one_heatmap_pixel(name, points):
    codec = _codec(name)
    keypoints = np.array([points], np.float32)
    encoded = codec.encode(keypoints, np.ones((1, K), np.float32))
    for key, value in encoded.items():
        assert np.isfinite(np.asarray(value, np.float64)).all(), key
    decoded, scores = codec.decode(_maps_of(codec, encoded))
    assert decoded.shape == (1, K, 2) and np.isfinite(decoded).all()
    assert np.isfinite(scores).all()
    # the codec's quantisation: heatmap pixels (input / heatmap size) on each axis
    step = np.asarray(codec.scale_factor, np.float32)  # UDP: (input - 1) / (heatmap - 1)
    error = np.abs(decoded[0] - keypoints[0])
    assert (error <= QUANTISATION.get(name, 1.0) * step + 1e-3).all(), (keypoints, decoded)


def _heatmaps(name: str):
    channels = 3 * K if name.endswith('combined') else K
    shape = (channels, HEATMAP[1], HEATMAP[0])
    random = arrays(np.float32, shape, elements=st.floats(-1, 1, width=32))
    constant = st.floats(-1, 1, width=32).map(lambda v: np.full(shape, v, np.float32))
    return st.one_of(st.just(np.zeros(shape, np.float32)), constant, random,
                     _sparse(shape))


@st.composite
def _sparse(draw, shape):
    """Zero maps with a few values, tiny (subnormal) ones often: their blur underflows."""
    maps = np.zeros(shape, np.float32)
    value = st.one_of(st.floats(-1, 1, width=32),
                      st.floats(-2.0 ** -126, 2.0 ** -126, width=32, allow_subnormal=True))
    for c, y, x in draw(st.lists(st.tuples(*(st.integers(0, n - 1) for n in shape)),
                                 min_size=1, max_size=6)):
        maps[c, y, x] = draw(value)
    return maps


@pytest.mark.parametrize('name', sorted(CODECS))
@SETTINGS
@given(data=st.data())
def test_codec_any_finite_heatmap_decodes_to_finite_locations(name, data):
    codec = _codec(name)
    maps = data.draw(_heatmaps(name))
    locations, scores = codec.decode(maps)
    assert locations.shape == (1, K, 2) and np.isfinite(locations).all()
    assert scores.shape == (1, K) and np.isfinite(scores).all()


# -- top-down transforms ----------------------------------------------------------------------
PIPELINE = [
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', prob=1.0, direction='horizontal'),
    dict(type='RandomHalfBody', prob=1.0, min_total_keypoints=1),
    dict(type='RandomBBoxTransform', shift_prob=1.0, rotate_prob=1.0),
    dict(type='TopdownAffine', input_size=INPUT),
    dict(type='GenerateTarget', encoder=dict(type='MSRAHeatmap', input_size=INPUT,
                                             heatmap_size=HEATMAP, sigma=2)),
    dict(type='PackPoseInputs'),
]
UDP_AFFINE = dict(type='TopdownAffine', input_size=INPUT, use_udp=True)

coordinate = st.floats(-1e4, 1e4, width=32)
size = st.one_of(st.just(0.0), st.floats(0, 2e3, width=32))


@st.composite
def boxes_and_keypoints(draw):
    x1, y1 = draw(coordinate), draw(coordinate)
    bbox = np.array([[x1, y1, x1 + draw(size), y1 + draw(size)]], np.float32)
    keypoints = draw(arrays(np.float32, (1, 17, 2), elements=coordinate))
    visible = draw(arrays(np.float32, (1, 17), elements=st.sampled_from([0.0, 1.0, 2.0])))
    return bbox, keypoints, visible


def _sample(bbox, keypoints, visible) -> dict:
    from posecore.testing.samples import topdown_results

    results = topdown_results(height=40, width=56)
    results.update(bbox=bbox, keypoints=keypoints, keypoints_visible=visible)
    return results


def _all_finite(results: dict) -> list[str]:
    bad = []
    for key, value in results.items():
        if isinstance(value, np.ndarray) and value.dtype.kind == 'f' and not np.isfinite(
                value).all():
            bad.append(key)
    return bad


@pytest.mark.parametrize('affine', ['TopdownAffine', 'TopdownAffine-udp'])
@SETTINGS
@given(sample=boxes_and_keypoints(), seed=st.integers(0, 2**16))
def test_every_transform_gives_finite_outputs_of_the_right_shapes(affine, sample, seed):
    from posecore.registry import TRANSFORMS

    np.random.seed(seed)
    results = _sample(*sample)
    for cfg in PIPELINE:
        cfg = UDP_AFFINE if cfg['type'] == 'TopdownAffine' and affine.endswith('udp') else cfg
        name = cfg['type']
        results = TRANSFORMS.build(cfg)(results)
        assert results is not None, name
        if name == 'PackPoseInputs':
            break
        assert not _all_finite(results), (name, _all_finite(results))
        assert results['keypoints'].shape == (1, 17, 2), name
        if 'bbox_center' in results:
            assert results['bbox_center'].shape == (1, 2) and results['bbox_scale'].shape == (1, 2)
        if name == 'TopdownAffine':
            assert results['img'].shape == (INPUT[1], INPUT[0], 3)
        if name == 'GenerateTarget':
            assert results['heatmaps'].shape == (17, HEATMAP[1], HEATMAP[0])
            assert results['keypoint_weights'].shape == (1, 17)
    packed = results['data_samples']
    assert tuple(results['inputs'].shape) == (3, INPUT[1], INPUT[0])
    assert np.isfinite(packed.gt_fields.heatmaps.numpy()).all()


# -- the config loader ------------------------------------------------------------------------
literal = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
              st.text(max_size=8)),
    lambda children: st.one_of(st.lists(children, max_size=3),
                               st.dictionaries(st.sampled_from(['type', 'a', '_delete_',
                                                                'batch_size']), children,
                                               max_size=3)),
    max_leaves=6)
KEYS = ['_base_', 'model', 'train_dataloader', 'default_scope', 'plugins', 'custom_hooks',
        'visualizer', 'train_cfg', 'x']
assignment = st.tuples(st.sampled_from(KEYS), literal).map(lambda kv: f'{kv[0]} = {kv[1]!r}')
config_text = st.one_of(
    st.lists(assignment, max_size=4).map('\n'.join),
    st.text(max_size=60),
    st.lists(st.one_of(assignment, st.text(max_size=20)), max_size=4).map('\n'.join))


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=config_text)
def test_config_loader_raises_only_posecore_errors(tmp_path, text):
    from posecore.config import load_config

    assume('import' not in text and '__' not in text.replace('_base_', '').replace(
        '_delete_', ''))  # generated text must not reach the file system
    path = tmp_path / 'generated.py'
    path.write_text(text)
    try:
        load_config(path)
    except PosecoreError:
        pass


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=80))
def test_config_loader_on_arbitrary_bytes_raises_only_posecore_errors(tmp_path, data):
    from posecore.config import load_config

    assume(b'import' not in data and b'__' not in data)
    path = tmp_path / 'generated.py'
    path.write_bytes(data)
    try:
        load_config(path)
    except PosecoreError:
        pass
