"""The keypoint codec contract for plugin authors.

A codec turns keypoints into training targets (:meth:`encode`) and network
output back into keypoints (:meth:`decode`). Plugins register codecs in
``KEYPOINT_CODECS`` through the entry-point group ``posecore.keypoint_codecs``;
configs name them as in MMPose 1.x::

    codec = dict(type='MSRAHeatmap', input_size=(192, 256),
                 heatmap_size=(48, 64), sigma=2)

Shapes (MMPose 1.x names and layout):

- N: instances, K: keypoints, D: keypoint dimension (2), B: batch size
- input size ``[w, h]``; heatmap size ``[W, H]``
- keypoints ``(N, K, D)`` in input space; visibility ``(N, K)``
- heatmaps ``(K, H, W)``; a batch of them ``(B, K, H, W)``

This module imports NumPy only; torch tensors are accepted by duck typing.
"""
from __future__ import annotations

from abc import ABCMeta, abstractmethod
from typing import Any, ClassVar, Optional, Tuple

import numpy as np

__all__ = ['BaseKeypointCodec']


class BaseKeypointCodec(metaclass=ABCMeta):
    """Base class of keypoint codecs (MMPose 1.x ``BaseKeypointCodec``).

    Class attributes that the data pipeline (``GenerateTarget``) reads:

    - ``auxiliary_encode_keys``: extra ``results`` keys passed to
      :meth:`encode` as keyword arguments, beyond the keypoints.
    - ``field_mapping_table`` / ``instance_mapping_table`` /
      ``label_mapping_table``: where each encoded key goes in the data
      sample (``gt_fields``, ``gt_instances``, ``gt_instance_labels``),
      as ``{encoded_key: sample_key}``.
    """

    auxiliary_encode_keys: ClassVar[frozenset] = frozenset()
    field_mapping_table: ClassVar[dict] = {}
    instance_mapping_table: ClassVar[dict] = {}
    label_mapping_table: ClassVar[dict] = {}

    @abstractmethod
    def encode(self,
               keypoints: np.ndarray,
               keypoints_visible: Optional[np.ndarray] = None) -> dict:
        """Encode keypoints ``(N, K, D)`` (input space) with visibility
        ``(N, K)`` (all visible when ``None``) into a dict of targets, e.g.
        ``heatmaps`` ``(K, H, W)`` and ``keypoint_weights`` ``(N, K)``."""

    @abstractmethod
    def decode(self, encoded: Any) -> Tuple[np.ndarray, np.ndarray]:
        """Decode one sample's encoded representation (e.g. heatmaps
        ``(K, H, W)``) into keypoints ``(N, K, D)`` in input space and
        scores ``(N, K)``."""

    def batch_decode(self, batch_encoded: Any) -> Tuple[np.ndarray, np.ndarray]:
        """Decode a batch ``(B, ...)`` (NumPy array or torch tensor).

        Returns keypoints ``(B, N, K, D)`` and scores ``(B, N, K)``;
        iterating over them yields the per-sample results of :meth:`decode`,
        as MMPose's list-returning ``batch_decode`` does. This fallback
        loops over :meth:`decode`; codecs override it with a vectorised
        version (then :attr:`support_batch_decoding` is ``True``).
        """
        batch = self.as_numpy(batch_encoded)
        if batch.ndim < 1 or batch.shape[0] == 0:
            raise ValueError(
                f'{type(self).__name__}.batch_decode expects a batch of shape '
                f'(B, ...) with B >= 1, got shape {batch.shape!r}')
        decoded = [self.decode(sample) for sample in batch]
        keypoints = np.stack([kpts for kpts, _ in decoded])
        scores = np.stack([scores for _, scores in decoded])
        return keypoints, scores

    @property
    def support_batch_decoding(self) -> bool:
        """Whether the codec has its own (vectorised) :meth:`batch_decode`."""
        return type(self).batch_decode is not BaseKeypointCodec.batch_decode

    @staticmethod
    def as_numpy(data: Any) -> np.ndarray:
        """Return ``data`` as a NumPy array; torch tensors (any device, with
        or without grad) are detached and copied to the CPU."""
        # duck typing keeps torch out of this module's imports
        if hasattr(data, 'detach') and hasattr(data, 'cpu'):
            data = data.detach().cpu().numpy()
        return np.asarray(data)

    def check_keypoints(
        self,
        keypoints: Any,
        keypoints_visible: Any = None,
        instances: Optional[int] = None,
        dims: int = 2,
    ) -> Tuple[np.ndarray, np.ndarray]:
        """Validate ``keypoints`` ``(N, K, dims)`` (exactly ``instances``
        instances when given) and ``keypoints_visible`` ``(N, K)`` (all ones
        when ``None``); return them as arrays.

        Raises ``ValueError`` naming the expected and received shapes.
        """
        keypoints = np.asarray(keypoints)
        shape = keypoints.shape
        if len(shape) != 3 or shape[-1] != dims:
            raise ValueError(
                f'{type(self).__name__}.encode expects keypoints of shape '
                f'(N, K, {dims}), got shape {shape!r}; for a single '
                f'instance of shape (K, {dims}) add the instance axis: '
                f'keypoints[None]')
        if keypoints.dtype.kind not in 'biuf':
            raise ValueError(f'{type(self).__name__}.encode expects numeric '
                             f'keypoints, got dtype {keypoints.dtype!r}')
        n, k = shape[:2]
        if instances is not None and n != instances:
            raise ValueError(
                f'{type(self).__name__} encodes exactly {instances} '
                f'instance(s) per call, as MMPose: expected keypoints of '
                f'shape ({instances}, K, {dims}), got shape {shape!r}')
        if keypoints_visible is None:
            return keypoints, np.ones((n, k), dtype=np.float32)
        keypoints_visible = np.asarray(keypoints_visible)
        if keypoints_visible.shape != (n, k):
            raise ValueError(
                f'{type(self).__name__}.encode expects keypoints_visible of '
                f'shape {(n, k)!r} (N, K) to match keypoints {shape!r}, got '
                f'shape {keypoints_visible.shape!r}')
        return keypoints, keypoints_visible
