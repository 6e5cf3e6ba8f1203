"""``Albumentation`` builds albumentations transforms from config dicts and applies
them to the image; without albumentations it says how to install it. The logic
runs on a stand-in module; MMPose's own configs run where albumentations is
installed (it is optional, and CI does not install it)."""
from __future__ import annotations

import sys
import types

import numpy as np
import pytest
from posecore.registry import TRANSFORMS

from ...mmpose_configs import fetch_mmpose_configs


class _ImageOnly:
    def __init__(self, p: float = 0.5) -> None:
        self.p = p


class _Invert(_ImageOnly):
    def apply(self, image):
        return 255 - image


class _Flip:  # a geometric (dual) transform
    def __init__(self, p: float = 0.5) -> None:
        self.p = p

    def apply(self, image):
        return image[:, ::-1]


class _OneOf:
    def __init__(self, transforms, p: float = 0.5) -> None:
        self.transforms = transforms

    def apply(self, image):
        return self.transforms[0].apply(image)


class _Compose:
    def __init__(self, transforms) -> None:
        self.transforms = transforms

    def __call__(self, **data):
        calls.append(sorted(data))
        for t in self.transforms:
            data['image'] = t.apply(data['image'])
        return data


calls: list = []


@pytest.fixture
def fake_albumentations(monkeypatch):
    module = types.ModuleType('albumentations')
    module.__version__ = '0.0-test'
    module.ImageOnlyTransform, module.Compose, module.OneOf = _ImageOnly, _Compose, _OneOf
    module.Invert, module.HorizontalFlip = _Invert, _Flip
    monkeypatch.setitem(sys.modules, 'albumentations', module)
    calls.clear()
    return module


def _build(transforms, **kwargs):
    return TRANSFORMS.build(dict(type='Albumentation', transforms=transforms, **kwargs))


def test_without_albumentations_the_error_gives_the_pip_command(monkeypatch):
    monkeypatch.setitem(sys.modules, 'albumentations', None)  # import fails
    with pytest.raises(ImportError, match=r"needs the albumentations package.*"
                                          r"'pip install albumentations'"):
        _build([dict(type='CoarseDropout')])


def test_transforms_apply_to_the_image_only(fake_albumentations):
    img = np.arange(24, dtype=np.uint8).reshape(2, 4, 3)
    transform = _build([dict(type='Invert', p=1.0),
                        dict(type='OneOf', transforms=[dict(type='Invert')], p=0.3)])
    assert isinstance(transform.aug.transforms[1], _OneOf)
    keypoints = np.ones((1, 17, 2))
    out = transform(dict(img=img, keypoints=keypoints, img_id=3))
    np.testing.assert_array_equal(out['img'], img)  # inverted twice
    assert out['keypoints'] is keypoints and out['img_id'] == 3
    assert calls == [['image']]  # only the mapped key went to albumentations


def test_keymap_renames_keys_both_ways(fake_albumentations):
    img = np.zeros((2, 2, 3), np.uint8)
    out = _build([dict(type='Invert')], keymap={'img': 'image'})(dict(img=img))
    assert out['img'].max() == 255
    with pytest.raises(KeyError, match=r"none of \['img'\] is in the sample \(img_id=5\)"):
        _build([dict(type='Invert')])(dict(img_id=5))


def test_a_geometric_transform_warns_that_keypoints_stay(fake_albumentations):
    with pytest.warns(UserWarning, match=r'transforms\[0\]: HorizontalFlip is not a '
                                         r'pixel-level transform .* keypoints and boxes no '
                                         'longer match'):
        _build([dict(type='HorizontalFlip')])


@pytest.mark.parametrize('transforms, error, match', [
    ([dict(type='NoSuch')], ValueError,
     r"transforms\[0\]: albumentations 0.0-test has no transform 'NoSuch'"),
    ([dict(type='OneOf', transforms=[dict(p=1)])], TypeError,
     r"transforms\[0\].transforms\[0\] must be a dict with a 'type'"),
    ([dict(type='Invert', max_holes=8)], ValueError,
     r"transforms\[0\]: albumentations.Invert\(\*\*\{'max_holes': 8\}\) failed under "
     r'albumentations 0.0-test'),
    (dict(type='Invert'), TypeError, 'transforms must be a list of config dicts'),
])
def test_bad_transform_configs_are_named(fake_albumentations, transforms, error, match):
    with pytest.raises(error, match=match):
        _build(transforms)


MMPOSE_CONFIGS, WHY_NOT = fetch_mmpose_configs()


@pytest.mark.parametrize('name', ['coarsedropout', 'gridmask'])
def test_mmposes_albumentation_configs_run_with_real_albumentations(name):
    pytest.importorskip('albumentations', reason='albumentations is optional and not '
                                                 'installed')
    if MMPOSE_CONFIGS is None:
        pytest.skip(f'MMPose 1.3.2 configs unavailable: {WHY_NOT}')
    from posecore.config import load_config
    cfg = load_config(MMPOSE_CONFIGS / 'body_2d_keypoint' / 'topdown_heatmap' / 'coco' /
                      f'td-hm_hrnet-w32_{name}-8xb64-210e_coco-256x192.py')
    step = next(t for t in cfg.train_dataloader.dataset.pipeline
                if t['type'] == 'Albumentation')
    step['transforms'][0]['p'] = 1.0
    transform = TRANSFORMS.build(step)
    img = np.full((256, 192, 3), 200, np.uint8)
    out = transform(dict(img=img.copy()))['img']
    assert out.shape == img.shape and out.dtype == np.uint8
    assert (out == 0).any() and (out == 200).any()  # some holes cut, not all


def test_the_installed_plugin_declares_the_albumentations_extra():
    # what the error's "pip install pose-plugin-topdown[albumentations]" installs
    from importlib import metadata
    requires = metadata.requires('pose-plugin-topdown') or []
    assert any(r.startswith('albumentations') and 'extra == "albumentations"' in r
               for r in requires), requires
