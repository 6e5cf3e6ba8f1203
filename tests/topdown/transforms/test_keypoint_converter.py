"""``KeypointConverter``: MMPose 1.3.2's outputs on 64 random layouts
(``tests/data/reference/keypoint_converter_mmpose.json``, made by
``benchmarks/anchor/make_keypoint_converter_reference.py`` with MMPose), its outputs'
shapes and dtypes, pairs of sources with their flip indices, and bad mappings."""
from __future__ import annotations

import importlib.util
import json

import numpy as np
import pytest

from ...conftest import DATA, REPO

_spec = importlib.util.spec_from_file_location(
    'make_keypoint_converter_reference',
    REPO / 'benchmarks' / 'anchor' / 'make_keypoint_converter_reference.py')
_reference = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_reference)  # its MMPose import is inside main()

#: MMPose's coco-aic configs: AI Challenger's 14 keypoints into COCO + AIC's 19
AIC_TO_COCO_AIC = [(0, 6), (1, 8), (2, 10), (3, 5), (4, 7), (5, 9), (6, 12), (7, 14),
                   (8, 16), (9, 11), (10, 13), (11, 15), (12, 17), (13, 18)]


def _sample(n=2, k=14, seed=0):
    rng = np.random.default_rng(seed)
    return dict(keypoints=rng.uniform(0, 100, (n, k, 2)).astype(np.float32),
                keypoints_visible=rng.integers(0, 3, (n, k)).astype(np.float32),
                flip_indices=[3, 4, 5, 0, 1, 2, 9, 10, 11, 6, 7, 8, 12, 13][:k])


def test_one_to_one_mapping_as_mmpose(build):
    results = _sample()
    source, visible = results['keypoints'].copy(), results['keypoints_visible'].copy()
    out = build('KeypointConverter', num_keypoints=19, mapping=AIC_TO_COCO_AIC)(results)
    keypoints, vis = out['keypoints'], out['keypoints_visible']
    assert keypoints.shape == (2, 19, 2) and keypoints.dtype == np.float64
    assert vis.shape == (2, 19, 2) and vis.dtype == np.float64
    for s, t in AIC_TO_COCO_AIC:
        np.testing.assert_array_equal(keypoints[:, t], source[:, s])
        np.testing.assert_array_equal(vis[:, t, 0], visible[:, s])
    unmapped = [0, 1, 2, 3, 4]  # COCO's face: AIC has none
    assert (keypoints[:, unmapped] == 0).all() and (vis[:, unmapped] == 0).all()
    np.testing.assert_array_equal(vis[0, :, 1], [0] * 5 + [1] * 14)
    # without pairs of sources the data's flip indices stay as they were
    assert out['flip_indices'] == _sample()['flip_indices']


def test_pairs_of_sources_average_and_cut_flip_indices(build):
    results = _sample(n=1, k=4)
    results['flip_indices'] = [1, 0, 3, 2]
    source, visible = results['keypoints'].copy(), results['keypoints_visible'].copy()
    mapping = [((0, 1), 0), (2, 1), (3, 2)]
    out = build('KeypointConverter', num_keypoints=3, mapping=mapping)(results)
    np.testing.assert_allclose(out['keypoints'][0, 0], 0.5 * (source[0, 0] + source[0, 1]))
    assert out['keypoints_visible'][0, 0, 0] == visible[0, 0] * visible[0, 1]
    np.testing.assert_array_equal(out['keypoints'][0, 1:], source[0, 2:])
    # MMPose's rule: entry i keeps i for a pair, else becomes the source's mirror when
    # that is < num_keypoints (here 3 -> no: 1 stays); cut to the mapping's length
    assert out['flip_indices'] == [0, 1, 2]


def test_visibility_with_weights_and_no_visibility(build):
    results = _sample(n=1, k=14)
    results['keypoints_visible'] = np.stack(
        [results['keypoints_visible'], np.full((1, 14), 0.5, np.float32)], axis=2)
    out = build('KeypointConverter', num_keypoints=14, mapping=[(i, i) for i in range(14)])(
        results)
    # the old weights go: every mapped keypoint weighs 1, as in MMPose
    assert (out['keypoints_visible'][..., 1] == 1).all()
    del results['keypoints_visible']
    out = build('KeypointConverter', num_keypoints=2, mapping=[(0, 1)])(results)
    np.testing.assert_array_equal(out['keypoints_visible'][0], [[0, 0], [1, 1]])


@pytest.mark.parametrize('kwargs, match', [
    (dict(num_keypoints=0, mapping=[]), r'num_keypoints must be an int >= 1, got 0'),
    (dict(num_keypoints=3, mapping=[(0, 3)]), r'target < num_keypoints=3, got \(0, 3\)'),
    (dict(num_keypoints=3, mapping=[(0, 1, 2)]), r'\(source, target\).*got \(0, 1, 2\)'),
    (dict(num_keypoints=3, mapping=[((0, 1, 2), 1)]), r'got \(\(0, 1, 2\), 1\)'),
    (dict(num_keypoints=3, mapping=[(-1, 0)]), r'indices >= 0'),
])
def test_bad_mappings_name_the_entry(build, kwargs, match):
    with pytest.raises(ValueError, match=match):
        build('KeypointConverter', **kwargs)


def test_a_source_the_sample_lacks_is_named(build):
    converter = build('KeypointConverter', num_keypoints=19, mapping=AIC_TO_COCO_AIC)
    with pytest.raises(ValueError, match=r'source keypoint 13, but the sample has 12 '
                                         r'keypoints'):
        converter(_sample(k=12))


def test_outputs_equal_mmposes(build):
    reference = json.loads((DATA / 'reference' / 'keypoint_converter_mmpose.json').read_text())
    assert len(reference['results']) == 64
    for i, expected in enumerate(reference['results']):
        args, data = _reference.inputs(expected['case'])
        out = build('KeypointConverter', **args)(data)
        assert str(out['keypoints'].dtype) == expected['dtype'], i
        np.testing.assert_array_equal(out['keypoints'], expected['keypoints'], err_msg=str(i))
        np.testing.assert_array_equal(out['keypoints_visible'], expected['keypoints_visible'],
                                      err_msg=str(i))
        assert out['flip_indices'] == expected['flip_indices'], i
