"""``TopdownAffine``: crop the box to the model input by an affine warp
(MMPose 1.x)."""
from __future__ import annotations

from numbers import Integral
from typing import Any, Dict, Tuple

import cv2
import numpy as np
from posecore.transforms import BaseTransform

from ..bbox import fix_aspect_ratio, get_udp_warp_matrix, get_warp_matrix
from .affine_warp import warp_affine
from .loading import describe_sample

__all__ = ['TopdownAffine']


#: the smallest box side (pixels) UDP crops; smaller boxes (a zero-size one) are widened to it
MIN_SCALE = 1e-2


class TopdownAffine(BaseTransform):
    """Warp the box (``bbox_center``, ``bbox_scale``, ``bbox_rotation``) to
    an image of ``input_size`` ``(w, h)``; transform the keypoints alike.

    The box scale is first enlarged to the input's aspect ratio (written
    back to ``bbox_scale``). The warp is bilinear with black borders, the
    matrix MMPose's bit for bit, so the crop equals MMPose's pixel for
    pixel (BGR images are warped through OpenCV's faster 4-channel path,
    same bytes: see ``affine_warp``). Adds ``transformed_keypoints`` (input space), ``input_size``,
    ``input_center`` and ``input_scale``; without keypoints,
    ``transformed_keypoints`` is an empty 0-d array and
    ``keypoints_visible`` ones ``(1, 1, 1)``, as in MMPose.

    One instance per sample (top-down). A box of zero size does not fail:
    the warp is degenerate and the crop a flat image, as in MMPose.

    :param input_size: model input ``(w, h)``.
    :param use_udp: the unbiased warp of UDP (Huang et al., CVPR 2020).
    """

    def __init__(self, input_size: Tuple[int, int],
                 use_udp: bool = False) -> None:
        if not (isinstance(input_size, (tuple, list)) and len(input_size) == 2
                and all(isinstance(v, Integral) and not isinstance(v, bool)
                        and v > 0 for v in input_size)):
            raise ValueError('TopdownAffine: input_size must be (w, h), two '
                             f'ints > 0, got {input_size!r}')
        self.input_size = input_size
        self.use_udp = use_udp

    def transform(self, results: Dict[str, Any]) -> Dict[str, Any]:
        """Crop ``img`` and transform ``keypoints``."""
        w, h = self.input_size
        if 'bbox_center' not in results or 'bbox_scale' not in results:
            raise KeyError('TopdownAffine needs results["bbox_center"] and '
                           'results["bbox_scale"] (GetBBoxCenterScale adds '
                           f'them); sample {describe_sample(results)}')
        center_all = results['bbox_center']
        if np.ndim(center_all) != 2 or len(center_all) != 1:
            raise ValueError(
                'TopdownAffine crops one instance per sample (top-down): '
                f'expected bbox_center of shape (1, 2), got '
                f'{np.shape(center_all)!r} (sample {describe_sample(results)})')
        scale_all = fix_aspect_ratio(results['bbox_scale'], aspect_ratio=w / h)
        results['bbox_scale'] = scale_all
        center, scale = center_all[0], scale_all[0]
        rotation = results['bbox_rotation'][0] if 'bbox_rotation' in results \
            else 0.
        if self.use_udp:
            # a zero-size (or sub-pixel) box: UDP's warp divides by the box size (MMPose
            # gives inf); crop a tiny box instead, so every output stays finite. (The plain
            # warp is finite there and kept as MMPose's.)
            scale = np.where(np.abs(scale) >= MIN_SCALE, scale, MIN_SCALE).astype(scale.dtype)
            warp = get_udp_warp_matrix(center, scale, rotation, output_size=(w, h))
        else:
            warp = get_warp_matrix(center, scale, rotation, output_size=(w, h))

        img = results['img']
        if isinstance(img, list):
            results['img'] = [self._warp(one, warp) for one in img]
        else:
            results['img'] = self._warp(img, warp)

        keypoints = results.get('keypoints', None)
        if keypoints is not None:
            previous = results.get('transformed_keypoints', None)
            transformed = (previous if previous is not None else keypoints).copy()
            # only (x, y) move; any further coordinate is kept
            transformed[..., :2] = cv2.transform(keypoints[..., :2], warp)
            results['transformed_keypoints'] = transformed
        else:
            results['transformed_keypoints'] = np.zeros([])
            results['keypoints_visible'] = np.ones((1, 1, 1))
        results['input_size'] = (w, h)
        results['input_center'] = center
        results['input_scale'] = scale
        return results

    def _warp(self, img: np.ndarray, warp: np.ndarray) -> np.ndarray:
        return warp_affine(img, warp, (int(self.input_size[0]),
                                       int(self.input_size[1])))

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(input_size={self.input_size}, '
                f'use_udp={self.use_udp})')
