"""``posecore plugin new``: the files it writes, the names it accepts and refuses.

That the generated plugin builds, passes its own tests and trains is proven
end to end in ``tests/integration/test_plugin_authoring.py``.
"""
from __future__ import annotations

import ast
import sys

import pytest

from posecore.cli.main import main
from posecore.errors import UsageError
from posecore.scaffold.names import plugin_names
from posecore.scaffold.project import posecore_range, write_plugin
from posecore.scaffold.sources import BY_REGISTRY

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    tomllib = pytest.importorskip('tomli')


def _new(capsys, *args):
    code = main(['plugin', 'new', *args])
    return code, capsys.readouterr()


@pytest.mark.parametrize('dist, package, prefix', [
    ('pose-plugin-foo', 'pose_plugin_foo', 'Foo'),
    ('My.Pose_Plugin-x2', 'my_pose_plugin_x2', 'MyX2'),
    ('posecore-plugin', 'posecore_plugin', 'PosecorePlugin'),
    ('pose-plugin-3d', 'pose_plugin_3d', 'P3d'),
])
def test_names_derived_from_the_distribution_name(dist, package, prefix):
    names = plugin_names(dist)
    assert (names.package, names.prefix) == (package, prefix)


@pytest.mark.parametrize('name, message', [
    ('.foo', "'.foo' is not a distribution name pip accepts: use letters, digits"),
    ('foo-', 'is not a distribution name pip accepts'),
    ('pose plugin', 'is not a distribution name pip accepts'),
    ('foo!', 'is not a distribution name pip accepts'),
    ('3d-lifter', "gives the import name '3d_lifter', which is not a Python identifier"),
    ('class', "gives the import name 'class', which is not a Python identifier"),
    ('posecore', "would shadow a package posecore plugins import; pick another name, "
                 "e.g. 'pose-plugin-posecore'"),
])
def test_bad_names_are_refused_saying_what_is_accepted(tmp_path, capsys, name, message):
    code, out = _new(capsys, name, '--out', str(tmp_path))
    assert code == 2
    assert out.err.startswith('posecore: error: ') and message in out.err
    assert not any(tmp_path.iterdir())  # nothing written


def test_a_name_starting_with_a_dash_is_refused():
    with pytest.raises(UsageError, match="'-foo' is not a distribution name pip accepts"):
        plugin_names('-foo')


def test_an_existing_non_empty_folder_is_refused(tmp_path, capsys):
    (tmp_path / 'pose-plugin-foo').mkdir()
    (tmp_path / 'pose-plugin-foo' / 'notes.txt').write_text('mine')
    code, out = _new(capsys, 'pose-plugin-foo', '--out', str(tmp_path))
    assert code == 2
    assert 'already exists and is not empty: posecore plugin new writes only into a new or ' \
           'empty folder' in out.err
    assert [p.name for p in (tmp_path / 'pose-plugin-foo').iterdir()] == ['notes.txt']


def test_an_empty_folder_is_filled(tmp_path, capsys):
    (tmp_path / 'pose-plugin-foo').mkdir()
    code, out = _new(capsys, 'pose-plugin-foo', '--out', str(tmp_path))
    assert code == 0 and 'wrote pose-plugin-foo (import name pose_plugin_foo)' in out.out


def test_an_unknown_registry_is_refused(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(['plugin', 'new', 'pose-plugin-foo', '--registry', 'model', '--out', str(tmp_path)])
    assert "invalid choice: 'model'" in capsys.readouterr().err
    with pytest.raises(UsageError, match="unknown registry 'model'; use one or more of models"):
        write_plugin(plugin_names('pose-plugin-foo'), ['model'], False, tmp_path)


def test_default_is_one_backbone(tmp_path, capsys):
    code, _ = _new(capsys, 'pose-plugin-foo', '--out', str(tmp_path))
    root = tmp_path / 'pose-plugin-foo'
    assert code == 0
    files = sorted(str(p.relative_to(root)) for p in root.rglob('*') if p.is_file())
    assert files == ['README.md',
                     'configs/td-hm_pose-plugin-foo-backbone_1xb8-1e_synth-coco-64x64.py',
                     'pose_plugin_foo/__init__.py', 'pose_plugin_foo/backbone.py',
                     'pyproject.toml', 'tests/test_backbone.py', 'tests/test_plugin.py']
    project = tomllib.loads((root / 'pyproject.toml').read_text())
    assert project['project']['entry-points'] == {
        'posecore.models': {'FooBackbone': 'pose_plugin_foo.backbone:FooBackbone'}}


def test_every_registry_and_the_hooks(tmp_path, capsys):
    code, out = _new(capsys, 'pose-plugin-foo', '--registry', *BY_REGISTRY, '--hooks',
                     '--out', str(tmp_path))
    assert code == 0
    root = tmp_path / 'pose-plugin-foo'
    project = tomllib.loads((root / 'pyproject.toml').read_text())['project']
    assert project['name'] == 'pose-plugin-foo' and project['version'] == '0.1.0'
    assert project['dependencies'][0] == 'posecore>=0.1,<0.2'
    assert project['optional-dependencies'] == {'test': ['pytest>=7']}
    groups = project['entry-points']
    assert sorted(groups) == sorted([f'posecore.{r}' for r in BY_REGISTRY] + ['posecore.plugins'])
    assert groups['posecore.plugins'] == {'pose_plugin_foo': 'pose_plugin_foo.hooks'}
    for group, eps in groups.items():
        for name, value in eps.items():  # every entry point names a module that was written
            module, _, attr = value.partition(':')
            path = root / (module.replace('.', '/') + '.py')
            tree = ast.parse(path.read_text())
            assert not attr or attr in {n.name for n in tree.body if isinstance(n, ast.ClassDef)}
    for path in root.rglob('*.py'):  # all of it is valid Python, with no placeholder left
        text = path.read_text()
        compile(text, str(path), 'exec')
        assert '@' + 'Prefix@' not in text and '@' + 'dist@' not in text
    # the package's __init__ imports nothing: discovery stays lazy
    init = ast.parse((root / 'pose_plugin_foo' / '__init__.py').read_text())
    assert not [n for n in init.body if isinstance(n, (ast.Import, ast.ImportFrom))]


def test_the_config_names_the_new_types(tmp_path, capsys):
    from mmengine.config import Config

    _new(capsys, 'pose-plugin-foo', '--registry', 'models', 'transforms', 'metrics', 'hooks',
         'visualizers', 'visbackends', '--out', str(tmp_path))
    cfg = Config.fromfile(next((tmp_path / 'pose-plugin-foo' / 'configs').glob('*.py')))
    assert cfg.model.backbone.type == 'FooBackbone'
    assert cfg.train_pipeline[1].type == 'FooRandomBrightness'
    assert [e.type for e in cfg.val_evaluator] == ['CocoMetric', 'FooPCK']
    assert cfg.custom_hooks[0].type == 'FooLossLogHook'
    assert cfg.visualizer.type == 'FooVisualizer'
    assert cfg.visualizer.vis_backends[1].type == 'FooCsvVisBackend'
    assert cfg.plugins.required == ['pose-plugin-topdown>=0.1', 'pose-plugin-heatmap-codecs>=0.1',
                                    'pose-plugin-coco>=0.1']


def test_without_a_backbone_the_config_uses_hrnet(tmp_path, capsys):
    from mmengine.config import Config

    _new(capsys, 'pose-plugin-bar', '--registry', 'metrics', '--out', str(tmp_path))
    cfg = Config.fromfile(next((tmp_path / 'pose-plugin-bar' / 'configs').glob('*.py')))
    assert cfg.model.backbone.type == 'HRNet' and cfg.model.head.in_channels == 16
    assert 'pose-plugin-hrnet>=0.1' in cfg.plugins.required


def test_plugins_new_is_an_alias(tmp_path, capsys):
    assert main(['plugins', 'new', 'pose-plugin-foo', '--out', str(tmp_path)]) == 0
    assert (tmp_path / 'pose-plugin-foo' / 'pose_plugin_foo' / 'backbone.py').is_file()


@pytest.mark.parametrize('version, spec', [('0.1.0', 'posecore>=0.1,<0.2'),
                                           ('0.12.3', 'posecore>=0.12,<0.13'),
                                           ('1.4.0', 'posecore>=1.4,<2')])
def test_the_posecore_range_is_the_release_series(version, spec):
    assert posecore_range(version) == spec
