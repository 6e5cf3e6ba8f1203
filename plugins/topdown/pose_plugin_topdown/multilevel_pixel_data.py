"""``MultilevelPixelData``: spatial fields at several levels (MMPose 1.x).

``GenerateTarget(multilevel=True)`` encodes one target per codec (e.g.
heatmaps of several sigmas); ``PackPoseInputs`` keeps them in
``gt_fields`` as one list per name, level ``i`` at index ``i``.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Callable, List, Optional, Tuple

import numpy as np
import torch
from mmengine.structures import BaseDataElement, PixelData

__all__ = ['MultilevelPixelData']


class MultilevelPixelData(BaseDataElement):
    """Data fields that are lists over levels of arrays or tensors
    ``(C, H, W)`` (or ``(H, W)``); every field has ``nlevel`` entries.

    ``data.heatmaps`` is the list; ``data[i]`` is level ``i`` as a
    ``PixelData``; ``data.levels()`` all of them.
    """

    def __init__(self, *, metainfo: Optional[dict] = None, **kwargs: Any) -> None:
        object.__setattr__(self, '_nlevel', None)
        super().__init__(metainfo=metainfo, **kwargs)

    @property
    def nlevel(self) -> Optional[int]:
        """The number of levels (None while empty)."""
        return self._nlevel

    def set_field(self, value: Any, name: str, dtype: Any = None,
                  field_type: str = 'data') -> None:
        """Set a field; a data field must be a non-empty list of arrays or
        tensors, one per level."""
        if field_type == 'data' and not name.startswith('_'):
            if not isinstance(value, Sequence) or isinstance(value, str) \
                    or not value:
                raise TypeError(f'MultilevelPixelData.{name} must be a '
                                'non-empty list (one entry per level) of '
                                f'arrays or tensors, got {type(value).__name__}')
            if not all(isinstance(v, (np.ndarray, torch.Tensor)) for v in value):
                raise TypeError(f'MultilevelPixelData.{name} must hold arrays '
                                'or tensors, got '
                                f'{[type(v).__name__ for v in value]}')
            if self._nlevel is None:
                object.__setattr__(self, '_nlevel', len(value))
            elif len(value) != self._nlevel:
                raise ValueError(f'MultilevelPixelData.{name} has {len(value)} '
                                 f'levels, the data has {self._nlevel}')
            value = list(value)
        super().set_field(value, name, dtype=dtype, field_type=field_type)

    def __getitem__(self, item: Any) -> Any:
        if isinstance(item, str):
            if item not in self:
                raise KeyError(item)
            return getattr(self, item)
        if isinstance(item, int):
            if self._nlevel is None or not 0 <= item < self._nlevel:
                raise IndexError(f'level {item} out of range ({self._nlevel})')
            return PixelData(**{key: value[item] for key, value in self.items()})
        raise TypeError(f'{type(self).__name__} is indexed by a level (int) '
                        f'or a field name (str), got {type(item).__name__}')

    def levels(self) -> List[PixelData]:
        """Every level as a ``PixelData``."""
        return [self[i] for i in range(self._nlevel or 0)]

    @property
    def shape(self) -> Optional[Tuple[Tuple[int, ...], ...]]:
        """``(H, W)`` of each level, or None while empty."""
        if self._nlevel is None:
            return None
        return tuple(level.shape for level in self.levels())

    def _convert(self, func: Callable[[Any], Any],
                 kind: type) -> 'MultilevelPixelData':
        new = self.new()
        for key, value in self.items():
            if all(isinstance(v, kind) for v in value):
                new.set_field([func(v) for v in value], key)
        return new

    def to_tensor(self) -> 'MultilevelPixelData':
        """Arrays to tensors (sharing memory)."""
        return self._convert(torch.from_numpy, np.ndarray)

    def numpy(self) -> 'MultilevelPixelData':
        """Tensors to arrays."""
        return self._convert(lambda v: v.detach().cpu().numpy(), torch.Tensor)

    def cpu(self) -> 'MultilevelPixelData':
        return self._convert(lambda v: v.cpu(), torch.Tensor)

    def cuda(self) -> 'MultilevelPixelData':
        return self._convert(lambda v: v.cuda(), torch.Tensor)

    def detach(self) -> 'MultilevelPixelData':
        return self._convert(lambda v: v.detach(), torch.Tensor)

    def to(self, *args: Any, **kwargs: Any) -> 'MultilevelPixelData':
        return self._convert(lambda v: v.to(*args, **kwargs), torch.Tensor)
