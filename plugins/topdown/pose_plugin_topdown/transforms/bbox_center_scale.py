"""``GetBBoxCenterScale``: boxes to centre and padded scale (MMPose 1.x)."""
from __future__ import annotations

import warnings
from typing import Any, Dict

import numpy as np
from mmengine.dist import get_dist_info
from posecore.transforms import BaseTransform

from ..bbox import bbox_xyxy2cs
from .loading import describe_sample

__all__ = ['GetBBoxCenterScale']


class GetBBoxCenterScale(BaseTransform):
    """Turn ``results['bbox']`` ``(N, 4)`` (left, top, right, bottom) into
    ``bbox_center`` ``(N, 2)`` and ``bbox_scale`` ``(N, 2)`` (w, h) times
    ``padding``.

    When ``bbox_center`` and ``bbox_scale`` are already there (e.g. from a
    detector), they are kept and only the scale is padded, with a warning,
    as MMPose does. A box of zero size gives a zero scale (no error).

    :param padding: factor on the box size.
    """

    def __init__(self, padding: float = 1.25) -> None:
        self.padding = padding

    def transform(self, results: Dict[str, Any]) -> Dict[str, Any]:
        """Add ``bbox_center`` and ``bbox_scale``."""
        if 'bbox_center' in results and 'bbox_scale' in results:
            if get_dist_info()[0] == 0:
                warnings.warn('Use the existing "bbox_center" and '
                              '"bbox_scale". The padding will still be '
                              'applied.')
            results['bbox_scale'] = results['bbox_scale'] * self.padding
            return results
        if 'bbox' not in results:
            raise KeyError('GetBBoxCenterScale needs results["bbox"] (N, 4) '
                           'in xyxy format, or bbox_center and bbox_scale; '
                           f'sample {describe_sample(results)}')
        bbox = results['bbox']
        if not isinstance(bbox, np.ndarray) or bbox.ndim == 0 \
                or bbox.shape[-1] < 4:
            raise ValueError(
                'GetBBoxCenterScale expects results["bbox"] as an array of '
                f'shape (N, 4) (left, top, right, bottom), got '
                f'{getattr(bbox, "shape", type(bbox).__name__)!r} (sample '
                f'{describe_sample(results)})')
        results['bbox_center'], results['bbox_scale'] = bbox_xyxy2cs(
            bbox, padding=self.padding)
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(padding={self.padding})'
