"""posecore's codecs give MMPose 1.3.2's outputs on the six reference cases
(``reference/codecs_mmpose.npz``; layout in the ``.json`` beside it)."""
from __future__ import annotations

import json

import numpy as np
import pytest

from .mmpose_match import assert_decoded_like_mmpose

CASES = ['msra', 'msra_unbiased', 'msra_288', 'udp_gaussian', 'udp_combined',
         'megvii']


@pytest.fixture(scope='module')
def reference(shared_dir):
    folder = shared_dir / 'reference'
    meta = json.loads((folder / 'codecs_mmpose.json').read_text())
    with np.load(folder / 'codecs_mmpose.npz') as data:
        arrays = {key: data[key] for key in data.files}
    return meta['cases'], arrays


@pytest.fixture(params=CASES)
def case(request, reference, build):
    configs, arrays = reference
    name = request.param
    codec = build(configs[name])
    return codec, {key.split('/', 1)[1]: value
                   for key, value in arrays.items()
                   if key.startswith(name + '/')}


def test_encode_matches_mmpose(case):
    codec, ref = case
    for i, (kpts, vis) in enumerate(zip(ref['keypoints'],
                                        ref['keypoints_visible'])):
        encoded = codec.encode(kpts, vis)
        assert encoded['heatmaps'].shape == ref['heatmaps'][i].shape
        np.testing.assert_allclose(encoded['heatmaps'], ref['heatmaps'][i],
                                   rtol=0, atol=1e-5)
        np.testing.assert_allclose(encoded['keypoint_weights'],
                                   ref['keypoint_weights'][i], rtol=0,
                                   atol=1e-5)


@pytest.mark.parametrize('prefix', ['', 'noisy_'])
def test_decode_matches_mmpose(case, prefix):
    codec, ref = case
    heatmaps = ref[f'{prefix}heatmaps']
    for i, maps in enumerate(heatmaps):
        keypoints, scores = codec.decode(maps)
        ref_kpts = ref[f'{prefix}decoded_keypoints'][i]
        ref_scores = ref[f'{prefix}decoded_scores'][i]
        assert keypoints.shape == ref_kpts.shape == (1, 17, 2)
        assert scores.shape == ref_scores.shape == (1, 17)
        assert_decoded_like_mmpose(keypoints, scores, ref_kpts, ref_scores)


def test_nan_cases_are_empty_maps_with_score_zero(case):
    """The reference's NaN come from all-zero heatmap channels; posecore
    gives them score 0 and a finite keypoint (documented in the README)."""
    codec, ref = case
    ref_kpts, ref_scores = ref['decoded_keypoints'], ref['decoded_scores']
    nan = ~(np.isfinite(ref_kpts).all(-1) & np.isfinite(ref_scores))
    if not nan.any():
        pytest.skip('no NaN in this case')
    empty = ~ref['heatmaps'].any(axis=(-2, -1))[:, None, :]
    np.testing.assert_array_equal(nan, empty)
    keypoints, scores = codec.batch_decode(ref['heatmaps'])
    assert (scores[nan] == 0).all()
    assert np.isfinite(keypoints[nan]).all()
    if type(codec).__name__ == 'MegviiHeatmap':
        # MMPose's own (finite) location for an empty map: the origin
        assert (keypoints[nan] == 0).all()
    else:
        # UDP: the "no maximum" marker, heatmap pixel -1, in input space
        marker = -np.array(codec.input_size) / (
            np.array(codec.heatmap_size) - 1)
        np.testing.assert_allclose(
            keypoints[nan], np.broadcast_to(marker, keypoints[nan].shape),
            rtol=0, atol=1e-5)
