"""Base class for data transforms, the contract of mmcv's ``BaseTransform``.

mmcv is not a posecore dependency, so plugin authors derive from this one:
implement :meth:`transform`; a transform returning None drops the sample.
"""
from __future__ import annotations

from abc import ABCMeta, abstractmethod
from typing import Any


class BaseTransform(metaclass=ABCMeta):
    """A callable that maps a results dict to a results dict (or None)."""

    def __call__(self, results: dict[str, Any]) -> dict[str, Any] | None:
        return self.transform(results)

    @abstractmethod
    def transform(self, results: dict[str, Any]) -> dict[str, Any] | None:
        """Transform ``results``; return None to drop the sample."""

    def __repr__(self) -> str:
        return f'{type(self).__name__}()'
