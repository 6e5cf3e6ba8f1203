"""The hostile-input corpus: every bad input, the command it is given to, and the
message it must produce (see :mod:`tests.hostile.corpus` for the rule).

Each case writes its bad input into its own folder (the working directory of the
run), so relative paths in ``argv`` and ``names`` are relative to that folder.
"""
from __future__ import annotations

import json
import os
import shutil
import struct
import zipfile
from pathlib import Path
from typing import Any, Callable

from .corpus import Case, Fixtures, fill

Setup = Callable[[Path, Fixtures], None]
TRAIN = ('train', 'cfg.py', '--work-dir', 'work')
CASES: list[Case] = []


def case(id: str, category: str, argv: tuple[str, ...], setup: Setup | None, code: int,
         names: tuple[str, ...], hint: str, **kwargs: Any) -> None:
    CASES.append(Case(id, category, tuple(argv), setup, code, tuple(names), hint, **kwargs))


# -- setup recipes -------------------------------------------------------------------------
def write(rel: str, content: str | bytes) -> Setup:
    """Write ``content`` (placeholders filled in text) to ``rel`` in the case's folder."""
    def setup(case_dir: Path, fx: Fixtures) -> None:
        path = case_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(fill(content, case_dir, fx))
    return setup


def cfg(text: str) -> Setup:
    """A config ``cfg.py``; ``{tiny}`` is the tiny training config."""
    return write('cfg.py', text)


def tiny_cfg(text: str = '') -> Setup:
    """``cfg.py``: the tiny config changed by ``text``."""
    return cfg("_base_ = ['{tiny}']\n" + text)


def chain(*setups: Setup) -> Setup:
    def setup(case_dir: Path, fx: Fixtures) -> None:
        for step in setups:
            step(case_dir, fx)
    return setup


def trained(case_dir: Path, fx: Fixtures) -> None:
    """``work/``: the tiny config's work dir after one epoch (checkpoint, logs)."""
    shutil.copytree(fx.trained, case_dir / 'work')
    # last_checkpoint holds an absolute path: point it at this copy
    (case_dir / 'work' / 'last_checkpoint').write_text(str(case_dir / 'work' / 'epoch_1.pth'))


def coco(case_dir: Path, fx: Fixtures) -> None:
    """``coco/``: the real COCO sample (4 images, 14 people) and ``cfg.py`` training on it."""
    shutil.copytree(fx.coco, case_dir / 'coco')
    (case_dir / 'cfg.py').write_text(f"_base_ = [{str(fx.topdown)!r}]\n")


def edit_annotations(change: Callable[[dict], Any]) -> Setup:
    """The COCO sample with its annotation file changed in memory by ``change``."""
    def setup(case_dir: Path, fx: Fixtures) -> None:
        coco(case_dir, fx)
        path = case_dir / 'coco' / 'test_coco.json'
        data = json.loads(path.read_text())
        change(data)
        path.write_text(json.dumps(data))
    return setup


def every_image(damage: Callable[[Path], None]) -> Setup:
    """The COCO sample with each of its images damaged by ``damage``."""
    def setup(case_dir: Path, fx: Fixtures) -> None:
        coco(case_dir, fx)
        for image in sorted((case_dir / 'coco').glob('*.jpg')):
            damage(image)
    return setup


def fake_dist(name: str, entry_points: str | bytes | None, version: str = '1.0',
              metadata: str | bytes | None = 'default', modules: dict[str, str] | None = None,
              site: str = 'site') -> Setup:
    """A fake installed distribution: ``site/NAME-VERSION.dist-info`` and its modules."""
    def setup(case_dir: Path, fx: Fixtures) -> None:
        info = case_dir / site / f"{name.replace('-', '_')}-{version}.dist-info"
        info.mkdir(parents=True)
        meta = (f'Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n'
                f'Requires-Dist: posecore>=0.1,<0.2\n\n' if metadata == 'default' else metadata)
        for fname, content in (('METADATA', meta), ('entry_points.txt', entry_points)):
            if content is not None:
                target = info / fname
                if isinstance(content, bytes):
                    target.write_bytes(content)
                else:
                    target.write_text(content)
        for module, source in (modules or {}).items():
            (case_dir / site / f'{module}.py').write_text(source)
    return setup


FAKE_MODULE = {'fake_plugin': 'class FakeModel:\n    pass\n'}
USES_FAKE = tiny_cfg("model = dict(type='FakeModel')\n")


def ckpt(rel: str, make: Callable[[Path, Fixtures], bytes]) -> Setup:
    def setup(case_dir: Path, fx: Fixtures) -> None:
        trained(case_dir, fx)
        path = case_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(make(case_dir, fx))
    return setup


def good_ckpt(case_dir: Path, fx: Fixtures) -> bytes:
    return (fx.trained / 'epoch_1.pth').read_bytes()


def torch_bytes(obj_source: str) -> Callable[[Path, Fixtures], bytes]:
    """A file ``torch.save`` writes for the object ``obj_source`` evaluates to."""
    def make(case_dir: Path, fx: Fixtures) -> bytes:
        import io

        import torch

        buffer = io.BytesIO()
        torch.save(eval(obj_source, {'torch': torch}), buffer)
        return buffer.getvalue()
    return make


def newer_format(case_dir: Path, fx: Fixtures) -> bytes:
    """The trained checkpoint with its archive's format version raised to 99."""
    import io

    src = zipfile.ZipFile(io.BytesIO(good_ckpt(case_dir, fx)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, 'w', zipfile.ZIP_STORED) as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename.endswith('/version'):
                data = b'99\n'
            dst.writestr(item, data)
    return out.getvalue()


def pickle_payload(case_dir: Path, fx: Fixtures) -> bytes:
    """The trained checkpoint whose pickle calls ``os.system`` when unpickled."""
    import io

    src = zipfile.ZipFile(io.BytesIO(good_ckpt(case_dir, fx)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, 'w', zipfile.ZIP_STORED) as dst:
        for item in src.infolist():
            dst.writestr(item, PICKLE_PAYLOAD if item.filename.endswith('data.pkl')
                         else src.read(item))
    return out.getvalue()


PICKLE_PAYLOAD = (b'\x80\x04\x95\x1c\x00\x00\x00\x00\x00\x00\x00\x8c\x02os\x94\x8c\x06system'
                  b'\x94\x93\x94\x8c\x08touch pw\x94\x85\x94R\x94.')


# == config files ===========================================================================
case('cfg-missing-file', 'config', ('train', 'nope.py'), None, 2,
     ('nope.py',), r'does not exist.*pass the path')
case('cfg-is-a-folder', 'config', ('train', 'cfgdir'), write('cfgdir/x', ''), 2,
     ('cfgdir',), r'is not a file')
case('cfg-syntax-error', 'config', TRAIN, cfg('model = dict(type="TinyRegressor"\n'), 2,
     ('cfg.py',), r'syntax error.*line')
case('cfg-non-utf8', 'config', TRAIN, write('cfg.py', b"model = dict(type='\xff\xfe')\n"), 2,
     ('cfg.py',), r'UTF-8')
case('cfg-base-includes-itself', 'config', TRAIN, cfg("_base_ = ['cfg.py']\n"), 2,
     ('cfg.py',), r'_base_.*(circular|itself)')
case('cfg-base-cycle-of-two', 'config', TRAIN,
     chain(cfg("_base_ = ['b.py']\n"), write('b.py', "_base_ = ['cfg.py']\n")), 2,
     ('cfg.py', 'b.py'), r'circular _base_')
case('cfg-base-missing', 'config', TRAIN, cfg("_base_ = ['nowhere.py']\n"), 2,
     ('cfg.py', 'nowhere.py'), r'_base_.*relative to the config')
case('cfg-base-not-a-list', 'config', TRAIN, cfg('_base_ = 3\n'), 2,
     ('cfg.py', '_base_'), r'list of .*file')
case('cfg-base-key-missing', 'config', TRAIN,
     tiny_cfg('max_epochs = {{_base_.no_such_key}}\n'), 2, ('cfg.py', 'no_such_key'),
     r'_base_\.NAME')
case('cfg-delete-on-missing-key', 'config', TRAIN,
     tiny_cfg("model = dict(neck=dict(_delete_=True, in_channels=4))\n"), 2,
     ('cfg.py', 'model.neck'), r"no 'type' key")
case('cfg-raises-when-run', 'config', TRAIN, cfg("raise RuntimeError('half-edited')\n"), 2,
     ('cfg.py', 'half-edited'), r'could not be loaded')
case('cfg-undefined-name', 'config', TRAIN, cfg('max_epochs = undefined_name + 1\n'), 2,
     ('cfg.py', 'undefined_name'), r'could not be loaded')
case('cfg-empty-file', 'config', TRAIN, cfg(''), 2, ('cfg.py', 'model'),
     r"needs 'model'.*inherit a config")
case('cfg-without-model', 'config', TRAIN, tiny_cfg('model = None\n'), 2,
     ('cfg.py', 'model'), r"model")
case('cfg-without-train-dataloader', 'config', TRAIN,
     tiny_cfg('train_dataloader = None\n'), 2, ('cfg.py', 'train_dataloader'), r'train')
case('cfg-without-optim-wrapper', 'config', TRAIN, tiny_cfg('optim_wrapper = None\n'), 2,
     ('cfg.py', 'optim_wrapper'), r'train')
case('cfg-without-train-cfg', 'config', TRAIN, tiny_cfg('train_cfg = None\n'), 2,
     ('cfg.py', 'train_cfg'), r'train')
case('cfg-test-without-test-dataloader', 'config',
     ('test', 'cfg.py', 'work/epoch_1.pth', '--work-dir', 'work'),
     chain(trained, tiny_cfg('test_dataloader = None\n')), 2,
     ('cfg.py', 'test_dataloader'), r'test')
case('cfg-model-not-a-dict', 'config', TRAIN, tiny_cfg("model = 'TinyRegressor'\n"), 2,
     ('cfg.py', 'model'), r"dict\(type=")
case('cfg-built-dict-without-type', 'config', TRAIN,
     tiny_cfg("model = dict(_delete_=True, in_features=4)\n"), 2,
     ('cfg.py', "'model'"), r"no 'type' key")
case('cfg-type-not-a-string', 'config', TRAIN,
     tiny_cfg("model = dict(type=42)\n"), 2, ('cfg.py', 'model.type'), r'string')
case('cfg-type-misspelt', 'config', TRAIN, tiny_cfg("model = dict(type='TinyRegresor')\n"),
     1, ('cfg.py', 'model.type', 'TinyRegresor'), r'did you mean TinyRegressor')
case('cfg-wrong-argument-name', 'config', TRAIN,
     tiny_cfg("model = dict(_delete_=True, type='TinyRegressor', in_feature=4)\n"), 2,
     ('cfg.py', 'model', 'in_feature'), r'in_features')
case('cfg-wrong-argument-type', 'config', TRAIN,
     tiny_cfg("model = dict(in_features='four')\n"), 2,
     ('cfg.py', 'model.in_features'), r'int')
case('cfg-pipeline-step-wrong-argument', 'config', TRAIN,
     tiny_cfg("train_dataloader = dict(dataset=dict(pipeline=[dict(type='PackTinyInputs', "
              "keys=['x'])]))\n"), 2,
     ('cfg.py', 'train_dataloader.dataset.pipeline.0', 'keys'), r'accepts')
case('cfg-unknown-default-scope', 'config', TRAIN, tiny_cfg("default_scope = 'mmdet'\n"), 2,
     ('cfg.py', 'default_scope', 'mmdet'), r"posecore")
case('cfg-plugins-key-malformed', 'config', TRAIN, tiny_cfg("plugins = ['pose-plugin-x']\n"), 2,
     ('plugins',), r'dict\(disable=')
case('cfg-plugins-required-missing', 'config', TRAIN,
     tiny_cfg("plugins = dict(required=['pose-plugin-nope>=1'])\n"), 1,
     ('pose-plugin-nope',), r'pip install')
case('cfg-plugins-required-not-a-requirement', 'config', TRAIN,
     tiny_cfg("plugins = dict(required=['not a requirement!'])\n"), 2,
     ('not a requirement!',), r'requirement string')
case('cfg-load-from-missing', 'config', TRAIN, tiny_cfg("load_from = 'nowhere.pth'\n"), 1,
     ('nowhere.pth',), r'does not exist')
case('cfg-print-config-syntax-error', 'config', ('print-config', 'cfg.py'),
     cfg('x = = 1\n'), 2, ('cfg.py',), r'syntax error')
case('cfg-unknown-qualified-distribution', 'config', TRAIN,
     tiny_cfg("model = dict(type='pose-plugin-nope::TinyRegressor')\n"), 1,
     ('pose-plugin-nope',), r'no installed distribution|Installed plugin distributions')

# == absurd values ==========================================================================
case('val-negative-batch-size', 'values', TRAIN,
     tiny_cfg('train_dataloader = dict(batch_size=-16)\n'), 2,
     ('cfg.py', 'train_dataloader.batch_size'), r'positive')
case('val-zero-batch-size', 'values', TRAIN,
     tiny_cfg('train_dataloader = dict(batch_size=0)\n'), 2,
     ('cfg.py', 'train_dataloader.batch_size'), r'positive')
case('val-batch-size-a-string', 'values', TRAIN,
     tiny_cfg("train_dataloader = dict(batch_size='16')\n"), 2,
     ('cfg.py', 'train_dataloader.batch_size'), r'int')
case('val-negative-num-workers', 'values', TRAIN,
     tiny_cfg('train_dataloader = dict(num_workers=-1)\n'), 2,
     ('cfg.py', 'train_dataloader.num_workers'), r'>= 0')
case('val-zero-max-epochs', 'values', TRAIN, tiny_cfg('train_cfg = dict(max_epochs=0)\n'), 2,
     ('cfg.py', 'train_cfg.max_epochs'), r'positive')
case('val-negative-learning-rate', 'values', TRAIN,
     tiny_cfg('optim_wrapper = dict(optimizer=dict(lr=-0.1))\n'), 2,
     ('cfg.py', 'optim_wrapper.optimizer.lr'), r'>= 0')
case('val-nan-learning-rate', 'values', TRAIN,
     tiny_cfg("optim_wrapper = dict(optimizer=dict(lr=float('nan')))\n"), 2,
     ('cfg.py', 'optim_wrapper.optimizer.lr'), r'finite')
case('val-zero-val-interval', 'values', TRAIN, tiny_cfg('train_cfg = dict(val_interval=0)\n'),
     2, ('cfg.py', 'train_cfg.val_interval'), r'positive')
case('val-cli-option-negative-batch', 'values',
     TRAIN + ('--cfg-options', 'train_dataloader.batch_size=-2'), tiny_cfg(), 2,
     ('train_dataloader.batch_size',), r'positive')
case('val-bad-sample-share-out-of-range', 'values', TRAIN,
     tiny_cfg('max_bad_sample_share = 1.5\n'), 2, ('cfg.py', 'max_bad_sample_share'),
     r'\[0, 1\)')
case('val-input-size-not-codec', 'values', TRAIN,
     chain(coco, cfg("_base_ = ['{topdown}']\ntrain_pipeline = [\n"
                     "    dict(type='LoadImage'), dict(type='GetBBoxCenterScale'),\n"
                     "    dict(type='TopdownAffine', input_size=(192, 256)),\n"
                     "    dict(type='GenerateTarget', encoder=dict(type='MSRAHeatmap', "
                     "input_size=(96, 128), heatmap_size=(24, 32), sigma=2)),\n"
                     "    dict(type='PackPoseInputs')]\n"
                     "train_dataloader = dict(dataset=dict(pipeline=train_pipeline))\n")), 2,
     ('cfg.py', 'input_size'), r'codec')

# == plugin metadata ========================================================================
case('ep-empty-name', 'plugins', TRAIN,
     chain(fake_dist('fake-plugin', '[posecore.models]\n= fake_plugin:FakeModel\n',
                     modules=FAKE_MODULE), USES_FAKE), 1,
     ('entry_points.txt', 'FakeModel'), r'no name')
case('ep-unclosed-group-header', 'plugins', TRAIN,
     chain(fake_dist('fake-plugin', '[posecore.models\nFakeModel = fake_plugin:FakeModel\n',
                     modules=FAKE_MODULE), USES_FAKE), 1,
     ('entry_points.txt', 'line 1'), r'header|\]')
case('ep-line-without-equals', 'plugins', TRAIN,
     chain(fake_dist('fake-plugin', '[posecore.models]\nFakeModel fake_plugin:FakeModel\n',
                     modules=FAKE_MODULE), USES_FAKE), 1,
     ('entry_points.txt', 'line 2'), r'NAME = module:attr')
case('ep-empty-value', 'plugins', TRAIN,
     chain(fake_dist('fake-plugin', '[posecore.models]\nFakeModel =\n', modules=FAKE_MODULE),
           USES_FAKE), 1, ('entry_points.txt', 'FakeModel'), r'module:attr')
case('ep-misspelt-group', 'plugins', TRAIN,
     chain(fake_dist('fake-plugin', '[posecore.model]\nFakeModel = fake_plugin:FakeModel\n',
                     modules=FAKE_MODULE), USES_FAKE), 1,
     ('entry_points.txt', 'posecore.model'), r'posecore\.models')
case('ep-file-not-utf8', 'plugins', TRAIN,
     chain(fake_dist('fake-plugin', b'[posecore.models]\nFakeModel = fake_plugin:Fake\xff\n',
                     modules=FAKE_MODULE), USES_FAKE), 1,
     ('entry_points.txt',), r'UTF-8.*reinstall')
case('ep-metadata-missing', 'plugins', TRAIN,
     chain(fake_dist('fake-plugin', '[posecore.models]\nFakeModel = fake_plugin:FakeModel\n',
                     metadata=None, modules=FAKE_MODULE), USES_FAKE), 1,
     ('fake_plugin-1.0.dist-info', 'METADATA'), r'reinstall')
case('ep-metadata-not-utf8', 'plugins', TRAIN,
     chain(fake_dist('fake-plugin', '[posecore.models]\nFakeModel = fake_plugin:FakeModel\n',
                     metadata=b'Name: fake-plugin\nVersion: 1.\xff\n\n', modules=FAKE_MODULE),
           USES_FAKE), 1, ('METADATA',), r'UTF-8.*reinstall')
case('ep-module-raises-on-import', 'plugins', TRAIN,
     chain(fake_dist('fake-plugin', '[posecore.models]\nFakeModel = fake_plugin:FakeModel\n',
                     modules={'fake_plugin': "raise RuntimeError('broken at import')\n"}),
           USES_FAKE), 1, ('fake_plugin:FakeModel', 'fake-plugin', 'broken at import'),
     r'switch it off')
case('ep-names-a-non-callable', 'plugins', TRAIN,
     chain(fake_dist('fake-plugin', '[posecore.models]\nFakeModel = fake_plugin:FAKE\n',
                     modules={'fake_plugin': 'FAKE = 3\n'}), USES_FAKE), 1,
     ('fake_plugin:FAKE', 'fake-plugin'), r'not a class or function')
case('ep-names-a-missing-attribute', 'plugins', TRAIN,
     chain(fake_dist('fake-plugin', '[posecore.models]\nFakeModel = fake_plugin:Nope\n',
                     modules=FAKE_MODULE), USES_FAKE), 1,
     ('fake_plugin:Nope', 'fake-plugin'), r'fix or reinstall')
case('ep-names-a-missing-module', 'plugins', TRAIN,
     chain(fake_dist('fake-plugin', '[posecore.models]\nFakeModel = fake_gone:FakeModel\n'),
           USES_FAKE), 1, ('fake_gone:FakeModel', 'fake-plugin'), r'fix or reinstall')
case('ep-two-versions-on-sys-path', 'plugins', TRAIN,
     chain(fake_dist('fake-plugin', '[posecore.models]\nFakeModel = fake_plugin:FakeModel\n',
                     modules=FAKE_MODULE),
           fake_dist('fake-plugin', '[posecore.models]\nFakeModel = fake_plugin:FakeModel\n',
                     version='2.0', modules=FAKE_MODULE, site='site2'), USES_FAKE), 1,
     ('fake-plugin', '1.0', '2.0', 'site2'), r'uninstall', pythonpath=('site', 'site2'))
case('ep-requires-another-posecore', 'plugins', TRAIN,
     chain(fake_dist('fake-plugin', '[posecore.models]\nFakeModel = fake_plugin:FakeModel\n',
                     metadata='Name: fake-plugin\nVersion: 1.0\n'
                              'Requires-Dist: posecore>=9\n\n', modules=FAKE_MODULE),
           USES_FAKE), 1, ('fake-plugin', 'posecore>=9'), r'pip install')
case('ep-hook-module-raises', 'plugins', ('fake-cmd',),
     fake_dist('fake-plugin', '[posecore.plugins]\nfake = fake_hooks\n',
               modules={'fake_hooks': "raise ImportError('hooks broken')\n"}), 2,
     ('fake_hooks', 'fake-plugin', 'hooks broken'), r'fake-cmd')
case('ep-two-distributions-one-name', 'plugins', TRAIN,
     chain(fake_dist('fake-plugin', '[posecore.models]\nFakeModel = fake_plugin:FakeModel\n',
                     modules=FAKE_MODULE),
           fake_dist('other-plugin', '[posecore.models]\nFakeModel = fake_plugin:FakeModel\n'),
           USES_FAKE), 1, ('fake-plugin', 'other-plugin'), r"fake-plugin::FakeModel")

# == environment (switches) =================================================================
case('env-allow-list-typo-leaves-type-off', 'environment', TRAIN, tiny_cfg(), 1,
     ('posecore-test-tiny', 'POSECORE_PLUGINS'), r'switched off',
     env={'POSECORE_DISABLE_PLUGIN_AUTOLOAD': '1', 'POSECORE_PLUGINS':
          'posecore-test-tiyn,pose-plugin-topdown'})
case('env-disabled-provider', 'environment', TRAIN, tiny_cfg(), 1,
     ('posecore-test-tiny', 'POSECORE_DISABLE_PLUGINS'), r'switched off',
     env={'POSECORE_DISABLE_PLUGINS': 'posecore-test-tiny'})
case('env-p-no-provider', 'environment', ('-p', 'no:posecore-test-tiny') + TRAIN, tiny_cfg(), 1,
     ('posecore-test-tiny', '-p no:posecore-test-tiny'), r'switched off')
case('env-config-disables-required', 'environment', TRAIN,
     tiny_cfg("plugins = dict(disable=['posecore-test-tiny'], "
              "required=['posecore-test-tiny>=0.1'])\n"), 1,
     ('posecore-test-tiny',), r'switched off')

# == data ===================================================================================
case('data-root-missing', 'data', TRAIN,
     chain(coco, cfg("_base_ = ['{topdown}']\ndata_root = 'nowhere/'\n"
                     "train_dataloader = dict(dataset=dict(data_root=data_root))\n")), 1,
     ('nowhere',), r'posecore coco synth|set data_root')
case('data-ann-file-missing', 'data', TRAIN,
     chain(coco, lambda d, fx: (d / 'coco' / 'test_coco.json').unlink()), 1,
     ('test_coco.json',), r'does not exist')
case('data-ann-file-a-folder', 'data', TRAIN,
     chain(coco, lambda d, fx: ((d / 'coco' / 'test_coco.json').unlink(),
                                (d / 'coco' / 'test_coco.json').mkdir())), 1,
     ('test_coco.json',), r'folder|directory')
case('data-ann-truncated', 'data', TRAIN,
     chain(coco, lambda d, fx: (d / 'coco' / 'test_coco.json').write_bytes(
         (fx.coco / 'test_coco.json').read_bytes()[:5000])), 1,
     ('test_coco.json',), r'not valid JSON')
case('data-ann-empty-file', 'data', TRAIN,
     chain(coco, lambda d, fx: (d / 'coco' / 'test_coco.json').write_bytes(b'')), 1,
     ('test_coco.json',), r'not valid JSON')
case('data-ann-a-list', 'data', TRAIN, edit_annotations(lambda d: d.clear()), 1,
     ('test_coco.json',), r'lacks')
case('data-ann-no-annotations-key', 'data', TRAIN,
     edit_annotations(lambda d: d.pop('annotations')), 1,
     ('test_coco.json', "'annotations'"), r'COCO keypoint annotation file has')
case('data-ann-keypoints-wrong-length', 'data', TRAIN,
     edit_annotations(lambda d: d['annotations'][0].update(keypoints=[1, 2, 2] * 16)), 1,
     ('test_coco.json', '442619'), r'keypoints')
case('data-ann-keypoints-nan', 'data', TRAIN,
     edit_annotations(lambda d: d['annotations'][0]['keypoints'].__setitem__(0, float('nan'))),
     1, ('test_coco.json', '442619'), r'NaN|finite')
def _all_negative(data: dict) -> None:
    for ann in data['annotations']:
        ann['keypoints'] = [-abs(v) - 1 if i % 3 < 2 else v
                            for i, v in enumerate(ann['keypoints'])]


case('data-ann-keypoints-all-negative', 'data', TRAIN, edit_annotations(_all_negative), 1,
     ('test_coco.json',), r'no training samples')
case('data-ann-bbox-nan', 'data', TRAIN,
     edit_annotations(lambda d: d['annotations'][0]['bbox'].__setitem__(2, float('nan'))), 1,
     ('test_coco.json', '442619'), r'NaN|finite')
case('data-ann-boxes-outside-image', 'data', TRAIN,
     edit_annotations(lambda d: [a.update(bbox=[5000, 5000, 10, 10]) for a in d['annotations']]),
     1, ('test_coco.json',), r'no training samples.*boxes outside the image')
case('data-ann-image-ids-unknown', 'data', TRAIN,
     edit_annotations(lambda d: [a.update(image_id=123456789) for a in d['annotations']]), 1,
     ('test_coco.json',), r'no training samples.*images not in "images"')
case('data-ann-no-people', 'data', TRAIN,
     edit_annotations(lambda d: d.update(annotations=[])), 1,
     ('test_coco.json',), r'no training samples')
case('data-ann-without-boxes', 'data', TRAIN,
     edit_annotations(lambda d: [a.pop('bbox') for a in d['annotations']]), 1,
     ('test_coco.json',), r'no training samples.*without bbox')
case('data-ann-keypoints-not-numbers', 'data', TRAIN,
     edit_annotations(lambda d: d['annotations'][0]['keypoints'].__setitem__(0, 'x')), 1,
     ('test_coco.json', '442619'), r'not a number')
case('data-ann-image-without-size', 'data', TRAIN,
     edit_annotations(lambda d: d['images'][0].pop('width')), 1,
     ('test_coco.json', '785'), r'"width" and "height"')
case('data-images-missing', 'data', TRAIN, every_image(Path.unlink), 1,
     ('.jpg',), r'could not be read|cannot read')
case('data-images-empty', 'data', TRAIN, every_image(lambda p: p.write_bytes(b'')), 1,
     ('.jpg',), r'could not be read|cannot read')
case('data-images-truncated', 'data', TRAIN,
     every_image(lambda p: p.write_bytes(p.read_bytes()[:300])), 1,
     ('.jpg',), r'could not be read|cannot read')
case('data-images-not-images', 'data', TRAIN,
     every_image(lambda p: p.write_text('this is not a JPEG\n')), 1,
     ('.jpg',), r'could not be read|cannot read')

# == checkpoints ============================================================================
TEST = ('test', 'cfg.py', 'bad.pth', '--work-dir', 'work')
case('ckpt-missing', 'checkpoint', TEST, chain(trained, tiny_cfg()), 2, ('bad.pth',),
     r'does not exist')
case('ckpt-a-folder', 'checkpoint', TEST,
     chain(trained, tiny_cfg(), write('bad.pth/x', '')), 2, ('bad.pth',), r'not a file|does not')
case('ckpt-zero-bytes', 'checkpoint', TEST, chain(tiny_cfg(), ckpt('bad.pth', lambda d, f: b'')),
     1, ('bad.pth',), r'empty|truncated')
case('ckpt-truncated', 'checkpoint', TEST,
     chain(tiny_cfg(), ckpt('bad.pth', lambda d, fx: good_ckpt(d, fx)[:1000])), 1,
     ('bad.pth',), r'truncated|corrupt')
case('ckpt-random-bytes', 'checkpoint', TEST,
     chain(tiny_cfg(), ckpt('bad.pth', lambda d, fx: os.urandom(4096))), 1,
     ('bad.pth',), r'not a (PyTorch )?checkpoint|corrupt')
case('ckpt-a-json-file', 'checkpoint', TEST,
     chain(tiny_cfg(), ckpt('bad.pth', lambda d, fx: b'{"state_dict": {}}\n')), 1,
     ('bad.pth',), r'not a (PyTorch )?checkpoint|corrupt')
case('ckpt-pickle-payload', 'checkpoint', TEST,
     chain(tiny_cfg(), ckpt('bad.pth', pickle_payload)), 1,
     ('bad.pth',), r'never runs pickled code')
case('ckpt-newer-format', 'checkpoint', TEST,
     chain(tiny_cfg(), ckpt('bad.pth', newer_format)), 1, ('bad.pth',), r'newer')
case('ckpt-another-models-weights', 'checkpoint', TEST,
     chain(tiny_cfg(), ckpt('bad.pth', torch_bytes(
         "{'state_dict': {'backbone.conv1.weight': torch.zeros(64, 3, 3, 3)}}"))), 1,
     ('bad.pth', 'linear.weight'), r'another model|does not match')
case('ckpt-wrong-shapes', 'checkpoint', TEST,
     chain(tiny_cfg(), ckpt('bad.pth', torch_bytes(
         "{'state_dict': {'linear.weight': torch.zeros(2, 8), 'linear.bias': torch.zeros(2)}}"))),
     1, ('bad.pth', 'linear.weight'), r'shape')
case('ckpt-a-bare-tensor', 'checkpoint', TEST,
     chain(tiny_cfg(), ckpt('bad.pth', torch_bytes('torch.zeros(3)'))), 1,
     ('bad.pth',), r'state_dict|state dict')
case('ckpt-load-from-truncated', 'checkpoint', TRAIN,
     chain(tiny_cfg("load_from = 'bad.pth'\n"),
           ckpt('bad.pth', lambda d, fx: good_ckpt(d, fx)[:1000])), 1,
     ('bad.pth',), r'truncated|corrupt')

# == resume =================================================================================
case('resume-corrupt-last-checkpoint', 'resume', TRAIN + ('--resume',),
     chain(tiny_cfg(), ckpt('work/epoch_2.pth', lambda d, fx: good_ckpt(d, fx)[:2000]),
           lambda d, fx: (d / 'work' / 'last_checkpoint').write_text(
               str(d / 'work' / 'epoch_2.pth'))), 1,
     ('epoch_2.pth', 'epoch_1.pth'), r'--resume')
case('resume-last-checkpoint-names-missing-file', 'resume', TRAIN + ('--resume',),
     chain(tiny_cfg(), trained, lambda d, fx: (d / 'work' / 'last_checkpoint').write_text(
         str(d / 'work' / 'epoch_7.pth'))), 2, ('epoch_7.pth', 'last_checkpoint'),
     r'--resume')
case('resume-explicit-truncated', 'resume', TRAIN + ('--resume', 'work/epoch_2.pth'),
     chain(tiny_cfg(), ckpt('work/epoch_2.pth', lambda d, fx: good_ckpt(d, fx)[:2000])), 1,
     ('epoch_2.pth',), r'truncated|corrupt')
case('resume-explicit-missing', 'resume', TRAIN + ('--resume', 'work/epoch_9.pth'),
     chain(tiny_cfg(), trained), 2, ('epoch_9.pth',), r'no such checkpoint')
case('resume-empty-work-dir', 'resume', TRAIN + ('--resume',), chain(tiny_cfg(),
     write('work/notes.txt', 'x')), 2, ('work',), r'no checkpoint to resume')

# == command line ===========================================================================
case('cli-unknown-option', 'cli', TRAIN + ('--epochs', '3'), tiny_cfg(), 2,
     ('--epochs',), r'unrecognized')
case('cli-unknown-command', 'cli', ('trian', 'cfg.py'), tiny_cfg(), 2,
     ('trian',), r'train')
case('cli-missing-argument', 'cli', ('test', 'cfg.py'), tiny_cfg(), 2,
     ('checkpoint',), r'required')
case('cli-p-without-value', 'cli', ('-p',), None, 2, ('-p',), r'expected one argument')
case('cli-bad-cfg-options', 'cli', TRAIN + ('--cfg-options', 'train_cfg.max_epochs'),
     tiny_cfg(), 2, ('train_cfg.max_epochs',), r'KEY=VALUE')
case('cli-bad-launcher', 'cli', TRAIN + ('--launcher', 'mpirun'), tiny_cfg(), 2,
     ('--launcher',), r'invalid choice')
case('cli-amp-without-cuda', 'cli', TRAIN + ('--amp',), tiny_cfg(), 2, ('--amp',), r'CUDA')
case('cfg-amp-wrapper-without-cuda', 'cli', TRAIN,
     tiny_cfg("optim_wrapper = dict(type='AmpOptimWrapper', loss_scale='dynamic')\n"), 2,
     ("optim_wrapper.type='AmpOptimWrapper'", '_fp16'), r'CUDA.*full-precision config')
case('cfg-flip-shift-out-of-range', 'values', TRAIN,
     tiny_cfg("model = dict(test_cfg=dict(shift_heatmap=2))\n"), 2,
     ('cfg.py', 'model.test_cfg.shift_heatmap=2'), r'number in \[0, 1\]')
case('cfg-cpu-amp-float16', 'cli', TRAIN,
     tiny_cfg("optim_wrapper = dict(type='CPUAmpOptimWrapper', dtype='float16')\n"), 2,
     ("optim_wrapper.dtype='float16'",), r"bfloat16 only.*dtype='bfloat16'")
case('cli-slurm-without-cuda', 'cli', TRAIN + ('--launcher', 'slurm'), tiny_cfg(), 2,
     ('--launcher slurm',), r'torchrun')
case('cli-work-dir-is-a-file', 'cli', TRAIN, chain(tiny_cfg(), write('work', 'notes\n')), 2,
     ('work',), r'is a file.*--work-dir')
case('cli-config-work-dir-is-a-file', 'cli', ('train', 'cfg.py'),
     chain(tiny_cfg("work_dir = 'notes.txt'\n"), write('notes.txt', 'notes\n')), 2,
     ('notes.txt',), r'is a file.*--work-dir')
case('cli-work-dir-under-a-file', 'cli', ('train', 'cfg.py', '--work-dir', 'notes/work'),
     chain(tiny_cfg(), write('notes', 'notes\n')), 2, ('notes',), r'is a file.*--work-dir')
case('cli-test-out-is-a-folder', 'cli', TEST[:2] + ('work/epoch_1.pth', '--out', 'work'),
     chain(trained, tiny_cfg()), 2, ('--out', 'work'), r'folder|directory')
case('cli-test-dump-not-pickle', 'cli', TEST[:2] + ('work/epoch_1.pth', '--dump', 'p.json'),
     chain(trained, tiny_cfg()), 2, ('p.json',), r'\.pkl')
case('cli-auto-scale-lr-without-base', 'cli', TRAIN + ('--auto-scale-lr',),
     tiny_cfg('auto_scale_lr = None\n'), 2, ('--auto-scale-lr',), r'base_batch_size')
case('cli-metainfo-unknown', 'cli', ('metainfo', 'cocoo'), None, 1,
     ('cocoo',), r'coco')

# == disk ===================================================================================
def faults(case_dir: Path, fx: Fixtures) -> None:
    """``faults/sitecustomize.py``: the fault injector, for ``pythonpath=('faults',)``."""
    (case_dir / 'faults').mkdir()
    shutil.copy(Path(__file__).with_name('faults') / 'sitecustomize.py', case_dir / 'faults')


case('disk-work-dir-not-writable', 'disk', TRAIN, chain(tiny_cfg(), trained, faults), 1,
     ('work',), r'permission|permissions', pythonpath=('faults',),
     env={'HOSTILE_FAULT': 'EACCES:work'})
case('disk-full', 'disk', TRAIN, chain(tiny_cfg(), trained, faults), 1,
     ('work',), r'No space left.*free some space', pythonpath=('faults',),
     env={'HOSTILE_FAULT': 'ENOSPC:work'})
case('disk-full-while-saving-checkpoint', 'disk', TRAIN + ('--resume',),
     chain(tiny_cfg('train_cfg = dict(max_epochs=2)\n'), trained, faults), 1,
     ('epoch_2.pth',), r'No space left.*free some space', pythonpath=('faults',),
     appends=('work/tiny_*.txt',),
     env={'HOSTILE_FAULT': 'ENOSPC:' + os.path.join('work', 'epoch_2.pth')})
case('disk-read-only-file-system', 'disk', TRAIN, chain(tiny_cfg(), trained, faults), 1,
     ('work',), r'read-only', pythonpath=('faults',),
     env={'HOSTILE_FAULT': 'EROFS:work'})
