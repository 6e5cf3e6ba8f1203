"""Checks of a top-down config before a run, for the ``posecore_configure`` hook.

The crop size (``TopdownAffine.input_size``), the size the training targets
are drawn for (``GenerateTarget``'s codec) and the size predictions are
decoded for (``model.head.decoder``) must agree: otherwise training runs
without an error and learns heatmaps that do not line up with the crops.
"""
from __future__ import annotations

from typing import Any, Iterator

from posecore.errors import ConfigError


def _sizes(value: Any) -> tuple[int, ...] | None:
    return tuple(value) if isinstance(value, (list, tuple)) else None


def _encoders(step: dict) -> Iterator[dict]:
    encoder = step.get('encoder')
    for item in encoder if isinstance(encoder, (list, tuple)) else [encoder]:
        if isinstance(item, dict):
            yield item


def check_input_sizes(cfg: Any) -> None:
    """Require one ``input_size`` across each pipeline's affine, its codec and the decoder.

    :param cfg: the merged mmengine ``Config``.
    :raises ConfigError: naming the config paths whose sizes differ.
    """
    source = getattr(cfg, 'filename', None) or '<config>'
    decoder = ((cfg.get('model') or {}).get('head') or {}).get('decoder')
    decoder_size = _sizes(decoder.get('input_size')) if isinstance(decoder, dict) else None
    for split in ('train', 'val', 'test'):
        loader = cfg.get(f'{split}_dataloader')
        dataset = loader.get('dataset') if isinstance(loader, dict) else None
        pipeline = dataset.get('pipeline') if isinstance(dataset, dict) else None
        if not isinstance(pipeline, (list, tuple)):
            continue
        where = f'{split}_dataloader.dataset.pipeline'
        affine = [(i, _sizes(s.get('input_size'))) for i, s in enumerate(pipeline)
                  if isinstance(s, dict) and s.get('type') in ('TopdownAffine',
                                                                'mmpose.TopdownAffine')]
        if not affine or affine[0][1] is None:
            continue
        index, size = affine[0]
        others = [(f'{where}.{i}.encoder ({enc.get("type")})', _sizes(enc.get('input_size')))
                  for i, s in enumerate(pipeline) if isinstance(s, dict)
                  and s.get('type') in ('GenerateTarget', 'mmpose.GenerateTarget')
                  for enc in _encoders(s)]
        if decoder_size is not None:
            others.append((f'model.head.decoder ({decoder.get("type")})', decoder_size))
        for name, other in others:
            if other is not None and other != size:
                raise ConfigError(
                    f'{source}: {where}.{index} (TopdownAffine) crops to input_size={size}, '
                    f'but {name} has input_size={other}: the codec would draw targets or '
                    f'decode predictions for another size than the crops. Use one input_size '
                    f'for TopdownAffine, GenerateTarget and model.head.decoder (MMPose configs '
                    f'take all three from one codec = dict(...)).')


def check_flip_shift(cfg: Any) -> None:
    """Refuse a ``model.test_cfg.shift_heatmap`` the flip test cannot use, before a run
    (it is read at the first validation, after a training epoch).

    :raises ConfigError: naming the config and the values allowed.
    """
    from pose_plugin_topdown.flip import heatmap_shift
    from pose_plugin_topdown.model_errors import ModelConfigError

    test_cfg = (cfg.get('model') or {}).get('test_cfg')
    if not isinstance(test_cfg, dict) or 'shift_heatmap' not in test_cfg:
        return
    try:
        heatmap_shift(test_cfg['shift_heatmap'])
    except ModelConfigError as err:
        source = getattr(cfg, 'filename', None) or '<config>'
        raise ConfigError(f'{source}: model.{err}') from None
