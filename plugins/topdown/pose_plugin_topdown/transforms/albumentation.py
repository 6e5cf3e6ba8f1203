"""``Albumentation``: pixel-level transforms from the albumentations library, as
MMPose 1.x's (its ``coarsedropout`` and ``gridmask`` configs use it).

albumentations is optional: posecore does not install it, and the transform says
so when it is built without it.
"""
from __future__ import annotations

import warnings
from typing import Any, Dict, List, Optional

from posecore.transforms import BaseTransform

from .loading import describe_sample

__all__ = ['Albumentation']


def _albumentations() -> Any:
    try:
        import albumentations
    except ImportError as exc:
        raise ImportError(
            'Albumentation needs the albumentations package, which posecore does not '
            "install: 'pip install albumentations' (or the plugin's extra, "
            "'pip install pose-plugin-topdown[albumentations]'); MMPose 1.3.2's configs "
            "name albumentations 1.x's arguments, and 2.x renamed some (CoarseDropout's)"
        ) from exc
    return albumentations


def _build(albu: Any, cfg: Any, where: str) -> Any:
    """One albumentations transform (or composition) from ``dict(type=..., ...)``."""
    if not isinstance(cfg, dict) or not isinstance(cfg.get('type'), str):
        raise TypeError(f"Albumentation: {where} must be a dict with a 'type' naming an "
                        f'albumentations transform, got {cfg!r}')
    args = dict(cfg)
    name = args.pop('type')
    cls = getattr(albu, name, None)
    if not isinstance(cls, type):
        raise ValueError(f'Albumentation: {where}: albumentations {albu.__version__} has '
                         f'no transform {name!r}')
    if 'transforms' in args:
        args['transforms'] = [_build(albu, sub, f'{where}.transforms[{i}]')
                              for i, sub in enumerate(args['transforms'])]
    elif not issubclass(cls, albu.ImageOnlyTransform):
        # boxes and keypoints are not passed through, so a geometric transform
        # would move the image away from its annotations
        warnings.warn(f'Albumentation: {where}: {name} is not a pixel-level transform '
                      '(albumentations.ImageOnlyTransform); only the image passes through '
                      'it, so if it moves pixels, keypoints and boxes no longer match')
    try:
        return cls(**args)
    except Exception as exc:  # albumentations' own argument checks
        raise ValueError(f'Albumentation: {where}: albumentations.{name}(**{args!r}) failed '
                         f'under albumentations {albu.__version__}: {exc}') from exc


class Albumentation(BaseTransform):
    """Apply a composition of albumentations transforms to ``results['img']``.

    :param transforms: albumentations transforms as config dicts, e.g.
        ``[dict(type='CoarseDropout', max_holes=8, p=0.5)]``; compositions
        (``OneOf``) take their own ``transforms`` list.
    :param keymap: results key -> albumentations keyword; default
        ``{'img': 'image'}``. Only these keys go to albumentations and come back.
    :raises ImportError: albumentations is not installed.
    """

    def __init__(self, transforms: List[dict], keymap: Optional[Dict[str, str]] = None) -> None:
        if not isinstance(transforms, (list, tuple)):
            raise TypeError('Albumentation: transforms must be a list of config dicts, got '
                            f'{transforms!r}')
        albu = _albumentations()
        self.transforms = list(transforms)
        self.aug = albu.Compose([_build(albu, cfg, f'transforms[{i}]')
                                 for i, cfg in enumerate(self.transforms)])
        self.keymap = dict(keymap) if keymap else {'img': 'image'}

    def transform(self, results: Dict[str, Any]) -> Dict[str, Any]:
        """Replace the mapped entries of ``results`` with albumentations' output."""
        inputs = {albu_key: results[key] for key, albu_key in self.keymap.items()
                  if key in results}
        if not inputs:
            raise KeyError(f'Albumentation: none of {sorted(self.keymap)} is in the sample '
                           f'({describe_sample(results)}); load the image first')
        outputs = self.aug(**inputs)
        for key, albu_key in self.keymap.items():
            if albu_key in inputs:
                results[key] = outputs[albu_key]
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(transforms={self.transforms!r})'
