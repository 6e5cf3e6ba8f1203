"""``PhotometricDistortion`` gives MMPose 1.3.2's images for the same seed
(``tests/data/reference/photometric_mmpose.json``, made by
``benchmarks/anchor/make_photometric_reference.py`` with MMPose), and its
steps do what they say."""
from __future__ import annotations

import json
import re

import cv2
import numpy as np
import pytest
from posecore.registry import TRANSFORMS

from ...conftest import DATA
from .samples import digest

COCO = DATA / 'mmpose-testdata' / 'coco'
REFERENCE = DATA / 'reference' / 'photometric_mmpose.json'


def _build(**kwargs):
    return TRANSFORMS.build(dict(type='PhotometricDistortion', **kwargs))


def _seed_where(transform, wanted: dict) -> int:
    """A seed whose draws have the wanted flags (contrast_mode, brightness_flag,
    contrast_flag, hsv_mode, swap_flag by position)."""
    names = ('contrast_mode', 'brightness', 'contrast', 'hsv_mode', 'swap')
    for seed in range(10_000):
        np.random.seed(seed)
        draws = dict(zip(names, transform._draw()))
        if all(draws[k] == v for k, v in wanted.items()):
            return seed
    raise AssertionError(f'no seed draws {wanted}')


def test_every_case_equals_mmposes_image_and_draw_count():
    reference = json.loads(REFERENCE.read_text())
    images = {name: cv2.imread(str(COCO / name)) for name in
              {case['image'] for case in reference['cases']}}
    assert len(reference['cases']) == 256
    same_opencv = cv2.__version__ == reference['opencv']  # HSV conversion is OpenCV's
    for case in reference['cases']:
        transform = _build(**case['args'])
        np.random.seed(case['seed'])
        out = transform(dict(img=images[case['image']].copy()))['img']
        where = f"{case['args']} {case['image']} seed {case['seed']}"
        assert list(out.shape) == case['shape'] and str(out.dtype) == case['dtype'], where
        assert np.random.random_sample() == case['next_draw'], where
        if same_opencv:
            assert digest(out) == case['sha256'], where
    if not same_opencv:
        pytest.skip(f"images: reference made with OpenCV {reference['opencv']}, this is "
                    f'{cv2.__version__} (the draws were compared)')


def test_no_flag_leaves_the_image_and_brightness_adds_with_clipping():
    img = cv2.imread(str(COCO / '000000000785.jpg'))
    transform = _build(brightness_delta=40)
    np.random.seed(_seed_where(transform, dict(brightness=0, contrast=0, hsv_mode=0, swap=0)))
    np.testing.assert_array_equal(transform(dict(img=img.copy()))['img'], img)
    seed = _seed_where(transform, dict(brightness=1, contrast=0, hsv_mode=0, swap=0))
    np.random.seed(seed)
    beta = transform._draw()[5]
    np.random.seed(seed)
    out = transform(dict(img=img.copy()))['img']
    want = np.clip(img.astype(np.float32) + beta, 0, 255).astype(np.uint8)
    np.testing.assert_array_equal(out, want)
    assert out.dtype == np.uint8 and beta != 0


def test_contrast_is_applied_twice_or_not_at_all_as_in_mmpose():
    img = cv2.imread(str(COCO / '000000000785.jpg'))
    transform = _build()
    for mode, times in ((0, 0), (1, 2)):
        seed = _seed_where(transform, dict(contrast_mode=mode, brightness=0, contrast=1,
                                           hsv_mode=0, swap=0))
        np.random.seed(seed)
        alpha = transform._draw()[6]
        np.random.seed(seed)
        out = transform(dict(img=img.copy()))['img']
        want = img
        for _ in range(times):
            want = np.clip(want.astype(np.float32) * alpha, 0, 255).astype(np.uint8)
        np.testing.assert_array_equal(out, want, err_msg=f'contrast_mode {mode}')


def test_swap_permutes_the_channels():
    img = cv2.imread(str(COCO / '000000000785.jpg'))
    transform = _build()
    seed = _seed_where(transform, dict(brightness=0, contrast=0, hsv_mode=0, swap=1))
    np.random.seed(seed)
    order = transform._draw()[9]
    np.random.seed(seed)
    out = transform(dict(img=img.copy()))['img']
    np.testing.assert_array_equal(out, img[..., order])
    assert out.flags.c_contiguous


def test_zero_hue_delta_changes_no_hue():
    # MMPose's own code fails on hue_delta=0 (randint(0, 0)); here it means "no hue change"
    img = cv2.imread(str(COCO / '000000000785.jpg'))
    transform = _build(hue_delta=0)
    np.random.seed(_seed_where(transform, dict(brightness=0, contrast=0, hsv_mode=2, swap=0)))
    out = transform(dict(img=img.copy()))['img']
    # only the BGR -> HSV -> BGR round trip's rounding remains
    want = cv2.cvtColor(cv2.cvtColor(img, cv2.COLOR_BGR2HSV), cv2.COLOR_HSV2BGR)
    np.testing.assert_array_equal(out, want)


def test_a_photometric_training_pipeline_builds_from_its_config_name():
    pipeline = [TRANSFORMS.build(cfg) for cfg in (
        dict(type='LoadImage'), dict(type='PhotometricDistortion'))]
    results = dict(img_path=str(COCO / '000000000785.jpg'), img_id=785)
    for step in pipeline:
        results = step(results)
    assert results['img'].shape == (425, 640, 3) and results['img'].dtype == np.uint8


@pytest.mark.parametrize('kwargs, match', [
    (dict(brightness_delta=-1), 'brightness_delta must be a number >= 0'),
    (dict(contrast_range=(1.5, 0.5)), r'contrast_range must be \(low, high\)'),
    (dict(saturation_range=0.5), r'saturation_range must be \(low, high\)'),
    (dict(hue_delta=1.5), 'hue_delta must be an int >= 0'),
])
def test_bad_arguments_name_the_argument(kwargs, match):
    with pytest.raises(ValueError, match=match):
        _build(**kwargs)


@pytest.mark.parametrize('img, got', [
    (np.zeros((4, 4, 3), np.float32), 'float32 (4, 4, 3)'),
    (np.zeros((4, 4), np.uint8), 'uint8 (4, 4)'),
    (None, 'NoneType'),
])
def test_an_image_it_cannot_distort_is_named_with_the_fix(img, got):
    with pytest.raises(ValueError, match=rf'uint8 colour image \(H, W, 3\), got {re.escape(got)} '
                                         r'\(sample img_id=7\); load it with LoadImage'):
        _build()(dict(img=img, img_id=7))
