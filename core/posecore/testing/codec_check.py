"""``check_codec``: the contract every keypoint codec in ``posecore.keypoint_codecs`` keeps.

Rules, each named in the :class:`ContractError` that breaks it:

- ``encode output``: ``encode(keypoints (1, K, 2), visible (1, K))`` returns a
  dict holding the representation ``decode`` takes;
- ``decode output``: ``decode`` returns keypoints ``(N, K, 2)`` and scores
  ``(N, K)``;
- ``round trip``: decoding the encoding gives the keypoints back within
  ``tolerance`` input pixels (default: one heatmap pixel when the codec has a
  ``heatmap_size``, else one input pixel);
- ``batch decode``: ``batch_decode`` of B stacked encodings returns keypoints
  ``(B, N, K, 2)`` and scores ``(B, N, K)`` equal to B ``decode`` calls (the
  heads decode whole batches in one call).
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

from posecore.testing.build import build_component
from posecore.testing.contract_error import broken
from posecore.testing.samples import NUM_KEYPOINTS, random_keypoints

CHECK = 'check_codec'
#: keys ``decode`` takes, tried in this order when ``decode_key`` is not given
DEFAULT_DECODE_KEYS = ('heatmaps', 'keypoint_labels')
#: batch and per-sample decoding may differ by float rounding only (input pixels)
BATCH_ATOL = 1e-4
BATCH_SIZE = 3


def _as_numpy(value: Any) -> np.ndarray:
    if hasattr(value, 'detach') and hasattr(value, 'cpu'):  # a torch tensor, duck-typed
        value = value.detach().cpu().numpy()
    return np.asarray(value)


def _decode_input(cfg: Mapping[str, Any], encoded: Any,
                  decode_key: str | Sequence[str] | None) -> Any:
    if not isinstance(encoded, Mapping):
        broken(CHECK, cfg, 'encode output', f'encode returned a {type(encoded).__name__}; '
               'return a dict, e.g. dict(heatmaps=..., keypoint_weights=...)')
    keys: Sequence[str]
    if decode_key is None:
        keys = [next((k for k in DEFAULT_DECODE_KEYS if k in encoded), '')]
        if not keys[0]:
            broken(CHECK, cfg, 'encode output', f'encode returned the keys {sorted(encoded)} '
                   f'and none of {DEFAULT_DECODE_KEYS}; pass decode_key= naming what decode '
                   'takes (a tuple of keys for a decode that takes a tuple)')
    else:
        keys = [decode_key] if isinstance(decode_key, str) else list(decode_key)
        missing = [k for k in keys if k not in encoded]
        if missing:
            broken(CHECK, cfg, 'encode output', f'encode returned the keys {sorted(encoded)}, '
                   f'without {missing}')
    values = tuple(encoded[k] for k in keys)
    return values[0] if len(values) == 1 and isinstance(decode_key, (str, type(None))) \
        else values


def _decoded(cfg: Mapping[str, Any], out: Any, shape: tuple[int, ...], what: str
             ) -> tuple[np.ndarray, np.ndarray]:
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        broken(CHECK, cfg, f'{what} output', f'{what} returned a {type(out).__name__}; '
               'return (keypoints, scores)')
    keypoints, scores = out
    if isinstance(scores, tuple) and len(scores) == 2:  # (scores, visibility), as some codecs
        scores = scores[0]
    keypoints, scores = _as_numpy(keypoints), _as_numpy(scores)
    if keypoints.shape != shape or scores.shape != shape[:-1]:
        broken(CHECK, cfg, f'{what} output', f'{what} returned keypoints {keypoints.shape} and '
               f'scores {scores.shape}; expected {shape} and {shape[:-1]}')
    return keypoints, scores


def check_codec(cfg: Mapping[str, Any], keypoints: np.ndarray | None = None,
                decode_key: str | Sequence[str] | None = None,
                tolerance: float | None = None) -> Any:
    """Build the codec ``cfg`` through ``KEYPOINT_CODECS`` and check its contract.

    :param cfg: the codec config, e.g. ``dict(type='MSRAHeatmap', input_size=(192, 256),
        heatmap_size=(48, 64), sigma=2)``.
    :param keypoints: ``(1, K, 2)`` keypoints to encode; default 17 random ones
        inside the codec's ``input_size``, 15% away from the borders.
    :param decode_key: the key(s) of the encoding that ``decode`` takes;
        default ``'heatmaps'``, else ``'keypoint_labels'``.
    :param tolerance: largest round-trip error accepted, in input pixels.
    :returns: the built codec.
    :raises ContractError: naming the component and the broken rule.
    """
    codec = build_component('keypoint_codecs', cfg)
    input_size = getattr(codec, 'input_size', None)
    if keypoints is None and input_size is None:
        broken(CHECK, cfg, 'encode output', 'the codec has no input_size attribute; pass '
               'keypoints=(1, K, 2) inside its input space')
    heatmap_size = getattr(codec, 'heatmap_size', None)
    if tolerance is None:
        tolerance = 1.0 if heatmap_size is None else float(
            np.max(np.asarray(input_size, float) / np.asarray(heatmap_size, float)))

    def sample(seed: int) -> np.ndarray:
        if keypoints is not None:
            return np.asarray(keypoints, np.float32)[..., :2] + (seed * 0.5 if seed else 0)
        return random_keypoints(input_size, 1, NUM_KEYPOINTS, margin=0.15, seed=seed)

    kpts = sample(0)
    shape = tuple(kpts.shape)
    visible = np.ones(shape[:2], np.float32)
    encoded = codec.encode(kpts, visible)
    decoded, _ = _decoded(cfg, codec.decode(_decode_input(cfg, encoded, decode_key)), shape,
                          'decode')
    err = float(np.abs(decoded - kpts).max())
    if not err <= tolerance:  # also catches NaN
        worst = np.unravel_index(int(np.nanargmax(np.abs(decoded - kpts))), decoded.shape)
        broken(CHECK, cfg, 'round trip', f'decode(encode(keypoints)) is off by up to {err:.3g} '
               f'input px (limit {tolerance:.3g}); keypoint {worst[1]} went from '
               f'{np.round(kpts[worst[:2]], 2).tolist()} to '
               f'{np.round(decoded[worst[:2]], 2).tolist()}')

    if not callable(getattr(codec, 'batch_decode', None)):
        broken(CHECK, cfg, 'batch decode', f'{type(codec).__name__} has no batch_decode; '
               'derive from posecore.codecs.BaseKeypointCodec (it loops over decode)')
    inputs = [_decode_input(cfg, codec.encode(sample(s), visible), decode_key)
              for s in range(BATCH_SIZE)]
    singles = [_decoded(cfg, codec.decode(x), shape, 'decode') for x in inputs]
    if isinstance(inputs[0], tuple):
        batch_out = codec.batch_decode(*(np.stack([_as_numpy(x[i]) for x in inputs])
                                         for i in range(len(inputs[0]))))
    else:
        batch_out = codec.batch_decode(np.stack([_as_numpy(x) for x in inputs]))
    batch_kpts, batch_scores = _decoded(cfg, batch_out, (BATCH_SIZE, *shape), 'batch_decode')
    for i, (one_kpts, one_scores) in enumerate(singles):
        diff = max(float(np.abs(batch_kpts[i] - one_kpts).max()),
                   float(np.abs(batch_scores[i] - one_scores).max()))
        if not diff <= BATCH_ATOL:
            broken(CHECK, cfg, 'batch decode', f'batch_decode sample {i} differs from '
                   f'decode of that sample by up to {diff:.3g} (limit {BATCH_ATOL:g})')
    return codec
