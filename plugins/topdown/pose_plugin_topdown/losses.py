"""Heatmap losses of MMPose 1.x: ``KeypointMSELoss``, ``KeypointOHKMMSELoss``,
``CombinedTargetMSELoss``, ``AdaptiveWingLoss``; same arguments, defaults and formulas,
vectorised over keypoints.

Shapes: B batch, K keypoints, heatmaps ``(B, K, H, W)`` (``(B, 3K, H, W)``
for combined targets), target weights ``(B, K)``. A keypoint with weight 0
(e.g. not visible) adds 0 to the loss and gets no gradient.
"""
from __future__ import annotations

from numbers import Real
from typing import Any, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from .model_errors import ModelConfigError, ModelInputError

__all__ = ['KeypointMSELoss', 'KeypointOHKMMSELoss', 'CombinedTargetMSELoss',
           'AdaptiveWingLoss']


def _check_bool(owner: str, name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ModelConfigError(f'{owner}: {name}={value!r} must be True or False')
    return value


def _check_weight(owner: str, value: Any) -> float:
    if not isinstance(value, Real) or isinstance(value, bool):
        raise ModelConfigError(f'{owner}: loss_weight={value!r} must be a number')
    return value


def _check_pair(owner: str, output: Tensor, target: Tensor) -> None:
    if output.shape != target.shape:
        raise ModelInputError(
            f'{owner}: output {tuple(output.shape)} and target {tuple(target.shape)} '
            'must have the same shape (B, K, H, W); do the head\'s out_channels '
            'and the codec\'s keypoint count or heatmap_size agree?')


def _check_target_weights(owner: str, target_weights: Tensor, num_keypoints: int,
                          batch: int) -> None:
    if target_weights.shape != (batch, num_keypoints):
        raise ModelInputError(
            f'{owner}: target_weights of shape {tuple(target_weights.shape)} must be '
            f'(B, K) = {(batch, num_keypoints)} to match the heatmaps')


def _pixel_weights(owner: str, target_weights: Tensor, target: Tensor) -> Tensor:
    """Keypoint-wise ``(B, K)`` or pixel-wise ``(B, K, H, W)`` weights, viewed to
    broadcast against ``target``."""
    ndim = target_weights.dim()
    if ndim not in (2, 4) or target_weights.shape != target.shape[:ndim]:
        raise ModelInputError(
            f'{owner}: target_weights of shape {tuple(target_weights.shape)} '
            f'must be (B, K) = {tuple(target.shape[:2])} or (B, K, H, W) = '
            f'{tuple(target.shape)}')
    return target_weights.view(target_weights.shape + (1, ) * (target.dim() - ndim))


class KeypointMSELoss(nn.Module):
    """Mean squared error between predicted and target heatmaps.

    As in MMPose 1.x, ``target_weights`` given to :meth:`forward` always mask
    the loss (``use_target_weight`` is stored for configs but does not switch
    that off), and the mean runs over all ``B*K*H*W`` elements, masked ones
    included.

    :param use_target_weight: kept for MMPose configs (see above).
    :param skip_empty_channel: leave out channels whose target is all zero
        (no ground-truth keypoint in the crop).
    :param loss_weight: factor on the loss.
    """

    def __init__(self, use_target_weight: bool = False,
                 skip_empty_channel: bool = False, loss_weight: float = 1.) -> None:
        super().__init__()
        name = type(self).__name__
        self.use_target_weight = _check_bool(name, 'use_target_weight', use_target_weight)
        self.skip_empty_channel = _check_bool(name, 'skip_empty_channel', skip_empty_channel)
        self.loss_weight = _check_weight(name, loss_weight)

    def forward(self, output: Tensor, target: Tensor,
                target_weights: Optional[Tensor] = None,
                mask: Optional[Tensor] = None) -> Tensor:
        """The loss of ``output`` against ``target`` (both ``(B, K, H, W)``).

        :param target_weights: keypoint-wise ``(B, K)`` or pixel-wise
            ``(B, K, H, W)`` weights.
        :param mask: valid pixels, ``(B, K, H, W)`` or ``(B, 1, H, W)``
            (any axis may be 1).
        """
        _check_pair(type(self).__name__, output, target)
        weight = self._get_mask(target, target_weights, mask)
        if weight is None:
            loss = F.mse_loss(output, target)
        else:
            loss = (F.mse_loss(output, target, reduction='none') * weight).mean()
        return loss * self.loss_weight

    def _get_mask(self, target: Tensor, target_weights: Optional[Tensor],
                  mask: Optional[Tensor]) -> Optional[Tensor]:
        """The product of ``mask``, the target weights and (``skip_empty_channel``)
        the non-empty channels, broadcastable to ``target``; ``None`` if none apply."""
        name = type(self).__name__
        if mask is not None and (mask.dim() != target.dim() or any(
                m not in (t, 1) for m, t in zip(mask.shape, target.shape))):
            raise ModelInputError(
                f'{name}: mask of shape {tuple(mask.shape)} does not match target '
                f'{tuple(target.shape)}; expected (B, K, H, W) or (B, 1, H, W)')
        if target_weights is not None:
            weights = _pixel_weights(name, target_weights, target)
            mask = weights if mask is None else mask * weights
        if self.skip_empty_channel:
            nonempty = (target != 0).flatten(2).any(dim=2)
            nonempty = nonempty.view(nonempty.shape + (1, ) * (target.dim() - 2))
            mask = nonempty if mask is None else mask * nonempty
        return mask


class CombinedTargetMSELoss(nn.Module):
    """MSE loss for UDP's combined targets (a heatmap and x, y offset maps per
    keypoint, ``C = 3K``): half the heatmap MSE plus half the MSE of each
    offset map multiplied by the target heatmap, summed per keypoint and
    averaged over keypoints.

    :param use_target_weight: multiply both heatmaps by the keypoint weights
        (the target heatmap that weights the offsets too, as in MMPose).
    :param loss_weight: factor on the loss.
    """

    def __init__(self, use_target_weight: bool = False, loss_weight: float = 1.) -> None:
        super().__init__()
        name = type(self).__name__
        self.use_target_weight = _check_bool(name, 'use_target_weight', use_target_weight)
        self.loss_weight = _check_weight(name, loss_weight)

    def forward(self, output: Tensor, target: Tensor, target_weights: Tensor) -> Tensor:
        """The loss of ``output`` against ``target`` (``(B, 3K, H, W)``) with
        keypoint weights ``(B, K)``."""
        name = type(self).__name__
        _check_pair(name, output, target)
        b, c = output.shape[:2]
        if c % 3:
            raise ModelInputError(
                f'{name}: combined targets have 3 channels per keypoint, got {c} channels')
        k = c // 3
        pred = output.reshape(b, k, 3, -1)
        gt = target.reshape(b, k, 3, -1)
        heat_pred, heat_gt = pred[:, :, 0], gt[:, :, 0]
        if self.use_target_weight:
            _check_target_weights(name, target_weights, k, b)
            weights = target_weights.reshape(b, k, 1)
            heat_pred, heat_gt = heat_pred * weights, heat_gt * weights
        # per keypoint: mean over batch and pixels, as MMPose's per-joint MSELoss
        per_keypoint = F.mse_loss(heat_pred, heat_gt, reduction='none').mean((0, 2))
        # the offsets are weighted by the (keypoint-weighted) target heatmap
        gt_heat = heat_gt.unsqueeze(2)
        offsets = F.mse_loss(gt_heat * pred[:, :, 1:], gt_heat * gt[:, :, 1:],
                             reduction='none').mean((0, 3))
        loss = 0.5 * (per_keypoint + offsets.sum(-1))
        return loss.sum() / k * self.loss_weight


class KeypointOHKMMSELoss(nn.Module):
    """MSE loss with online hard keypoint mining: per sample, the mean of the
    ``topk`` largest per-keypoint MSEs, averaged over the batch.

    :param use_target_weight: multiply predictions and targets by the
        keypoint weights.
    :param topk: keypoints kept per sample (<= K).
    :param loss_weight: factor on the loss.
    """

    def __init__(self, use_target_weight: bool = False, topk: int = 8,
                 loss_weight: float = 1.) -> None:
        super().__init__()
        name = type(self).__name__
        if isinstance(topk, bool) or not isinstance(topk, int) or topk < 1:
            raise ModelConfigError(f'{name}: topk={topk!r} must be an int >= 1')
        self.use_target_weight = _check_bool(name, 'use_target_weight', use_target_weight)
        self.topk = topk
        self.loss_weight = _check_weight(name, loss_weight)

    def forward(self, output: Tensor, target: Tensor, target_weights: Tensor) -> Tensor:
        """The loss of ``output`` against ``target`` (``(B, K, H, W)``) with
        keypoint weights ``(B, K)``."""
        name = type(self).__name__
        _check_pair(name, output, target)
        b, k = output.shape[:2]
        if k < self.topk:
            raise ValueError(f'{name}: topk ({self.topk}) should not be larger than '
                             f'num_keypoints ({k}); set topk <= {k}')
        if self.use_target_weight:
            _check_target_weights(name, target_weights, k, b)
            weights = target_weights.reshape(b, k, 1, 1)
            output, target = output * weights, target * weights
        per_keypoint = F.mse_loss(output, target, reduction='none').mean(dim=(2, 3))
        hardest = torch.topk(per_keypoint, k=self.topk, dim=1, sorted=False).values
        return (hardest.sum(dim=1) / self.topk).mean() * self.loss_weight


class AdaptiveWingLoss(nn.Module):
    """Adaptive Wing loss on heatmaps (Wang et al., ICCV 2019), as MMPose 1.x's: a
    log-shaped loss for errors below ``theta`` whose exponent ``alpha - target``
    sharpens it at the foreground, linear beyond; the mean over all elements.

    :param alpha: exponent at the background (``target`` 0).
    :param omega: scale of the non-linear part.
    :param epsilon: error unit of the non-linear part.
    :param theta: where the loss turns linear.
    :param use_target_weight: multiply output and target by ``target_weights``
        ``(B, K)`` or ``(B, K, H, W)`` first (MMPose's way).
    :param loss_weight: factor on the loss.
    """

    def __init__(self, alpha: float = 2.1, omega: float = 14, epsilon: float = 1,
                 theta: float = 0.5, use_target_weight: bool = False,
                 loss_weight: float = 1.) -> None:
        super().__init__()
        name = type(self).__name__
        for key, value in (('alpha', alpha), ('omega', omega), ('epsilon', epsilon),
                           ('theta', theta)):
            if not isinstance(value, Real) or isinstance(value, bool) or not value > 0:
                raise ModelConfigError(f'{name}: {key}={value!r} must be a number > 0')
        self.alpha, self.omega = float(alpha), float(omega)
        self.epsilon, self.theta = float(epsilon), float(theta)
        self.use_target_weight = _check_bool(name, 'use_target_weight', use_target_weight)
        self.loss_weight = _check_weight(name, loss_weight)

    def criterion(self, pred: Tensor, target: Tensor) -> Tensor:
        """The mean loss of ``pred`` against ``target`` (MMPose's formula, op for op)."""
        delta = (target - pred).abs()
        ratio = self.theta / self.epsilon
        a = self.omega * (1 / (1 + torch.pow(ratio, self.alpha - target))) * (
            self.alpha - target) * torch.pow(ratio, self.alpha - target - 1) * (
            1 / self.epsilon)
        c = self.theta * a - self.omega * torch.log(1 + torch.pow(ratio, self.alpha - target))
        losses = torch.where(
            delta < self.theta,
            self.omega * torch.log(1 + torch.pow(delta / self.epsilon, self.alpha - target)),
            a * delta - c)
        return torch.mean(losses)

    def forward(self, output: Tensor, target: Tensor,
                target_weights: Optional[Tensor] = None) -> Tensor:
        """The loss of ``output`` against ``target`` (both ``(B, K, H, W)``)."""
        name = type(self).__name__
        _check_pair(name, output, target)
        if self.use_target_weight:
            if target_weights is None:
                raise ModelInputError(f'{name}(use_target_weight=True) needs target_weights')
            weights = _pixel_weights(name, target_weights, target)
            output, target = output * weights, target * weights
        return self.criterion(output, target) * self.loss_weight
