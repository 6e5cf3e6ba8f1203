"""``GenerateTarget``: encode keypoints into training targets with the
codec(s) (MMPose 1.x)."""
from __future__ import annotations

import warnings
from copy import deepcopy
from typing import Any, Dict, List, Optional, Union

import numpy as np
from mmengine.dist import get_dist_info
from posecore.transforms import BaseTransform

from .loading import describe_sample

__all__ = ['GenerateTarget']

_TABLES = ('field_mapping_table', 'instance_mapping_table',
           'label_mapping_table')


def _build_codec(cfg: Any) -> Any:
    from posecore.registry import KEYPOINT_CODECS
    if not isinstance(cfg, dict) or 'type' not in cfg:
        raise TypeError('GenerateTarget: encoder must be a codec config dict '
                        "with a 'type' (e.g. dict(type='MSRAHeatmap', ...)) "
                        f'or a list of them, got {cfg!r}')
    return KEYPOINT_CODECS.build(dict(cfg))


class GenerateTarget(BaseTransform):
    """Encode ``transformed_keypoints`` (else ``keypoints``) with
    ``keypoints_visible`` into targets, e.g. ``heatmaps`` and
    ``keypoint_weights``, with codecs from ``KEYPOINT_CODECS``.

    The encoded items go into ``results``, with the codecs' mapping tables
    (``field_mapping_table``, ``instance_mapping_table``,
    ``label_mapping_table``) that tell ``PackPoseInputs`` where each
    belongs. A ``keypoints_visible`` of shape ``(N, K, 2)`` is split into
    ``keypoints_visible`` and ``keypoints_visible_weights`` first.

    :param encoder: one codec config, or a list of them.
    :param target_type: deprecated and ignored (a warning), as in MMPose.
    :param multilevel: with a list of codecs of one kind (e.g. several
        sigmas), each item becomes a list over the codecs; otherwise the
        codecs' items are merged (they must not overlap, except
        ``keypoint_weights``, which becomes a list).
    :param use_dataset_keypoint_weights: multiply ``keypoint_weights`` by
        ``results['dataset_keypoint_weights']`` (single codec: as MMPose,
        whose list case leaves the weights unchanged).
    """

    def __init__(self,
                 encoder: Union[dict, List[dict]],
                 target_type: Optional[str] = None,
                 multilevel: bool = False,
                 use_dataset_keypoint_weights: bool = False) -> None:
        if target_type is not None and get_dist_info()[0] == 0:
            warnings.warn(
                'The argument `target_type` is deprecated in GenerateTarget. '
                'The target type and encoded keys will be determined by '
                'encoder(s).', DeprecationWarning)
        self.encoder_cfg = deepcopy(encoder)
        self.multilevel = multilevel
        self.use_dataset_keypoint_weights = use_dataset_keypoint_weights
        if isinstance(self.encoder_cfg, (list, tuple)):
            if not self.encoder_cfg:
                raise ValueError('GenerateTarget: encoder is an empty list; '
                                 'give one codec config or a list of them')
            self.encoder = [_build_codec(cfg) for cfg in self.encoder_cfg]
        else:
            if multilevel:
                raise ValueError('GenerateTarget(multilevel=True) needs a list '
                                 f'of codec configs, got one: {encoder!r}')
            self.encoder = _build_codec(self.encoder_cfg)

    def transform(self, results: Dict[str, Any]) -> Dict[str, Any]:
        """Add the encoded items and the mapping tables to ``results``."""
        keypoints = results.get('transformed_keypoints', None)
        if keypoints is None:
            keypoints = results.get('keypoints', None)
        if keypoints is None:
            raise ValueError(
                "GenerateTarget requires 'transformed_keypoints' or "
                f"'keypoints' in the results (sample {describe_sample(results)})")
        if 'keypoints_visible' not in results:
            raise KeyError('GenerateTarget needs results["keypoints_visible"] '
                           f'(N, K); sample {describe_sample(results)}')
        visible = results['keypoints_visible']
        if visible.ndim == 3 and visible.shape[2] == 2:
            visible, visible_weights = visible[..., 0], visible[..., 1]
            results['keypoints_visible'] = visible
            results['keypoints_visible_weights'] = visible_weights

        if not isinstance(self.encoder, list):
            codec = self.encoder
            extra = {key: results.get(key, None)
                     for key in codec.auxiliary_encode_keys}
            encoded = codec.encode(keypoints=keypoints,
                                   keypoints_visible=visible, **extra)
            for table in _TABLES:
                if getattr(codec, table):
                    encoded[table] = getattr(codec, table)
        else:
            encoded = self._encode_all(results, keypoints, visible)

        if self.use_dataset_keypoint_weights and 'keypoint_weights' in encoded \
                and not isinstance(encoded['keypoint_weights'], list):
            encoded['keypoint_weights'] = (encoded['keypoint_weights']
                                           * results['dataset_keypoint_weights'])
        results.update(encoded)
        return results

    def _encode_all(self, results: Dict[str, Any], keypoints: np.ndarray,
                    visible: np.ndarray) -> Dict[str, Any]:
        encoded_list = []
        tables: Dict[str, dict] = {table: {} for table in _TABLES}
        for codec in self.encoder:
            missing = [key for key in codec.auxiliary_encode_keys
                       if key not in results]
            if missing:
                raise KeyError(f'GenerateTarget: codec {type(codec).__name__} '
                               f'needs results{missing!r}; sample '
                               f'{describe_sample(results)}')
            extra = {key: results[key] for key in codec.auxiliary_encode_keys}
            encoded_list.append(codec.encode(
                keypoints=keypoints, keypoints_visible=visible, **extra))
            for table in _TABLES:
                tables[table].update(getattr(codec, table))

        if self.multilevel:
            keys = encoded_list[0].keys()
            if any(one.keys() != keys for one in encoded_list):
                raise ValueError(
                    'Encoded items from all encoders must have the same keys '
                    'if ``multilevel==True``; got '
                    f'{[sorted(one) for one in encoded_list]!r}')
            encoded = {key: [one[key] for one in encoded_list] for key in keys}
        else:
            encoded, weights = {}, []
            for one in encoded_list:
                for key, value in one.items():
                    if key == 'keypoint_weights':
                        weights.append(value)
                    elif key in encoded:
                        raise ValueError(
                            f'Overlapping item "{key}" from multiple '
                            'encoders, which is not supported when '
                            '``multilevel==False``')
                    else:
                        encoded[key] = value
            if weights:
                encoded['keypoint_weights'] = weights
        for table, mapping in tables.items():
            if mapping:
                encoded[table] = mapping
        return encoded

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(encoder={self.encoder_cfg}, '
                f'use_dataset_keypoint_weights='
                f'{self.use_dataset_keypoint_weights})')
