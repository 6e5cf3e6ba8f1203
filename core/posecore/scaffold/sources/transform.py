"""The sample transform of ``posecore plugin new --registry transforms``."""
from __future__ import annotations

MODULE = 'transform'
CLASS = '@Prefix@RandomBrightness'
#: where the generated config's training pipeline uses it: after LoadImage
CONFIG = "dict(type='@Prefix@RandomBrightness', max_delta=32, prob=0.5)"

SOURCE = '''\
"""``@Prefix@RandomBrightness``: a photometric data augmentation."""
from __future__ import annotations

from typing import Any, Dict, Optional

import numpy as np

from posecore.transforms import BaseTransform


class @Prefix@RandomBrightness(BaseTransform):
    """With probability ``prob``, add one random offset in ``[-max_delta, max_delta]``
    to every pixel of ``results['img']`` (``(H, W, C)`` uint8), clipped to 0..255.

    Keys read and written: ``img``. Keypoints and boxes are unchanged.

    :param max_delta: the largest offset, 0 to 255.
    :param prob: the probability of changing an image, 0 to 1.
    """

    def __init__(self, max_delta: float = 32, prob: float = 0.5) -> None:
        if not 0 <= max_delta <= 255:
            raise ValueError(f'@Prefix@RandomBrightness: max_delta must be 0 to 255, '
                             f'got {max_delta!r}')
        if not 0 <= prob <= 1:
            raise ValueError(f'@Prefix@RandomBrightness: prob must be 0 to 1, got {prob!r}')
        self.max_delta = max_delta
        self.prob = prob

    def transform(self, results: Dict[str, Any]) -> Optional[Dict[str, Any]]:
        """Brighten or darken ``results['img']``; the data pipeline's random state
        (NumPy's global one, as mmcv's transforms) decides."""
        if 'img' not in results:
            raise KeyError('@Prefix@RandomBrightness needs results["img"]; put it after '
                           'LoadImage in the pipeline')
        if np.random.rand() >= self.prob:
            return results
        delta = np.random.uniform(-self.max_delta, self.max_delta)
        img = results['img']
        results['img'] = np.clip(img.astype(np.float32) + delta, 0, 255).astype(img.dtype)
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(max_delta={self.max_delta}, prob={self.prob})'
'''

TEST = '''\
"""``@Prefix@RandomBrightness``: the posecore transform contract and what it does."""
from __future__ import annotations

import numpy as np
import pytest

from posecore.registry import TRANSFORMS
from posecore.testing import check_transform
from posecore.testing.samples import topdown_results

DIST = '@dist@'


def test_keeps_the_transform_contract(posecore_plugins):
    posecore_plugins(DIST)
    check_transform(dict(type='@Prefix@RandomBrightness', prob=1.0))


def test_shifts_every_pixel_by_one_offset(posecore_plugins):
    posecore_plugins(DIST)
    results = topdown_results()
    results['img'] = np.full((8, 8, 3), 100, np.uint8)
    np.random.seed(0)
    out = TRANSFORMS.build(dict(type='@Prefix@RandomBrightness', max_delta=50, prob=1.0))(
        results)
    assert out['img'].dtype == np.uint8
    assert len(np.unique(out['img'])) == 1 and 50 <= out['img'][0, 0, 0] <= 150
    assert out['img'][0, 0, 0] != 100


def test_prob_zero_leaves_the_image(posecore_plugins):
    posecore_plugins(DIST)
    results = topdown_results()
    img = results['img'].copy()
    out = TRANSFORMS.build(dict(type='@Prefix@RandomBrightness', prob=0.0))(results)
    assert (out['img'] == img).all()


def test_bad_arguments_are_refused(posecore_plugins):
    posecore_plugins(DIST)
    with pytest.raises(ValueError, match='prob must be 0 to 1'):
        TRANSFORMS.build(dict(type='@Prefix@RandomBrightness', prob=2))
'''
