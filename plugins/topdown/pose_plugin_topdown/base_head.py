"""``BaseHead``: what every pose head shares (MMPose 1.x ``BaseHead``):
``forward``/``predict``/``loss`` and decoding a batch with the codec."""
from __future__ import annotations

from abc import ABCMeta, abstractmethod
from typing import Any, Optional, Sequence, Tuple, Union

import torch
from mmengine.model import BaseModule
from mmengine.structures import InstanceData
from torch import Tensor

__all__ = ['BaseHead', 'to_numpy']


def to_numpy(x: Any) -> Any:
    """Tensors (or tuples of them) as NumPy arrays, detached and on the CPU;
    bfloat16 (autocast's output, which NumPy lacks) as float32."""
    if isinstance(x, (tuple, list)):
        return type(x)(to_numpy(v) for v in x)
    if isinstance(x, Tensor):
        x = x.detach().cpu()
        return (x.float() if x.dtype == torch.bfloat16 else x).numpy()
    return x


class BaseHead(BaseModule, metaclass=ABCMeta):
    """Base class of heads. Subclasses implement :meth:`forward`,
    :meth:`predict` and :meth:`loss`, and set ``self.decoder`` (a codec or
    ``None``) for :meth:`decode`.

    :param init_cfg: mmengine init config.
    """

    decoder: Any = None

    @abstractmethod
    def forward(self, feats: Tuple[Tensor, ...]) -> Any:
        """The raw network output for features ``feats``."""

    @abstractmethod
    def predict(self, feats: Any, batch_data_samples: Optional[Sequence[Any]],
                test_cfg: Optional[dict] = None) -> Any:
        """Decoded predictions (list of ``InstanceData``, and optionally of
        ``PixelData``) for features ``feats``."""

    @abstractmethod
    def loss(self, feats: Tuple[Tensor, ...], batch_data_samples: Optional[Sequence[Any]],
             train_cfg: Optional[dict] = None) -> dict:
        """A dict of losses (and training metrics) for a batch."""

    def decode(self, batch_outputs: Union[Tensor, Tuple[Tensor, ...]]) -> list[InstanceData]:
        """Decode the network output of a batch into one ``InstanceData`` per
        sample with ``keypoints`` ``(N, K, D)`` and ``keypoint_scores``
        ``(N, K)`` (and ``keypoints_visible`` when the codec returns it),
        in input-image space.

        The codec's ``batch_decode`` decodes the whole batch in one call
        (posecore codecs always have one; MMPose's falls back to a loop).

        :raises RuntimeError: the head has no ``decoder``.
        """
        if self.decoder is None:
            raise RuntimeError(
                f'{type(self).__name__} has no decoder: set decoder=dict(type=...) '
                '(the codec config) in the head to use predict() and decode()')
        args = batch_outputs if isinstance(batch_outputs, tuple) else (batch_outputs, )
        keypoints, scores = self.decoder.batch_decode(*args)
        visibility: Sequence[Any]
        if isinstance(scores, tuple) and len(scores) == 2:
            scores, visibility = scores
        else:
            visibility = [None] * len(keypoints)
        preds = []
        for kpts, kpt_scores, vis in zip(keypoints, scores, visibility):
            pred = InstanceData(keypoints=kpts, keypoint_scores=kpt_scores)
            if vis is not None:
                pred.keypoints_visible = vis
            preds.append(pred)
        return preds
