"""``check_transform``: the contract every data transform in ``posecore.transforms`` keeps.

A transform takes a results dict and returns one (MMPose 1.x / mmcv's
``BaseTransform``). Rules, each named in the :class:`ContractError` that
breaks it:

- ``returns a dict``: it returns a dict (None drops a sample: allowed only
  with ``may_drop=True``);
- ``keys kept``: every key of the input is in the output, except those
  listed in ``removes``;
- ``dtypes kept``: an array (NumPy or torch) stays an array of the same kind
  of dtype (``uint8`` images stay ``uint8``, float keypoints stay float),
  except for the keys listed in ``converts``;
- ``finite arrays``: no float array of the output holds NaN or Inf where the
  input had none.
"""
from __future__ import annotations

import copy
from typing import Any, Iterable, Mapping

import numpy as np

from posecore.testing.build import build_component
from posecore.testing.contract_error import broken
from posecore.testing.samples import topdown_results

CHECK = 'check_transform'


def _dtype(value: Any) -> Any:
    dtype = getattr(value, 'dtype', None)
    return None if dtype is None or not hasattr(value, 'shape') else dtype


def _kind(dtype: Any) -> str:
    """NumPy's dtype kind letter ('u', 'i', 'f', 'b'...), for torch dtypes too."""
    try:
        return np.dtype(dtype).kind
    except TypeError:  # a torch dtype
        if dtype.is_floating_point:
            return 'f'
        return 'b' if str(dtype) == 'torch.bool' else ('u' if str(dtype) == 'torch.uint8'
                                                       else 'i')


def _all_finite(value: Any) -> bool:
    if hasattr(value, 'detach'):
        value = value.detach().cpu().numpy()
    array = np.asarray(value)
    return array.dtype.kind != 'f' or bool(np.isfinite(array).all())


def check_transform(cfg: Mapping[str, Any], results: Mapping[str, Any] | None = None,
                    removes: Iterable[str] = (), converts: Iterable[str] = (),
                    may_drop: bool = False) -> dict[str, Any] | None:
    """Build the transform ``cfg`` through ``TRANSFORMS``, apply it, check its contract.

    :param cfg: the transform config, e.g. ``dict(type='RandomFlip', prob=1.0)``.
    :param results: the input results dict (deep-copied first); default
        :func:`posecore.testing.samples.topdown_results`: what ``LoadImage``
        leaves for a top-down COCO sample.
    :param removes: keys the transform is documented to remove.
    :param converts: keys whose dtype the transform is documented to change.
    :param may_drop: the transform may return None for this input.
    :returns: the transformed results (None when dropped).
    :raises ContractError: naming the component and the broken rule.
    """
    transform = build_component('transforms', cfg)
    before = copy.deepcopy(dict(topdown_results() if results is None else results))
    out = transform(copy.deepcopy(before))
    if out is None:
        if may_drop:
            return None
        broken(CHECK, cfg, 'returns a dict', 'it returned None (a dropped sample) for the '
               'input; pass may_drop=True if that is intended')
    if not isinstance(out, Mapping):
        broken(CHECK, cfg, 'returns a dict', f'it returned a {type(out).__name__}')
    removes, converts = set(removes), set(converts)
    lost = sorted(k for k in before if k not in out and k not in removes)
    if lost:
        broken(CHECK, cfg, 'keys kept', f'the output lacks the input keys {lost}; keep them '
               '(later transforms and the metrics read them), or pass removes= if the '
               'transform is meant to remove them')
    for key, value in before.items():
        if key not in out or key in converts:
            continue
        old, new = _dtype(value), _dtype(out[key])
        if old is None:
            continue
        if new is None:
            broken(CHECK, cfg, 'dtypes kept', f'{key!r} was an array of {old} and became a '
                   f'{type(out[key]).__name__}')
        if _kind(old) != _kind(new):
            broken(CHECK, cfg, 'dtypes kept', f'{key!r} changed dtype from {old} to {new}; '
                   'keep it, or pass converts= if the transform is meant to change it')
        if _all_finite(value) and not _all_finite(out[key]):
            broken(CHECK, cfg, 'finite arrays', f'{key!r} holds NaN/Inf after the transform, '
                   'none before')
    return dict(out)
