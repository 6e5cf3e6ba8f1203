"""Make ``tests/data/reference/resnet/``: MMPose 1.3.2's ``ResNet`` / ``ResNetV1d``
state-dict keys, parameter counts and outputs, for pose-plugin-resnet's tests to equal.

Run in the MMPose environment (``../shared/anchor/make-mmpose-venv.sh``)::

    /tmp/anchor-venv/bin/python benchmarks/anchor/make_resnet_reference.py

Writes (the JSON says what every array is):

- ``keys_resnet50.txt``, ``keys_resnetv1d50.txt``: every state-dict key of
  ``ResNet(depth=50)`` / ``ResNetV1d(depth=50)``, tab-separated with shape and dtype.
- ``architectures.json``: per depth and variant, the number of parameters and
  state-dict entries and the SHA-256 of the key/shape listing (same format as the
  ``.txt`` files); the parameter count of MMPose's whole
  ``td-hm_res50_8xb64-210e_coco-256x192`` model.
- ``cases.json``: the config of every case and its output shapes.
- ``cases.pth`` (state dicts, one per case, keys ``<case>.<param>``) and
  ``cases.npz`` (inputs and outputs): small seeded models in several option sets,
  norm statistics and affine weights randomised (so that folding BatchNorm is
  tested); eval-mode outputs, and train-mode outputs with ``frozen_stages`` /
  ``norm_eval`` (frozen BatchNorm uses running statistics) with the
  ``requires_grad`` and ``training`` flags MMPose sets.
"""
from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any, Dict

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / 'tests' / 'data' / 'reference' / 'resnet'
DEPTHS = (18, 34, 50, 101, 152)

# Small models (few channels) so the stored weights stay small; each option set
# exercises a different part of the architecture.
CASES: Dict[str, Dict[str, Any]] = {
    'r18_all_outs': dict(type='ResNet', depth=18, stem_channels=8, base_channels=4,
                         out_indices=(0, 1, 2, 3)),
    'r50_default': dict(type='ResNet', depth=50, stem_channels=8, base_channels=2),
    'v1d50': dict(type='ResNetV1d', depth=50, stem_channels=8, base_channels=2,
                  out_indices=(2, 3)),
    'r50_caffe_dilated': dict(type='ResNet', depth=50, stem_channels=8, base_channels=2,
                              style='caffe', strides=(1, 2, 2, 1),
                              dilations=(1, 1, 1, 2), out_indices=(1, 3)),
    'r34_three_stages_avgdown': dict(type='ResNet', depth=34, stem_channels=8,
                                     base_channels=4, num_stages=3, strides=(1, 2, 2),
                                     dilations=(1, 1, 1), out_indices=(0, 2),
                                     avg_down=True, in_channels=1),
    'r18_gn': dict(type='ResNet', depth=18, stem_channels=8, base_channels=4,
                   norm_cfg=dict(type='GN', num_groups=4, requires_grad=True)),
    'r18_deep_stem_gn': dict(type='ResNet', depth=18, stem_channels=8, base_channels=4,
                             deep_stem=True,
                             norm_cfg=dict(type='GN', num_groups=2, requires_grad=True)),
}
# Run in train mode (after .train()) with the weights of a case above and these
# options added: frozen BatchNorm layers use running statistics, the others batch ones.
TRAIN_CASES: Dict[str, tuple] = {
    'r18_frozen2_train': ('r18_all_outs', dict(frozen_stages=2)),
    'v1d50_frozen0_train': ('v1d50', dict(frozen_stages=0)),
    'r50_norm_eval_train': ('r50_default', dict(norm_eval=True)),
    'r50_train': ('r50_default', dict()),
}


def listing(state: Dict[str, torch.Tensor]) -> str:
    return ''.join(f'{k}\t{tuple(v.shape)}\t{str(v.dtype).replace("torch.", "")}\n'
                   for k, v in state.items())


def build(cfg: Dict[str, Any]) -> torch.nn.Module:
    from mmpose.models.backbones import ResNet, ResNetV1d
    cfg = dict(cfg)
    cls = {'ResNet': ResNet, 'ResNetV1d': ResNetV1d}[cfg.pop('type')]
    return cls(**cfg)


def randomise(model: torch.nn.Module, seed: int) -> None:
    """Non-trivial norm statistics and affine weights (init leaves them 0/1)."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (torch.nn.BatchNorm2d, torch.nn.GroupNorm)):
                m.weight.copy_(torch.rand(m.weight.shape, generator=gen) + 0.5)
                m.bias.copy_(torch.randn(m.bias.shape, generator=gen) * 0.1)
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=gen) * 0.1)
                m.running_var.copy_(torch.rand(m.running_var.shape, generator=gen) + 0.5)


def main() -> None:
    import mmpose
    from mmengine.config import Config
    from mmpose.models import build_pose_estimator
    from mmpose.utils import register_all_modules

    register_all_modules()
    OUT.mkdir(parents=True, exist_ok=True)
    arch: Dict[str, Any] = {}
    for depth in DEPTHS:
        for variant in ('ResNet', 'ResNetV1d'):
            model = build(dict(type=variant, depth=depth))
            text = listing(model.state_dict())
            arch[f'{variant}-{depth}'] = dict(
                params=sum(p.numel() for p in model.parameters()),
                entries=len(model.state_dict()),
                listing_sha256=hashlib.sha256(text.encode()).hexdigest())
            if depth == 50:
                name = 'resnet50' if variant == 'ResNet' else 'resnetv1d50'
                (OUT / f'keys_{name}.txt').write_text(
                    f'# state-dict keys of MMPose {mmpose.__version__} {variant}(depth=50):'
                    ' key, shape, dtype\n' + text)
    cfg_path = (Path(mmpose.__file__).parent / '.mim' / 'configs' / 'body_2d_keypoint' /
                'topdown_heatmap' / 'coco' / 'td-hm_res50_8xb64-210e_coco-256x192.py')
    cfg = Config.fromfile(str(cfg_path))
    cfg.model.backbone.init_cfg = None
    full = build_pose_estimator(cfg.model)
    arch['td-hm_res50_8xb64-210e_coco-256x192'] = dict(
        params=sum(p.numel() for p in full.parameters()),
        entries=len(full.state_dict()),
        listing_sha256=hashlib.sha256(listing(full.state_dict()).encode()).hexdigest())

    states: Dict[str, torch.Tensor] = {}
    arrays: Dict[str, np.ndarray] = {}
    doc: Dict[str, Any] = {
        'source': f'MMPose {mmpose.__version__}, torch {torch.__version__}',
        'made_by': 'benchmarks/anchor/make_resnet_reference.py',
        'cases': {}, 'train_cases': {},
        'arrays': {
            'input<C>': 'float32 (2, C, 64, 64) input of the cases with in_channels=C',
            '<case>.out<j>': 'the j-th output of forward (no_grad; eval mode for cases, '
                             'train mode for train_cases)',
            '<train_case>.requires_grad': 'uint8 per parameter, parameters() order',
            '<train_case>.training': 'uint8 per module, modules() order, after .train()',
        },
        'state_dicts': 'cases.pth: "<case>.<key>" -> tensor (MMPose state_dict of each case; '
                       'train_cases use the weights of the case named in weights_of)',
    }
    inputs = {c: torch.randn(2, c, 64, 64, generator=torch.Generator().manual_seed(100 + c))
              for c in (1, 3)}
    for c, x in inputs.items():
        arrays[f'input{c}'] = x.numpy()
    for i, (name, cfg_case) in enumerate(CASES.items()):
        torch.manual_seed(i)
        model = build(cfg_case)
        model.init_weights()
        randomise(model, seed=i)
        for k, v in model.state_dict().items():
            states[f'{name}.{k}'] = v.clone()
        model.eval()
        with torch.no_grad():
            outs = model(inputs[cfg_case.get('in_channels', 3)])
        for j, out in enumerate(outs):
            arrays[f'{name}.out{j}'] = out.numpy()
        doc['cases'][name] = dict(config=cfg_case, outputs=[list(o.shape) for o in outs])
    for name, (base, extra) in TRAIN_CASES.items():
        cfg_case = dict(CASES[base], **extra)
        model = build(cfg_case)
        model.load_state_dict({k[len(base) + 1:]: v for k, v in states.items()
                               if k.startswith(base + '.')}, strict=True)
        model.train()
        with torch.no_grad():
            outs = model(inputs[cfg_case.get('in_channels', 3)])
        for j, out in enumerate(outs):
            arrays[f'{name}.out{j}'] = out.numpy()
        arrays[f'{name}.requires_grad'] = np.array(
            [p.requires_grad for p in model.parameters()], dtype=np.uint8)
        arrays[f'{name}.training'] = np.array(
            [m.training for m in model.modules()], dtype=np.uint8)
        doc['train_cases'][name] = dict(weights_of=base, config=cfg_case,
                                        outputs=[list(o.shape) for o in outs])
    torch.save(states, OUT / 'cases.pth')
    np.savez_compressed(OUT / 'cases.npz', **arrays)
    (OUT / 'cases.json').write_text(json.dumps(doc, indent=1) + '\n')
    (OUT / 'architectures.json').write_text(json.dumps(
        {'source': doc['source'], 'made_by': doc['made_by'],
         'listing': 'sha256 of the "key<TAB>shape-tuple<TAB>dtype<NL>" lines of state_dict()',
         'models': arch}, indent=1) + '\n')
    print(json.dumps(arch, indent=1))
    print('wrote', OUT, file=sys.stderr)


if __name__ == '__main__':
    main()
