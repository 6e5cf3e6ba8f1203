"""Base class for data transforms, the contract of mmcv's ``BaseTransform``.

mmcv is not a posecore dependency, so plugin authors derive from this one:
implement :meth:`transform`; a transform returning None drops the sample.
"""
from __future__ import annotations

from abc import ABCMeta, abstractmethod
from typing import Any, Callable, Sequence


class BaseTransform(metaclass=ABCMeta):
    """A callable that maps a results dict to a results dict (or None)."""

    def __call__(self, results: dict[str, Any]) -> dict[str, Any] | None:
        return self.transform(results)

    @abstractmethod
    def transform(self, results: dict[str, Any]) -> dict[str, Any] | None:
        """Transform ``results``; return None to drop the sample."""

    def __repr__(self) -> str:
        return f'{type(self).__name__}()'


def build_pipeline(pipeline: Sequence[dict | Callable], owner: str) -> list[Callable]:
    """Transforms from config dicts through posecore's TRANSFORMS (entry points), so a
    pipeline resolves without mmengine's default scope being set; callables pass.

    :param owner: who asks (``'CocoDataset'``), named in the error.
    :raises TypeError: a step is neither a config dict nor a callable.
    """
    from posecore.registry import TRANSFORMS

    built = []
    for i, step in enumerate(pipeline):
        if isinstance(step, dict):
            step = TRANSFORMS.build(step)
        if not callable(step):
            raise TypeError(f'{owner}: each pipeline step must be a transform config dict '
                            f'or a callable, got {step!r} at index {i}')
        built.append(step)
    return built
