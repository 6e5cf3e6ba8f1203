"""Flip helpers for test-time augmentation (MMPose 1.x ``models.utils.tta``).

The image is flipped horizontally, run through the network, and the outputs
are flipped back and their left/right keypoints swapped (``flip_indices``) so
they line up with the outputs of the unflipped image. Shapes: B batch,
K keypoints, C channels (K, or 3K for UDP's combined maps), heatmap H x W.

Each helper gathers with index tensors in one pass per axis instead of
flip + index + shift copies; the values are MMPose's exactly (pure data
movement and sign changes).
"""
from __future__ import annotations

from typing import Any, Optional, Sequence, Tuple, Union

import torch
from torch import Tensor

from .model_errors import ModelConfigError, ModelInputError

__all__ = ['FLIP_MODES', 'flip_heatmaps', 'heatmap_shift', 'flip_coordinates',
           'flip_vectors', 'flip_visibility', 'channels_per_keypoint', 'check_flip_indices']

#: flip_mode -> (channels per keypoint, channel negated after flipping or None);
#: 'udp_combined': heatmap, x offset, y offset; 'offset': x offset, y offset.
FLIP_MODES: dict[str, Tuple[int, Optional[int]]] = {
    'heatmap': (1, None),
    'udp_combined': (3, 1),
    'offset': (2, 0),
}


def channels_per_keypoint(flip_mode: str) -> int:
    """Output channels per keypoint that ``flip_mode`` implies (1, 3 or 2).

    :raises ModelConfigError: an unknown ``flip_mode``.
    """
    try:
        return FLIP_MODES[flip_mode][0]
    except (KeyError, TypeError):
        raise ModelConfigError(
            f'flip_mode={flip_mode!r} is not supported; use one of '
            f'{sorted(FLIP_MODES)!r} (test_cfg.flip_mode)') from None


def check_flip_indices(flip_indices: Any, num_keypoints: int,
                       what: str = 'the heatmaps') -> list[int]:
    """Return ``flip_indices`` as a list of ints, each in ``[0, num_keypoints)``,
    of length ``num_keypoints``.

    :param what: what ``num_keypoints`` was read from, for the message.
    :raises ModelInputError: wrong length or an index out of range.
    """
    if isinstance(flip_indices, Tensor):
        flip_indices = flip_indices.tolist()
    try:
        indices = [int(i) for i in flip_indices]
    except (TypeError, ValueError):
        raise ModelInputError(
            f'flip_indices must be a sequence of {num_keypoints} keypoint indices '
            f'(metainfo flip_indices), got {flip_indices!r}') from None
    if len(indices) != num_keypoints:
        raise ModelInputError(
            f'flip_indices has length {len(indices)} but {what} have '
            f'{num_keypoints} keypoints: expected length {num_keypoints} '
            '(one index per keypoint; check the dataset metainfo or the '
            "head's out_channels)")
    bad = [i for i in indices if not 0 <= i < num_keypoints]
    if bad:
        raise ModelInputError(
            f'flip_indices {indices!r} hold {bad!r}, outside [0, {num_keypoints}) '
            f'for {num_keypoints} keypoints')
    return indices


def _index(values: Sequence[int], device: torch.device) -> Tensor:
    return torch.as_tensor(values, dtype=torch.long, device=device)


def flip_heatmaps(heatmaps: Tensor,
                  flip_indices: Optional[Sequence[int]] = None,
                  flip_mode: str = 'heatmap',
                  shift_heatmap: Union[bool, float] = True) -> Tensor:
    """Flip the network output of a flipped image back (MMPose's ``flip_heatmaps``).

    :param heatmaps: ``(B, C, H, W)`` output for horizontally flipped images.
    :param flip_indices: index of each keypoint's mirror keypoint (length
        ``C / channels_per_keypoint``); ``None`` keeps the channel order.
    :param flip_mode: ``'heatmap'`` (flip and swap heatmaps),
        ``'udp_combined'`` (groups of heatmap, x offset, y offset; the x
        offset changes sign) or ``'offset'`` (groups of x, y offsets; x
        changes sign).
    :param shift_heatmap: shift the flipped maps one pixel right (column 0
        kept) to align them with the unflipped ones, as MMPose does (``True``);
        or a number ``s`` in ``[0, 1]``: shift by ``s`` pixels, interpolating
        linearly between the unshifted and the one-pixel-shifted maps. A keypoint
        at input column ``x`` is encoded at heatmap column ``x * w / W``; in the
        flipped image it comes back at ``x * w / W - (1 - w / W)``, so the shift
        that aligns the maps exactly is ``1 - w / W`` (0.75 at stride 4), where
        MMPose's one pixel puts the averaged maps ``w / (2 W)`` pixels right.
    :returns: a new ``(B, C, H, W)`` tensor; the input is not changed.
    :raises ModelConfigError: unknown ``flip_mode``.
    :raises ModelInputError: wrong input rank, channels not divisible into
        keypoint groups, or ``flip_indices`` of the wrong length.
    """
    group = channels_per_keypoint(flip_mode)
    negate = FLIP_MODES[flip_mode][1]
    if not isinstance(heatmaps, Tensor) or heatmaps.dim() != 4:
        raise ModelInputError(
            'flip_heatmaps expects a tensor of shape (B, C, H, W), got '
            f'{tuple(heatmaps.shape) if isinstance(heatmaps, Tensor) else type(heatmaps)!r}')
    b, c, h, w = heatmaps.shape
    if c % group:
        raise ModelInputError(
            f'flip_mode={flip_mode!r} groups {group} channels per keypoint, but the '
            f'heatmaps have {c} channels (not a multiple of {group})')
    maps = heatmaps.reshape(b, c // group, group, h, w)
    if flip_indices is not None:
        indices = check_flip_indices(flip_indices, c // group)
        maps = maps.index_select(1, _index(indices, heatmaps.device))
    # column w of the result reads column W-1-w of the input, or with the
    # one-pixel shift column W-w (column 0 keeps the flipped column 0)
    shift = heatmap_shift(shift_heatmap)
    columns = list(range(w - 1, -1, -1))
    if shift == 1 and w > 1:
        columns = [w - 1] + columns[:-1]
    maps = maps.index_select(-1, _index(columns, heatmaps.device))
    if 0 < shift < 1 and w > 1:
        shifted = maps.index_select(-1, _index([0] + list(range(w - 1)), heatmaps.device))
        maps = maps + shift * (shifted - maps)  # plain ops: exportable to ONNX
    if negate is not None:
        maps[:, :, negate].neg_()
    return maps.reshape(b, c, h, w)


def heatmap_shift(shift_heatmap: Any) -> float:
    """``shift_heatmap`` as pixels: True 1 (MMPose's), False 0, or a number in [0, 1]."""
    if isinstance(shift_heatmap, bool):
        return float(shift_heatmap)
    if isinstance(shift_heatmap, (int, float)) and 0 <= shift_heatmap <= 1:
        return float(shift_heatmap)
    raise ModelConfigError(
        f'test_cfg.shift_heatmap={shift_heatmap!r} must be True (one pixel, as MMPose), '
        'False, or the shift in heatmap pixels, a number in [0, 1] (1 - heatmap width / '
        'input width aligns flipped MSRA-encoded heatmaps exactly, e.g. 0.75 at stride 4)')


def flip_coordinates(coords: Tensor, flip_indices: Sequence[int],
                     shift_coords: bool, input_size: Tuple[int, int]) -> Tensor:
    """Flip normalised ``[0, 1]`` coordinates ``(B, K, D)`` back (MMPose's
    ``flip_coordinates``); the input is not changed.

    :param shift_coords: subtract ``1 / input_size[0]`` from x after flipping.
    :param input_size: ``(w, h)`` of the network input.
    """
    if not isinstance(coords, Tensor) or coords.dim() != 3:
        raise ModelInputError('flip_coordinates expects a tensor of shape (B, K, D)')
    indices = check_flip_indices(flip_indices, coords.shape[1], 'the coordinates')
    x = 1.0 - coords[:, :, 0]
    if shift_coords:
        x = x - 1.0 / input_size[0]
    flipped = torch.cat([x.unsqueeze(-1), coords[:, :, 1:]], dim=-1)
    return flipped.index_select(1, _index(indices, coords.device))


def flip_vectors(x_labels: Tensor, y_labels: Tensor,
                 flip_indices: Sequence[int]) -> Tuple[Tensor, Tensor]:
    """Flip 1-D per-keypoint labels ``(B, K, Wx)`` / ``(B, K, Wy)`` back (SimCC)."""
    if x_labels.dim() != 3 or y_labels.dim() != 3:
        raise ModelInputError('flip_vectors expects x and y labels of shape (B, K, W)')
    indices = check_flip_indices(flip_indices, x_labels.shape[1], 'the x labels')
    check_flip_indices(indices, y_labels.shape[1], 'the y labels')
    index = _index(indices, x_labels.device)
    return x_labels.index_select(1, index).flip(-1), y_labels.index_select(1, index)


def flip_visibility(vis: Tensor, flip_indices: Sequence[int]) -> Tensor:
    """Swap the visibility ``(B, K)`` of mirrored keypoints."""
    if vis.dim() != 2:
        raise ModelInputError('flip_visibility expects visibility of shape (B, K)')
    indices = check_flip_indices(flip_indices, vis.shape[1], 'the visibility')
    return vis.index_select(1, _index(indices, vis.device))
