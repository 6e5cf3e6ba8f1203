"""``HeatmapHead``: the top-down heatmap head of Simple Baselines
(`Xiao et al., 2018 <https://arxiv.org/abs/1804.06208>`_), as MMPose 1.x's.

Optional deconv layers (stride 2 each), optional conv layers, then a final
conv giving ``out_channels`` heatmaps from the last feature map. Config (the
HRNet-w32 COCO model; ``deconv_out_channels=None`` means no deconvs)::

    head=dict(type='HeatmapHead', in_channels=32, out_channels=17,
              deconv_out_channels=None,
              loss=dict(type='KeypointMSELoss', use_target_weight=True),
              decoder=dict(type='MSRAHeatmap', input_size=(192, 256),
                           heatmap_size=(48, 64), sigma=2))

State-dict keys equal MMPose's (``deconv_layers.*``, ``conv_layers.*``,
``final_layer.*``), so its checkpoints load with ``strict=True``; MMPose
0.x keys (``final_layer.N.*`` holding the conv layers too) are renamed on
load as MMPose does.
"""
from __future__ import annotations

import copy
from typing import Any, Mapping, Optional, Sequence, Union

import torch
import torch.nn as nn
from mmengine.structures import PixelData
from torch import Tensor

from .base_head import BaseHead, to_numpy
from .flip import channels_per_keypoint, check_flip_indices, flip_heatmaps
from .losses import CombinedTargetMSELoss
from .model_errors import ModelConfigError, ModelInputError

__all__ = ['HeatmapHead']

OptIntSeq = Optional[Sequence[int]]
#: deconv kernel size -> (padding, output_padding) giving exactly 2x upsampling
_DECONV_PADDING = {4: (1, 0), 3: (1, 1), 2: (0, 0)}
_CONV_TYPES = ('Conv2d', 'Conv', 'conv')


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _check_layers(name: str, channels: Any, kernels_name: str, kernels: Any,
                  allowed: Optional[Sequence[int]] = None) -> list[tuple[int, int]]:
    """``[(out_channels, kernel_size), ...]`` of a layer list; checks both lists."""
    if isinstance(channels, (str, bytes)) or not isinstance(channels, Sequence) \
            or not all(_positive_int(c) for c in channels):
        raise ModelConfigError(
            f'HeatmapHead: {name}={channels!r} must be a sequence of positive ints '
            '(output channels of each layer) or None')
    if kernels is None or isinstance(kernels, (str, bytes)) \
            or not isinstance(kernels, Sequence) or len(kernels) != len(channels):
        raise ModelConfigError(
            f'HeatmapHead: "{name}" and "{kernels_name}" should be integer sequences '
            f'with the same length. Got mismatched lengths {channels!r} and {kernels!r}')
    for kernel in kernels:
        if not _positive_int(kernel) or (allowed is not None and kernel not in allowed):
            rule = f'one of {list(allowed)}' if allowed is not None else 'a positive int'
            raise ModelConfigError(
                f'HeatmapHead: {kernels_name}={kernels!r} holds kernel size {kernel!r}; '
                f'each must be {rule}')
    return list(zip(channels, kernels))


class HeatmapHead(BaseHead):
    """Top-down heatmap head.

    :param in_channels: channels of the input feature map (the last one of
        the backbone/neck output).
    :param out_channels: heatmap channels (K keypoints; 3K for UDP's
        combined targets).
    :param deconv_out_channels: output channels of each deconv layer
        (``None`` or empty: no deconv layers).
    :param deconv_kernel_sizes: kernel size of each deconv layer (4, 3 or 2).
    :param conv_out_channels: output channels of each conv layer between the
        deconvs and the final layer (``None``: none).
    :param conv_kernel_sizes: kernel size of each of those conv layers.
    :param final_layer: arguments of the final ``Conv2d`` (default 1x1), or
        ``None`` for no final layer.
    :param loss: the loss config (``MODELS``), or a module.
    :param decoder: the codec config (``KEYPOINT_CODECS``) that decodes
        heatmaps into keypoints; needed by :meth:`predict`.
    :param init_cfg: mmengine init config; default MMPose's: convs and
        deconvs ``Normal(std=0.001)`` (bias 0), BatchNorm weight 1, bias 0.
    """

    _version = 2

    def __init__(self,
                 in_channels: Union[int, Sequence[int]],
                 out_channels: int,
                 deconv_out_channels: OptIntSeq = (256, 256, 256),
                 deconv_kernel_sizes: OptIntSeq = (4, 4, 4),
                 conv_out_channels: OptIntSeq = None,
                 conv_kernel_sizes: OptIntSeq = None,
                 final_layer: Optional[Mapping[str, Any]] = dict(kernel_size=1),
                 loss: Union[Mapping[str, Any], nn.Module] = dict(
                     type='KeypointMSELoss', use_target_weight=True),
                 decoder: Optional[Mapping[str, Any]] = None,
                 init_cfg: Optional[Any] = None) -> None:
        if init_cfg is None:
            init_cfg = self.default_init_cfg
        super().__init__(init_cfg)
        if not _positive_int(in_channels):
            raise ModelConfigError(
                f'HeatmapHead: in_channels={in_channels!r} must be a positive int: the '
                'channels of the last feature map, which is the one the head reads '
                '(e.g. 32 for HRNet-w32)')
        if not _positive_int(out_channels):
            raise ModelConfigError(
                f'HeatmapHead: out_channels={out_channels!r} must be a positive int '
                '(the number of keypoints, e.g. 17 for COCO)')
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.test_cfg: dict = {}
        self.loss_module = self._build_loss(loss)
        self.decoder = self._build_decoder(decoder)

        channels = in_channels
        if deconv_out_channels:
            layers = _check_layers('deconv_out_channels', deconv_out_channels,
                                   'deconv_kernel_sizes', deconv_kernel_sizes,
                                   allowed=tuple(_DECONV_PADDING))
            self.deconv_layers = self._make_deconv_layers(channels, layers)
            channels = deconv_out_channels[-1]
        else:
            self.deconv_layers = nn.Identity()
        if conv_out_channels:
            layers = _check_layers('conv_out_channels', conv_out_channels,
                                   'conv_kernel_sizes', conv_kernel_sizes)
            self.conv_layers = self._make_conv_layers(channels, layers)
            channels = conv_out_channels[-1]
        else:
            self.conv_layers = nn.Identity()
        self.final_layer = (self._make_final_layer(channels, out_channels, final_layer)
                            if final_layer is not None else nn.Identity())
        # MMPose 0.x checkpoints: conv layers were stored under final_layer
        self.register_load_state_dict_pre_hook(type(self)._rename_old_keys)
        group = self.channels_per_keypoint
        if out_channels % group:
            raise ModelConfigError(
                f'HeatmapHead: out_channels={out_channels} must be a multiple of {group} '
                f'(combined targets have {group} channels per keypoint)')

    # ------------------------------------------------------------------ build
    @staticmethod
    def _build_loss(loss: Any) -> nn.Module:
        if isinstance(loss, nn.Module):
            return loss
        if not isinstance(loss, Mapping) or 'type' not in loss:
            raise ModelConfigError(
                f"HeatmapHead: loss={loss!r} must be a config dict with a 'type', e.g. "
                "dict(type='KeypointMSELoss', use_target_weight=True)")
        from posecore.registry import MODELS
        return MODELS.build(copy.deepcopy(dict(loss)))

    @staticmethod
    def _build_decoder(decoder: Any) -> Any:
        if decoder is None or not isinstance(decoder, Mapping):
            return decoder  # None, or a codec object given directly
        if 'type' not in decoder:
            raise ModelConfigError(
                f"HeatmapHead: decoder={decoder!r} must be a codec config with a 'type', "
                "e.g. dict(type='MSRAHeatmap', input_size=(192, 256), "
                'heatmap_size=(48, 64), sigma=2)')
        from posecore.registry import KEYPOINT_CODECS
        return KEYPOINT_CODECS.build(copy.deepcopy(dict(decoder)))

    @staticmethod
    def _make_deconv_layers(in_channels: int,
                            layers: list[tuple[int, int]]) -> nn.Sequential:
        modules: list[nn.Module] = []
        for out_channels, kernel_size in layers:
            padding, output_padding = _DECONV_PADDING[kernel_size]
            modules += [nn.ConvTranspose2d(in_channels, out_channels, kernel_size, stride=2,
                                           padding=padding, output_padding=output_padding,
                                           bias=False),
                        nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True)]
            in_channels = out_channels
        return nn.Sequential(*modules)

    @staticmethod
    def _make_conv_layers(in_channels: int, layers: list[tuple[int, int]]) -> nn.Sequential:
        modules: list[nn.Module] = []
        for out_channels, kernel_size in layers:
            modules += [nn.Conv2d(in_channels, out_channels, kernel_size, stride=1,
                                  padding=(kernel_size - 1) // 2),
                        nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True)]
            in_channels = out_channels
        return nn.Sequential(*modules)

    @staticmethod
    def _make_final_layer(in_channels: int, out_channels: int,
                          final_layer: Mapping[str, Any]) -> nn.Module:
        if not isinstance(final_layer, Mapping):
            raise ModelConfigError(
                f'HeatmapHead: final_layer={final_layer!r} must be a dict of Conv2d '
                'arguments (e.g. dict(kernel_size=1)) or None')
        cfg: dict[str, Any] = dict(type='Conv2d', in_channels=in_channels,
                                   out_channels=out_channels, kernel_size=1)
        cfg.update(final_layer)
        layer_type = cfg.pop('type')
        if layer_type not in _CONV_TYPES:
            raise ModelConfigError(
                f'HeatmapHead: final_layer type {layer_type!r} is not supported; use '
                "'Conv2d' (the default)")
        try:
            return nn.Conv2d(**cfg)
        except TypeError as exc:
            raise ModelConfigError(
                f'HeatmapHead: final_layer={dict(final_layer)!r} has an argument that '
                f'nn.Conv2d does not take ({exc}); accepted: kernel_size, stride, '
                'padding, dilation, groups, bias, padding_mode') from None

    @property
    def default_init_cfg(self) -> list[dict[str, Any]]:
        """MMPose's init: Normal(0.001) convs and deconvs, BatchNorm at 1."""
        return [dict(type='Normal', layer=['Conv2d', 'ConvTranspose2d'], std=0.001),
                dict(type='Constant', layer='BatchNorm2d', val=1)]

    @property
    def channels_per_keypoint(self) -> int:
        """Output channels per keypoint: 3 for UDP's combined targets (a
        combined codec, ``CombinedTargetMSELoss`` or ``flip_mode='udp_combined'``),
        else 1."""
        flip_mode = (self.test_cfg or {}).get('flip_mode', 'heatmap')
        if flip_mode != 'heatmap':
            return channels_per_keypoint(flip_mode)
        if isinstance(self.loss_module, CombinedTargetMSELoss) \
                or getattr(self.decoder, 'heatmap_type', None) == 'combined':
            return 3
        return 1

    @property
    def num_keypoints(self) -> int:
        """The number of keypoints the head predicts."""
        return self.out_channels // self.channels_per_keypoint

    # ---------------------------------------------------------------- compute
    def forward(self, feats: Union[Sequence[Tensor], Tensor]) -> Tensor:
        """Heatmaps ``(B, out_channels, H', W')`` from the last feature map of
        ``feats`` (a tuple of maps, or one map ``(B, C, H, W)``); the output
        is contiguous whatever the input's memory format."""
        x = feats if isinstance(feats, Tensor) else feats[-1]
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ModelInputError(
                f'HeatmapHead: the last feature map has shape {tuple(x.shape)}, expected '
                f'(B, {self.in_channels}, H, W) for in_channels={self.in_channels}')
        x = self.deconv_layers(x)
        x = self.conv_layers(x)
        x = self.final_layer(x)
        # channels-last features (fast CPU convs) give channels-last maps
        return x.contiguous()

    def predict(self, feats: Any, batch_data_samples: Sequence[Any],
                test_cfg: Optional[Mapping[str, Any]] = None) -> Any:
        """Decode keypoints from features.

        :param feats: a tuple of feature maps, or with ``flip_test`` a list
            ``[feats, feats_of_flipped_images]``.
        :param batch_data_samples: the batch's data samples; with
            ``flip_test`` the first one's ``metainfo['flip_indices']`` is used.
        :param test_cfg: ``flip_test``, ``flip_mode`` (``'heatmap'``),
            ``shift_heatmap`` (``False``), ``output_heatmaps`` (``False``).
        :returns: a list of ``InstanceData`` (``keypoints`` ``(1, K, 2)`` and
            ``keypoint_scores`` ``(1, K)`` in input space), and with
            ``output_heatmaps`` also a list of ``PixelData(heatmaps=(C, H, W))``.
        """
        test_cfg = {} if test_cfg is None else test_cfg
        flip_indices = self._flip_indices(batch_data_samples, test_cfg)
        if test_cfg.get('flip_test', False):
            if not (isinstance(feats, list) and len(feats) == 2):
                raise ModelInputError(
                    'HeatmapHead.predict with flip_test expects a list [features, '
                    'features of the flipped images], got '
                    f'{type(feats).__name__} of length {len(feats)}')
            heatmaps = self.forward(feats[0])
            flipped = flip_heatmaps(self.forward(feats[1]),
                                    flip_indices=flip_indices,
                                    flip_mode=test_cfg.get('flip_mode', 'heatmap'),
                                    shift_heatmap=test_cfg.get('shift_heatmap', False))
            heatmaps = (heatmaps + flipped) * 0.5
        else:
            heatmaps = self.forward(feats)
        preds = self.decode(heatmaps)
        if test_cfg.get('output_heatmaps', False):
            return preds, [PixelData(heatmaps=hm) for hm in heatmaps.detach()]
        return preds

    def _flip_indices(self, batch_data_samples: Sequence[Any],
                      test_cfg: Mapping[str, Any]) -> Optional[list[int]]:
        """The first data sample's ``flip_indices``, checked against the
        head's keypoint count (required with ``flip_test``)."""
        metainfo = batch_data_samples[0].metainfo if batch_data_samples else {}
        flip_indices = metainfo.get('flip_indices')
        if flip_indices is None:
            if test_cfg.get('flip_test', False):
                raise ModelInputError(
                    "flip_test needs the data samples' metainfo['flip_indices'] (the mirror "
                    'keypoint of each keypoint): give the dataset metainfo, or '
                    'TopdownPoseEstimator(metainfo=...), or set test_cfg.flip_test=False')
            return None
        outputs = test_cfg.get('output_keypoint_indices')
        if outputs is not None and len(flip_indices) == len(outputs) != self.num_keypoints:
            # beyond MMPose (an assertion there, its issue #3158): a model trained on a
            # wider layout (COCO + AIC's 19) validated on a dataset of its outputs only
            # (COCO's 17): the data's flip_indices name output keypoints, which the
            # head's channels hold at `outputs`; the other channels are dropped anyway
            outputs = [int(i) for i in outputs]
            if not all(0 <= i < self.num_keypoints for i in outputs):
                raise ModelConfigError(
                    f'test_cfg.output_keypoint_indices {outputs!r} must be channels of the '
                    f'head, in [0, {self.num_keypoints})')
            wide = list(range(self.num_keypoints))
            for j, mirror in enumerate(check_flip_indices(flip_indices, len(outputs))):
                wide[outputs[j]] = outputs[mirror]
            flip_indices = wide
        return check_flip_indices(
            flip_indices, self.num_keypoints,
            f'the head (out_channels={self.out_channels})')

    def loss(self, feats: Sequence[Tensor], batch_data_samples: Sequence[Any],
             train_cfg: Optional[Mapping[str, Any]] = None) -> dict:
        """``loss_kpt`` and (``train_cfg.compute_acc``, default on) ``acc_pose``,
        the PCK of the heatmap maxima at 0.05 of the heatmap size.

        :param batch_data_samples: samples with ``gt_fields.heatmaps``
            ``(C, H, W)`` and ``gt_instance_labels.keypoint_weights`` ``(1, K)``.
        """
        train_cfg = {} if train_cfg is None else train_cfg
        pred = self.forward(feats)
        gt = torch.stack([d.gt_fields.heatmaps for d in batch_data_samples])
        weights = torch.cat([d.gt_instance_labels.keypoint_weights
                             for d in batch_data_samples])
        self._check_targets(pred, gt, weights)
        losses = dict(loss_kpt=self.loss_module(pred, gt, weights))
        if train_cfg.get('compute_acc', True):
            from .keypoint_eval import pose_pck_accuracy
            group = self.channels_per_keypoint
            # combined targets: the accuracy of the heatmap channels
            _, avg_acc, _ = pose_pck_accuracy(output=to_numpy(pred[:, ::group]),
                                              target=to_numpy(gt[:, ::group]),
                                              mask=to_numpy(weights) > 0)
            losses['acc_pose'] = torch.tensor(avg_acc, device=gt.device)
        return losses

    def _check_targets(self, pred: Tensor, gt: Tensor, weights: Tensor) -> None:
        if gt.shape[1] != pred.shape[1]:
            raise ModelInputError(
                f"HeatmapHead predicts {pred.shape[1]} heatmap channels "
                f"(out_channels={self.out_channels}) but the data samples' "
                f'gt_fields.heatmaps have {gt.shape[1]} channels: set the head\'s '
                f'out_channels to {gt.shape[1]}, or use a codec/dataset with '
                f'{self.num_keypoints} keypoints')
        if gt.shape != pred.shape:
            raise ModelInputError(
                f'HeatmapHead predicts heatmaps of shape {tuple(pred.shape[1:])} but the '
                f'targets have shape {tuple(gt.shape[1:])}: the codec\'s heatmap_size '
                'must equal the head output size')
        if weights.dim() != 2 or weights.shape != (gt.shape[0],
                                                   gt.shape[1] // self.channels_per_keypoint):
            raise ModelInputError(
                f'keypoint_weights of shape {tuple(weights.shape)} do not match the '
                f'{gt.shape[0]} samples of {self.num_keypoints} keypoints: expected '
                f'{(gt.shape[0], self.num_keypoints)} (one instance per top-down sample)')

    # ---------------------------------------------------------- checkpoints
    @staticmethod
    def _rename_old_keys(module: HeatmapHead, state_dict: dict, prefix: str,
                         local_metadata: dict, *args: Any) -> None:
        """MMPose 0.x ``final_layer.N.*``: the last is the final conv, the
        others become ``conv_layers.N.*`` (as MMPose's conversion)."""
        version = local_metadata.get('version')
        if version and version >= module._version:
            return
        start = prefix + 'final_layer.'
        num_conv = len(module.conv_layers) if isinstance(module.conv_layers,
                                                         nn.Sequential) else 0
        for key in [k for k in state_dict if k.startswith(start)]:
            parts = key[len(start):].split('.')
            if len(parts) != 2 or not parts[0].isdigit():
                continue
            new = (f'{prefix}conv_layers.{parts[0]}.{parts[1]}' if int(parts[0]) < num_conv
                   else f'{start}{parts[1]}')
            state_dict[new] = state_dict.pop(key)
