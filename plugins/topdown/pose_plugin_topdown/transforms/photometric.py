"""``PhotometricDistortion``: random brightness, contrast, saturation, hue and
channel order (MMPose 1.x, ``td-hm_hrnet-w32_photometric`` configs)."""
from __future__ import annotations

from numbers import Real
from typing import Any, Dict, Sequence

import cv2
import numpy as np
from posecore.transforms import BaseTransform

from .loading import describe_sample

__all__ = ['PhotometricDistortion']


def _range(name: str, value: Any) -> tuple[float, float]:
    ok = isinstance(value, (list, tuple)) and len(value) == 2 and all(
        isinstance(v, Real) and not isinstance(v, bool) for v in value)
    if not ok or not 0 <= value[0] <= value[1]:
        raise ValueError(f'PhotometricDistortion: {name} must be (low, high) with '
                         f'0 <= low <= high, got {value!r}')
    return float(value[0]), float(value[1])


def _scale_shift(img: np.ndarray, alpha: float = 1., beta: float = 0.) -> np.ndarray:
    """``img * alpha + beta`` in float32, clipped to [0, 255], truncated to uint8."""
    out = img.astype(np.float32) * alpha + beta
    return np.clip(out, 0, 255).astype(np.uint8)


class PhotometricDistortion(BaseTransform):
    """Distort the colours of ``results['img']`` (uint8, BGR, ``(H, W, 3)``).

    Each step happens with probability 1/2, in this order: brightness (add a
    value from ``[-brightness_delta, brightness_delta]``), contrast (multiply by
    a value from ``contrast_range``), in HSV: saturation (multiply) and/or hue
    (add an integer from ``[-hue_delta, hue_delta)``), contrast again, then a
    random permutation of the channels.

    The draws and the arithmetic are MMPose 1.3.2's, so a seeded run gives the
    same images as MMPose's, including two quirks of its code: contrast is
    applied either not at all or twice with the same factor (both places test
    the same mode flag, where the docstring meant "first or last"), and the hue
    channel wraps modulo 256 rather than OpenCV's 180.

    :param brightness_delta: largest brightness offset, >= 0.
    :param contrast_range: (low, high) contrast factor.
    :param saturation_range: (low, high) saturation factor.
    :param hue_delta: largest hue offset (OpenCV hue units, 0-179), an int >= 0.
    """

    def __init__(self,
                 brightness_delta: float = 32,
                 contrast_range: Sequence[float] = (0.5, 1.5),
                 saturation_range: Sequence[float] = (0.5, 1.5),
                 hue_delta: int = 18) -> None:
        if not isinstance(brightness_delta, Real) or isinstance(brightness_delta, bool) \
                or brightness_delta < 0:
            raise ValueError('PhotometricDistortion: brightness_delta must be a number '
                             f'>= 0, got {brightness_delta!r}')
        if not isinstance(hue_delta, (int, np.integer)) or isinstance(hue_delta, bool) \
                or hue_delta < 0:
            raise ValueError('PhotometricDistortion: hue_delta must be an int >= 0, got '
                             f'{hue_delta!r}')
        self.brightness_delta = brightness_delta
        self.contrast_lower, self.contrast_upper = _range('contrast_range', contrast_range)
        self.saturation_lower, self.saturation_upper = _range('saturation_range',
                                                              saturation_range)
        self.hue_delta = int(hue_delta)

    def _draw(self) -> tuple:
        """All draws of one sample, from ``np.random`` in MMPose's order."""
        contrast_mode, brightness_flag, contrast_flag = (np.random.randint(2) for _ in range(3))
        hsv_mode = np.random.randint(4)  # 0 none, 1 saturation, 2 hue, 3 both
        swap_flag = np.random.randint(2)
        beta = np.random.uniform(-self.brightness_delta, self.brightness_delta)
        contrast = np.random.uniform(self.contrast_lower, self.contrast_upper)
        saturation = np.random.uniform(self.saturation_lower, self.saturation_upper)
        # MMPose's randint(-d, d) fails for d == 0; no hue change then (no draw)
        hue = np.random.randint(-self.hue_delta, self.hue_delta) if self.hue_delta else 0
        order = np.random.permutation(3)
        return (contrast_mode, brightness_flag, contrast_flag, hsv_mode, swap_flag, beta,
                contrast, saturation, hue, order)

    def transform(self, results: Dict[str, Any]) -> Dict[str, Any]:
        """Replace ``results['img']`` with its distorted copy."""
        img = results.get('img')
        if not isinstance(img, np.ndarray) or img.dtype != np.uint8 or img.ndim != 3 \
                or img.shape[2] != 3:
            got = (f'{img.dtype} {img.shape}' if isinstance(img, np.ndarray)
                   else type(img).__name__)
            raise ValueError('PhotometricDistortion needs results["img"] as a uint8 colour '
                             f'image (H, W, 3), got {got} (sample {describe_sample(results)});'
                             " load it with LoadImage(color_type='color', to_float32=False) "
                             'and put PhotometricDistortion before any float conversion')
        (contrast_mode, brightness_flag, contrast_flag, hsv_mode, swap_flag, beta,
         contrast, saturation, hue, order) = self._draw()
        contrast_now = contrast_mode == 1 and contrast_flag
        if brightness_flag:
            img = _scale_shift(img, beta=beta)
        if contrast_now:
            img = _scale_shift(img, alpha=contrast)
        if hsv_mode:
            img = cv2.cvtColor(img, cv2.COLOR_BGR2HSV)
            if hsv_mode in (1, 3):
                img[..., 1] = _scale_shift(img[..., 1], alpha=saturation)
            if hsv_mode in (2, 3):
                img[..., 0] = (img[..., 0].astype(np.int64) + hue).astype(np.uint8)
            img = cv2.cvtColor(img, cv2.COLOR_HSV2BGR)
        if contrast_now:
            img = _scale_shift(img, alpha=contrast)
        if swap_flag:
            # fancy indexing returns a non-contiguous array, which OpenCV would copy later
            img = np.ascontiguousarray(img[..., order])
        results['img'] = img
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(brightness_delta={self.brightness_delta}, '
                f'contrast_range=({self.contrast_lower}, {self.contrast_upper}), '
                f'saturation_range=({self.saturation_lower}, {self.saturation_upper}), '
                f'hue_delta={self.hue_delta})')
