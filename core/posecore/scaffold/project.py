"""Write a new plugin distribution: pyproject, package, tests, sample config, README."""
from __future__ import annotations

import importlib
import os
import re
from pathlib import Path
from types import ModuleType
from typing import Iterable, Sequence

from posecore import __version__
from posecore.errors import UsageError
from posecore.scaffold.names import PluginNames
from posecore.scaffold.sources import BY_REGISTRY

#: the first-party plugins the generated top-down config needs
CONFIG_PLUGINS = ('pose-plugin-topdown', 'pose-plugin-heatmap-codecs', 'pose-plugin-coco')
#: the HRNet the config uses when the new plugin has no backbone (the demo's, smaller)
HRNET_BACKBONE = """dict(
        type='HRNet', in_channels=3,
        extra=dict(
            stage1=dict(num_modules=1, num_branches=1, block='BOTTLENECK', num_blocks=(1, ),
                        num_channels=(32, )),
            stage2=dict(num_modules=1, num_branches=2, block='BASIC', num_blocks=(1, 1),
                        num_channels=(16, 32)),
            stage3=dict(num_modules=1, num_branches=3, block='BASIC', num_blocks=(1, 1, 1),
                        num_channels=(16, 32, 64)),
            stage4=dict(num_modules=1, num_branches=4, block='BASIC', num_blocks=(1, 1, 1, 1),
                        num_channels=(16, 32, 64, 128))))"""


def posecore_range(version: str = __version__) -> str:
    """The requirement on posecore a new plugin declares: this minor release series.

    ``'0.1.0'`` -> ``'posecore>=0.1,<0.2'`` (before 1.0, a minor release may break plugins).
    """
    major, minor = (int(part) for part in re.findall(r'\d+', version)[:2])
    upper = f'{major}.{minor + 1}' if major == 0 else f'{major + 1}'
    return f'posecore>={major}.{minor},<{upper}'


def _source(registry: str) -> ModuleType:
    module = 'pluggy_hooks' if registry == 'plugins' else BY_REGISTRY[registry]
    return importlib.import_module(f'posecore.scaffold.sources.{module}')


def _fill(text: str, names: PluginNames) -> str:
    return (text.replace('@Prefix@', names.prefix).replace('@package@', names.package)
            .replace('@dist@', names.dist).replace('@slug@', names.slug))


def _pyproject(names: PluginNames, registries: Sequence[str], hooks: bool) -> str:
    deps = [posecore_range(), 'mmengine>=0.10,<0.11', 'numpy>=1.24']
    if 'models' in registries:
        deps.insert(1, 'torch>=2.1')
    if 'visualizers' in registries:
        deps.append('opencv-python>=4.5')
    lines = [
        '[build-system]',
        'requires = ["setuptools>=64"]',
        'build-backend = "setuptools.build_meta"',
        '',
        '[project]',
        f'name = "{names.dist}"',
        'version = "0.1.0"',
        f'description = "A posecore plugin: '
        f'{", ".join(_fill(_source(r).CLASS, names) for r in registries) or "pluggy hooks"}"',
        'readme = "README.md"',
        'requires-python = ">=3.9"',
        '# the posecore range this plugin supports: posecore refuses it outside',
        'dependencies = [',
        *[f'    "{dep}",' for dep in deps],
        ']',
        '',
        '[project.optional-dependencies]',
        'test = ["pytest>=7"]',
    ]
    for registry in registries:
        src = _source(registry)
        cls = _fill(src.CLASS, names)
        lines += ['', f'[project.entry-points."posecore.{registry}"]',
                  f'{cls} = "{names.package}.{src.MODULE}:{cls}"']
    if hooks:
        lines += ['', '# pluggy hooks (import-light: `posecore --help` imports this module)',
                  '[project.entry-points."posecore.plugins"]',
                  f'{names.package} = "{names.package}.hooks"']
    lines += ['', '[tool.setuptools]', f'packages = ["{names.package}"]',
              '', '[tool.pytest.ini_options]', 'testpaths = ["tests"]',
              '# third-party deprecation notices, not this plugin\'s',
              'filterwarnings = ["ignore::DeprecationWarning:mmengine.*", '
              '"ignore::DeprecationWarning:torch.*"]', '']
    return '\n'.join(lines)


def config_name(names: PluginNames, registries: Sequence[str]) -> str:
    """The sample config's file name, by MMPose's rule
    ``{algorithm}_{modules}_{training}_{data}.py``."""
    backbone = f'{names.slug}-backbone' if 'models' in registries else 'hrnet-w16-small'
    return f'td-hm_{backbone}_1xb8-1e_synth-coco-64x64.py'


def _config(names: PluginNames, registries: Sequence[str]) -> str:
    def used(registry: str) -> str | None:
        return _fill(_source(registry).CONFIG, names) if registry in registries else None

    required = [f"'{d}>=0.1'" for d in CONFIG_PLUGINS]
    if 'models' in registries:
        src = _source('models')
        backbone, channels, deconv = _fill(src.CONFIG, names), src.CONFIG_CHANNELS, \
            src.CONFIG_DECONV
    else:
        backbone, channels, deconv = HRNET_BACKBONE, 16, None
        required.append("'pose-plugin-hrnet>=0.1'")
    deconv_args = (f'deconv_out_channels={deconv!r}, deconv_kernel_sizes={(4, ) * len(deconv)!r}'
                   if deconv else 'deconv_out_channels=None')
    transform = used('transforms')
    metric = used('metrics')
    hook = used('hooks')
    visbackend = used('visbackends')
    visualizer = used('visualizers') or \
        "dict(type='PoseLocalVisualizer', vis_backends=vis_backends, name='visualizer')"
    unused = [_fill(_source(r).CLASS, names) for r in registries if _source(r).CONFIG is None]
    note = (f'\n# Not used here: {", ".join(unused)} (see the tests for how to use them).'
            if unused else '')
    return f'''\
# Top-down heatmap training with the components of {names.dist}, on COCO-format person
# keypoints: posecore's embedded synthetic data
#   posecore coco synth data/synth_coco --train 64 --val 16
#   posecore train {'configs/' + config_name(names, registries)}
# or real COCO (set data_root = 'data/coco/'). The pipeline, head, codec, dataset and
# CocoMetric come from posecore's first-party plugins, listed in plugins.required
# (checked before the run); without {names.dist}, posecore names each of its types
# the config uses, before reading any data.{note}
default_scope = 'posecore'
plugins = dict(required=[{(',' + chr(10) + ' ' * 25).join(required)}])

data_root = 'data/synth_coco/'
codec = dict(type='MSRAHeatmap', input_size=(64, 64), heatmap_size=(16, 16), sigma=2)

model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(type='PoseDataPreprocessor', mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
    backbone={backbone},
    head=dict(type='HeatmapHead', in_channels={channels}, out_channels=17,
              {deconv_args},
              loss=dict(type='KeypointMSELoss', use_target_weight=True), decoder=codec),
    test_cfg=dict(flip_test=True, flip_mode='heatmap', shift_heatmap=True))

train_pipeline = [
    dict(type='LoadImage'),{chr(10) + '    ' + transform + ',' if transform else ''}
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs'),
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='PackPoseInputs'),
]

train_dataloader = dict(
    batch_size=8, num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type='CocoDataset', data_root=data_root, data_mode='topdown',
                 ann_file='annotations/person_keypoints_train2017.json',
                 data_prefix=dict(img='train2017/'), pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8, num_workers=0, drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(type='CocoDataset', data_root=data_root, data_mode='topdown',
                 ann_file='annotations/person_keypoints_val2017.json',
                 data_prefix=dict(img='val2017/'), test_mode=True, pipeline=val_pipeline))
test_dataloader = val_dataloader
# CocoMetric without ann_file reads the one the validation dataset announces
val_evaluator = [dict(type='CocoMetric'){', ' + metric if metric else ''}]
test_evaluator = val_evaluator

train_cfg = dict(by_epoch=True, max_epochs=1, val_interval=1)
val_cfg = dict()
test_cfg = dict()
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3))
param_scheduler = [dict(type='LinearLR', begin=0, end=20, start_factor=0.01, by_epoch=False)]

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=10),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=1, save_best='coco/AP', rule='greater'),
    sampler_seed=dict(type='DistSamplerSeedHook'))
custom_hooks = [{hook or ''}]

vis_backends = [dict(type='LocalVisBackend'){', ' + visbackend if visbackend else ''}]
visualizer = {visualizer}

env_cfg = dict(cudnn_benchmark=False, mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
               dist_cfg=dict(backend='nccl'))
log_processor = dict(type='LogProcessor', window_size=10, by_epoch=True)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0)
'''


def _readme(names: PluginNames, registries: Sequence[str], hooks: bool) -> str:
    rows = [f'| `{_fill(_source(r).CLASS, names)}` | `posecore.{r}` | '
            f'`{names.package}/{_source(r).MODULE}.py` |' for r in registries]
    if hooks:
        rows.append(f'| `posecore {names.slug}`, a `plugins check` entry | `posecore.plugins` | '
                    f'`{names.package}/hooks.py` |')
    cfg = config_name(names, registries)
    return f'''\
# {names.dist}

A [posecore](https://pypi.org/project/posecore/) plugin. Once installed, configs name
its types with no import and no `custom_imports`; `posecore plugins list` shows them.

| name | entry-point group | module |
|---|---|---|
{chr(10).join(rows)}

It supports `{posecore_range()}` (the `dependencies` of `pyproject.toml`); posecore
refuses it outside that range, with a message naming both versions.

## Develop and test

```bash
pip install -e '.[test]'
pytest                          # the tests use posecore's testing kit (posecore.testing)
posecore plugins check --import # every entry point imports and names a class
```

The tests switch on only this distribution (the `posecore_plugins` fixture), so they
do not depend on which other plugins are installed, and call the kit's contract checks
(`check_backbone`, `check_codec`, `check_transform`, `check_metric`).

## Train with it

`configs/{cfg}` trains a top-down heatmap model with this plugin's components on
COCO-format data (it also needs `pip install {' '.join(CONFIG_PLUGINS)}`):

```bash
posecore coco synth data/synth_coco --train 64 --val 16 --seed 0
posecore train configs/{cfg}
```

## Build and publish

```bash
pip wheel --no-deps -w dist .   # or: python -m build
twine upload dist/*             # to PyPI, or your package index
```

See posecore's `docs/plugin-authoring.md` for the entry-point groups, qualified names
(`type='{names.dist}::Name'`), the pluggy hooks and moving an MMPose 1.x module over.
'''


def _plugin_test(names: PluginNames) -> str:
    return _fill('''\
"""@dist@ as a whole: every entry point imports and names a class or function."""
from __future__ import annotations

from posecore import checks


def test_every_entry_point_imports(posecore_plugins):
    index = posecore_plugins('@dist@')
    assert index.distribution('@dist@') is not None, 'pip install -e . first'
    assert checks.check_modules(index) == []
    assert checks.check_imports(index) == []
''', names)


def plugin_files(names: PluginNames, registries: Sequence[str],
                 hooks: bool) -> dict[str, str]:
    """``{relative path: text}`` of every file of the new plugin.

    :param names: the plugin's names (see :func:`posecore.scaffold.names.plugin_names`).
    :param registries: registry keys, one sample component each (order kept).
    :param hooks: write a pluggy hook module too.
    """
    pkg = names.package
    files = {
        'pyproject.toml': _pyproject(names, registries, hooks),
        'README.md': _readme(names, registries, hooks),
        f'{pkg}/__init__.py': f'"""{names.dist}: a posecore plugin. Nothing is imported here: '
                              f'posecore imports\neach component from its entry point when a '
                              f'config names it."""\n__version__ = \'0.1.0\'\n',
        'tests/test_plugin.py': _plugin_test(names),
        f'configs/{config_name(names, registries)}': _config(names, registries),
    }
    for registry in [*registries, *(['plugins'] if hooks else [])]:
        src = _source(registry)
        files[f'{pkg}/{src.MODULE}.py'] = _fill(src.SOURCE, names)
        files[f'tests/test_{src.MODULE}.py'] = _fill(src.TEST, names)
    return files


def write_plugin(names: PluginNames, registries: Iterable[str], hooks: bool,
                 out_dir: str | os.PathLike) -> Path:
    """Write the plugin into ``out_dir/<distribution name>``; return that folder.

    :raises UsageError: an unknown registry, or the target folder exists and is not empty.
    """
    registries = list(dict.fromkeys(registries))  # keep the order, drop repeats
    unknown = [r for r in registries if r not in BY_REGISTRY]
    if unknown:
        raise UsageError(f'unknown registry {unknown[0]!r}; use one or more of '
                         f'{", ".join(BY_REGISTRY)}')
    target = Path(out_dir) / names.dist
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise UsageError(f'{str(target)!r} already exists and is not empty: posecore plugin new '
                         f'writes only into a new or empty folder; pick another --out or NAME')
    files = plugin_files(names, registries, hooks)
    for rel, text in files.items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding='utf-8')
    return target
